"""XML for the feeds and exports, built with ElementTree and never by joining strings.

ElementTree escapes `<`, `&` and `>` (so `]]>` and `<script>` travel as text); what it cannot do is drop the
characters XML 1.0 forbids, so every text and attribute value goes through `xml_text` first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import format_datetime

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
MEDIA = "http://search.yahoo.com/mrss/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS = "http://www.google.com/schemas/sitemap-news/0.9"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# The prefixes readers expect: some podcast apps look for `itunes:` by name, not by namespace.
for _prefix, _uri in {
    "atom": ATOM,
    "content": CONTENT,
    "dc": DC,
    "media": MEDIA,
    "itunes": ITUNES,
    "podcast": PODCAST,
    "news": NEWS,
}.items():
    ET.register_namespace(_prefix, _uri)

# XML 1.0 allows tab, newline and return among the controls, and no lone surrogate (UTF-8 cannot hold one).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")


def xml_text(value, *, strip: bool = True) -> str:
    """`value` as text XML 1.0 and JSON can carry: forbidden characters removed; trimmed if `strip`."""
    result = _FORBIDDEN.sub("", "" if value is None else str(value))
    return result.strip() if strip else result


def ns(namespace: str, tag: str) -> str:
    return f"{{{namespace}}}{tag}"


def sub(parent: ET.Element, tag: str, text=None, /, **attributes) -> ET.Element:
    """A child of `parent` with `text` and `attributes`, all made XML-safe; None attributes are left out."""
    values = {name: xml_text(value) for name, value in attributes.items() if value is not None}
    element = ET.SubElement(parent, tag, values)
    if text is not None:
        element.text = xml_text(text)
    return element


def element(tag: str, namespace: str, /, **attributes) -> ET.Element:
    """A root element whose unprefixed descendants are in `namespace`.

    Declared with a plain `xmlns` attribute because ElementTree's `default_namespace` refuses documents with
    unprefixed attributes, which is every document here.
    """
    return ET.Element(
        tag, {"xmlns": namespace, **{name: xml_text(value) for name, value in attributes.items()}}
    )


def serialize(root: ET.Element) -> bytes:
    """The document as UTF-8 with its XML declaration."""
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def rfc822(value: datetime) -> str:
    """RSS dates: RFC 822 (with four-digit years), in UTC."""
    return format_datetime(value.astimezone(UTC), usegmt=True)
