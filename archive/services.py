"""Writes to the archive: take a file in, once, and hand it to the ingest worker.

Every way into the archive (the admin's forms, the browser's direct upload to S3, `archive_import`, remote
filing) ends here, so every file is checked by its content and deduplicated by its SHA-256 the same way.
"""

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from newsroom.models import Agency

from .inspect import FileFacts, inspect_file
from .models import ArchiveImage, ArchiveMedia, Sharing, State


@dataclass
class IngestResult:
    asset: ArchiveImage | ArchiveMedia
    duplicate: bool
    message: str


def model_for(kind: str):
    return ArchiveImage if kind == "image" else ArchiveMedia


def find_duplicate(*, sha256: str, agency: Agency, kind: str):
    """The same bytes already in this agency's archive, or shared with every agency."""
    visible = Q(agency=agency) | Q(sharing=Sharing.DEPLOYMENT)
    return model_for(kind).objects.filter(visible, sha256=sha256).order_by("pk").first()


def ingest_local_file(
    *, path, original_name: str, user, agency: Agency, title: str = "", **fields
) -> IngestResult:
    """Check a file on local disk, and store it as a new asset unless the archive already has it.

    Raises archive.inspect.RejectedFile for a file the archive refuses; nothing is stored then.
    """
    facts = inspect_file(path, original_name=original_name)
    existing = find_duplicate(sha256=facts.sha256, agency=agency, kind=facts.kind)
    if existing:
        return _duplicate(existing)
    with open(path, "rb") as handle:
        asset = _new_asset(
            facts, original_name=original_name, user=user, agency=agency, title=title, **fields
        )
        asset.file.save(stored_name(original_name, facts), File(handle), save=False)
        with transaction.atomic():
            asset.save()
    return _created(asset)


def ingest_stored_file(
    *, storage_name: str, original_name: str, user, agency: Agency, title: str = "", **fields
) -> IngestResult:
    """Take in a file already in the default storage (a browser's direct upload to S3).

    A refused file raises RejectedFile (the caller removes the object); a duplicate's object is removed here.
    """
    with local_copy(storage_name) as path:
        facts = inspect_file(path, original_name=original_name)
        size = image_size(path) if facts.kind == "image" else None  # read from the copy already here
    existing = find_duplicate(sha256=facts.sha256, agency=agency, kind=facts.kind)
    if existing:
        default_storage.delete(storage_name)
        return _duplicate(existing)
    asset = _new_asset(facts, original_name=original_name, user=user, agency=agency, title=title, **fields)
    asset.file.name = storage_name
    if size:
        asset.width, asset.height = size
    with transaction.atomic():
        asset.save()
    return _created(asset)


def image_size(path) -> tuple[int, int]:
    from PIL import Image as PILImage

    with PILImage.open(path) as picture:
        return picture.size


def _created(asset) -> IngestResult:
    return IngestResult(
        asset, False, _("“%(title)s” is in the archive; processing has started.") % {"title": asset.title}
    )


def _duplicate(existing) -> IngestResult:
    return IngestResult(
        existing,
        True,
        _("This file is already in the archive as “%(title)s”: that asset is used instead of a copy.")
        % {"title": existing.title},
    )


def _new_asset(facts: FileFacts, *, original_name: str, user, agency: Agency, title: str, **fields):
    common = {
        "title": title or default_title(original_name),
        "collection": agency.collection,
        "agency": agency,
        "uploaded_by_user": user,
        "sha256": facts.sha256,
        "size": facts.size,
        "mime_type": facts.mime_type,
        "state": State.UPLOADED,
        **fields,
    }
    if facts.kind == "image":
        return ArchiveImage(file_size=facts.size, **common)
    return ArchiveMedia(type=facts.kind, **common)


def default_title(original_name: str) -> str:
    stem = PurePosixPath(original_name or "").stem
    return stem.replace("_", " ").replace("-", " ").strip() or _("Untitled")


def stored_name(original_name: str, facts: FileFacts) -> str:
    """A safe file name with the extension the content really has."""
    stem = get_valid_filename(PurePosixPath(original_name or "file").stem)[:80] or "file"
    return f"{stem}.{facts.extension}"


@contextmanager
def local_copy(storage_name: str):
    """A local path for a stored file: its own path on the filesystem, else a temporary copy (S3)."""
    try:
        path = default_storage.path(storage_name)
    except NotImplementedError:
        path = None
    if path and os.path.exists(path):
        yield Path(path)
        return
    suffix = PurePosixPath(storage_name).suffix
    handle, temp = tempfile.mkstemp(prefix="archive-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out, default_storage.open(storage_name, "rb") as source:
            shutil.copyfileobj(source, out, 1 << 20)
        yield Path(temp)
    finally:
        os.unlink(temp)


@contextmanager
def upload_path(upload):
    """A local path for a Django UploadedFile: its temporary file, else a copy of the bytes in memory."""
    if hasattr(upload, "temporary_file_path"):
        yield Path(upload.temporary_file_path())
        return
    suffix = PurePosixPath(upload.name or "").suffix
    handle, temp = tempfile.mkstemp(prefix="archive-upload-", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            upload.seek(0)
            shutil.copyfileobj(upload, out, 1 << 20)
        upload.seek(0)
        yield Path(temp)
    finally:
        os.unlink(temp)


def usage_of(asset) -> list:
    """Pages (stories) that use the asset, from Wagtail's reference index."""
    from wagtail.models import ReferenceIndex

    references = ReferenceIndex.get_references_to(asset).group_by_source_object()
    return [source for source, _refs in references if source is not None]
