"""A Mastodon account: the headline and the link as a status, edited and deleted by its id.

Mastodon keeps the answer to an `Idempotency-Key` for an hour and gives it again for a repeated key, so a
retry after a lost answer returns the status the first attempt made instead of posting a second one. Tokens
are not refreshed: a refused one (401) needs an editor to reconnect the account.
"""

from __future__ import annotations

import re

from django.template.defaultfilters import linebreaks_filter
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..content import StoryContent, clean, shorten
from ..models import ChannelKind
from . import register
from .base import Adapter, AuthError, PermanentError, Result, TemporaryError

STATUS_LIMIT = 500  # the default of Mastodon instances; a channel setting may say otherwise
URL_WEIGHT = 23  # Mastodon counts every link as 23 characters, whatever its length
VISIBILITIES = ("public", "unlisted", "private")
LANGUAGE = re.compile(r"[a-z]{2,3}")


@register
class MastodonAdapter(Adapter):
    kind = ChannelKind.MASTODON.value
    label = ChannelKind.MASTODON.label
    setting_fields = {
        "visibility": gettext_lazy("Visibility (public, unlisted or private)"),
        "max_characters": gettext_lazy("Character limit of the instance (500 if empty)"),
    }
    credential_fields = {"access_token": gettext_lazy("Access token")}
    idempotent = True

    def render(self, content: StoryContent) -> dict:
        status = {"status": self._status_text(content), "visibility": self._visibility()}
        language = (content.language or "").split("-")[0].lower()
        if LANGUAGE.fullmatch(language):
            status["language"] = language
        return status

    def _status_text(self, content: StoryContent) -> str:
        limit = self._limit()
        if not content.url:
            return shorten(content.title, limit)
        return f"{shorten(content.title, limit - URL_WEIGHT - 2)}\n\n{content.url}"

    def _limit(self) -> int:
        try:
            return int(self.settings.get("max_characters") or STATUS_LIMIT)
        except (TypeError, ValueError):
            return STATUS_LIMIT

    def _visibility(self) -> str:
        visibility = self.settings.get("visibility") or "public"
        return visibility if visibility in VISIBILITIES else "public"

    def preview_html(self, content: StoryContent) -> str:
        return format_html(
            '<article class="mastodon-preview">{}</article>',
            linebreaks_filter(self.render(content)["status"], autoescape=True),
        )

    def publish(self, content: StoryContent, *, idempotency_key: str, progress: dict) -> Result:
        return self._result(self._call("POST", "/api/v1/statuses", self.render(content), idempotency_key))

    def update(
        self, remote_id: str, content: StoryContent, *, idempotency_key: str, progress: dict
    ) -> Result:
        status = self.render(content)
        del status["visibility"]  # an edit cannot change who sees the status
        return self._result(self._call("PUT", f"/api/v1/statuses/{remote_id}", status, idempotency_key))

    def take_down(self, remote_id: str, *, idempotency_key: str, progress: dict) -> None:
        self._call("DELETE", f"/api/v1/statuses/{remote_id}", None, idempotency_key)

    def _call(self, method: str, path: str, payload: dict | None, idempotency_key: str) -> dict:
        token = self.credentials.get("access_token")
        if not token:
            raise AuthError(_("The Mastodon channel has no access token."))
        if not self.base_url:
            raise PermanentError(_("The Mastodon channel has no instance address."))
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": idempotency_key}
        reply = self.json_of(self.request(method, path, json=payload, headers=headers))
        return reply if isinstance(reply, dict) else {}

    @staticmethod
    def _result(status: dict) -> Result:
        if not status.get("id"):
            raise TemporaryError(_("Mastodon accepted the status without giving its id."), maybe_sent=True)
        return Result(str(status["id"]), clean(status.get("url") or status.get("uri") or ""))
