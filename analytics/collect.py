"""The beacon's endpoint, POST /_r/e: one reader event per request, no cookies read or set.

204: stored, or dropped without being stored (a bot; a reader whose browser sends Sec-GPC: 1).
400 malformed · 403 forged · 405 not POST · 409 replayed or orphaned · 413 too large · 415 wrong type ·
429 too many from one reader. Every refusal and drop is counted (analytics.models.IngestCount), none stored.
"""

import logging

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from .ingest import MAX_BODY, Dropped, accept, store
from .refusals import Refused, count, read_body, refusal_response

logger = logging.getLogger(__name__)
CONTENT_TYPES = {"text/plain", "application/json", ""}


# Cookie-less by design: no session or cookie is read; each event carries its page's signed token.
@csrf_exempt
def collect(request):
    try:
        if request.method != "POST":
            raise Refused(405, "method", _("Send reader events with POST."))
        content_type = request.content_type.lower() if request.content_type else ""
        if content_type not in CONTENT_TYPES:
            raise Refused(415, "content_type", _("Send reader events as JSON text."))
        body = read_body(request, MAX_BODY, Refused(413, "oversized", _("The event is too large.")))
        record = accept(request, body)
    except Refused as refusal:
        return refusal_response(refusal, log=False)
    except Dropped as drop:
        count(drop.reason)
        return _no_content()
    store(record)
    return _no_content()


def _no_content() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Cache-Control"] = "no-store"
    return response
