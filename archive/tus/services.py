"""Resumable uploads: open one, take its bytes in any number of pieces, hand the whole file to the ingest.

One request at a time writes to an upload: the holder of its lease (lease.py), so a second PATCH at once gets
423, and one sent for an offset already passed gets 409.

Limits are read here and only here: the largest file from archive.s3_upload.max_upload_bytes (the same rule
as the direct S3 upload), the per-person quota and the expiry from settings.ARCHIVE_TUS_*.
"""

import logging
import os
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.http import UnreadablePostError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.models import Agency

from .. import s3
from ..inspect import max_upload_bytes as ingest_limit
from ..models import ArchiveImage, ResumableUpload
from ..s3_upload import KINDS, kind_of, max_upload_bytes, may_add, part_size_for
from .lease import Lease, LeaseLost, check_alive, claim, not_found, take_over
from .protocol import CHECKSUM_MISMATCH, TusError
from .store import BrokenUpload, S3Bytes, bytes_of

logger = logging.getLogger(__name__)

Status = ResumableUpload.Status
# The ingest of a 4 GB video (checks, SHA-256, copy to storage) holds the upload longer than a piece does.
INGEST_LEASE = timedelta(minutes=30)
READ_SIZE = 1 << 20
# Types a browser gives files it cannot name: the ingest decides by the content, so they are let through.
GENERIC_TYPES = ("", "application/octet-stream", "binary/octet-stream")


# --- Limits ------------------------------------------------------------------------------------


def max_size() -> int:
    """Tus-Max-Size: the largest file of any kind (each kind's own limit is checked at creation)."""
    return max(limit_for(kind) for kind in (*KINDS, "other"))


def limit_for(kind: str) -> int:
    """The largest file of `kind` worth sending: the direct upload's limit, and for a known kind never more
    than the ingest takes, so no one sends 60 MB over a phone line only to hear the photo is too large."""
    limit = max_upload_bytes(kind)
    return min(limit, ingest_limit(kind)) if kind in KINDS else limit


def user_quota() -> int:
    """Bytes of unfinished uploads one person may hold at once."""
    return int(settings.ARCHIVE_TUS_USER_QUOTA_BYTES)


def expiry() -> timedelta:
    """How long an upload nobody writes to is kept."""
    return timedelta(seconds=int(settings.ARCHIVE_TUS_EXPIRY_SECONDS))


# --- Reading -----------------------------------------------------------------------------------


def upload_for(*, user, upload_id: uuid.UUID) -> ResumableUpload:
    """The user's own upload; raises TusError 404 for another person's or an unknown one, 410 if expired,
    403 once the user no longer works for the upload's agency."""
    upload = (
        ResumableUpload.objects.select_related("agency", "user").filter(uuid=upload_id, user=user).first()
    )
    if upload is None:
        raise not_found()
    check_alive(upload)
    if not Agency.objects.for_user(user).filter(pk=upload.agency_id).exists():
        # Someone taken off the agency's staff mid-upload cannot finish it.
        raise TusError(403, _("You can only upload files for an agency you work for."))
    return upload


# --- Creation ----------------------------------------------------------------------------------


def create_upload(*, user, length: int, metadata: dict[str, str]) -> ResumableUpload:
    """Open an upload of `length` bytes for the file the metadata names.

    Raises TusError: 400 (no file name, an agency that is not the user's or not clear, an empty file),
    403 (the user's role may not add files), 413 (larger than the limit, or beyond the user's quota),
    415 (a type the archive never takes).
    """
    filename = metadata.get("filename", "").strip()
    if not filename or len(filename) > 255:
        raise TusError(400, _("Send the file’s name (at most 255 characters) in the metadata “filename”."))
    filetype = metadata.get("filetype", "").strip().lower()[:255]
    agency = _agency_for(user, metadata.get("agency"))
    kind = kind_of(filetype, filename)
    if kind == "other" and filetype not in GENERIC_TYPES:
        raise TusError(
            415,
            _("The archive takes photos, video and audio; this file is “%(type)s”.") % {"type": filetype},
        )
    if not may_add(user, agency, kind):
        raise TusError(403, _("Your role does not allow adding files to this agency’s archive."))
    if length == 0:
        raise TusError(400, _("The file is empty."))
    limit = limit_for(kind)
    if length > limit:
        raise TusError(
            413,
            _("This file is %(size)s; the largest file accepted is %(limit)s.")
            % {"size": filesizeformat(length), "limit": filesizeformat(limit)},
        )
    upload = ResumableUpload(
        user=user,
        agency=agency,
        filename=filename,
        filetype=filetype,
        title=metadata.get("title", "").strip()[:255],
        metadata=metadata,
        length=length,
        expires_at=timezone.now() + expiry(),
    )
    with transaction.atomic():
        _check_quota(user, length)
        if s3.s3_enabled():
            upload.part_size = part_size_for(length)
            S3Bytes(upload).create()  # names the object and opens its multipart upload
        upload.save()
    if not upload.on_s3:
        bytes_of(upload).create()
    return upload


def _agency_for(user, value) -> Agency:
    agencies = Agency.objects.for_user(user)
    if value is None or not str(value).strip():
        only = list(agencies.order_by("pk")[:2])
        if len(only) != 1:
            raise TusError(400, _("Choose the agency the file is for."))
        return only[0]
    value = str(value).strip()
    agency = agencies.filter(pk=int(value)).first() if value.isdigit() and len(value) < 19 else None
    if agency is None:
        raise TusError(400, _("You can only upload files for an agency you work for."))
    return agency


def _check_quota(user, length: int) -> None:
    if connection.features.has_select_for_update:
        # One creation per person at a time, so two at once cannot both squeeze under the quota.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    used = (
        ResumableUpload.objects.filter(user=user, state=Status.RECEIVING, expires_at__gt=timezone.now())
        .aggregate(total=Sum("length"))
        .get("total")
        or 0
    )
    quota = user_quota()
    if used + length > quota:
        raise TusError(
            413,
            _(
                "Your unfinished uploads would come to %(total)s; each person may have %(quota)s of "
                "unfinished uploads. Finish or cancel some first."
            )
            % {"total": filesizeformat(used + length), "quota": filesizeformat(quota)},
        )


# --- Receiving ---------------------------------------------------------------------------------


def receive(*, upload: ResumableUpload, offset: int, body, content_length: int | None, checksum=None):
    """Append the bytes of `body` (a file-like request, read in pieces) at `offset`; returns the upload.

    Bytes that arrived before the connection broke are kept, unless a checksum was sent: then only a
    whole piece whose checksum matches is. When the last byte arrives the file goes to the ingest, and the
    upload comes back DONE (with its asset) or REFUSED (with the reason).
    Raises TusError 409/410/423 (see `claim`), 413 (more bytes than the upload's length), 460 (checksum).
    """
    remaining = upload.length - offset
    if content_length is not None and content_length > remaining:
        raise _too_long()
    lease = claim(upload, offset=offset)
    try:
        upload = lease.upload
        if not upload.is_complete:
            _write(lease, body, limit=remaining, expected=content_length, checksum=checksum)
        if upload.is_complete and upload.state == Status.RECEIVING:
            _take_in(lease)
    except LeaseLost:
        raise TusError(
            423, _("Another request took over this upload; ask for its offset and go on.")
        ) from None
    finally:
        lease.release()
    return upload


def _too_long() -> TusError:
    return TusError(413, _("More bytes were sent than the file’s announced length."))


def _write(lease: Lease, body, *, limit: int, expected: int | None, checksum) -> None:
    upload = lease.upload
    store = bytes_of(upload)
    try:
        out = store.open()
    except BrokenUpload:
        logger.error("Upload %s lost bytes it had acknowledged", upload.uuid)
        raise TusError(410, _("This upload’s stored bytes were lost; start it again.")) from None
    with out:
        start, written, cut = out.tell(), 0, False
        while expected is None or written < expected:
            try:
                piece = body.read(min(READ_SIZE, limit + 1 - written))
            except (OSError, UnreadablePostError):
                piece, cut = b"", True
            if not piece:
                cut = cut or (expected is not None and written < expected)
                break
            written += len(piece)
            if written > limit:
                out.truncate(start)
                raise _too_long()
            out.write(piece)
            if checksum:
                checksum[0].update(piece)
            lease.renew()
        if checksum and (cut or checksum[0].digest() != checksum[1]):
            # tus: a piece whose checksum does not match (or that did not fully arrive) is discarded.
            out.truncate(start)
            raise TusError(
                CHECKSUM_MISMATCH,
                _("The piece that arrived does not match its checksum; it was discarded. Send it again."),
            )
        if not written:
            return
        out.flush()
        # On disk before the offset says so: a crash must never leave the offset past the stored bytes.
        os.fsync(out.fileno())
    lease.save(offset=upload.offset + written, expires_at=timezone.now() + expiry())
    store.after_write(lease)


# --- Taking the file in ------------------------------------------------------------------------


def _take_in(lease: Lease) -> None:
    """Hand the whole file to the archive's ingest and record what became of it; the bytes then go."""
    from ..inspect import RejectedFile
    from ..services import ingest_local_file, ingest_stored_file

    lease.renew(INGEST_LEASE, force=True)
    upload = lease.upload
    store = bytes_of(upload)
    who = {
        "original_name": upload.filename,
        "user": upload.user,
        "agency": upload.agency,
        "title": upload.title,
    }
    try:
        if upload.on_s3:
            result = ingest_stored_file(storage_name=store.complete(lease), **who)
        else:
            result = ingest_local_file(path=store.complete(lease), **who)
    except (RejectedFile, ValidationError) as refusal:
        message = refusal.message if isinstance(refusal, RejectedFile) else " ".join(refusal.messages)
        if upload.on_s3:
            s3.delete_object(upload.storage_name)  # ingest_stored_file leaves a refused object to its caller
        lease.save(state=Status.REFUSED, error=str(message), expires_at=timezone.now() + expiry())
        store.discard()
        return
    asset = result.asset
    is_image = isinstance(asset, ArchiveImage)
    lease.save(
        state=Status.DONE,
        image=asset if is_image else None,
        media=None if is_image else asset,
        duplicate=bool(result.duplicate),
        message=str(result.message),
        expires_at=timezone.now() + expiry(),
    )
    store.discard()


def take_in(*, upload: ResumableUpload) -> ResumableUpload:
    """The upload with its outcome: an upload whose bytes all arrived but whose ingest did not finish
    (the process stopped, the storage did not answer) is taken in now. Returns it DONE or REFUSED.

    Raises TusError 409 while bytes are missing or another request is taking it in.
    """
    if upload.state != Status.RECEIVING:
        return upload
    if not upload.is_complete:
        raise _incomplete(upload)
    try:
        lease = claim(upload, offset=upload.length, duration=INGEST_LEASE)
    except TusError as refusal:
        if refusal.status == 423:
            raise _incomplete(upload) from None
        raise
    try:
        if lease.upload.state == Status.RECEIVING:
            _take_in(lease)
    except LeaseLost:
        raise _incomplete(upload) from None
    finally:
        lease.release()
    return lease.upload


def _incomplete(upload) -> TusError:
    return TusError(
        409,
        _("The file has not fully arrived yet (%(offset)s of %(length)s bytes).")
        % {"offset": upload.offset, "length": upload.length},
    )


# --- Ending ------------------------------------------------------------------------------------


def terminate(*, upload: ResumableUpload) -> None:
    """Delete the upload and its bytes (an asset it became stays in the archive).

    Raises TusError 423 while a request is writing it.
    """
    if not take_over(upload):
        raise TusError(423, _("Another request is sending this file right now; try again in a moment."))
    bytes_of(upload).discard()
    ResumableUpload.objects.filter(pk=upload.pk).delete()
