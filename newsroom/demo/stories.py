"""Demo stories: numbered per agency, composed from the corpus, saved through Wagtail's revisions.

Story n of an agency always gets the same translation key, so a second run recognises what the first
one wrote whatever text it was composed from.
"""

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from taggit.models import Tag
from wagtail.models import Page, PageLogEntry, Revision
from wagtail.rich_text import RichText

from ..charts import ChartKind
from ..models import Agency, Author, SectionPage, StoryCorrection, StoryFormat, StoryPage
from ..search import fold
from . import cast
from .corpus import Corpus

DEMO_NAMESPACE = uuid.UUID("6f1c2a52-8d1e-4c57-9a39-2b1f4e0d7a10")
HISTORY_DAYS = 540  # about eighteen months of archive
# How often each format appears after the first seven stories, which have one of each.
FORMAT_WEIGHTS = {
    StoryFormat.NEWS: 40,
    StoryFormat.LONGFORM: 10,
    StoryFormat.PHOTO: 10,
    StoryFormat.VIDEO: 10,
    StoryFormat.PODCAST: 8,
    StoryFormat.DATA: 12,
    StoryFormat.LIVE: 10,
}
DRAFT_SHARE = 0.07
REVIEW_SHARE = 0.05
CORRECTION_SHARE = 0.06

PUBLISHED, DRAFT, IN_REVIEW = "published", "draft", "in_review"


def story_key(agency: Agency, number: int) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"{agency.short_name}/{number}")


@dataclass
class Newsroom:
    """What an agency's demo stories are made from and by."""

    agency: Agency
    corpus: Corpus
    sections: list[SectionPage]
    authors: list[Author]
    pictures: list  # archive images, each with its caption and credit
    clips: list  # archive audio
    videos: list  # archive video
    reporter: object
    editor_in_chief: object
    now: datetime = field(default_factory=timezone.now)
    published: dict[int, StoryPage] = field(default_factory=dict)  # for related-story links
    headline_order: list[int] = field(default_factory=list)

    def __post_init__(self):
        self.headline_order = list(range(len(self.corpus.headlines)))
        random.Random(self.agency.short_name).shuffle(self.headline_order)


def existing_stories(agency: Agency, *, upto: int) -> dict[int, StoryPage]:
    """The agency's demo stories numbered 1…upto that exist, by number."""
    numbers = {story_key(agency, number): number for number in range(1, upto + 1)}
    pages = StoryPage.objects.filter(agency=agency, translation_key__in=numbers)
    return {numbers[page.translation_key]: page for page in pages}


def write_stories(room: Newsroom, *, count: int) -> int:
    """Write stories 1…count that the agency does not have yet; returns how many were written."""
    have = existing_stories(room.agency, upto=count)
    room.published.update({number: page for number, page in have.items() if page.live})
    written = 0
    for number in range(1, count + 1):
        if number not in have:
            write_story(room, number)
            written += 1
    return written


def write_story(room: Newsroom, number: int) -> StoryPage:
    rng = random.Random(f"{room.agency.short_name}/{number}")
    story_format = _format(rng, number)
    state = PUBLISHED if number <= len(StoryFormat) else _state(rng)
    title = _headline(room, number)
    section = room.sections[rng.randrange(len(room.sections))]
    authors = rng.sample(room.authors, k=1 if rng.random() < 0.8 else 2)
    owner = room.reporter
    when = room.now - timedelta(days=rng.uniform(0.05, HISTORY_DAYS))
    if state != PUBLISHED:
        when = room.now - timedelta(hours=rng.uniform(1, 72))

    has_picture = story_format != StoryFormat.NEWS or rng.random() < 0.85
    has_clip = story_format == StoryFormat.PODCAST and bool(room.clips)
    has_video = story_format == StoryFormat.VIDEO and bool(room.videos)
    story = StoryPage(
        title=title,
        slug=f"{slugify(fold(title))[:80].strip('-')}-{number}",
        translation_key=story_key(room.agency, number),
        kicker=rng.choice(cast.KICKERS),
        sapo=" ".join(rng.sample(room.corpus.sentences, k=2))[:1000],
        format=story_format,
        live=False,
        owner=owner,
        first_published_at=when if state == PUBLISHED else None,
        lead_image=rng.choice(room.pictures) if has_picture else None,
        lead_media=rng.choice(room.clips) if has_clip else rng.choice(room.videos) if has_video else None,
    )
    story.body = BODIES[story_format](room, rng, number)
    story.authors = authors
    story.tags.add(*_tags(rng, room.agency))
    if state == PUBLISHED and rng.random() < CORRECTION_SHARE and when < room.now - timedelta(days=3):
        corrected = (when + timedelta(days=rng.uniform(0.5, 3))).date()
        story.corrections = [StoryCorrection(date=corrected, note=rng.choice(cast.CORRECTIONS))]
    section.add_child(instance=story)

    revision = story.save_revision(user=owner)
    if state == PUBLISHED:
        revision.publish(user=room.editor_in_chief)
        room.published[number] = story
    elif state == IN_REVIEW:
        story.get_workflow().start(story, owner)
    _backdate(story, revision, when, published=state == PUBLISHED)
    return story


def _backdate(story: StoryPage, revision: Revision, when: datetime, *, published: bool) -> None:
    """Move the story's history to the day it is meant to have happened."""
    fields = {"latest_revision_created_at": when}
    if published:
        fields["last_published_at"] = when
    Page.objects.filter(pk=story.pk).update(**fields)
    Revision.objects.filter(pk=revision.pk).update(created_at=when)
    PageLogEntry.objects.filter(page=story).update(timestamp=when)


def _format(rng: random.Random, number: int) -> str:
    formats = list(StoryFormat)
    if number <= len(formats):
        return formats[number - 1]
    return rng.choices(list(FORMAT_WEIGHTS), weights=list(FORMAT_WEIGHTS.values()))[0]


def _state(rng: random.Random) -> str:
    roll = rng.random()
    if roll < DRAFT_SHARE:
        return DRAFT
    if roll < DRAFT_SHARE + REVIEW_SHARE:
        return IN_REVIEW
    return PUBLISHED


def _headline(room: Newsroom, number: int) -> str:
    """The corpus headlines in an agency's own order; once used up, again with a new framing."""
    order = room.headline_order
    headline = room.corpus.headlines[order[(number - 1) % len(order)]]
    round_ = (number - 1) // len(order)
    frames = cast.HEADLINE_FRAMES
    frame = frames[round_ % len(frames)]
    mentions_a_place = any(data.province in headline for data in cast.AGENCIES)
    if "{province}" in frame and mentions_a_place:
        frame = frames[(round_ + 1) % len(frames)]
    return frame.format(headline=headline, province=room.agency.province, part=round_)


def _tags(rng: random.Random, agency: Agency) -> list[Tag]:
    names = [*rng.sample(cast.TAGS, k=rng.randint(1, 3))]
    if rng.random() < 0.5:
        names.append(agency.province)
    return [_tag(name) for name in names]


def _tag(name: str) -> Tag:
    # Slugs without diacritics, so /chu-de/chuyen-doi-so/ reads the way readers type it.
    tag = Tag.objects.filter(name__iexact=name).first()
    return tag or Tag.objects.create(name=name, slug=slugify(fold(name)))


# --- Bodies ----------------------------------------------------------------------------------------


def _paragraph(rng: random.Random, room: Newsroom, sentences: int | None = None):
    chosen = rng.sample(room.corpus.sentences, k=sentences or rng.randint(2, 4))
    return ("paragraph", RichText(f"<p>{escape(' '.join(chosen))}</p>"))


def _paragraphs(rng, room, count: int) -> list:
    return [_paragraph(rng, room) for _ in range(count)]


def _image(rng, room):
    picture = rng.choice(room.pictures)
    return ("image", {"image": picture, "caption": picture.caption, "credit": picture.credit})


def _factbox(rng, room):
    figures = room.corpus.figures() or room.corpus.sentences
    items = "".join(f"<li>{escape(text)}</li>" for text in rng.sample(figures, k=min(3, len(figures))))
    return ("factbox", {"title": cast.FACTBOX_TITLE, "body": RichText(f"<ul>{items}</ul>")})


def _pull_quote(rng, room):
    quotes = [s for s in room.corpus.sentences if len(s) < 220] or room.corpus.sentences
    return ("pull_quote", {"quote": rng.choice(quotes), "attribution": cast.QUOTE_ATTRIBUTION})


def _related(rng, room, number: int) -> list:
    earlier = [n for n in room.published if n < number]
    if not earlier:
        return []
    return [("related_story", {"story": room.published[rng.choice(earlier)]})]


def _news(room, rng, number):
    body = _paragraphs(rng, room, rng.randint(2, 3))
    if rng.random() < 0.5:
        body.append(_image(rng, room))
    body += _paragraphs(rng, room, rng.randint(1, 2))
    if rng.random() < 0.3:
        body.append(_factbox(rng, room))
    return body + (_related(rng, room, number) if rng.random() < 0.4 else [])


def _longform(room, rng, number):
    body = _paragraphs(rng, room, 2)
    headings = rng.sample(room.corpus.headings, k=min(3, len(room.corpus.headings)))
    for index, heading in enumerate(headings):
        body.append(("heading", heading))
        body += _paragraphs(rng, room, rng.randint(2, 3))
        body.append(_image(rng, room) if index % 2 == 0 else _pull_quote(rng, room))
    return body + [_factbox(rng, room), *_related(rng, room, number)]


def _photo(room, rng, number):
    pictures = rng.sample(room.pictures, k=min(6, len(room.pictures)))
    gallery = [{"image": p, "caption": p.caption, "credit": p.credit} for p in pictures]
    return [
        _paragraph(rng, room, 2),
        ("gallery", {"title": cast.GALLERY_TITLE, "images": gallery}),
        _paragraph(rng, room, 2),
        _image(rng, room),
    ]


def _video(room, rng, number):
    # The lead video (the story's lead media) plays at the top; the body tells the story around it.
    return [
        *_paragraphs(rng, room, 2),
        _image(rng, room),
        *_paragraphs(rng, room, 2),
        *_related(rng, room, number),
    ]


def _podcast(room, rng, number):
    body = []
    if room.clips:
        clip = rng.choice(room.clips)
        body.append(("audio", {"audio": clip, "caption": clip.caption}))
    return body + _paragraphs(rng, room, 3)


def _data(room, rng, number):
    if rng.random() < 0.6:
        dataset = rng.choice(cast.DATASETS)
        chart = {"title": dataset.title, "kind": dataset.kind, "csv": dataset.csv, "source": dataset.source}
    else:
        start = rng.randint(180, 420)
        rows = [
            f"{month},{start + i * rng.randint(5, 25) + rng.randint(-20, 20)}"
            for i, month in enumerate(cast.MONTHS)
        ]
        chart = {
            "title": cast.READERSHIP_TITLE,
            "kind": ChartKind.LINE,
            "csv": "\n".join(["Tháng,Lượt xem", *rows]),
            "source": cast.READERSHIP_SOURCE,
        }
    return [_paragraph(rng, room), ("data", chart), *_paragraphs(rng, room, 2), *_related(rng, room, number)]


def _live(room, rng, number):
    body = [_paragraph(rng, room, 2)]
    minutes = 8 * 60 + rng.randint(0, 120)
    updates = []
    for _ in range(rng.randint(4, 7)):
        updates.append([("heading", f"{minutes // 60:02d}:{minutes % 60:02d}"), _paragraph(rng, room, 2)])
        minutes += rng.randint(10, 45)
    for update in reversed(updates):  # newest first, as a live page reads
        body += update
    return [*body, _pull_quote(rng, room)]


BODIES = {
    StoryFormat.NEWS: _news,
    StoryFormat.LONGFORM: _longform,
    StoryFormat.PHOTO: _photo,
    StoryFormat.VIDEO: _video,
    StoryFormat.PODCAST: _podcast,
    StoryFormat.DATA: _data,
    StoryFormat.LIVE: _live,
}
