"""RSS 2.0 (with Media RSS and Dublin Core), Atom 1.0 and JSON Feed 1.1 documents of a list of stories.

Each builder takes a `Channel` (what the feed is) and the stories as `StoryContent`, the snapshot every
platform is sent, and returns the document's bytes.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.html import escape

from ..content import MediaFile, Picture, StoryContent
from ..ninjs import story_uri, timestamp
from .markup import ATOM, DC, MEDIA, XML_LANG, element, ns, rfc822, serialize, sub, xml_text

GENERATOR = "Tòa soạn hội tụ"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


@dataclass(frozen=True)
class Channel:
    """What a feed is about and where it lives."""

    title: str
    description: str
    home_url: str  # the public page the feed mirrors
    self_url: str  # the feed's own address
    language: str
    publisher: str  # the agency
    updated: datetime | None = None
    hub_url: str = ""  # a WebSub hub, when one is configured
    image_url: str = ""

    @property
    def last_updated(self) -> datetime:
        return self.updated or timezone.now()


def categories(item: StoryContent) -> list[str]:
    """The section first, then the tags, without repeats."""
    return list(dict.fromkeys(name for name in [item.section, *item.tags] if name))


def summary_html(item: StoryContent) -> str:
    """The sapo as HTML, for the fields readers render as HTML."""
    return f"<p>{escape(xml_text(item.sapo))}</p>" if item.sapo else ""


# --- RSS 2.0 ------------------------------------------------------------------------------------------------


def rss_document(channel: Channel, items: list[StoryContent]) -> bytes:
    rss = ET.Element("rss", {"version": "2.0"})
    info = rss_channel(rss, channel)
    for item in items:
        entry = rss_item(info, item)
        rss_media(entry, item)
    return serialize(rss)


def rss_channel(rss: ET.Element, channel: Channel, *, rights: str | None = None) -> ET.Element:
    """The <channel> with its title, links, language and dates; podcasts add their own tags after it."""
    info = sub(rss, "channel")
    sub(info, "title", channel.title)
    sub(info, "link", channel.home_url)
    sub(info, "description", channel.description)
    sub(info, "language", channel.language)
    sub(info, "copyright", rights or f"© {channel.last_updated.year} {channel.publisher}")
    sub(info, "lastBuildDate", rfc822(channel.last_updated))
    sub(info, "generator", GENERATOR)
    sub(info, ns(ATOM, "link"), href=channel.self_url, rel="self", type="application/rss+xml")
    if channel.hub_url:
        sub(info, ns(ATOM, "link"), href=channel.hub_url, rel="hub")
    if channel.image_url:
        image = sub(info, "image")
        sub(image, "url", channel.image_url)
        sub(image, "title", channel.title)
        sub(image, "link", channel.home_url)
    return info


def rss_item(info: ET.Element, item: StoryContent) -> ET.Element:
    """An <item> with what every RSS reader shows; the description is HTML, so the sapo is escaped for it."""
    entry = sub(info, "item")
    sub(entry, "title", item.title)
    sub(entry, "link", item.url)
    sub(entry, "guid", story_uri(item), isPermaLink="false")
    sub(entry, "description", summary_html(item))
    for author in item.authors or [item.agency_name]:
        sub(entry, ns(DC, "creator"), author)
    for name in categories(item):
        sub(entry, "category", name)
    if item.first_published_at:
        sub(entry, "pubDate", rfc822(item.first_published_at))
    return entry


def rss_media(entry: ET.Element, item: StoryContent) -> None:
    """Media RSS: the cover as a thumbnail and content, the lead video or audio as content and enclosure.

    No media:description: common readers (feedparser among them) take it for the item's description.
    """
    if item.cover:
        _media_picture(entry, item.cover)
    if item.media:
        _media_file(entry, item.media)
        # The one enclosure RSS allows: what podcast-aware readers download.
        media = item.media
        sub(entry, "enclosure", url=media.url, length=media.size or 0, type=media.mime_type)


def _media_picture(entry: ET.Element, picture: Picture) -> None:
    sub(entry, ns(MEDIA, "thumbnail"), url=picture.url, width=picture.width, height=picture.height)
    content = sub(
        entry,
        ns(MEDIA, "content"),
        url=picture.url,
        type=picture.mime_type,
        medium="image",
        width=picture.width,
        height=picture.height,
    )
    if picture.credit:
        sub(content, ns(MEDIA, "credit"), picture.credit, role="photographer", scheme="urn:ebu")


def _media_file(entry: ET.Element, media: MediaFile) -> None:
    content = sub(
        entry,
        ns(MEDIA, "content"),
        url=media.url,
        type=media.mime_type,
        medium=media.kind,
        fileSize=media.size,
        duration=round(media.duration) if media.duration else None,
    )
    if media.poster_url:
        sub(content, ns(MEDIA, "thumbnail"), url=media.poster_url)


# --- Atom 1.0 -----------------------------------------------------------------------------------------------


def atom_document(channel: Channel, items: list[StoryContent]) -> bytes:
    feed = element("feed", ATOM)
    feed.set(XML_LANG, xml_text(channel.language))
    sub(feed, "id", channel.self_url)
    sub(feed, "title", channel.title, type="text")
    sub(feed, "subtitle", channel.description, type="text")
    sub(feed, "updated", timestamp(channel.last_updated))
    sub(feed, "link", rel="alternate", type="text/html", href=channel.home_url)
    sub(feed, "link", rel="self", type="application/atom+xml", href=channel.self_url)
    if channel.hub_url:
        sub(feed, "link", rel="hub", href=channel.hub_url)
    author = sub(feed, "author")  # entries without a byline fall back on the agency
    sub(author, "name", channel.publisher)
    sub(author, "uri", channel.home_url)
    sub(feed, "generator", GENERATOR)
    if channel.image_url:
        sub(feed, "logo", channel.image_url)
    sub(feed, "rights", f"© {channel.last_updated.year} {channel.publisher}", type="text")
    for item in items:
        atom_entry(feed, item)
    return serialize(feed)


def atom_entry(feed: ET.Element, item: StoryContent) -> None:
    entry = sub(feed, "entry")
    sub(entry, "id", story_uri(item))
    sub(entry, "title", item.title, type="text")
    sub(entry, "link", rel="alternate", type="text/html", href=item.url)
    published = item.first_published_at or item.last_published_at
    sub(entry, "updated", timestamp(item.last_published_at or published or timezone.now()))
    if published:
        sub(entry, "published", timestamp(published))
    for name in item.authors:
        sub(sub(entry, "author"), "name", name)
    for name in categories(item):
        sub(entry, "category", term=name, label=name)
    if item.sapo:
        sub(entry, "summary", item.sapo, type="text")
    if item.cover:
        sub(entry, "link", rel="enclosure", type=item.cover.mime_type, href=item.cover.url)
    if item.media:
        sub(
            entry,
            "link",
            rel="enclosure",
            type=item.media.mime_type,
            href=item.media.url,
            length=item.media.size,
        )


# --- JSON Feed 1.1 ------------------------------------------------------------------------------------------


def json_feed_document(channel: Channel, items: list[StoryContent]) -> bytes:
    feed = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": channel.home_url,
        "feed_url": channel.self_url,
        "description": channel.description,
        "language": channel.language,
        "authors": [{"name": channel.publisher, "url": channel.home_url}],
        "icon": channel.image_url or None,
        "hubs": [{"type": "WebSub", "url": channel.hub_url}] if channel.hub_url else None,
        "items": [json_feed_item(item) for item in items],
    }
    return json.dumps(_json_safe(_without_empty(feed)), ensure_ascii=False, indent=1).encode("utf-8")


def json_feed_item(item: StoryContent) -> dict:
    attachments = []
    if item.media:
        attachments.append(
            {
                "url": item.media.url,
                "mime_type": item.media.mime_type,
                "title": item.media.caption or None,
                "size_in_bytes": item.media.size,
                "duration_in_seconds": round(item.media.duration) if item.media.duration else None,
            }
        )
    return _without_empty(
        {
            "id": story_uri(item),
            "url": item.url,
            "title": item.title,
            "summary": item.sapo,
            "content_text": item.sapo or item.title,  # JSON Feed wants content; feeds carry the sapo
            "image": item.cover.url if item.cover else None,
            "date_published": timestamp(item.first_published_at),
            "date_modified": timestamp(item.last_published_at),
            "authors": [{"name": name} for name in item.authors or [item.agency_name]],
            "tags": categories(item),
            "language": item.language,
            "attachments": [_without_empty(attachment) for attachment in attachments],
        }
    )


def _without_empty(value: dict) -> dict:
    return {key: item for key, item in value.items() if item not in (None, "", [])}


def _json_safe(value):
    """Every string through `xml_text`: no control character or lone surrogate reaches the reader."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    return value
