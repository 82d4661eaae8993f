"""Keeps derived data in step with the page tree and tells the live newsroom what happened."""

from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import page_cache
from .models import StoryPage


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


@receiver(page_published)
def announce_story_published(sender, instance, **kwargs):
    if isinstance(instance, StoryPage) and instance.agency_id:
        from .consumers import send_newsroom_event

        send_newsroom_event(
            agency_id=instance.agency_id,
            event={
                "type": "story.published",
                "story": instance.pk,
                "title": instance.title,
                "url": instance.url,
            },
        )
