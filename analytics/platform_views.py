"""POST /_r/platform/<channel id>/: a partner posts back readership figures for the stories we sent it.

The partner is a "webhook" channel, and signs its report exactly as we sign what we send it (Standard
Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature` with the channel's secret), so the same
secret proves both directions. Body: {"figures": [{"id" or "url", "date", "views", "visitors"?,
"engaged_seconds"?}, …]}. Answers 200 {"accepted": n}; 400 malformed · 401 unsigned, badly signed or out of
time · 404 no such enabled partner channel · 405 not POST · 409 message id already received · 413 too large.
Every refusal is counted (analytics.refusals); errors are JSON {"error": "<translated message>"}.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time

from django.core.cache import cache
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from distribution.adapters.webhook import signature
from distribution.models import Channel, ChannelKind

from .platforms import FigureRefused, record_figures
from .refusals import Refused, read_body, refusal_response

MAX_BODY = 256 * 1024
MAX_ITEMS = 1000
# Standard Webhooks' tolerance: a message stamped further from our clock is refused, so a captured one
# cannot be replayed once its id has left the cache.
TOLERANCE_SECONDS = 5 * 60
REPLAY_SECONDS = 2 * TOLERANCE_SECONDS + 60
MESSAGE_ID = re.compile(r"[!-~]{1,255}")  # printable ASCII, no spaces
TIMESTAMP = re.compile(r"[0-9]{1,12}")
SOURCE = "webhook"


# Signed with the channel's secret (Standard Webhooks); no cookie.
@csrf_exempt
def receive(request, channel_id: int):
    """Store a partner's signed figures for `channel_id`; see the module docstring for the answers."""
    try:
        if request.method != "POST":
            raise Refused(405, "platform_method", _("Send readership figures with POST."))
        channel = (
            Channel.objects.filter(pk=channel_id, kind=ChannelKind.WEBHOOK, enabled=True)
            .select_related("agency")
            .first()
        )
        if channel is None:
            raise Refused(404, "platform_channel", _("No partner channel takes readership figures here."))
        size = {"size": MAX_BODY // 1024}
        too_large = Refused(413, "platform_oversized", _("The report is larger than %(size)d KB.") % size)
        body = read_body(request, MAX_BODY, too_large)
        msg_id = _verify(request, channel, body)
        items = _items(body)
        replay_key = "analytics:platform:" + hashlib.sha256(f"{channel.pk}:{msg_id}".encode()).hexdigest()
        if not cache.add(replay_key, 1, timeout=REPLAY_SECONDS):
            raise Refused(409, "platform_replay", _("This message was already received."))
        # Nothing is stored when the report fails: the partner may then send the same message again.
        try:
            accepted = record_figures(channel=channel, items=items, source=SOURCE)
        except FigureRefused as refused:
            cache.delete(replay_key)
            raise Refused(400, "platform_malformed", refused.text) from None
        except BaseException:
            cache.delete(replay_key)
            raise
    except Refused as refusal:
        return refusal_response(refusal)
    response = JsonResponse({"accepted": accepted})
    response["Cache-Control"] = "no-store"
    return response


def _verify(request, channel: Channel, body: bytes) -> str:
    """The message id of a report signed with the channel's secret within the tolerance; else 401."""
    msg_id = request.headers.get("webhook-id", "")
    stamp = request.headers.get("webhook-timestamp", "")
    signatures = request.headers.get("webhook-signature", "")
    secret = (channel.credentials or {}).get("secret")
    if not (MESSAGE_ID.fullmatch(msg_id) and TIMESTAMP.fullmatch(stamp) and signatures and secret):
        raise Refused(
            401,
            "platform_signature",
            _("Sign the report with the webhook-id, webhook-timestamp and webhook-signature headers."),
        )
    timestamp = int(stamp)
    if abs(time.time() - timestamp) > TOLERANCE_SECONDS:
        raise Refused(
            401, "platform_signature", _("The report's timestamp is more than five minutes from ours.")
        )
    expected = signature(secret, msg_id, timestamp, body).encode()
    # The header may carry several space-separated signatures (a partner rotating its secret).
    if not any(hmac.compare_digest(candidate.encode(), expected) for candidate in signatures.split()):
        raise Refused(401, "platform_signature", _("The report's signature does not match."))
    return msg_id


def _items(body: bytes) -> list:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested thousands deep
        raise Refused(400, "platform_malformed", _("The report is not valid JSON.")) from None
    figures = data.get("figures") if isinstance(data, dict) else None
    if not isinstance(figures, list) or not figures:
        raise Refused(
            400, "platform_malformed", _("The report must be an object with a non-empty “figures” list.")
        )
    if len(figures) > MAX_ITEMS:
        raise Refused(
            413,
            "platform_oversized",
            _("The report has more than %(limit)d figures; send it in parts.") % {"limit": MAX_ITEMS},
        )
    return figures
