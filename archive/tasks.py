"""The ingest, on the task worker: facts, metadata and renditions for each new asset.

A file the archive cannot read fails at once with the reason; anything else (a full disk, a lost S3
connection) is retried with a growing delay, up to ARCHIVE_MAX_ATTEMPTS. The original is never touched.
"""

import logging
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from . import media_processing
from .inspect import RejectedFile, inspect_file, photo_metadata
from .models import ArchiveImage, ArchiveMedia, State
from .services import local_copy

logger = logging.getLogger(__name__)

# Renditions the public site asks for; made at ingest so the first reader does not wait for them.
IMAGE_RENDITIONS = (
    "width-400|format-webp",
    "width-800|format-webp",
    "width-1200|format-webp",
    "width-1600|format-webp",
    "max-165x165",
)
COMMON_FIELDS = ("sha256", "size", "mime_type", "state", "failure_reason", "processed_at")
PROCESSING_FIELDS = {
    "image": COMMON_FIELDS,
    "media": (
        *COMMON_FIELDS,
        *("duration", "width", "height", "codecs", "bitrate", "thumbnail", "mp4", "hls_playlist"),
        *("audio_rendition", "loudness_lufs", "true_peak_dbtp", "waveform"),
    ),
}
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=5), timedelta(minutes=30))


def max_attempts() -> int:
    return getattr(settings, "ARCHIVE_MAX_ATTEMPTS", 3)


def queue_processing(asset) -> None:
    """Queue the ingest once the asset's row is committed (the worker must be able to see it)."""
    kind = "image" if isinstance(asset, ArchiveImage) else "media"
    transaction.on_commit(lambda: process_asset.enqueue(kind, asset.pk))


@task()
def process_asset(kind: str, pk: int) -> str:
    model = ArchiveImage if kind == "image" else ArchiveMedia
    updated = model.objects.filter(pk=pk).exclude(state=State.READY)
    if not updated.update(state=State.PROCESSING, attempts=F("attempts") + 1):
        return "gone or already ready"
    asset = model.objects.get(pk=pk)
    try:
        with local_copy(asset.file.name) as path:
            if kind == "image":
                process_image(asset, path)
            elif asset.type == "video":
                process_video(asset, path)
            else:
                process_audio(asset, path)
    except (RejectedFile, media_processing.MediaError) as error:
        # The file itself is the problem: trying again would give the same answer.
        fail(asset, str(error))
        return "failed"
    except Exception as error:
        logger.exception("Processing %s %s failed (attempt %s)", kind, pk, asset.attempts)
        if asset.attempts >= max_attempts():
            fail(asset, str(error) or error.__class__.__name__)
            return "failed"
        model.objects.filter(pk=pk).update(state=State.UPLOADED, failure_reason=str(error)[:2000])
        if process_asset.get_backend().supports_defer:
            delay = RETRY_DELAYS[min(asset.attempts, len(RETRY_DELAYS)) - 1]
            process_asset.using(run_after=timezone.now() + delay).enqueue(kind, pk)
        # Without deferral (the immediate backend) the asset waits, as uploaded, to be queued again.
        return "retrying"
    asset.state = State.READY
    asset.failure_reason = ""
    asset.processed_at = timezone.now()
    # Only what the ingest found: an editor may have changed the title or caption meanwhile.
    fields = [*PROCESSING_FIELDS[kind], *getattr(asset, "_filled", ())]
    asset.save(update_fields=fields)
    return "ready"


def fail(asset, reason: str) -> None:
    type(asset).objects.filter(pk=asset.pk).update(state=State.FAILED, failure_reason=reason[:2000])


def _fill_blanks(asset, values: dict) -> None:
    """Pre-fill what the uploader left empty; never overwrite what a person typed."""
    asset._filled = getattr(asset, "_filled", set())
    for field, value in values.items():
        if value and not getattr(asset, field):
            setattr(asset, field, value)
            asset._filled.add(field)


def _file_facts(asset, path: Path) -> None:
    if not asset.sha256:
        facts = inspect_file(path, original_name=asset.file.name)
        asset.sha256, asset.size, asset.mime_type = facts.sha256, facts.size, facts.mime_type


def process_image(asset: ArchiveImage, path: Path) -> None:
    _file_facts(asset, path)
    meta = photo_metadata(path)
    _fill_blanks(
        asset,
        {
            "caption": meta.caption or meta.title,
            "credit": meta.credit or meta.creator,
            "copyright_holder": meta.copyright,
            "captured_at": meta.captured_at,
            "location": meta.location,
            "latitude": meta.latitude,
            "longitude": meta.longitude,
        },
    )
    if meta.keywords:  # keywords add to the tags a person or an import gave; they replace none
        asset.tags.add(*meta.keywords[:20])
    asset.get_renditions(*IMAGE_RENDITIONS)


def _media_facts(asset: ArchiveMedia, path: Path) -> media_processing.MediaFacts:
    _file_facts(asset, path)
    facts = media_processing.probe(path)
    asset.duration = round(facts.duration, 3)
    asset.width, asset.height = facts.width, facts.height
    asset.codecs = facts.codecs[:100]
    asset.bitrate = facts.bitrate or None
    return facts


def _rendition_folder(asset) -> str:
    return f"archive/renditions/media/{asset.pk}"


def process_video(asset: ArchiveMedia, path: Path) -> None:
    _media_facts(asset, path)
    work = Path(tempfile.mkdtemp(prefix="archive-video-"))
    try:
        poster = work / "poster.jpg"
        media_processing.make_poster(path, poster)
        mp4 = work / "video.mp4"
        media_processing.transcode_mp4(path, mp4)
        media_processing.make_hls(path, work / "hls")
        folder = _rendition_folder(asset)
        _replace(asset.thumbnail, "poster.jpg", poster)
        _replace(asset.mp4, "video.mp4", mp4)
        asset.hls_playlist = _store_tree(work / "hls", f"{folder}/hls") + "/master.m3u8"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def process_audio(asset: ArchiveMedia, path: Path) -> None:
    _media_facts(asset, path)
    work = Path(tempfile.mkdtemp(prefix="archive-audio-"))
    try:
        normalised = work / "audio.m4a"
        loudness = media_processing.normalise_audio(path, normalised)
        asset.loudness_lufs = round(loudness.integrated_lufs, 2)
        asset.true_peak_dbtp = round(loudness.true_peak_dbtp, 2)
        asset.waveform = media_processing.waveform_peaks(normalised)
        _replace(asset.audio_rendition, "audio.m4a", normalised)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _replace(field_file, name: str, source: Path) -> None:
    """Store a rendition file, replacing the one an earlier attempt left."""
    if field_file:
        field_file.delete(save=False)
    with open(source, "rb") as handle:
        field_file.save(name, File(handle), save=False)


def _store_tree(local: Path, prefix: str) -> str:
    """Copy a folder of renditions (an HLS ladder) into the storage under `prefix`, which it replaces."""
    _delete_tree(prefix)
    for file in sorted(local.rglob("*")):
        if file.is_file():
            name = f"{prefix}/{file.relative_to(local).as_posix()}"
            with open(file, "rb") as handle:
                stored = default_storage.save(name, File(handle))
            if stored != name:  # the storage renamed it: the playlists would point at nothing
                raise RuntimeError(f"Storage renamed {name} to {stored}")
    return prefix


def _delete_tree(prefix: str) -> None:
    try:
        folders, files = default_storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        default_storage.delete(f"{prefix}/{name}")
    for folder in folders:
        _delete_tree(f"{prefix}/{folder}")


def delete_renditions(asset: ArchiveMedia) -> None:
    """Remove what the ingest made for a media asset (when the asset itself is deleted)."""
    for field_file in (asset.mp4, asset.audio_rendition):
        if field_file:
            field_file.delete(save=False)
    _delete_tree(_rendition_folder(asset))
