"""The media half of a backup: every file of the default storage, stored in the destination by content.

A file is kept once per destination under its SHA-256, so the next backup copies only what is new. A file
whose size and change time are what the previous backup's manifest says keeps that manifest's hash and is
not read at all. Files are streamed in chunks (or copied server-side between buckets of one S3 service),
never held in memory whole: the archive holds videos of several gigabytes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.core.files.storage import FileSystemStorage, storages
from django.utils.translation import gettext as _
from storages.backends.s3 import S3Storage

from .destinations import Destination, S3Destination, object_key
from .errors import BackupError
from .manifest import Manifest, MediaEntry

logger = logging.getLogger(__name__)
_CHUNK = 1 << 20


@dataclass(frozen=True)
class StoredFile:
    path: str
    size: int
    modified: str


def sha256_of(stream: BinaryIO) -> str:
    """The SHA-256 of what `stream` holds, read in chunks; closes the stream."""
    digest = hashlib.sha256()
    with stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class _Hashing:
    """A read-only stream that hashes what passes through it."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.digest.update(chunk)
        return chunk


# --- the media storage --------------------------------------------------------------------------------------
class MediaStore(ABC):
    @abstractmethod
    def files(self) -> Iterator[StoredFile]: ...

    @abstractmethod
    def open(self, path: str) -> BinaryIO:
        """The file's content as a stream; raises FileNotFoundError when it is gone."""

    @abstractmethod
    def size(self, path: str) -> int | None:
        """The file's size, or None when there is no such file."""

    @abstractmethod
    def write(self, path: str, stream: BinaryIO) -> None:
        """Write the file at exactly `path` (a storage's save() would pick another name if it exists)."""


class LocalStore(MediaStore):
    def __init__(self, root: Path, *, mode: int | None = None):
        self.root = root
        self.mode = mode  # FILE_UPLOAD_PERMISSIONS, as the storage gives its own files

    def files(self) -> Iterator[StoredFile]:
        for folder, _dirs, names in os.walk(self.root):
            for name in names:
                path = Path(folder) / name
                stat = path.stat()
                yield StoredFile(path.relative_to(self.root).as_posix(), stat.st_size, str(stat.st_mtime_ns))

    def _path(self, path: str) -> Path:
        return self.root.joinpath(*path.split("/"))

    def open(self, path: str) -> BinaryIO:
        return self._path(path).open("rb")

    def size(self, path: str) -> int | None:
        target = self._path(path)
        return target.stat().st_size if target.is_file() else None

    def write(self, path: str, stream: BinaryIO) -> None:
        target = self._path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            with partial.open("wb") as out:
                shutil.copyfileobj(stream, out, _CHUNK)
            if self.mode is not None:
                partial.chmod(self.mode)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)


class S3Store(MediaStore):
    """The media bucket, through the very client and options django-storages built for it."""

    def __init__(self, storage: S3Storage):
        self.storage = storage
        self.client = storage.connection.meta.client
        self.bucket = storage.bucket_name
        self.endpoint_url = storage.endpoint_url or None
        self.access_key = storage.access_key or None
        location = (storage.location or "").strip("/")
        self.prefix = f"{location}/" if location else ""

    def key(self, path: str) -> str:
        return self.prefix + path

    def files(self) -> Iterator[StoredFile]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for entry in page.get("Contents", []):
                if not entry["Key"].endswith("/"):
                    path = entry["Key"][len(self.prefix) :]
                    yield StoredFile(path, entry["Size"], entry["LastModified"].isoformat())

    def open(self, path: str) -> BinaryIO:
        # Not storage.open(): django-storages reads the whole object into memory first.
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(path))["Body"]
        except self.client.exceptions.NoSuchKey as error:
            raise FileNotFoundError(path) from error

    def size(self, path: str) -> int | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(path))["ContentLength"]
        except self.client.exceptions.ClientError as error:
            if error.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise

    def _write_parameters(self, path: str) -> dict:
        # The content type, ACL and object parameters django-storages would have written the file with.
        return self.storage._get_write_parameters(path)

    def write(self, path: str, stream: BinaryIO) -> None:
        extra = self._write_parameters(path)
        self.client.upload_fileobj(stream, self.bucket, self.key(path), ExtraArgs=extra)

    def copy_from(self, destination: S3Destination, key: str, path: str) -> None:
        """Copy a backed-up object into the media bucket server-side."""
        extra = {**self._write_parameters(path), "MetadataDirective": "REPLACE"}
        source = {"Bucket": destination.bucket, "Key": destination.full_key(key)}
        self.client.copy(source, self.bucket, self.key(path), ExtraArgs=extra)


def media_store() -> MediaStore:
    """The default storage as a MediaStore; raises BackupError for a storage backups cannot read."""
    storage = storages["default"]
    if isinstance(storage, FileSystemStorage):
        return LocalStore(Path(storage.location).resolve(), mode=storage.file_permissions_mode)
    if isinstance(storage, S3Storage):
        return S3Store(storage)
    name = f"{type(storage).__module__}.{type(storage).__name__}"
    raise BackupError(_("Backups cannot read the media storage %(storage)s.") % {"storage": name})


def _one_service(store: MediaStore, destination: Destination) -> bool:
    """Whether objects can be copied between the media bucket and the destination without download."""
    return (
        isinstance(store, S3Store)
        and isinstance(destination, S3Destination)
        and store.endpoint_url == destination.endpoint_url
        and store.access_key == destination.access_key
    )


# --- backup, check, restore ---------------------------------------------------------------------------------
@dataclass
class MediaCopy:
    entries: list[MediaEntry]
    copied_files: int = 0
    copied_bytes: int = 0


def back_up(destination: Destination, *, previous: Manifest | None) -> MediaCopy:
    """Put every media file into `destination` (those it lacks), and list them all with their hashes.

    A file deleted while the backup runs is left out (with a warning). Raises BackupError when a file
    changes while it is being copied."""
    store = media_store()
    known = {entry.path: entry for entry in previous.media} if previous else {}
    held = destination.object_names()
    result = MediaCopy(entries=[])
    for file in store.files():
        try:
            earlier = known.get(file.path)
            if earlier and (earlier.size, earlier.modified) == (file.size, file.modified):
                sha256 = earlier.sha256
            else:
                sha256 = sha256_of(store.open(file.path))
            if sha256 not in held:
                _copy_in(store, destination, file, sha256)
                held.add(sha256)
                result.copied_files += 1
                result.copied_bytes += file.size
        except FileNotFoundError:
            logger.warning("%s was deleted while the backup ran, so it is not in the backup.", file.path)
            continue
        result.entries.append(MediaEntry(file.path, file.size, sha256, file.modified))
    return result


def _copy_in(store: MediaStore, destination: Destination, file: StoredFile, sha256: str) -> None:
    key = object_key(sha256)
    if _one_service(store, destination):
        destination.copy_from(key, bucket=store.bucket, source_key=store.key(file.path))
        return
    stream = _Hashing(store.open(file.path))
    with stream.stream:
        destination.put_stream(key, stream)
    if stream.digest.hexdigest() != sha256:
        destination.delete([key])
        raise BackupError(
            _("The media file %(path)s changed while it was being copied. Run the backup again.")
            % {"path": file.path}
        )


def damaged(destination: Destination, entries: list[MediaEntry]) -> list[str]:
    """The paths of the files whose copy in `destination` is missing or does not match its SHA-256."""
    paths_by_hash = defaultdict(list)
    for entry in entries:
        paths_by_hash[entry.sha256].append(entry.path)
    bad = []
    for sha256, paths in paths_by_hash.items():
        try:
            intact = sha256_of(destination.open(object_key(sha256))) == sha256
        except FileNotFoundError:
            intact = False
        if not intact:
            bad.extend(paths)
    return sorted(bad)


def restore(destination: Destination, entries: list[MediaEntry]) -> tuple[int, int]:
    """Write every file of `entries` back to the media storage at its own path; a file already there with
    the same content is left alone. Returns (files written, files already in place)."""
    store = media_store()
    written = unchanged = 0
    for entry in entries:
        if store.size(entry.path) == entry.size and sha256_of(store.open(entry.path)) == entry.sha256:
            unchanged += 1
            continue
        key = object_key(entry.sha256)
        if _one_service(store, destination):
            store.copy_from(destination, key, entry.path)
        else:
            with destination.open(key) as stream:
                store.write(entry.path, stream)
        written += 1
    return written, unchanged


def inside_media(path: Path) -> bool:
    """Whether a local folder lies in the media storage (a backup there would back itself up)."""
    store = media_store()
    return isinstance(store, LocalStore) and path.resolve().is_relative_to(store.root)
