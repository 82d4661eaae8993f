"""Abandoned uploads go with their bytes: a loop in `manage.py newsroom_worker` (listed in
settings.NEWSROOM_WORKER_LOOPS) and the `archive_tus_cleanup` command both call delete_expired_uploads."""

import logging
import threading
import uuid

from django.db import close_old_connections
from django.utils import timezone

from ..models import ResumableUpload
from .lease import take_over
from .services import expiry
from .store import bytes_of, folder

logger = logging.getLogger(__name__)
# Expiry counts in hours; a look every few minutes frees an abandoned upload's disk soon enough.
CLEANUP_SECONDS = 300


def delete_expired_uploads(*, now=None) -> int:
    """Delete uploads past their expiry with their bytes, and bytes no upload owns; returns the uploads.

    Safe to run in several workers at once: each upload is claimed before it is deleted.
    """
    now = now or timezone.now()
    deleted = 0
    for upload in ResumableUpload.objects.filter(expires_at__lte=now).iterator():
        if not take_over(upload, expires_at__lte=now):
            continue
        try:
            bytes_of(upload).discard()
        except Exception:  # the storage did not answer: the next round tries again
            logger.exception("Could not delete the bytes of expired upload %s", upload.uuid)
            ResumableUpload.objects.filter(pk=upload.pk).update(lease=None, lease_expires_at=None)
            continue
        ResumableUpload.objects.filter(pk=upload.pk).delete()
        deleted += 1
    _delete_orphan_files(now)
    return deleted


def _delete_orphan_files(now) -> None:
    """Files left by an upload whose row is gone (a crash between deleting the two)."""
    cutoff = (now - expiry()).timestamp()
    for path in folder().iterdir():
        name = path.name.split(".", 1)[0]
        try:
            upload_id = uuid.UUID(name)
        except ValueError:
            continue
        if path.stat().st_mtime < cutoff and not ResumableUpload.objects.filter(uuid=upload_id).exists():
            path.unlink(missing_ok=True)


def sweep(stop: threading.Event, *, every: float = CLEANUP_SECONDS) -> None:
    while not stop.is_set():
        try:
            deleted = delete_expired_uploads()
            if deleted:
                logger.info("Deleted %s expired uploads", deleted)
        except Exception:  # a locked SQLite file, a lost connection, S3 away: the next round tries again
            logger.exception("Could not delete expired uploads")
        finally:
            close_old_connections()
        stop.wait(every)


def run(stop: threading.Event, *, every: float = CLEANUP_SECONDS) -> list[threading.Thread]:
    """Start the cleanup thread, which stops when `stop` is set; returns it."""
    thread = threading.Thread(
        target=sweep, args=(stop,), kwargs={"every": every}, daemon=True, name="tus-cleanup"
    )
    thread.start()
    return [thread]
