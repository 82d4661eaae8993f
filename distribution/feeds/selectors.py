"""What the feeds and the ninjs API read: the requesting agency, its live public stories, how fresh they are.

Feeds list up to fifty stories, so they are built from the live pages with everything prefetched (a bounded
number of queries whatever the length) rather than from each story's revision, which `story_content` loads one
by one. Both give the same `StoryContent`: the live page holds exactly what was last published.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.images import get_image_model
from wagtail.models import Page, PageLogEntry, Site

from archive.models import State
from newsroom.models import Agency, SectionPage, StoryPage

from ..content import COVER_SPEC, StoryContent, page_content

FEED_LENGTH = 50
# Google's rules for news sitemaps: stories of the last two days, at most 1,000 URLs.
NEWS_SITEMAP_WINDOW = timedelta(days=2)
NEWS_SITEMAP_LIMIT = 1000
# The logged actions that change what readers see; drafts, autosaves and reviews leave the feeds alone.
PUBLIC_ACTIONS = (
    "wagtail.publish",
    "wagtail.publish.scheduled",
    "wagtail.unpublish",
    "wagtail.unpublish.scheduled",
    "wagtail.delete",
    "wagtail.move",
    "wagtail.view_restriction.create",
    "wagtail.view_restriction.edit",
    "wagtail.view_restriction.delete",
)


@dataclass(frozen=True)
class Scope:
    """Whose stories a feed lists: an agency's whole site, or one of its sections."""

    agency: Agency
    site: Site
    section: SectionPage | None = None

    @property
    def root(self) -> Page:
        return self.section or self.site.root_page

    @property
    def root_url(self) -> str:
        return self.site.root_url

    @property
    def title(self) -> str:
        if self.section:
            return _("%(section)s — %(agency)s") % {"section": self.section.title, "agency": self.agency.name}
        return self.agency.name

    @property
    def home_url(self) -> str:
        """The public page the feed mirrors: the front page or the section page."""
        path = self.section.url_path[len(self.site.root_page.url_path) :] if self.section else ""
        return f"{self.root_url}/{path}"


def scope_for(request, section_slug: str | None = None) -> Scope:
    """The agency (and section) whose site answers `request`; raises Http404 for any other host or slug."""
    site = Site.find_for_request(request)
    agency = site and Agency.objects.filter(site=site).select_related("site__root_page").first()
    if agency is None:
        raise Http404(_("No agency publishes on this address."))
    section = None
    if section_slug is not None:
        section = (
            SectionPage.objects.live()
            .public()
            .child_of(agency.site.root_page)
            .filter(slug=section_slug)
            .first()
        )
        if section is None:
            raise Http404(_("There is no such section."))
    return Scope(agency=agency, site=agency.site, section=section)


def published_stories(scope: Scope):
    """The scope's live stories that anyone may read, in no particular order."""
    stories = StoryPage.objects.live().public()
    if scope.section:
        return stories.child_of(scope.section)
    return stories.descendant_of(scope.site.root_page)


def audio_stories(stories):
    """Stories a podcast can carry: a processed audio lead media with its normalised rendition."""
    return stories.filter(lead_media__type="audio", lead_media__state=State.READY).exclude(
        lead_media__audio_rendition=""
    )


def for_feed(stories, *, image_specs: tuple[str, ...] = (COVER_SPEC,)):
    """`stories` newest first with what a feed item shows fetched in a fixed number of queries."""
    renditions = get_image_model().get_rendition_model().objects.filter(filter_spec__in=image_specs)
    return (
        stories.select_related("lead_image", "lead_media", "section", "agency")
        .defer("body")  # feed items carry the sapo; decoding fifty bodies is most of a feed's cost
        .prefetch_related(
            "authors",
            "tags",
            Prefetch("lead_image__renditions", queryset=renditions, to_attr="prefetched_renditions"),
        )
        .order_by("-first_published_at", "-pk")
    )


def listed_content(story: StoryPage, *, scope: Scope, request=None) -> StoryContent:
    """The snapshot of a live story fetched by `for_feed()`: what `story_content` gives, without the body."""
    return page_content(
        story,
        snapshot=story,
        revision_id=story.live_revision_id,
        root=scope.root_url,
        agency=story.agency or scope.agency,
        url=story.get_full_url(request) or "",
        body=False,
    )


def latest_content(
    scope: Scope, *, stories=None, limit: int = FEED_LENGTH, request=None
) -> list[StoryContent]:
    """The newest `limit` stories of `stories` (default: every published story of the scope)."""
    stories = published_stories(scope) if stories is None else stories
    return [listed_content(story, scope=scope, request=request) for story in for_feed(stories)[:limit]]


def news_sitemap_stories(scope: Scope, *, now: datetime | None = None):
    """What Google News may list: stories first published within the window, newest first, up to the limit."""
    since = (now or timezone.now()) - NEWS_SITEMAP_WINDOW
    stories = published_stories(scope).filter(first_published_at__gte=since)
    return stories.only("pk", "title", "url_path", "language", "first_published_at").order_by(
        "-first_published_at", "-pk"
    )[:NEWS_SITEMAP_LIMIT]


@dataclass(frozen=True)
class Freshness:
    last_modified: datetime | None
    etag: str


def freshness(request, scope: Scope, *, stories=None, changes_at: datetime | None = None) -> Freshness:
    """When the listing last changed and an ETag for it, from two aggregate queries.

    The newest publication, unpublication, move, deletion or view restriction logged under the scope's root
    catches every change to what is listed; the count and newest publication catch what the log cannot see (a
    deleted page's log entries lose their page). Saving a draft changes nothing. `changes_at` adds a moment
    the listing changes by itself (a window that slides). The ETag also varies with the host and the full
    path, so `?page=2` and `?version=3.1` have their own.
    """
    stories = published_stories(scope) if stories is None else stories
    summary = stories.aggregate(count=Count("pk"), published=Max("last_published_at"))
    logged = PageLogEntry.objects.filter(
        page__path__startswith=scope.root.path, action__in=PUBLIC_ACTIONS
    ).aggregate(at=Max("timestamp"))
    moments = [moment for moment in (summary["published"], logged["at"], changes_at) if moment]
    last_modified = max(moments) if moments else None
    etag = etag_of(request, summary["count"], summary["published"], logged["at"], changes_at)
    return Freshness(last_modified=last_modified, etag=etag)


def etag_of(request, *parts) -> str:
    """An opaque ETag for `parts` as answered to this host and full path (query string included)."""
    fingerprint = "|".join(str(part) for part in (request.get_host(), request.get_full_path(), *parts))
    return hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
