"""The pull feeds of an agency's site and of each section: RSS, Atom, JSON Feed, podcast, Google News sitemap.

Every view finds the agency by the request's host (each agency is a Wagtail Site), lists only live public
stories of that site, answers conditional GETs with 304, and says how long the answer may be cached.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..content import COVER_SPEC, picture_of
from ..websub import hub_url
from .conditional import FEED_MAX_AGE, conditional, known_freshness, request_scope
from .links import MEDIA_TYPES, feed_path
from .podcast import ARTWORK_SIZE, ARTWORK_SPEC, artwork_png, podcast_document
from .selectors import (
    FEED_LENGTH,
    NEWS_SITEMAP_WINDOW,
    Freshness,
    Scope,
    audio_stories,
    for_feed,
    freshness,
    latest_content,
    listed_content,
    news_sitemap_stories,
    published_stories,
)
from .sitemaps import news_sitemap_document
from .syndication import Channel, atom_document, json_feed_document, rss_document

XML_TYPE = "application/xml; charset=utf-8"


def _content_type(kind: str) -> str:
    return f"{MEDIA_TYPES[kind]}; charset=utf-8"


def _channel(scope: Scope, kind: str, *, updated=None, image_url: str = "") -> Channel:
    section = scope.section.slug if scope.section else None
    names = {"section": scope.section.title if scope.section else "", "agency": scope.agency.name}
    if kind == "podcast":
        description = _("Audio stories from %(agency)s.") % names
    elif scope.section:
        description = _("The latest stories in %(section)s from %(agency)s.") % names
    else:
        description = _("The latest stories from %(agency)s.") % names
    return Channel(
        title=scope.title,
        description=description,
        home_url=scope.home_url,
        self_url=scope.root_url + feed_path(kind, section),
        language=scope.agency.language,
        publisher=scope.agency.name,
        updated=updated,
        hub_url=hub_url(),
        image_url=image_url,
    )


def _listing_freshness(request, section=None, **kwargs):
    return freshness(request, request_scope(request, section))


def _podcast_freshness(request, section=None, **kwargs):
    scope = request_scope(request, section)
    return freshness(request, scope, stories=audio_stories(published_stories(scope)))


def _syndication_view(kind: str, render):
    def view(request, section=None):
        scope = request_scope(request, section)
        items = latest_content(scope, request=request)
        updated = known_freshness(request).last_modified
        with translation.override(scope.agency.language):
            body = render(_channel(scope, kind, updated=updated), items)
        return HttpResponse(body, content_type=_content_type(kind))

    view.__name__ = view.__qualname__ = f"{kind.replace('-', '_')}_feed"
    return conditional(_listing_freshness, max_age=FEED_MAX_AGE)(view)


rss_feed = _syndication_view("rss", rss_document)
atom_feed = _syndication_view("atom", atom_document)
json_feed = _syndication_view("json-feed", json_feed_document)


@conditional(_podcast_freshness, max_age=FEED_MAX_AGE)
def podcast_feed(request, section=None):
    scope = request_scope(request, section)
    stories = for_feed(audio_stories(published_stories(scope)), image_specs=(COVER_SPEC, ARTWORK_SPEC))
    episodes = list(stories[:FEED_LENGTH])
    items = [listed_content(story, scope=scope, request=request) for story in episodes]
    with translation.override(scope.agency.language):
        channel = _channel(scope, "podcast", updated=known_freshness(request).last_modified)
        body = podcast_document(channel, items, artwork_url=_artwork_url(scope, episodes))
    return HttpResponse(body, content_type=_content_type("podcast"))


def _artwork_url(scope: Scope, episodes) -> str:
    """The newest episode's picture when large enough for podcast apps, else the agency's plain artwork."""
    for episode in episodes:
        image = episode.lead_image
        if image and min(image.width or 0, image.height or 0) >= ARTWORK_SIZE:
            picture = picture_of(image, root=scope.root_url, spec=ARTWORK_SPEC)
            if picture:
                return picture.url
    return scope.root_url + reverse("distribution:podcast-artwork")


def _artwork_freshness(request, **kwargs):
    agency = request_scope(request).agency
    return Freshness(last_modified=agency.created_at, etag=f"artwork-{agency.pk}-{agency.short_name}")


@conditional(_artwork_freshness, max_age=7 * 24 * 3600)
def podcast_artwork(request):
    scope = request_scope(request)
    return HttpResponse(artwork_png(scope.agency.short_name), content_type="image/png")


def _news_sitemap_freshness(request, **kwargs):
    scope = request_scope(request)
    # The listing also changes by itself when a story leaves the two-day window.
    window_start = timezone.now() - NEWS_SITEMAP_WINDOW
    left = (
        published_stories(scope).filter(first_published_at__lt=window_start).order_by("-first_published_at")
    )
    last_out = left.values_list("first_published_at", flat=True).first()
    return freshness(
        request,
        scope,
        stories=published_stories(scope).filter(first_published_at__gte=window_start),
        changes_at=last_out + NEWS_SITEMAP_WINDOW if last_out else None,
    )


@conditional(_news_sitemap_freshness, max_age=FEED_MAX_AGE)
def news_sitemap(request):
    scope = request_scope(request)
    body = news_sitemap_document(
        publication=scope.agency.name, stories=news_sitemap_stories(scope), request=request
    )
    return HttpResponse(body, content_type=XML_TYPE)
