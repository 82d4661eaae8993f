"""A partner's webhook: the story as ninjs, signed the Standard Webhooks way (https://www.standardwebhooks.com).

Every message carries `webhook-id` (the delivery's idempotency key: receivers drop a message whose id they
already have, so a retry never posts twice), `webhook-timestamp` and `webhook-signature`, an HMAC-SHA256 of
"{id}.{timestamp}.{body}" with the channel's secret. Any 2xx answer means the partner has the message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..content import StoryContent, clean
from ..models import ChannelKind
from . import register
from .base import Adapter, PermanentError, Result

NINJS_VERSION = "2.2"
PUBLISHED, UPDATED, WITHDRAWN = "story.published", "story.updated", "story.withdrawn"


@register
class WebhookAdapter(Adapter):
    kind = ChannelKind.WEBHOOK.value
    label = ChannelKind.WEBHOOK.label
    domestic = True
    setting_fields = {"url": gettext_lazy("Endpoint URL (when it is not the API address)")}
    credential_fields = {"secret": gettext_lazy("Signing secret (whsec_…)")}
    idempotent = True

    def render(self, content: StoryContent) -> dict:
        return envelope(PUBLISHED, self._document(content))

    def publish(self, content: StoryContent, *, idempotency_key: str, progress: dict) -> Result:
        document = self._document(content)
        return self._send(envelope(PUBLISHED, document), idempotency_key, remote_id=document["uri"])

    def update(
        self, remote_id: str, content: StoryContent, *, idempotency_key: str, progress: dict
    ) -> Result:
        return self._send(envelope(UPDATED, self._document(content)), idempotency_key, remote_id=remote_id)

    def take_down(self, remote_id: str, *, idempotency_key: str, progress: dict) -> None:
        # `id` is what the partner answered to the publication: its own id, or else the ninjs uri.
        self._send(
            envelope(WITHDRAWN, {"id": remote_id, "pubstatus": "canceled"}), idempotency_key, remote_id
        )

    @staticmethod
    def _document(content: StoryContent) -> dict:
        from ..ninjs import ninjs_document

        # Partners turn ninjs into XML too, where a control character breaks the whole document.
        return _cleaned(ninjs_document(content, version=NINJS_VERSION))

    def _send(self, message: dict, msg_id: str, remote_id: str) -> Result:
        """POST one signed message. The partner's reply may name its own id and URL for the story."""
        url = self.settings.get("url") or self.base_url
        if not url:
            raise PermanentError(_("The webhook channel has no address."))
        secret = self.credentials.get("secret")
        if not secret:
            raise PermanentError(_("The webhook channel has no signing secret."))
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, msg_id, timestamp, body),
        }
        response = self.request("POST", url, content=body, headers=headers)
        try:
            reply = response.json() if response.content else {}
        except ValueError:  # a 2xx is the receipt; whatever text came with it does not matter
            reply = {}
        if not isinstance(reply, dict):
            reply = {}
        return Result(str(reply.get("id") or remote_id), str(reply.get("url") or ""))


def _cleaned(value):
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return clean(value) if isinstance(value, str) else value


def envelope(event: str, data: dict) -> dict:
    return {"type": event, "timestamp": timezone.now().isoformat(timespec="seconds"), "data": data}


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: "v1," and the base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(secret_key(secret), signed, hashlib.sha256).digest()).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key: Standard Webhooks secrets are base64, usually prefixed "whsec_". A partner who gave a
    plain-text secret (not base64) gets its bytes used as they are."""
    encoded = secret.strip().removeprefix("whsec_")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return secret.strip().encode()
