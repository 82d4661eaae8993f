"""The audit log's entries for deliveries: one per change of a delivery's state (queued, delivered, retrying,
failed, cancelled, put back by an editor), written by distribution.outbox where the state changes.

Each is one insert with what the outbox already holds, so the worker's loop stays as fast as it was. Being
claimed by a worker (sending) is no entry: its outcome follows at once, with the attempt's number.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from newsroom.audit import record
from newsroom.audit.attribution import ATTRIBUTIONS
from newsroom.audit.describe import DESCRIBERS
from newsroom.models import Agency

from .models import Delivery, DeliveryAction, DeliveryState

# Wagtail's log entries of channel edits belong to the channel's agency (the audit viewer's wall).
ATTRIBUTIONS["distribution.channel"] = "agency"

WITH_ERROR = {DeliveryState.RETRYING, DeliveryState.FAILED, DeliveryState.CANCELLED}


def record_transition(delivery: Delivery, *, agency: Agency | None = None, user=None) -> None:
    """Write the delivery's current state to the audit log of its channel's agency (`agency` when the caller
    has it at hand; otherwise the channel's, which claim() loads with the delivery)."""
    data = {
        "state": delivery.state,
        "action": delivery.action,
        "channel": delivery.channel.name,
        "story": delivery.story_title,
        "attempt": delivery.attempts,
    }
    if delivery.state in WITH_ERROR and delivery.last_error:
        data["error"] = delivery.last_error[:500]
    if delivery.state == DeliveryState.DELIVERED and delivery.remote_url:
        data["url"] = delivery.remote_url
    record("delivery.changed", user=user, agency=agency or delivery.channel.agency, obj=delivery, data=data)


def describe_delivery(data: dict) -> str:
    """One line, such as: Publish “Story” → Channel: Failed (attempt 3): the platform's answer."""
    text = _("%(action)s “%(story)s” → %(channel)s: %(state)s") % {
        "action": DeliveryAction(data["action"]).label,
        "story": data.get("story", ""),
        "channel": data.get("channel", ""),
        "state": DeliveryState(data["state"]).label,
    }
    if data.get("attempt"):
        text += " " + _("(attempt %(number)d)") % {"number": data["attempt"]}
    if data.get("error"):
        text += f": {data['error']}"
    return text


DESCRIBERS["delivery.changed"] = describe_delivery
