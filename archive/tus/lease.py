"""One writer per upload: the lease a request takes before it writes an upload's bytes or row.

It is taken with a conditional UPDATE (free, and at the offset the request was sent for), with the row also
locked by SELECT … FOR UPDATE where the database has row locks (PostgreSQL), so of two PATCHes at once one
writes and the other answers 423. The lease runs out by itself after LEASE, so a crashed process never blocks
an upload for long; a request renews it while bytes keep coming, and every write of the row checks it.
"""

import logging
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ResumableUpload
from .protocol import TusError

logger = logging.getLogger(__name__)

Status = ResumableUpload.Status
LEASE = timedelta(seconds=60)


def not_found() -> TusError:
    return TusError(404, _("This upload does not exist or is no longer kept; start it again."))


def check_alive(upload: ResumableUpload, now=None) -> None:
    if upload.state == Status.RECEIVING and upload.expires_at <= (now or timezone.now()):
        raise TusError(410, _("This upload has expired; start it again."))


class LeaseLost(Exception):
    """Another request took the upload over (this one stalled past its lease)."""


class Lease:
    """The right to write one upload, held by one request; every write of the row checks it."""

    def __init__(self, upload: ResumableUpload, token: uuid.UUID, until):
        self.upload, self.token, self.until = upload, token, until

    def _mine(self):
        return ResumableUpload.objects.filter(pk=self.upload.pk, lease=self.token)

    def renew(self, duration: timedelta = LEASE, *, force: bool = False) -> None:
        """Extend the lease when half of it is gone (or at once with `force`); raises LeaseLost."""
        now = timezone.now()
        if not force and now < self.until - duration / 2:
            return
        if not self._mine().update(lease_expires_at=now + duration):
            raise LeaseLost(self.upload.uuid)
        self.until = now + duration

    def save(self, **fields) -> None:
        """Write fields of the upload, if the lease is still this request's; raises LeaseLost."""
        if not self._mine().update(**fields):
            raise LeaseLost(self.upload.uuid)
        for name, value in fields.items():
            setattr(self.upload, name, value)

    def release(self) -> None:
        try:
            self._mine().update(lease=None, lease_expires_at=None)
        except DatabaseError:
            # The answer already decided stands; the lease runs out by itself within LEASE.
            logger.warning("Could not release the lease on upload %s", self.upload.uuid, exc_info=True)


@contextmanager
def _locked_row(upload: ResumableUpload):
    """The upload's row as committed now, locked until the block ends where the database can lock rows."""
    try:
        if connection.features.has_select_for_update:
            with transaction.atomic():
                yield (
                    ResumableUpload.objects.select_for_update()
                    .select_related("agency", "user")
                    .get(pk=upload.pk)
                )
        else:
            yield ResumableUpload.objects.select_related("agency", "user").get(pk=upload.pk)
    except ResumableUpload.DoesNotExist:
        raise not_found() from None


def claim(upload: ResumableUpload, *, offset: int, duration: timedelta = LEASE) -> Lease:
    """Take the upload's lease for a write at `offset`.

    Raises TusError 404 (gone), 410 (expired), 409 (the upload is not at `offset`), 423 (another request
    is writing it).
    """
    now, token = timezone.now(), uuid.uuid4()
    with _locked_row(upload) as current:
        check_alive(current, now)
        if current.offset != offset:
            raise TusError(
                409,
                _("The upload is at byte %(offset)s, not %(sent)s; ask for its offset and go on from there.")
                % {"offset": current.offset, "sent": offset},
            )
        taken = ResumableUpload.objects.filter(free(now), pk=current.pk, offset=offset).update(
            lease=token, lease_expires_at=now + duration
        )
        if not taken:
            raise TusError(423, _("Another request is sending this file right now; try again in a moment."))
    current.lease, current.lease_expires_at = token, now + duration
    return Lease(current, token, now + duration)


def free(now) -> Q:
    return Q(lease__isnull=True) | Q(lease_expires_at__lte=now)


def take_over(upload: ResumableUpload, **conditions) -> bool:
    """Take the lease of an upload about to be deleted (termination, expiry), unless a request holds it."""
    now = timezone.now()
    taken = ResumableUpload.objects.filter(free(now), pk=upload.pk, **conditions)
    return bool(taken.update(lease=uuid.uuid4(), lease_expires_at=now + LEASE))
