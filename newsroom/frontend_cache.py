"""The CDN in front of the public sites: purge what a publication makes stale, once it has committed.

Wagtail's frontend cache (`wagtail.contrib.frontend_cache`, configured from the environment as
WAGTAILFRONTENDCACHE in newsroom/settings/base.py) purges a page's own URL when it is published or
unpublished. A story also shows on its section and the agency's home page, in the agency's and the section's
feeds and sitemaps, and on its tag and author pages. `FrontendCacheConfig`, the app config this project
installs for Wagtail's frontend cache, puts `purge_published_page` in place of Wagtail's receivers: one purge
of the page and, for a story, all of those, queued when the publication commits and only when a CDN is
configured. Purges run on the task worker, so a failing CDN never fails a publication.
"""

from __future__ import annotations

import logging
from http.client import HTTPException
from urllib.error import HTTPError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse
from wagtail import __version__ as wagtail_version
from wagtail.contrib.frontend_cache.apps import WagtailFrontendCacheAppConfig
from wagtail.contrib.frontend_cache.backends import HTTPBackend
from wagtail.contrib.frontend_cache.backends.http import PurgeRequest
from wagtail.contrib.frontend_cache.utils import PurgeBatch, get_backends
from wagtail.signals import page_published, page_unpublished

logger = logging.getLogger(__name__)

# URL names (distribution/urls.py) of the feeds every agency has, and each of its sections. Named here rather
# than imported: newsroom never imports the apps built on it, and the project's URLconf holds them all.
AGENCY_FEEDS = ("rss", "atom", "json-feed", "podcast", "news-sitemap")
SECTION_FEEDS = ("section-rss", "section-atom", "section-json-feed", "section-podcast")
# A purge that has had no answer by then will not get one; the worker has other tasks waiting.
PURGE_TIMEOUT_SECONDS = 5


def is_configured() -> bool:
    """True when at least one CDN (or HTTP cache) is configured to be purged."""
    return bool(settings.WAGTAILFRONTENDCACHE)


def story_listing_urls(story) -> list[str]:
    """The absolute URLs that show `story` besides its own page, on its agency's site: the home page, the
    section, the agency's and the section's feeds, the sitemaps, and its tag and author pages.

    Returns [] for a story outside any site (nothing public shows it)."""
    from wagtail.contrib.sitemaps.views import sitemap

    from newsroom.models import HomePage

    site = story.get_site()
    home = HomePage.objects.ancestor_of(story).first()
    if site is None or home is None:
        return []
    root = site.root_url
    home_url = home.get_full_url()
    urls = [home_url]
    urls += [home_url + home.reverse_subpage("tag", kwargs={"slug": tag.slug}) for tag in story.tags.all()]
    urls += [
        home_url + home.reverse_subpage("author", kwargs={"slug": author.slug})
        for author in story.authors.all()
    ]
    urls += [root + reverse(f"distribution:{name}") for name in AGENCY_FEEDS]
    urls.append(root + reverse(sitemap))
    section = story.section
    if section is not None:
        urls.append(section.get_full_url())
        urls += [
            root + reverse(f"distribution:{name}", kwargs={"section": section.slug}) for name in SECTION_FEEDS
        ]
    return list(dict.fromkeys(urls))


def purge_published_page(sender, instance, **kwargs) -> None:
    """Receiver of page_published and page_unpublished for every page: queue one purge of the page's URLs
    and, for a story, of its listings (story_listing_urls) once the publication commits, since a purge before
    the commit would let the CDN fetch the old page again. Does nothing when no CDN is configured."""
    if not is_configured():
        return
    from newsroom.models import StoryPage

    # Collected now: a page being deleted is unpublished first, while it still has its place in the tree.
    batch = PurgeBatch()
    batch.add_page(instance)
    if isinstance(instance, StoryPage):
        batch.add_urls(story_listing_urls(instance))
    if batch.urls:
        transaction.on_commit(batch.purge)


class HTTPPurgeBackend(HTTPBackend):
    """Wagtail's HTTP purge (`PURGE <path>` with the site's Host, for Varnish or a CDN's edge) that gives
    up after TIMEOUT seconds (PURGE_TIMEOUT_SECONDS unless configured) and logs every failure. The task worker
    runs one task at a time, so a cache that does not answer must not hold up scheduled publishing and
    indexing: once it fails to answer, the rest of the batch is logged as not purged rather than tried."""

    def __init__(self, params):
        self.timeout = float(params.pop("TIMEOUT", PURGE_TIMEOUT_SECONDS))
        super().__init__(params)

    def purge(self, url: str) -> None:
        self.purge_batch([url])

    def purge_batch(self, urls) -> None:
        urls = list(urls)
        for index, url in enumerate(urls):
            try:
                self._send(url)
            except HTTPError as error:
                logger.error("Could not purge %s from the cache: HTTP %s %s", url, error.code, error.reason)
            except (OSError, HTTPException) as error:  # refused, reset, timed out, garbled
                left = urls[index + 1 :]
                logger.error(
                    "Could not purge %s from the cache (%s); %d more not tried: %s",
                    url,
                    error or error.__class__.__name__,
                    len(left),
                    " ".join(left),
                )
                return

    def _send(self, url: str) -> None:
        parts = urlsplit(url)
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        request = PurgeRequest(
            url=urlunsplit((self.cache_scheme, self.cache_netloc, parts.path or "/", parts.query, "")),
            headers={"Host": host, "User-Agent": f"Wagtail-frontendcache/{wagtail_version}"},
        )
        with urlopen(request, timeout=self.timeout):
            pass


def check_backends(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: every configured CDN backend can be built (a missing token or zone is reported by
    `manage.py check` at deploy time rather than by the first purge)."""
    try:
        get_backends()
    except (ImproperlyConfigured, KeyError, ValueError) as error:
        return [
            checks.Error(
                f"The CDN purge is misconfigured: {error}",
                hint="Check the CDN_* variables (deploy/env.example).",
                id="newsroom.E101",
            )
        ]
    return []


class FrontendCacheConfig(WagtailFrontendCacheAppConfig):
    """Wagtail's frontend cache with `purge_published_page` as its receivers: Wagtail's own (not connected)
    purge each page alone, before the commit, and queue a task even when no CDN is configured."""

    def ready(self):
        page_published.connect(purge_published_page, dispatch_uid="newsroom-cdn-published")
        page_unpublished.connect(purge_published_page, dispatch_uid="newsroom-cdn-unpublished")
        checks.register(check_backends)
