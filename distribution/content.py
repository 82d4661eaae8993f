"""A story as every channel sees it: one plain snapshot that adapters and feeds render from.

Built from a page revision (what was published), never from the live row, so a delivery retried an hour later
still sends what the editor published. Media URLs are absolute and point at renditions only: the archive's
originals never leave the newsroom.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

from django.utils.html import strip_tags
from django.utils.text import Truncator
from wagtail.rich_text import expand_db_html

# Control characters that XML 1.0 forbids and JSON consumers choke on (tab, newline and return are allowed).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")

COVER_SPEC = "width-1200|format-jpeg"  # platforms want a JPEG cover; WebP is not accepted everywhere
BODY_IMAGE_SPEC = "width-1200|format-jpeg"


def clean(text: str | None) -> str:
    """Text safe for XML and JSON payloads: control characters removed, whitespace trimmed."""
    return _CONTROL.sub("", text or "").strip()


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word with an ellipsis: platforms reject longer fields."""
    return Truncator(clean(text)).chars(limit)


@dataclass(frozen=True)
class Picture:
    url: str
    caption: str = ""
    credit: str = ""
    width: int | None = None
    height: int | None = None
    mime_type: str = "image/jpeg"


@dataclass(frozen=True)
class MediaFile:
    kind: str  # "video" or "audio"
    url: str
    mime_type: str
    caption: str = ""
    duration: float | None = None
    size: int | None = None
    poster_url: str = ""


@dataclass(frozen=True)
class Block:
    """One block of the body, reduced to what platforms can show: text (HTML), image, video, audio, quote."""

    kind: str
    html: str = ""
    text: str = ""
    picture: Picture | None = None
    media: MediaFile | None = None


@dataclass(frozen=True)
class StoryContent:
    story_id: int
    revision_id: int | None
    agency_id: int | None
    agency_name: str
    url: str
    title: str
    kicker: str
    sapo: str
    section: str
    section_slug: str
    format: str
    language: str
    authors: list[str]
    tags: list[str]
    first_published_at: datetime | None
    last_published_at: datetime | None
    cover: Picture | None = None
    media: MediaFile | None = None
    blocks: list[Block] = field(default_factory=list)

    @property
    def byline(self) -> str:
        return ", ".join(self.authors) or self.agency_name

    @property
    def body_html(self) -> str:
        return "\n".join(block.html for block in self.blocks if block.html)

    @property
    def body_text(self) -> str:
        return "\n\n".join(block.text for block in self.blocks if block.text)


def absolute(root: str, url: str) -> str:
    return urljoin(root + "/", url) if url else ""


def picture_of(image, *, root: str, caption: str = "", credit: str = "", spec: str = COVER_SPEC):
    if image is None:
        return None
    try:
        rendition = image.get_rendition(spec)
    except Exception:  # a missing or unreadable original: the story goes out without the picture
        return None
    return Picture(
        url=absolute(root, rendition.url),
        caption=clean(caption or getattr(image, "caption", "") or image.title),
        credit=clean(credit or getattr(image, "attribution", "")),
        width=rendition.width,
        height=rendition.height,
    )


def media_of(media, *, root: str, caption: str = "") -> MediaFile | None:
    if media is None:
        return None
    sources = [
        s for s in getattr(media, "public_sources", []) if s["type"] != "application/vnd.apple.mpegurl"
    ]
    if not sources:
        return None
    rendition = media.mp4 if media.type == "video" else media.audio_rendition
    try:
        size = rendition.size if rendition else None
    except OSError:
        size = None
    return MediaFile(
        kind=media.type,
        url=absolute(root, sources[0]["src"]),
        mime_type=sources[0]["type"],
        caption=clean(caption or getattr(media, "caption", "") or media.title),
        duration=float(media.duration) if media.duration else None,
        size=size,
        poster_url=absolute(root, getattr(media, "poster_url", "")),
    )


def blocks_of(body, *, root: str) -> list[Block]:
    blocks = []
    for child in body:
        value = child.value
        kind = child.block_type
        if kind == "paragraph":
            html = expand_db_html(value.source)
            blocks.append(Block("text", html=clean(html), text=clean(strip_tags(html))))
        elif kind == "heading":
            blocks.append(Block("heading", html=f"<h2>{_escape(value)}</h2>", text=clean(value)))
        elif kind in ("image", "gallery"):
            for item in value["images"] if kind == "gallery" else [value]:
                picture = picture_of(
                    item["image"],
                    root=root,
                    caption=item["caption"],
                    credit=item["credit"],
                    spec=BODY_IMAGE_SPEC,
                )
                if picture:
                    blocks.append(Block("image", picture=picture, text=picture.caption))
        elif kind in ("video", "audio"):
            media = media_of(value[kind], root=root, caption=value["caption"])
            if media:
                blocks.append(Block(kind, media=media, text=media.caption))
        elif kind == "pull_quote":
            quote = clean(value["quote"])
            attribution = clean(value["attribution"])
            html = f"<blockquote><p>{_escape(quote)}</p>"
            html += f"<cite>{_escape(attribution)}</cite></blockquote>" if attribution else "</blockquote>"
            blocks.append(Block("quote", html=html, text=f"“{quote}” {attribution}".strip()))
        elif kind == "factbox":
            html = expand_db_html(value["body"].source)
            text = clean(value["title"]) + "\n" + clean(strip_tags(html))
            blocks.append(Block("text", html=f"<h3>{_escape(value['title'])}</h3>{clean(html)}", text=text))
    return blocks


def _escape(text: str) -> str:
    from django.utils.html import escape

    return escape(clean(text))


def story_content(story, revision=None) -> StoryContent:
    """The snapshot of `story` as published in `revision` (default: its live revision)."""
    revision = revision or story.live_revision or story.latest_revision
    site = story.get_site()
    return page_content(
        story,
        snapshot=revision.as_object() if revision else story,
        revision_id=revision.pk if revision else None,
        root=site.root_url if site else "",
        agency=story.agency,
        url=story.get_full_url() or "",
    )


def page_content(
    story, *, snapshot, revision_id, root: str, agency, url: str, body: bool = True
) -> StoryContent:
    """A StoryContent from `snapshot` (the story as published: a revision's object, or the live page itself)
    and the live story's place (its agency, section, URL and dates). Without `body`, no blocks: listings."""
    section = story.section
    return StoryContent(
        story_id=story.pk,
        revision_id=revision_id,
        agency_id=agency.pk if agency else None,
        agency_name=agency.name if agency else "",
        url=url,
        title=clean(snapshot.title),
        kicker=clean(snapshot.kicker),
        sapo=clean(snapshot.sapo),
        section=clean(section.title) if section else "",
        section_slug=section.slug if section else "",
        format=snapshot.format,
        language=snapshot.language,
        authors=[clean(author.name) for author in snapshot.authors.all()],
        tags=[clean(tag.name) for tag in snapshot.tags.all()],
        first_published_at=story.first_published_at,
        last_published_at=story.last_published_at,
        cover=picture_of(snapshot.lead_image, root=root),
        media=media_of(snapshot.lead_media, root=root),
        blocks=blocks_of(snapshot.body, root=root) if body else [],
    )


class _RecentContent:
    """Snapshots of recently delivered revisions, shared by the deliveries of one revision to many channels.

    A revision never changes, so its snapshot can be reused; the entry still expires after TTL seconds so a
    moved page or a replaced rendition shows up in the next delivery.
    """

    TTL = 60.0
    SIZE = 256

    def __init__(self):
        self._lock = threading.Lock()
        self._entries: dict[tuple, tuple[float, StoryContent]] = {}

    def get(self, story, revision) -> StoryContent:
        key = (story.pk, revision.pk if revision else None)
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
            if hit and now - hit[0] < self.TTL:
                return hit[1]
        content = story_content(story, revision)
        with self._lock:
            if len(self._entries) >= self.SIZE:
                self._entries = {k: v for k, v in self._entries.items() if now - v[0] < self.TTL}
                while len(self._entries) >= self.SIZE:
                    self._entries.pop(next(iter(self._entries)))
            self._entries[key] = (now, content)
        return content


recent_content = _RecentContent()
