"""Where an upload's bytes wait: a file under MEDIA_ROOT/tus/, or with S3 a multipart upload and a local tail.

The folder is never served: archive.media_serving shows only renditions to the public, and the web server
of a deployment exposes only those. With S3 the bytes go to the bucket a part (8 MB or more) at a time; what
is not yet a whole part waits in a tail file named after the number of parts already stored, so a crash
between storing a part and recording it leaves either the old tail or the new one intact, never half of each.

Every write happens under the upload's lease (services.Lease), which `lease.save()` checks.
"""

import os
from pathlib import Path

from botocore.exceptions import ClientError
from django.conf import settings

from .. import s3

FOLDER = "tus"


def folder() -> Path:
    path = Path(settings.MEDIA_ROOT) / FOLDER
    path.mkdir(parents=True, exist_ok=True)
    return path


def bytes_of(upload):
    """The store that holds this upload's bytes; an upload keeps the store it was created with."""
    return S3Bytes(upload) if upload.on_s3 else LocalBytes(upload)


class BrokenUpload(Exception):
    """The stored bytes are fewer than the upload's offset says (a lost disk): it cannot be resumed."""


class LocalBytes:
    """The whole file, appended to in place."""

    def __init__(self, upload):
        self.upload = upload
        self.path = folder() / str(upload.uuid)

    def create(self) -> None:
        self.path.touch()

    def open(self):
        """The file, opened for writing at the offset: bytes past it (a request cut mid-write) go."""
        return _open_at(self.path, self.upload.offset)

    def after_write(self, lease) -> None:
        """Nothing to move: the file is the upload."""

    def complete(self, lease) -> Path:
        return self.path

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


class S3Bytes:
    """Parts in the bucket's multipart upload, and the bytes after the last whole part in a local tail."""

    def __init__(self, upload):
        self.upload = upload

    def create(self) -> None:
        upload = self.upload
        upload.storage_name = s3.upload_key(upload.agency, upload.filename)
        upload.s3_upload_id = s3.create_multipart(upload.storage_name, upload.filetype)

    def tail(self, parts: int | None = None) -> Path:
        count = len(self.upload.parts) if parts is None else parts
        return folder() / f"{self.upload.uuid}.tail-{count}"

    @property
    def stored(self) -> int:
        """Bytes already in the bucket's parts."""
        return len(self.upload.parts) * self.upload.part_size

    def open(self):
        for stale in folder().glob(f"{self.upload.uuid}.tail-*"):
            if stale != self.tail():
                stale.unlink(missing_ok=True)
        return _open_at(self.tail(), self.upload.offset - self.stored)

    def after_write(self, lease) -> None:
        """Send every whole part in the tail to the bucket; keep the rest as the next tail."""
        self._send_parts(lease, last=False)

    def complete(self, lease) -> str:
        """Send the last part and join the parts into one object; returns its storage name."""
        upload = self.upload
        if upload.s3_upload_id:
            self._send_parts(lease, last=True)
            s3.complete_multipart(upload.storage_name, upload.s3_upload_id, upload.parts)
            lease.save(s3_upload_id="")
            self.tail().unlink(missing_ok=True)
        return upload.storage_name

    def _send_parts(self, lease, *, last: bool) -> None:
        upload, size = self.upload, self.upload.part_size
        tail = self.tail()
        tail_size = tail.stat().st_size if tail.exists() else 0
        whole = tail_size // size
        if last and tail_size % size:
            whole += 1
        if not whole:
            return
        parts = list(upload.parts)
        with tail.open("rb") as source:
            for _index in range(whole):
                body = source.read(size)  # one part in memory at most: 8 MB for files up to 80 GB
                number = len(parts) + 1
                answer = s3.client().upload_part(
                    Bucket=s3.bucket_name(),
                    Key=s3.object_key(upload.storage_name),
                    UploadId=upload.s3_upload_id,
                    PartNumber=number,
                    Body=body,
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                lease.renew()
            rest = folder() / f"{upload.uuid}.tail-{len(parts)}"
            with rest.open("wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
        # Recorded only once the next tail is written: a crash before this line leaves the old tail and
        # parts that are simply sent again (S3 keeps the last copy of a part number).
        lease.save(parts=parts)
        tail.unlink(missing_ok=True)

    def discard(self) -> None:
        upload = self.upload
        try:
            if upload.s3_upload_id:
                s3.abort_multipart(upload.storage_name, upload.s3_upload_id)
            elif upload.state == upload.Status.RECEIVING:
                s3.delete_object(upload.storage_name)  # joined but never taken in by the ingest
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in ("NoSuchUpload", "404", "NoSuchKey"):
                raise
        for tail in folder().glob(f"{upload.uuid}.tail-*"):
            tail.unlink(missing_ok=True)


def _open_at(path: Path, size: int):
    """`path` opened for writing after its first `size` bytes, which must all be there."""
    if size < 0:
        raise BrokenUpload(path)
    handle = open(path, "r+b" if path.exists() else "w+b")  # noqa: SIM115 - the caller closes it
    try:
        if handle.seek(0, os.SEEK_END) < size:
            raise BrokenUpload(path)
        handle.truncate(size)
        handle.seek(size)
    except BaseException:
        handle.close()
        raise
    return handle
