"""Where backups go: a folder, or a prefix in an S3 bucket, behind one small interface of keys.

Both hold the same layout:

    <name>/started.json      written first: a backup under way, or one that crashed
    <name>/database.<ext>    the database dump
    <name>/manifest.json     written last: its presence makes the backup complete
    files/<ab>/<sha256>      the media files, by content, shared by every backup in the destination
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from botocore.exceptions import ClientError
from django.conf import settings
from django.utils.translation import gettext as _

from archive.s3 import build_client

from .errors import BackupError

OBJECTS = "files"
MANIFEST = "manifest.json"
STARTED = "started.json"
_CHUNK = 1 << 20


def object_key(sha256: str) -> str:
    """The key of a media file's content in a destination."""
    return f"{OBJECTS}/{sha256[:2]}/{sha256}"


class Destination(ABC):
    """A place that holds backups; keys are "/"-separated paths relative to it."""

    url: str

    @abstractmethod
    def folders(self) -> list[str]:
        """The names of the top-level folders (backups, and the shared `files`)."""

    @abstractmethod
    def keys(self, prefix: str) -> Iterator[str]:
        """Every key under `prefix` (a folder, ending in "/"), at any depth."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def read_bytes(self, key: str) -> bytes:
        """The whole content of a small key; raises FileNotFoundError when it is missing."""

    @abstractmethod
    def write_bytes(self, key: str, data: bytes) -> None: ...

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A stream of the key's content, read in chunks by the caller, who closes it."""

    @abstractmethod
    def put_stream(self, key: str, stream: BinaryIO) -> None:
        """Write `stream` to `key` without holding it in memory; a reader never sees half a file."""

    @abstractmethod
    def delete(self, keys: Iterable[str]) -> None:
        """Remove the keys; missing ones are no error."""

    @abstractmethod
    @contextmanager
    def writable_path(self, key: str) -> Iterator[Path]:
        """A local path a tool writes to; when the block ends without error its content becomes `key`."""

    @abstractmethod
    @contextmanager
    def readable_path(self, key: str) -> Iterator[Path]:
        """A local path holding the key's content while the block runs."""

    def object_names(self) -> set[str]:
        """The SHA-256 of every media file the destination holds."""
        return {key.rsplit("/", 1)[-1] for key in self.keys(f"{OBJECTS}/")}

    def delete_folder(self, name: str) -> None:
        self.delete(list(self.keys(f"{name}/")))


class FolderDestination(Destination):
    def __init__(self, path: Path):
        self.root = path
        self.url = str(path)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def folders(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(entry.name for entry in self.root.iterdir() if entry.is_dir())

    def keys(self, prefix: str) -> Iterator[str]:
        base = self._path(prefix.rstrip("/"))
        for folder, _dirs, files in os.walk(base):
            relative = Path(folder).relative_to(self.root).as_posix()
            for file in files:
                yield f"{relative}/{file}"

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def read_bytes(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def write_bytes(self, key: str, data: bytes) -> None:
        with self.writable_path(key) as path:
            path.write_bytes(data)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def put_stream(self, key: str, stream: BinaryIO) -> None:
        with self.writable_path(key) as path, path.open("wb") as out:
            shutil.copyfileobj(stream, out, _CHUNK)

    def delete(self, keys: Iterable[str]) -> None:
        folders = set()
        for key in keys:
            path = self._path(key)
            path.unlink(missing_ok=True)
            folders.add(path.parent)
        # Empty folders left behind (a pruned backup, a files/ab/ nobody uses any more) go too.
        for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
            while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
                folder = folder.parent

    @contextmanager
    def writable_path(self, key: str) -> Iterator[Path]:
        # A backup holds every password hash and the channels' encrypted credentials: for its owner's eyes.
        # A destination folder made here is closed to others; one made by the administrator stays as it is.
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        # Written beside its final name and renamed: a crash never leaves a half file under that name.
        partial = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.part")
        try:
            yield partial
            partial.chmod(0o600)
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)

    @contextmanager
    def readable_path(self, key: str) -> Iterator[Path]:
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(str(path))
        yield path


class S3Destination(Destination):
    def __init__(self, bucket: str, prefix: str):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        self.endpoint_url = settings.BACKUP_S3_ENDPOINT_URL or None
        self.access_key = settings.BACKUP_S3_ACCESS_KEY_ID or None
        self.client = build_client(
            endpoint_url=self.endpoint_url,
            access_key=self.access_key,
            secret_key=settings.BACKUP_S3_SECRET_ACCESS_KEY or None,
            security_token=None,
            region_name=settings.BACKUP_S3_REGION or None,
            signature_version="s3v4",
            addressing_style=None,
            verify=None,
        )

    def full_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def folders(self) -> list[str]:
        start = self.full_key("")
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=start, Delimiter="/"
        )
        found = [entry["Prefix"] for page in pages for entry in page.get("CommonPrefixes", [])]
        return sorted(prefix[len(start) :].strip("/") for prefix in found)

    def keys(self, prefix: str) -> Iterator[str]:
        start = len(self.full_key(""))
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.full_key(prefix)
        )
        for page in pages:
            for entry in page.get("Contents", []):
                yield entry["Key"][start:]

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.full_key(key))
        except ClientError as error:
            if error.response["Error"]["Code"] in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def write_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.full_key(key), Body=data)

    def open(self, key: str) -> BinaryIO:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.full_key(key))["Body"]
        except ClientError as error:
            if error.response["Error"]["Code"] in {"404", "NoSuchKey"}:
                raise FileNotFoundError(self.full_key(key)) from error
            raise

    def put_stream(self, key: str, stream: BinaryIO) -> None:
        # A managed upload: multipart in chunks for large files, so a video never sits in memory whole.
        self.client.upload_fileobj(stream, self.bucket, self.full_key(key))

    def copy_from(self, key: str, *, bucket: str, source_key: str) -> None:
        """Copy an object of the same S3 service into `key` server-side (multipart when large)."""
        self.client.copy({"Bucket": bucket, "Key": source_key}, self.bucket, self.full_key(key))

    def delete(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        for start in range(0, len(keys), 1000):  # S3 deletes at most 1000 keys a request
            batch = [{"Key": self.full_key(key)} for key in keys[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})

    @contextmanager
    def writable_path(self, key: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="newsroom-backup-") as folder:
            path = Path(folder) / key.rsplit("/", 1)[-1]
            yield path
            self.client.upload_file(str(path), self.bucket, self.full_key(key))

    @contextmanager
    def readable_path(self, key: str) -> Iterator[Path]:
        with tempfile.TemporaryDirectory(prefix="newsroom-restore-") as folder:
            path = Path(folder) / key.rsplit("/", 1)[-1]
            try:
                self.client.download_file(self.bucket, self.full_key(key), str(path))
            except ClientError as error:
                if error.response["Error"]["Code"] in {"404", "NoSuchKey"}:
                    raise FileNotFoundError(self.full_key(key)) from error
                raise
            yield path


def open_destination(url: str) -> Destination:
    """The destination named by `url`: "s3://bucket/prefix", or a folder's path.

    Raises BackupError for an empty or unsupported address."""
    url = (url or "").strip()
    if not url:
        raise BackupError(_("No backup destination: set BACKUP_DESTINATION or give one."))
    if url.startswith("s3://"):
        bucket, _slash, prefix = url[len("s3://") :].partition("/")
        if not bucket:
            raise BackupError(_("An S3 destination needs a bucket: s3://bucket/prefix."))
        return S3Destination(bucket, prefix)
    if "://" in url:
        raise BackupError(
            _("Backups go to a folder or to s3://bucket/prefix, not to %(url)s.") % {"url": url}
        )
    return FolderDestination(Path(url).expanduser().resolve())
