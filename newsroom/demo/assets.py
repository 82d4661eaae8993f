"""The demo's archive and bylines: generated pictures and clips in each agency's collection, and authors."""

import zlib

from django.utils.text import slugify
from wagtail.images import get_image_model
from wagtailmedia.models import get_media_model

from ..models import Agency, Author
from ..search import fold
from . import cast, media


def _seed(text: str) -> int:
    return zlib.crc32(text.encode())


def ensure_pictures(agency: Agency, *, photographer: str) -> tuple[list, int]:
    """The agency's demo pictures (made if missing), and how many were made."""
    Image = get_image_model()
    offset = len(agency.short_name)
    subjects = [
        cast.PICTURE_SUBJECTS[(k + offset) % len(cast.PICTURE_SUBJECTS)]
        for k in range(cast.PICTURES_PER_AGENCY)
    ]
    titles = [f"Ảnh minh họa {k:02d}: {subject}" for k, subject in enumerate(subjects, 1)]
    existing = {
        image.title: image for image in Image.objects.filter(collection=agency.collection, title__in=titles)
    }
    pictures, made = [], 0
    for k, (title, subject) in enumerate(zip(titles, subjects, strict=True), 1):
        if title not in existing:
            existing[title] = Image.objects.create(
                title=title,
                file=media.picture(
                    seed=_seed(title + agency.short_name),
                    subject=subject,
                    label=f"{agency.name} · Ảnh minh họa",
                    name=f"{agency.short_name}-minh-hoa-{k:02d}.jpg",
                ),
                collection=agency.collection,
                caption=f"{subject} (ảnh minh họa).",
                credit=cast.CREDIT.format(name=photographer, agency=agency.name),
            )
            made += 1
        pictures.append(existing[title])
    return pictures, made


def ensure_clips(agency: Agency) -> tuple[list, int]:
    """The agency's demo audio clips (made if missing), and how many were made."""
    return _ensure_media(
        agency,
        kind="audio",
        titles=[f"Bản tin phát thanh số {k}" for k in range(1, cast.CLIPS_PER_AGENCY + 1)],
        make=lambda seed, k: media.jingle(seed=seed, seconds=6, name=f"{agency.short_name}-{k}.wav"),
        caption="{title} của {agency} (âm thanh minh họa).",
        duration=6,
    )


def ensure_videos(agency: Agency) -> tuple[list, int]:
    """The agency's demo video clips (made with FFmpeg if missing), and how many were made."""
    return _ensure_media(
        agency,
        kind="video",
        titles=[f"Phóng sự hiện trường số {k}" for k in range(1, cast.VIDEOS_PER_AGENCY + 1)],
        make=lambda seed, k: media.video_clip(
            seed=seed, seconds=4, name=f"{agency.short_name}-video-{k}.mp4"
        ),
        caption="{title} của {agency} (hình ảnh minh họa).",
    )


def _ensure_media(agency: Agency, *, kind: str, titles: list[str], make, caption: str, **fields):
    """Media of `kind` titled `titles` in the agency's collection; `make(seed, number)` makes one missing."""
    Media = get_media_model()
    found, made = [], 0
    for k, title in enumerate(titles, 1):
        item = Media.objects.filter(collection=agency.collection, title=title).first()
        if item is None:
            item = Media.objects.create(
                title=title,
                type=kind,
                file=make(_seed(title + agency.short_name), k),
                collection=agency.collection,
                caption=caption.format(title=title, agency=agency.name),
                credit=agency.name,
                **fields,
            )
            made += 1
        found.append(item)
    return found, made


def ensure_authors(agency: Agency, *, staff: dict) -> tuple[list[Author], int]:
    """The agency's demo bylines, each with a portrait, some tied to staff; and how many were made."""
    Image = get_image_model()
    authors, made = [], 0
    for data in cast.AUTHORS[agency.short_name]:
        slug = slugify(fold(data.name))
        author = Author.objects.filter(agency=agency, slug=slug).first()
        if author is None:
            photo = Image.objects.create(
                title=f"Chân dung {data.name}",
                file=media.portrait(seed=_seed(data.name), name=data.name, filename=f"{slug}.jpg"),
                collection=agency.collection,
                caption=data.name,
                credit=agency.name,
            )
            author = Author.objects.create(
                agency=agency,
                name=data.name,
                slug=slug,
                job_title=data.job_title,
                bio=data.bio,
                photo=photo,
                user=staff.get(data.user_role) if data.user_role else None,
            )
            made += 1
        authors.append(author)
    return authors, made


def photographer_of(agency: Agency) -> str:
    return next(data.name for data in cast.AUTHORS[agency.short_name] if data.photographer)
