"""A story as an IPTC NewsML-G2 newsItem: itemMeta, contentMeta and a contentSet with the XHTML body.

Built with ElementTree, so every text and attribute is escaped by the serialiser; the body's HTML is re-parsed
into XHTML elements from a short list of tags, so a stray `<br>` or `&nbsp;` cannot break the document and
nothing executable crosses over. Element order follows the NewsML-G2 2.33 schema.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.utils import timezone

from .content import Block, StoryContent
from .feeds.markup import XML_LANG, element, serialize, sub, xml_text
from .ninjs import story_uri, timestamp

NAR = "http://iptc.org/std/nar/2006-10-01/"
XHTML = "http://www.w3.org/1999/xhtml"
STANDARD_VERSION = "2.33"
CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_38.xml"
CONTENT_TYPE = "application/vnd.iptc.g2.newsitem+xml"

# NewsCodes "ninature" of the item, by story format when the story carries the matching lead media.
_ITEM_CLASSES = {"video": "ninat:video", "podcast": "ninat:audio"}

# The XHTML a body may keep, with the attributes each tag may keep. Other tags are unwrapped (their text
# stays); the dropped ones go with their content.
_ALLOWED = {
    "p": (),
    "h2": (),
    "h3": (),
    "h4": (),
    "blockquote": (),
    "cite": (),
    "strong": (),
    "b": (),
    "em": (),
    "i": (),
    "u": (),
    "s": (),
    "sub": (),
    "sup": (),
    "ul": (),
    "ol": (),
    "li": (),
    "br": (),
    "a": ("href", "title"),
    "figure": (),
    "figcaption": (),
    "img": ("src", "alt", "width", "height"),
}
_VOID = {
    "br",
    "img",
    "hr",
    "wbr",
    "input",
    "meta",
    "link",
    "source",
    "track",
    "embed",
    "param",
    "area",
    "col",
}
_DROPPED = {"script", "style", "iframe", "object", "template", "noscript", "svg", "math", "head", "title"}
_CLOSES_PARAGRAPH = {"p", "h2", "h3", "h4", "ul", "ol", "blockquote", "figure", "div", "table"}
_SAFE_URL = re.compile(r"^(https?:|mailto:|/|#)", re.IGNORECASE)


def newsml_document(content: StoryContent) -> bytes:
    """The NewsML-G2 newsItem of `content`, serialised as UTF-8 with its XML declaration."""
    return serialize(news_item(content))


def news_item(content: StoryContent) -> ET.Element:
    """The newsItem element of `content` (namespaced ElementTree)."""
    item = element(
        "newsItem",
        NAR,
        guid=story_uri(content),
        version=content.revision_id or 1,
        standard="NewsML-G2",
        standardversion=STANDARD_VERSION,
        conformance="power",
    )
    item.set(XML_LANG, xml_text(content.language))
    _sub(item, "catalogRef", href=CATALOG)
    rights = _sub(item, "rightsInfo")
    holder = _sub(rights, "copyrightHolder")
    _sub(holder, "name", content.agency_name)
    published = content.first_published_at or content.last_published_at
    notice = f"© {published.year} {content.agency_name}" if published else f"© {content.agency_name}"
    _sub(rights, "copyrightNotice", notice)

    _item_meta(_sub(item, "itemMeta"), content)
    _content_meta(_sub(item, "contentMeta"), content)

    content_set = _sub(item, "contentSet")
    inline = _sub(content_set, "inlineXML", contenttype="application/xhtml+xml")
    inline.append(xhtml_document(content))
    if content.cover:
        cover = content.cover
        _sub(
            content_set,
            "remoteContent",
            href=cover.url,
            contenttype=cover.mime_type,
            width=cover.width,
            height=cover.height,
            rendition="rnd:web",
        )
    if content.media:
        media = content.media
        _sub(
            content_set,
            "remoteContent",
            href=media.url,
            contenttype=media.mime_type,
            size=media.size,
            duration=round(media.duration) if media.duration else None,
            durationunit="timeunit:seconds" if media.duration else None,
            rendition="rnd:web",
        )
    return item


def _item_meta(meta: ET.Element, content: StoryContent) -> None:
    kind = content.media.kind if content.media else ""
    item_class = _ITEM_CLASSES.get(content.format, "ninat:text")
    if item_class != f"ninat:{kind}":
        item_class = "ninat:text"
    _sub(meta, "itemClass", qcode=item_class)
    site = urlsplit(content.url)
    home = f"{site.scheme}://{site.netloc}/" if site.netloc else None
    provider = _sub(meta, "provider", uri=home, literal=None if home else content.agency_name or "newsroom")
    _sub(provider, "name", content.agency_name)
    created = content.last_published_at or content.first_published_at or timezone.now()  # a preview
    _sub(meta, "versionCreated", timestamp(created))
    if content.first_published_at:
        _sub(meta, "firstCreated", timestamp(content.first_published_at))
    _sub(meta, "pubStatus", qcode="stat:usable")
    _sub(meta, "profile", f"newsroom-{content.format}")
    _sub(meta, "title", content.title)
    if content.url:
        _sub(meta, "link", rel="irel:seeAlso", href=content.url, contenttype="text/html")


def _content_meta(meta: ET.Element, content: StoryContent) -> None:
    if content.first_published_at:
        _sub(meta, "contentCreated", timestamp(content.first_published_at))
    if content.last_published_at:
        _sub(meta, "contentModified", timestamp(content.last_published_at))
    if content.agency_name:
        source = _sub(meta, "infoSource", role="isrol:originfo", literal=content.agency_name)
        _sub(source, "name", content.agency_name)
    for author in content.authors or [content.agency_name]:
        creator = _sub(meta, "creator", role="crol:author")
        _sub(creator, "name", author)
    _sub(meta, "language", tag=content.language)
    for tag in content.tags:
        _sub(meta, "keyword", tag)
    if content.section:
        subject = _sub(meta, "subject", type="cpnat:abstract", literal=f"section:{content.section_slug}")
        _sub(subject, "name", content.section)
    if content.kicker:
        _sub(meta, "slugline", content.kicker)
    _sub(meta, "headline", content.title)
    _sub(meta, "by", content.byline)
    if content.sapo:
        _sub(meta, "description", content.sapo, role="drol:summary")


def xhtml_document(content: StoryContent) -> ET.Element:
    """The story as an XHTML document: headline, sapo, then the body's blocks in order."""
    html = element("html", XHTML)
    html.set(XML_LANG, xml_text(content.language))
    head = ET.SubElement(html, "head")
    ET.SubElement(head, "title").text = xml_text(content.title)
    body = ET.SubElement(html, "body")
    ET.SubElement(body, "h1").text = xml_text(content.title)
    if content.sapo:
        ET.SubElement(body, "p", {"class": "sapo"}).text = xml_text(content.sapo)
    for block in content.blocks:
        _append_block(body, block)
    return html


def _append_block(body: ET.Element, block: Block) -> None:
    if block.picture:
        figure = ET.SubElement(body, "figure")
        image = {"src": xml_text(block.picture.url), "alt": xml_text(block.picture.caption)}
        for name in ("width", "height"):
            if getattr(block.picture, name):
                image[name] = str(getattr(block.picture, name))
        ET.SubElement(figure, "img", image)
        caption = " — ".join(part for part in (block.picture.caption, block.picture.credit) if part)
        if caption:
            ET.SubElement(figure, "figcaption").text = xml_text(caption)
    elif block.media:
        figure = ET.SubElement(body, "figure")
        source = {"src": xml_text(block.media.url), "controls": "controls"}
        ET.SubElement(figure, block.media.kind, source)
        if block.media.caption:
            ET.SubElement(figure, "figcaption").text = xml_text(block.media.caption)
    elif block.html:
        for element in xhtml_fragment(block.html):
            body.append(element)


def xhtml_fragment(html: str) -> list[ET.Element]:
    """`html` re-parsed as XHTML elements: allowed tags and attributes only, text kept, scripts dropped.

    Text outside any element is wrapped in a paragraph.
    """
    builder = _XHTMLBuilder()
    builder.feed(html or "")
    builder.close()
    return list(builder.root)


class _XHTMLBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = ET.Element("div")
        self.stack: list[tuple[str, ET.Element | None]] = [("", self.root)]
        self.dropping = 0

    @property
    def current(self) -> ET.Element:
        return next(element for _, element in reversed(self.stack) if element is not None)

    def handle_starttag(self, tag, attrs):
        if self.dropping:
            if tag in _DROPPED:
                self.dropping += 1
            return
        if tag in _DROPPED:
            self.dropping = 1
            return
        if tag in _CLOSES_PARAGRAPH:
            self.close_open("p")  # as in HTML: a paragraph ends where a block begins
        if tag not in _ALLOWED:
            if tag not in _VOID:
                self.stack.append((tag, None))  # unwrapped: its text goes to the enclosing element
            return
        kept = {}
        for name, value in attrs:
            if name in _ALLOWED[tag] and value is not None:
                value = xml_text(value)
                if name in ("href", "src") and not _SAFE_URL.match(value):
                    continue
                kept[name] = value
        if tag == "img" and "src" not in kept:
            return  # an image with nowhere to load from
        child = ET.SubElement(self.current, tag, kept)
        if tag not in _VOID:
            self.stack.append((tag, child))

    def handle_startendtag(self, tag, attrs):
        if self.dropping or tag in _DROPPED:
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.stack.pop()  # <span/>: opened and closed at once

    def handle_endtag(self, tag):
        if self.dropping:
            if tag in _DROPPED:
                self.dropping -= 1
            return
        self.close_open(tag)

    def close_open(self, tag: str) -> None:
        """Close up to the innermost open `tag`; nothing happens when none is open."""
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if self.dropping or not data:
            return
        data = xml_text(data, strip=False)  # the spaces between inline elements are words' spaces
        parent = self.current
        if parent is self.root:
            if not data.strip():
                return
            parent = ET.SubElement(self.root, "p")
            parent.text = data
            return
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def _sub(parent: ET.Element, tag: str, value=None, /, **attributes) -> ET.Element:
    """A NewsML-G2 child of `parent`; `value` as its text; attributes left out when None."""
    return sub(parent, tag, value, **attributes)
