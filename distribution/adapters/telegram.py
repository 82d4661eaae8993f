"""A Telegram channel through the Bot API: the headline as a link, the sapo, and the link preview.

Messages use Telegram's HTML parse mode, where only a few tags exist and every other `<`, `>` and `&` must be
escaped. The Bot API cannot list a channel's history and takes no idempotency key: an attempt whose answer
was lost cannot be checked, and the outbox asks an editor instead of sending it again.
"""

from __future__ import annotations

import json

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..content import StoryContent, clean, shorten
from ..models import ChannelKind
from . import register
from .base import Adapter, AuthError, DeliveryError, PermanentError, Result, TemporaryError

TEXT_LIMIT = 4096  # in UTF-16 code units, as Telegram counts
TITLE_LIMIT = 300
NOT_MODIFIED = "message is not modified"
NOT_FOUND = ("message to delete not found", "message to edit not found")


@register
class TelegramAdapter(Adapter):
    kind = ChannelKind.TELEGRAM.value
    label = ChannelKind.TELEGRAM.label
    default_base_url = "https://api.telegram.org"
    setting_fields = {"chat_id": gettext_lazy("Channel (@username or numeric id)")}
    credential_fields = {"bot_token": gettext_lazy("Bot token")}

    def render(self, content: StoryContent) -> dict:
        return {
            "chat_id": self._chat_id(),
            "text": message_text(content),
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": False, "url": content.url, "prefer_large_media": True},
        }

    def preview_html(self, content: StoryContent) -> str:
        # message_text() escapes every piece of the story and adds only Telegram's own tags.
        text = mark_safe(message_text(content).replace("\n", "<br>"))
        return format_html('<article class="telegram-preview"><p>{}</p></article>', text)

    def publish(self, content: StoryContent, *, idempotency_key: str, progress: dict) -> Result:
        message = self._bot("sendMessage", self.render(content))
        return self._result(message)

    def update(
        self, remote_id: str, content: StoryContent, *, idempotency_key: str, progress: dict
    ) -> Result:
        chat_id, message_id = split_remote_id(remote_id, self._chat_id())
        payload = {**self.render(content), "chat_id": chat_id, "message_id": message_id}
        message = self._bot("editMessageText", payload, unchanged_ok=True)
        return self._result(message) if message else Result(remote_id, self._url(message_id))

    def take_down(self, remote_id: str, *, idempotency_key: str, progress: dict) -> None:
        # Bots may delete channel posts only in their first 48 hours; later, Telegram's refusal says so.
        chat_id, message_id = split_remote_id(remote_id, self._chat_id())
        self._bot("deleteMessage", {"chat_id": chat_id, "message_id": message_id})

    def _chat_id(self) -> str:
        chat_id = str(self.settings.get("chat_id") or "").strip()
        if not chat_id:
            raise PermanentError(_("The Telegram channel has no chat id."))
        return chat_id

    def _result(self, message: dict) -> Result:
        if not message.get("message_id"):
            raise TemporaryError(_("Telegram accepted the message without giving its id."), maybe_sent=True)
        chat = message.get("chat") or {}
        chat_id, message_id = chat.get("id") or self._chat_id(), message["message_id"]
        username = chat.get("username")
        url = f"https://t.me/{username}/{message_id}" if username else self._url(message_id)
        return Result(f"{chat_id}:{message_id}", url)

    def _url(self, message_id: int) -> str:
        """The public link when the channel is public, known here from a chat id given as "@username"."""
        setting = self._chat_id()
        return f"https://t.me/{setting[1:]}/{message_id}" if setting.startswith("@") else ""

    def _bot(self, method: str, payload: dict, *, unchanged_ok: bool = False) -> dict:
        """One Bot API call; the `result` (a Message, or {} for a deletion or an unchanged edit)."""
        token = self.credentials.get("bot_token")
        if not token:
            raise AuthError(_("The Telegram channel has no bot token."))
        try:
            response = self.request("POST", f"{self.base_url}/bot{token}/{method}", json=payload)
            reply = self.json_of(response)
        except DeliveryError as error:
            if unchanged_ok and NOT_MODIFIED in error.response:
                return {}
            mapped = telegram_error(error.response, error)
            if mapped is error:
                raise
            raise mapped from error
        if not isinstance(reply, dict) or not reply.get("ok"):
            raise telegram_error(json.dumps(reply), PermanentError(_("Telegram refused the call.")))
        result = reply.get("result")
        return result if isinstance(result, dict) else {}


def message_text(content: StoryContent) -> str:
    """Telegram HTML: the kicker, the headline linking to the story, the sapo cut to fit TEXT_LIMIT.

    Telegram counts the limit on the text it shows (tags and escapes parsed), in UTF-16 code units.
    """
    kicker, title, sapo = clean(content.kicker), shorten(content.title, TITLE_LIMIT), clean(content.sapo)
    head = f"<b>{escape(title)}</b>"
    if content.url:
        head = f'<b><a href="{escape(content.url)}">{escape(title)}</a></b>'
    if kicker:
        head = f"<i>{escape(kicker)}</i>\n{head}"
    budget = TEXT_LIMIT - _units(f"{kicker}\n{title}\n\n" if kicker else f"{title}\n\n")
    sapo = _fit(sapo, budget)
    return f"{head}\n\n{escape(sapo)}" if sapo else head


def _fit(text: str, budget: int) -> str:
    """`text`, shortened to at most `budget` UTF-16 code units when it is longer."""
    if _units(text) <= budget:
        return text
    used, length = 1, 1  # the ellipsis, and the characters that fit before it
    for char in text:
        used += 2 if ord(char) > 0xFFFF else 1
        if used > budget:
            break
        length += 1
    while length > 0:
        cut = shorten(text, length)
        if _units(cut) <= budget:
            return cut
        length -= _units(cut) - budget
    return ""


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_remote_id(remote_id: str, default_chat: str) -> tuple[str, int]:
    """The chat and message of a "chat:message" id from publish (a bare message id: the channel's chat)."""
    chat_id, _sep, message_id = remote_id.rpartition(":")
    try:
        return chat_id or default_chat, int(message_id)
    except ValueError:
        raise PermanentError(_("Not a Telegram message id: %(id)s") % {"id": remote_id}) from None


def telegram_error(body: str, error: DeliveryError) -> DeliveryError:
    """The error a Bot API refusal (`ok: false`, `error_code`, `description`) means; `error` when none."""
    try:
        reply = json.loads(body)
        code, description = int(reply["error_code"]), str(reply.get("description") or "")
    except (ValueError, TypeError, KeyError):
        return error
    parameters = reply.get("parameters") or {}
    text = {"code": code, "message": description}
    common = {"status": code, "response": body}
    if code == 429 or "retry_after" in parameters:
        return TemporaryError(
            _("Telegram asked to slow down (%(code)s: %(message)s).") % text,
            retry_after=float(parameters.get("retry_after") or 0) or getattr(error, "retry_after", None),
            **common,
        )
    if code in (401, 404):  # 404: the token names no bot
        return AuthError(_("Telegram refused the bot token (%(code)s: %(message)s).") % text, **common)
    if code >= 500:
        return TemporaryError(
            _("Telegram had a passing fault (%(code)s: %(message)s).") % text, maybe_sent=True, **common
        )
    if any(phrase in description for phrase in NOT_FOUND):
        common["status"] = 404  # the outbox takes a 404 on a takedown as "already gone"
    if "migrate_to_chat_id" in parameters:
        description += " → " + str(parameters["migrate_to_chat_id"])
        text["message"] = description
    return PermanentError(_("Telegram refused the message (%(code)s: %(message)s).") % text, **common)
