"""A podcast RSS feed of the audio stories, with the tags PSP-1 (the Podcast Standards Project's podcast RSS
standard) requires and recommends: atom:link rel=self, itunes:image, itunes:category, itunes:explicit,
language, podcast:guid, podcast:locked, itunes:author, and per episode an enclosure with its length and type,
a guid, itunes:duration, itunes:explicit and itunes:image.
"""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from PIL import Image, ImageDraw, ImageFont

from ..content import StoryContent
from ..ninjs import story_uri
from .markup import ITUNES, PODCAST, ns, rfc822, serialize, sub
from .syndication import Channel, rss_channel, summary_html

# podcast:guid is a UUIDv5 of the feed URL (without scheme and trailing slashes) in this namespace (PSP-1).
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
# Apple Podcasts' category list: a news agency's audio is News › Daily News.
CATEGORY = ("News", "Daily News")
# PSP-1: artwork at least 1400 × 1400 (at most 3000), JPEG or PNG.
ARTWORK_SIZE = 1400
ARTWORK_SPEC = f"fill-{ARTWORK_SIZE}x{ARTWORK_SIZE}|format-jpeg"


def podcast_guid(feed_url: str) -> str:
    parts = urlsplit(feed_url)
    seed = (parts.netloc + parts.path).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, seed))


def podcast_document(channel: Channel, episodes: list[StoryContent], *, artwork_url: str) -> bytes:
    """The podcast feed of `episodes` (stories with audio), `artwork_url` being a square JPEG or PNG."""
    rss = ET.Element("rss", {"version": "2.0"})
    # PSP-1: the copyright is the holder alone, without the word, the sign or a year.
    info = rss_channel(rss, channel, rights=channel.publisher)
    sub(info, ns(ITUNES, "image"), href=artwork_url)
    category = sub(info, ns(ITUNES, "category"), text=CATEGORY[0])
    sub(category, ns(ITUNES, "category"), text=CATEGORY[1])
    sub(info, ns(ITUNES, "explicit"), "false")
    sub(info, ns(ITUNES, "author"), channel.publisher)
    sub(info, ns(ITUNES, "type"), "episodic")
    sub(info, ns(PODCAST, "locked"), "yes")  # no hosting platform may import the agency's feed
    sub(info, ns(PODCAST, "guid"), podcast_guid(channel.self_url))
    for episode in episodes:
        if episode.media:
            _episode(info, episode)
    return serialize(rss)


def _episode(info: ET.Element, episode: StoryContent) -> None:
    item = sub(info, "item")
    sub(item, "title", episode.title)
    sub(
        item, "enclosure", url=episode.media.url, length=episode.media.size or 0, type=episode.media.mime_type
    )
    sub(item, "guid", story_uri(episode), isPermaLink="false")
    sub(item, "link", episode.url)
    if episode.first_published_at:
        sub(item, "pubDate", rfc822(episode.first_published_at))
    sub(item, "description", summary_html(episode))
    if episode.media.duration:
        sub(item, ns(ITUNES, "duration"), round(episode.media.duration))
    if episode.cover:
        sub(item, ns(ITUNES, "image"), href=episode.cover.url)
    sub(item, ns(ITUNES, "explicit"), "false")
    sub(item, ns(ITUNES, "episodeType"), "full")
    if episode.authors:
        sub(item, ns(ITUNES, "author"), ", ".join(episode.authors))


def artwork_png(label: str, *, colour: tuple[int, int, int] = (0, 82, 147)) -> bytes:
    """Plain square artwork with `label` (ASCII) for an agency whose episodes have no large enough picture."""
    image = Image.new("RGB", (ARTWORK_SIZE, ARTWORK_SIZE), colour)
    draw = ImageDraw.Draw(image)
    size = ARTWORK_SIZE // 8
    font = ImageFont.load_default(size=size)
    while size > 24 and draw.textlength(label.upper(), font=font) > ARTWORK_SIZE * 0.8:
        size = size * 4 // 5
        font = ImageFont.load_default(size=size)
    draw.text(
        (ARTWORK_SIZE // 2, ARTWORK_SIZE // 2), label.upper(), fill=(255, 255, 255), font=font, anchor="mm"
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
