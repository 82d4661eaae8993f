"""A Facebook Page through the Graph API: a feed post with the story's link, edited and deleted by its id.

Graph refuses with a 4xx and an `error` object whose `code` says why: 190 is a dead token (page tokens are
not refreshed automatically: an editor reconnects the page), 4/17/32/613 are rate limits, 1/2 are passing
faults. The Graph API takes no idempotency key, but the page's feed can be read back: `find` looks for the
story's link among the latest posts.
"""

from __future__ import annotations

import json

from django.template.defaultfilters import linebreaks_filter
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..content import StoryContent, shorten
from ..models import ChannelKind
from . import register
from .base import LOOK_UP_SLACK, Adapter, AuthError, DeliveryError, PermanentError, Result, TemporaryError

MESSAGE_LIMIT = 63206
LOOK_UP_LIMIT = 100  # posts per page of the feed (Graph's most)
LOOK_UP_PAGES = 5
# Posts made this long before the story's publication still count as its own in a look-up (clock skew).
POST_URL = "https://www.facebook.com/{id}"
AUTH_CODES = {102, 190}
RATE_LIMIT_CODES = {4, 17, 32, 613}
TRANSIENT_CODES = {1, 2}
MISSING_SUBCODE = 33  # "Object with ID … does not exist"


@register
class FacebookAdapter(Adapter):
    kind = ChannelKind.FACEBOOK.value
    label = ChannelKind.FACEBOOK.label
    default_base_url = "https://graph.facebook.com/v21.0"
    setting_fields = {"page_id": gettext_lazy("Page ID")}
    credential_fields = {"access_token": gettext_lazy("Page access token")}
    can_look_up = True

    def render(self, content: StoryContent) -> dict:
        return {"message": shorten(_message(content), MESSAGE_LIMIT), "link": content.url}

    def preview_html(self, content: StoryContent) -> str:
        post = self.render(content)
        return format_html(
            '<article class="facebook-preview">{}<p class="link"><a href="{}">{}</a></p></article>',
            linebreaks_filter(post["message"], autoescape=True),
            post["link"],
            post["link"],
        )

    def publish(self, content: StoryContent, *, idempotency_key: str, progress: dict) -> Result:
        reply = self._graph(
            "POST", f"/{self._page_id()}/feed", data={**self.render(content), **self._token()}
        )
        if not reply.get("id"):
            raise TemporaryError(_("Facebook accepted the post without giving its id."), maybe_sent=True)
        return _result(str(reply["id"]))

    def update(
        self, remote_id: str, content: StoryContent, *, idempotency_key: str, progress: dict
    ) -> Result:
        # A post's link cannot change once published; its message can.
        self._graph(
            "POST", f"/{remote_id}", data={"message": self.render(content)["message"], **self._token()}
        )
        return _result(remote_id)

    def take_down(self, remote_id: str, *, idempotency_key: str, progress: dict) -> None:
        self._graph("DELETE", f"/{remote_id}", params=self._token())

    def find(self, content: StoryContent, *, idempotency_key: str, progress: dict) -> Result | None:
        """The page's post linking to the story, among those made since its publication; None if none."""
        params = {"fields": "id,link,message,created_time", "limit": LOOK_UP_LIMIT, **self._token()}
        published = content.last_published_at or content.first_published_at
        if published:
            params["since"] = int((published - LOOK_UP_SLACK).timestamp())
        url = f"/{self._page_id()}/feed"
        for _page in range(LOOK_UP_PAGES):
            reply = self._graph("GET", url, params=params)
            for post in reply.get("data") or []:
                if _links_to(post, content.url):
                    return _result(str(post["id"]))
            url = (reply.get("paging") or {}).get("next")
            if not url:
                break
            params = None  # the next link carries every parameter
        return None

    def _page_id(self) -> str:
        page_id = str(self.settings.get("page_id") or "").strip()
        if not page_id:
            raise PermanentError(_("The Facebook channel has no page ID."))
        return page_id

    def _token(self) -> dict:
        token = self.credentials.get("access_token")
        if not token:
            raise AuthError(_("The Facebook channel has no page access token."))
        return {"access_token": token}

    def _graph(self, method: str, path: str, **kwargs) -> dict:
        """One Graph call; its JSON reply. A Graph error object becomes the error class its code means."""
        try:
            response = self.request(method, path, **kwargs)
        except DeliveryError as error:
            mapped = graph_error(error)
            if mapped is error:
                raise
            raise mapped from error
        reply = self.json_of(response)
        return reply if isinstance(reply, dict) else {}


def graph_error(error: DeliveryError) -> DeliveryError:
    """The error a Graph `error` object means; `error` itself when the reply carries none."""
    try:
        details = json.loads(error.response).get("error")
        code = int(details.get("code"))
    except (ValueError, TypeError, AttributeError):
        return error
    message = str(details.get("message") or "")
    subcode = details.get("error_subcode")
    text = {"code": code, "message": message}
    common = {"status": error.status, "response": error.response}
    if code in AUTH_CODES:
        return AuthError(_("Facebook refused the page token (%(code)s: %(message)s).") % text, **common)
    if code in RATE_LIMIT_CODES:
        return TemporaryError(
            _("Facebook is limiting the page's requests (%(code)s: %(message)s).") % text,
            retry_after=getattr(error, "retry_after", None),
            **common,
        )
    if code in TRANSIENT_CODES or details.get("is_transient"):
        # Graph's "unknown error" and "service unavailable" do not say whether the post was made.
        return TemporaryError(
            _("Facebook had a passing fault (%(code)s: %(message)s).") % text, maybe_sent=True, **common
        )
    if code == 100 and subcode == MISSING_SUBCODE:
        common["status"] = 404  # the outbox takes a 404 on a takedown as "already gone"
    return PermanentError(_("Facebook refused the post (%(code)s: %(message)s).") % text, **common)


def _message(content: StoryContent) -> str:
    return "\n\n".join(part for part in (content.title, content.sapo) if part)


def _links_to(post: dict, url: str) -> bool:
    wanted = url.rstrip("/")
    return bool(wanted) and (
        (post.get("link") or "").rstrip("/") == wanted or wanted in (post.get("message") or "")
    )


def _result(post_id: str) -> Result:
    return Result(post_id, POST_URL.format(id=post_id))
