"""Every new asset, however it arrived, goes to the ingest; a deleted one takes its renditions along."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from newsroom.models import Agency

from .models import ArchiveImage, ArchiveMedia, State
from .tasks import delete_renditions, queue_processing


@receiver(post_save, sender=ArchiveImage)
@receiver(post_save, sender=ArchiveMedia)
def ingest_new_asset(sender, instance, created, raw=False, **kwargs):
    if raw or not created or instance.state != State.UPLOADED:
        return
    if instance.agency_id is None and instance.collection_id:
        # Uploaded through Wagtail's own forms: the collection says whose it is.
        agency = Agency.objects.filter(collection_id=instance.collection_id).first()
        if agency:
            sender.objects.filter(pk=instance.pk).update(agency=agency)
            instance.agency = agency
    queue_processing(instance)


@receiver(post_delete, sender=ArchiveMedia)
def remove_media_renditions(sender, instance, **kwargs):
    delete_renditions(instance)
