"""Keeps derived data in step with the page tree and tells the live newsroom what happened."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.admin.models import EditingSession
from wagtail.models import PageLogEntry
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import live, page_cache
from .models import Assignment, StoryPage


@receiver(post_page_move)
def refresh_story_placement(sender, instance, **kwargs):
    specific = instance.specific_deferred
    if isinstance(specific, StoryPage):
        specific.refresh_placement()
        StoryPage.objects.filter(pk=specific.pk).update(agency=specific.agency, section=specific.section)
    elif instance.depth <= 3:
        # A section moved: its stories follow it.
        for story in StoryPage.objects.descendant_of(instance):
            story.refresh_placement()
            StoryPage.objects.filter(pk=story.pk).update(agency=story.agency, section=story.section)


@receiver(page_published)
@receiver(page_unpublished)
def clear_page_cache(sender, instance, **kwargs):
    # Home and section pages list stories, so any publication can change any cached page.
    page_cache.invalidate()


# The live newsroom (newsroom.live): story events come from the audit log, sent once the transaction commits.
@receiver(post_save, sender=PageLogEntry)
def announce_log_entry(sender, instance, created, **kwargs):
    if created:
        live.on_log_entry_saved(instance)


@receiver(post_save, sender=Assignment)
def announce_assignment(sender, instance, created, **kwargs):
    live.on_assignment_saved(instance, created)


# Someone opened a story in the editor (a session is created) or left it (released); pings only update.
@receiver(post_save, sender=EditingSession)
def announce_editing_started(sender, instance, created, **kwargs):
    if created:
        live.on_editing_session_changed(instance, opened=True)


@receiver(post_delete, sender=EditingSession)
def announce_editing_ended(sender, instance, **kwargs):
    live.on_editing_session_changed(instance, opened=False)
