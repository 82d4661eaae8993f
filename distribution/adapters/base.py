"""One interface for every platform: render a story, publish, update, take down, read the reply.

An adapter is built for one channel. It raises `TemporaryError` for what a later attempt may fix (the platform
is down, slow, throttling, or answered garbage), `AuthError` when the token is refused (the worker refreshes
it once and tries again), and `PermanentError` for what no retry will fix. Every call goes through
`request()`, so timeouts, connection resets and HTTP status codes mean the same thing on every platform.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar

import httpx
from django.utils import timezone

from ..content import StoryContent

DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
# A look-up for an earlier attempt's post searches from this long before publication: clocks differ.
LOOK_UP_SLACK = timedelta(minutes=10)


class DeliveryError(Exception):
    """Base of the errors an adapter raises; `message` is shown to editors in the delivery log."""

    def __init__(self, message: str, *, status: int | None = None, response: str = "", headers=None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.response = response[:2000]
        self.headers = dict(headers or {})


class TemporaryError(DeliveryError):
    """Worth another attempt later. `maybe_sent` is True when the request may have reached the platform."""

    def __init__(self, message: str, *, retry_after: float | None = None, maybe_sent: bool = False, **kw):
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent


class AuthError(DeliveryError):
    """The platform refused the credentials: refresh the token (when the platform has one) and try again."""


class PermanentError(DeliveryError):
    """No retry will help: the payload or the account is wrong. The delivery fails at once."""


@dataclass
class Result:
    """What the platform said about a post: its id there and the public URL, when it gives one."""

    remote_id: str
    remote_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Adapter:
    """Subclasses set `kind`, `label`, `default_base_url` and implement render/publish/update/take_down."""

    kind: ClassVar[str]
    label: ClassVar[str]
    domestic: ClassVar[bool] = False
    default_base_url: ClassVar[str] = ""
    # Settings (not secret) and credentials (secret) the channel form asks for: {name: label}.
    setting_fields: ClassVar[dict[str, str]] = {}
    credential_fields: ClassVar[dict[str, str]] = {}
    # True when `find()` can tell whether an earlier, unanswered attempt landed; platforms that take an
    # idempotency key set `idempotent` instead. With neither, an attempt that may have landed is not repeated.
    can_look_up: ClassVar[bool] = False
    idempotent: ClassVar[bool] = False
    can_update: ClassVar[bool] = True
    can_take_down: ClassVar[bool] = True

    def __init__(self, channel, *, client: httpx.Client | None = None):
        self.channel = channel
        self.settings = dict(channel.settings or {})
        self.credentials = channel.credentials  # decrypted dict
        self.base_url = (channel.base_url or self.default_base_url).rstrip("/")
        self.client = client or httpx.Client(timeout=DEFAULT_TIMEOUT, follow_redirects=False)

    # --- what each platform implements -------------------------------------------------------------------
    def render(self, content: StoryContent) -> dict:
        """The platform's payload for the story (also shown to editors as the preview)."""
        raise NotImplementedError

    # `progress` is a dict kept with the delivery between attempts: an adapter whose platform needs two
    # calls (Zalo: create, then verify) records the first call's answer there, so a retry resumes instead
    # of posting again. The outbox saves it whether the attempt succeeds or fails.
    def publish(self, content: StoryContent, *, idempotency_key: str, progress: dict) -> Result:
        raise NotImplementedError

    def update(
        self, remote_id: str, content: StoryContent, *, idempotency_key: str, progress: dict
    ) -> Result:
        raise NotImplementedError

    def take_down(self, remote_id: str, *, idempotency_key: str, progress: dict) -> None:
        raise NotImplementedError

    def find(self, content: StoryContent, *, idempotency_key: str, progress: dict) -> Result | None:
        """The post an earlier unanswered attempt made, if it landed; None if not. Only when `can_look_up`."""
        return None

    def refresh_credentials(self) -> bool:
        """Get a fresh token after an AuthError and store it with `save_credentials`. False when it cannot."""
        return False

    def save_credentials(self, **changes) -> None:
        """Store new credentials (a refreshed token and, for Zalo, the new refresh token) at once."""
        self.credentials = self.channel.credentials = {**self.credentials, **changes}
        # The field encrypts on the way in; at once, so a crash cannot lose a single-use refresh token.
        type(self.channel).objects.filter(pk=self.channel.pk).update(credentials=self.credentials)

    def preview_html(self, content: StoryContent) -> str:
        """How the post will look, as HTML for the editor's preview. The default shows the payload."""
        from django.utils.html import escape

        return f"<pre>{escape(json.dumps(self.render(content), ensure_ascii=False, indent=2))}</pre>"

    # --- the one HTTP path --------------------------------------------------------------------------------
    def request(self, method: str, url: str, **kwargs) -> httpx.Response:
        """Send one request; map transport failures and status codes onto the error classes."""
        if not url.startswith("http"):
            url = self.base_url + url
        try:
            response = self.client.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise TemporaryError(f"Could not connect: {error}", maybe_sent=False) from error
        except httpx.PoolTimeout as error:
            raise TemporaryError(f"Connection pool busy: {error}", maybe_sent=False) from error
        except httpx.TimeoutException as error:
            raise TemporaryError(f"Timed out waiting for the platform: {error}", maybe_sent=True) from error
        except httpx.TransportError as error:  # reset, broken pipe, protocol error
            raise TemporaryError(f"Connection failed: {error}", maybe_sent=True) from error
        status = response.status_code
        details = {"status": status, "response": response.text, "headers": response.headers}
        if status in (408, 429) or status >= 500:
            raise TemporaryError(
                f"HTTP {status}",
                retry_after=retry_after_seconds(response.headers.get("Retry-After"))
                or reset_after_seconds(response.headers.get("X-RateLimit-Reset")),
                maybe_sent=status >= 500,
                **details,
            )
        if status == 401:
            raise AuthError(f"HTTP {status}: credentials refused", **details)
        if status >= 400:
            raise PermanentError(f"HTTP {status}", **details)
        return response

    @staticmethod
    def json_of(response: httpx.Response) -> Any:
        """The reply's JSON; a malformed reply is a temporary fault (the post may still have landed)."""
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise TemporaryError(
                "The platform answered with malformed JSON",
                status=response.status_code,
                response=response.text,
                maybe_sent=True,
            ) from error

    def close(self):
        self.client.close()


def reset_after_seconds(value: str | None) -> float | None:
    """Seconds until an `X-RateLimit-Reset` moment (Mastodon sends an ISO 8601 time), or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - timezone.now()).total_seconds())


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return None
