"""What the readership endpoints refuse, and how they say it: counted by reason, answered in JSON in the
sender's language, never cached. Shared by the beacon's endpoint and the partners' figures endpoint."""

from django.db.models import F
from django.http import JsonResponse
from django.utils import timezone

from .models import IngestCount


class Refused(Exception):
    """A request an endpoint will not store: `status` for the answer, `reason` for the counter."""

    def __init__(self, status: int, reason: str, message):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


def count(reason: str, n: int = 1) -> None:
    """Add `n` to today's counter for `reason` (refusals and drops)."""
    day = timezone.localdate()
    if not IngestCount.objects.filter(day=day, reason=reason).update(count=F("count") + n):
        _, created = IngestCount.objects.get_or_create(day=day, reason=reason, defaults={"count": n})
        if not created:
            IngestCount.objects.filter(day=day, reason=reason).update(count=F("count") + n)


def read_body(request, limit: int, too_large: Refused) -> bytes:
    """The request's body, or `too_large` raised once it is declared or found longer than `limit` bytes
    (never more than `limit` + 1 bytes are read)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    body = request.read(limit + 1)
    if len(body) > limit:
        raise too_large
    return body


def refusal_response(refusal: Refused, *, log: bool = True) -> JsonResponse:
    """Count `refusal` and answer it. `log=False` leaves it out of django.request's log: a flood of bad reader
    events must not flood the log (they are counted)."""
    count(refusal.reason)
    response = JsonResponse({"error": str(refusal.message)}, status=refusal.status)
    if refusal.status == 405:
        response["Allow"] = "POST"
    response["Cache-Control"] = "no-store"
    if not log:
        response._has_been_logged = True
    return response
