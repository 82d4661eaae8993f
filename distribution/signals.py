"""Publication writes the outbox: receivers run inside the publishing transaction (see StoryPage.publish)."""

from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from newsroom.models import StoryPage

from . import outbox, websub  # noqa: F401 - websub connects its own receivers
from .worker import wake_workers


@receiver(page_published)
def deliver_published_story(sender, instance, revision=None, **kwargs):
    if isinstance(instance, StoryPage):
        written = outbox.enqueue_publication(
            story=instance, revision=revision, user=revision.user if revision else None
        )
        if written:
            transaction.on_commit(wake_workers)


@receiver(page_unpublished)
def take_down_unpublished_story(sender, instance, **kwargs):
    if isinstance(instance, StoryPage) and instance.pk:
        written = outbox.enqueue_take_down(story=instance)
        if written:
            transaction.on_commit(wake_workers)
