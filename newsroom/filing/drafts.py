"""A story as the filing view sees it: plain paragraphs, attached media, a place and a note to the desk.

The filing page edits a simple form of a story. The body it writes is the reporter's paragraphs (a blank
line starts a new one) followed by their photos, videos and audio clips, in the order attached; the first
photo is also the lead image, the first video or audio clip the lead media. A body laid out in the full
editor (headings, quotes, formatting, media between paragraphs, another lead image) has no such simple
form: `draft_of` then answers None, and the filing view leaves the story to the editor rather than
flatten it.
"""

from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

MEDIA_KINDS = ("image", "video", "audio")
TEXT_BLOCK = "paragraph"


@dataclass(frozen=True)
class AssetRef:
    """An archive asset attached to a draft; `kind` says which model `id` belongs to."""

    id: int
    kind: str  # "image" (ArchiveImage) or "video"/"audio" (ArchiveMedia)
    caption: str = ""
    credit: str = ""  # only images carry one; kept as the editor set it


@dataclass(frozen=True)
class StoryDraft:
    """Everything the reporter writes; equal drafts mean nothing changed."""

    section_id: int
    title: str
    sapo: str = ""
    text: str = ""
    assets: tuple[AssetRef, ...] = field(default_factory=tuple)
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    desk_note: str = ""


def paragraphs(text: str) -> list[str]:
    """The paragraphs of plain text: a blank line separates them; single line breaks stay inside one."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found, current = [], []
    for line in lines:
        line = " ".join(line.split())  # as HTML will show it: runs of spaces are one space
        if line:
            current.append(line)
        elif current:
            found.append("\n".join(current))
            current = []
    if current:
        found.append("\n".join(current))
    return found


def normalise_text(text: str) -> str:
    """The text as the body will give it back, so that a draft compares equal to its own saved story."""
    return "\n\n".join(paragraphs(text))


def paragraph_html(paragraph: str) -> str:
    return "<p>" + "<br/>".join(escape(line, quote=False) for line in paragraph.split("\n")) + "</p>"


def body_blocks(draft: StoryDraft) -> list[dict]:
    """The StreamField data of the draft's body: paragraph blocks, then one block per asset."""
    blocks = [{"type": TEXT_BLOCK, "value": paragraph_html(p)} for p in paragraphs(draft.text)]
    for asset in draft.assets:
        value = {asset.kind: asset.id, "caption": asset.caption}
        if asset.kind == "image":
            value["credit"] = asset.credit
        blocks.append({"type": asset.kind, "value": value})
    return blocks


def lead_ids(assets) -> tuple[int | None, int | None]:
    """The lead image's and lead media's ids: the first photo, the first video or audio clip."""
    image = next((a.id for a in assets if a.kind == "image"), None)
    media = next((a.id for a in assets if a.kind in ("video", "audio")), None)
    return image, media


def apply_draft(story, draft: StoryDraft) -> None:
    """Write the draft onto `story` (unsaved): fields, body and lead media."""
    story.title = draft.title
    story.draft_title = draft.title
    story.sapo = draft.sapo
    story.body = body_blocks(draft)
    story.lead_image_id, story.lead_media_id = lead_ids(draft.assets)
    story.location = draft.location
    story.latitude = draft.latitude
    story.longitude = draft.longitude
    story.desk_note = draft.desk_note


class _ParagraphReader(HTMLParser):
    """Reads the paragraphs of plain rich text; anything richer than <p> and <br> makes it `rich`."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.current: list[str] | None = None
        self.rich = False

    def handle_starttag(self, tag, attrs):
        if tag == "p" and self.current is None:
            self.current = []
        elif tag == "br" and self.current is not None:
            self.current.append("\n")
        else:
            self.rich = True

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "p" and self.current is not None:
            lines = (" ".join(line.split()) for line in "".join(self.current).split("\n"))
            text = "\n".join(line for line in lines if line)
            if text:
                self.paragraphs.append(text)
            self.current = None
        elif tag != "br":
            self.rich = True

    def handle_data(self, data):
        if self.current is not None:
            self.current.append(data.replace("\n", " "))  # in HTML only <br> breaks a line
        elif data.strip():
            self.rich = True


def plain_paragraphs(html: str) -> list[str] | None:
    """The paragraphs of a paragraph block's HTML, or None if it holds formatting or links."""
    reader = _ParagraphReader()
    reader.feed(html or "")
    reader.close()
    return None if reader.rich else reader.paragraphs


def draft_of(story) -> StoryDraft | None:
    """The filing view's form of `story` (a page or a revision's object), or None if it has none."""
    texts: list[str] = []
    assets: list[AssetRef] = []
    for block in story.body.raw_data:
        kind, value = block["type"], block["value"]
        if kind == TEXT_BLOCK:
            found = plain_paragraphs(value)
            if found is None or assets:  # formatting, or text after the media: laid out in the editor
                return None
            texts.extend(found)
        elif kind in MEDIA_KINDS and isinstance(value, dict) and value.get(kind):
            assets.append(
                AssetRef(
                    id=int(value[kind]),
                    kind=kind,
                    caption=value.get("caption") or "",
                    credit=(value.get("credit") or "") if kind == "image" else "",
                )
            )
        else:
            return None
    if (story.lead_image_id, story.lead_media_id) != lead_ids(assets):
        return None
    return StoryDraft(
        section_id=story.get_parent().pk if story.pk else 0,
        title=story.title,
        sapo=story.sapo,
        text="\n\n".join(texts),
        assets=tuple(assets),
        location=story.location,
        latitude=story.latitude,
        longitude=story.longitude,
        desk_note=story.desk_note,
    )
