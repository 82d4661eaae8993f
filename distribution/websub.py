"""WebSub (https://www.w3.org/TR/websub/): tell the hub the moment a feed changes, so subscribers fetch it at
once rather than polling.

Publishing or unpublishing a story queues `ping_websub` once the transaction commits; the task POSTs
`hub.mode=publish` and `hub.url` for each feed the story is in to `settings.WEBSUB_HUB_URL` (empty: off).
`distribution.signals` imports this module, which connects the receivers.
"""

from __future__ import annotations

import logging

import httpx
from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _
from django_tasks import task
from wagtail.signals import page_published, page_unpublished

from newsroom.models import StoryPage

logger = logging.getLogger(__name__)

# A hub answers a publish notification at once (it fetches the feed later), so a slow one is a broken one.
TIMEOUT = httpx.Timeout(5.0, connect=3.0)


class HubError(Exception):
    """The hub could not be reached or refused a notification; `message` says which feed and why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def hub_url() -> str:
    """The configured WebSub hub, or "" when pinging is off."""
    return settings.WEBSUB_HUB_URL


def ping_hub(urls: list[str]) -> None:
    """Notify the hub that each of `urls` changed: one `hub.mode=publish` POST per URL, as every hub accepts.

    Does nothing without a hub. Tries every URL, then raises HubError naming those the hub did not accept
    (a network failure or an answer other than 2xx).
    """
    hub = hub_url()
    if not hub or not urls:
        return
    failures = []
    with httpx.Client(timeout=TIMEOUT) as http:
        for url in urls:
            try:
                response = http.post(hub, data={"hub.mode": "publish", "hub.url": url})
            except httpx.HTTPError as problem:
                failures.append(f"{url}: {problem.__class__.__name__}")
                continue
            if not response.is_success:
                failures.append(f"{url}: HTTP {response.status_code}")
    if failures:
        raise HubError(_("The WebSub hub did not take %(feeds)s") % {"feeds": "; ".join(failures)})


def story_feeds(story: StoryPage) -> list[str]:
    """The feeds `story` is (or was, until unpublished) listed in; none for a story behind a restriction."""
    from .feeds.links import FEED_KINDS, feed_links

    site = story.get_site()
    if site is None or story.get_view_restrictions().exists():
        return []
    lead_media = story.lead_media
    kinds = [kind for kind in FEED_KINDS if kind != "podcast" or (lead_media and lead_media.type == "audio")]
    urls = [link.url for link in feed_links(site.root_url, kinds=kinds)]
    if story.section:
        urls += [link.url for link in feed_links(site.root_url, story.section.slug, kinds=kinds)]
    return urls


@task()
def ping_websub(story_id: int) -> None:
    """Ping the hub for every feed the story is in; the task fails (and says why) when the hub does not take
    them. Readers still get the story at the feeds' next poll."""
    story = StoryPage.objects.select_related("section", "lead_media").filter(pk=story_id).first()
    if story is None:
        return
    try:
        ping_hub(story_feeds(story))
    except HubError as error:
        logger.warning("WebSub ping for story %s failed: %s", story_id, error.message)
        raise


@receiver(page_published, sender=StoryPage)
@receiver(page_unpublished, sender=StoryPage)
def queue_websub_ping(sender, instance, **kwargs):
    if not hub_url() or not instance.pk:
        return
    story_id = instance.pk
    transaction.on_commit(lambda: ping_websub.enqueue(story_id))
