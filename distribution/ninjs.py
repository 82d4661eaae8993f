"""IPTC ninjs (News in JSON) documents of a story, versions 2.2 and 3.1.

One builder writes the 3.x document. Version 2.2 is the same document with its property names lower-cased
(2.x spells `firstcreated`, `contenttype`, `sizeinbytes` where 3.x spells `firstCreated`, `contentType`,
`sizeInBytes`) and without the association `rel` that 2.2 lacks. The IPTC schemas both versions are tested
against live in `distribution/schemas/` (MIT licence, LICENSE-IPTC beside them).
"""

from __future__ import annotations

import json
import mimetypes
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from .content import MediaFile, Picture, StoryContent, clean

VERSIONS = ("2.2", "3.1")
DEFAULT_VERSION = "2.2"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
SCHEMA_URIS = {version: f"http://www.iptc.org/std/ninjs/ninjs-schema_{version}.json#" for version in VERSIONS}

# ninjs `type` (IPTC NewsCodes "ninature") by story format, when the story carries the matching lead media.
_MEDIA_TYPES = {"video": "video", "podcast": "audio"}


class UnknownVersion(ValueError):
    """Raised for a ninjs version other than those in VERSIONS."""


@cache
def schema(version: str) -> dict:
    """The IPTC JSON Schema (Draft 2020-12) of ninjs `version`; raises UnknownVersion."""
    if version not in VERSIONS:
        raise UnknownVersion(version)
    return json.loads((SCHEMA_DIR / f"ninjs-schema_{version}.json").read_text(encoding="utf-8"))


def story_uri(content: StoryContent) -> str:
    """The story's permanent identifier: the same in ninjs, NewsML-G2 and the feeds' guids.

    Built from the agency's host name and the story's id, not from its URL, so it survives a new slug.
    """
    host = urlsplit(content.url).hostname or urlsplit(settings.WAGTAILADMIN_BASE_URL).hostname or "localhost"
    return f"urn:newsroom:{host}:story:{content.story_id}"


def timestamp(value: datetime | None) -> str | None:
    """RFC 3339 date-time to the second, as every schema and feed format here wants it."""
    return value.isoformat(timespec="seconds") if value else None


def ninjs_document(content: StoryContent, *, version: str = DEFAULT_VERSION, partial: bool = False) -> dict:
    """The ninjs document of `content` in `version` ("2.2" or "3.1"); raises UnknownVersion.

    `partial` marks a listing entry built without the body (`representationType: partial`).
    """
    if version not in VERSIONS:
        raise UnknownVersion(version)
    uri = story_uri(content)
    document = _compact(
        {
            "uri": uri,
            "standard": {"name": "ninjs", "version": version, "schema": SCHEMA_URIS[version]},
            "type": _news_type(content),
            "representationType": "partial" if partial else "full",
            "profile": f"newsroom-{content.format}",
            "version": str(content.revision_id) if content.revision_id else None,
            "firstCreated": timestamp(content.first_published_at),
            "versionCreated": timestamp(content.last_published_at or content.first_published_at),
            "pubStatus": "usable",
            "language": content.language,
            "headlines": _headlines(content),
            "descriptions": [{"role": "summary", "contentType": "text/plain", "value": content.sapo}]
            if content.sapo
            else [],
            "bodies": [] if partial else _bodies(content),
            "by": content.byline,
            "slugline": content.kicker,
            "subjects": _subjects(content),
            "infoSources": [{"name": content.agency_name, "role": "originator"}]
            if content.agency_name
            else [],
            "copyrightHolder": content.agency_name,
            "altIds": [{"role": "storyId", "value": str(content.story_id)}],
            "renditions": [{"name": "web", "href": content.url, "contentType": "text/html"}]
            if content.url
            else [],
            "associations": _associations(content, uri),
        }
    )
    return _as_version_2(document) if version.startswith("2.") else document


def _news_type(content: StoryContent) -> str:
    if content.media and _MEDIA_TYPES.get(content.format) == content.media.kind:
        return content.media.kind
    if content.format == "photo":
        return "composite"
    return "text"


def _headlines(content: StoryContent) -> list[dict]:
    headlines = [{"role": "main", "contentType": "text/plain", "value": content.title}]
    if content.kicker:
        headlines.append({"role": "kicker", "contentType": "text/plain", "value": content.kicker})
    return headlines


def _bodies(content: StoryContent) -> list[dict]:
    text = content.body_text
    if not (content.body_html or text):
        return []
    counts = {"charCount": len(text), "wordCount": len(text.split())}
    return [
        {"role": "main", "contentType": "text/html", "value": content.body_html, **counts},
        {"role": "main", "contentType": "text/plain", "value": text, **counts},
    ]


def _subjects(content: StoryContent) -> list[dict]:
    subjects = []
    if content.section:
        subjects.append(
            {"name": content.section, "literal": f"section:{content.section_slug}", "rel": "section"}
        )
    subjects += [{"name": tag, "rel": "about"} for tag in content.tags if tag]
    return subjects


def _associations(content: StoryContent, uri: str) -> list[dict]:
    """The cover picture, the lead video or audio, then the body's pictures and media, in reading order."""
    associations = []
    if content.cover:
        associations.append(_picture(content.cover, name="featureimage", uri=f"{uri}:cover"))
    if content.media:
        associations.append(_media(content.media, name="featuremedia", uri=f"{uri}:media"))
    count = 0
    for block in content.blocks:
        if block.picture or block.media:
            count += 1
            name = f"{block.kind}{count}"
            if block.picture:
                associations.append(_picture(block.picture, name=name, uri=f"{uri}:{name}"))
            else:
                associations.append(_media(block.media, name=name, uri=f"{uri}:{name}"))
    return associations


def _picture(picture: Picture, *, name: str, uri: str) -> dict:
    return _compact(
        {
            "name": name,
            "rel": name,
            "uri": uri,
            "type": "picture",
            "descriptions": [{"role": "caption", "contentType": "text/plain", "value": picture.caption}]
            if picture.caption
            else [],
            "by": picture.credit,
            "renditions": [
                _compact(
                    {
                        "name": "web",
                        "href": picture.url,
                        "contentType": picture.mime_type,
                        "width": picture.width,
                        "height": picture.height,
                    }
                )
            ],
        }
    )


def _media(media: MediaFile, *, name: str, uri: str) -> dict:
    renditions = [
        _compact(
            {
                "name": "web",
                "href": media.url,
                "contentType": media.mime_type,
                "duration": media.duration,
                "sizeInBytes": media.size,
            }
        )
    ]
    if media.poster_url:
        poster_type = mimetypes.guess_type(urlsplit(media.poster_url).path)[0] or "image/jpeg"
        renditions.append({"name": "thumbnail", "href": media.poster_url, "contentType": poster_type})
    return _compact(
        {
            "name": name,
            "rel": name,
            "uri": uri,
            "type": media.kind,
            "descriptions": [{"role": "caption", "contentType": "text/plain", "value": media.caption}]
            if media.caption
            else [],
            "renditions": renditions,
        }
    )


def _compact(document: dict) -> dict:
    """Without empty values: the schemas forbid nulls, and empty strings and lists say nothing."""
    return {
        key: clean(value) if isinstance(value, str) else value
        for key, value in document.items()
        if value is not None and value != "" and value != [] and value != {}
    }


def _as_version_2(value: Any) -> Any:
    """A 3.x document spelt as 2.x: every property name lower-cased; associations lose `rel`."""
    if isinstance(value, list):
        return [_as_version_2(item) for item in value]
    if not isinstance(value, dict):
        return value
    converted = {key.lower(): _as_version_2(item) for key, item in value.items()}
    if "associations" in converted:
        converted["associations"] = [
            {key: item for key, item in association.items() if key != "rel"}
            for association in converted["associations"]
        ]
    return converted
