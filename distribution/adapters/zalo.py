"""Zalo Official Account articles: create (a token), verify (the article id), update, remove, look up.

Zalo answers HTTP 200 even when it refuses: the verdict is the reply's `error` field (0 is success).
Creating is two calls, so the creation token is kept in the delivery's `progress` before it is verified: a
retry after a failed verification verifies again instead of creating a second article. Refresh tokens are
single-use, so a refresh stores the new access token and the new refresh token together.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

from django.db import transaction
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join, strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..content import StoryContent, clean, shorten
from ..models import ChannelKind
from . import register
from .base import LOOK_UP_SLACK, Adapter, AuthError, PermanentError, Result, TemporaryError

OAUTH_BASE_URL = "https://oauth.zaloapp.com"
TITLE_LIMIT = 150
AUTHOR_LIMIT = 50
DESCRIPTION_LIMIT = 300
LOOK_UP_LIMIT = 20  # articles per slice
LOOK_UP_PAGES = 5
# Articles created this long before the story's publication still count as its own in a look-up (clock skew).

# Zalo's error codes: the token is refused (refresh it), or the refusal is passing (seconds to wait).
AUTH_ERRORS = {-216, -124}
TEMPORARY_ERRORS = {
    -32: 60.0,  # over the per-minute rate limit
    -211: 3600.0,  # over the API quota
    -214: 10.0,  # the article is still being processed
}


@register
class ZaloAdapter(Adapter):
    kind = ChannelKind.ZALO.value
    label = ChannelKind.ZALO.label
    domestic = True
    default_base_url = "https://openapi.zalo.me"
    setting_fields = {
        "app_id": gettext_lazy("App ID"),
        "comment": gettext_lazy("Comments (show or hide)"),
        "default_cover_url": gettext_lazy("Cover picture for stories without one (URL)"),
        "oauth_base_url": gettext_lazy("OAuth address (leave empty for Zalo's own)"),
    }
    credential_fields = {
        "access_token": gettext_lazy("Access token"),
        "refresh_token": gettext_lazy("Refresh token"),
        "secret_key": gettext_lazy("App secret key"),
    }
    can_look_up = True

    # --- the payload --------------------------------------------------------------------------------------
    def render(self, content: StoryContent) -> dict:
        article = {
            "type": "normal",
            "title": shorten(content.title, TITLE_LIMIT),
            "author": shorten(content.byline, AUTHOR_LIMIT),
            "description": shorten(content.sapo or content.title, DESCRIPTION_LIMIT),
            "body": self._body(content),
            "status": "show",
            "comment": "hide" if self.settings.get("comment") == "hide" else "show",
        }
        # Zalo refuses an article without a cover: the lead image, else the body's first, else the channel's.
        cover = content.cover or next((b.picture for b in content.blocks if b.picture), None)
        cover_url = cover.url if cover else self.settings.get("default_cover_url", "")
        if cover_url:
            article["cover"] = {"cover_type": "photo", "photo_url": cover_url, "status": "show"}
        return article

    def _body(self, content: StoryContent) -> list[dict]:
        body = []
        if content.media and content.media.kind == "video":
            body.append(_video(content.media))
        for block in content.blocks:
            if block.kind == "image" and block.picture:
                body.append(
                    {"type": "image", "url": block.picture.url, "caption": clean(block.picture.caption)}
                )
            elif block.kind == "video" and block.media:
                body.append(_video(block.media))
            elif block.kind == "audio" and block.media:
                label = escape(clean(block.media.caption) or block.media.url)
                body.append(
                    {"type": "text", "content": f'<p><a href="{escape(block.media.url)}">{label}</a></p>'}
                )
            elif block.html and (html := sanitize(block.html)):
                body.append({"type": "text", "content": html})
        if not any(block["type"] == "text" for block in body):
            body.append({"type": "text", "content": f"<p>{escape(clean(content.sapo or content.title))}</p>"})
        return body

    def preview_html(self, content: StoryContent) -> str:
        article = self.render(content)
        cover = article.get("cover", {}).get("photo_url")
        return format_html(
            '<article class="zalo-preview">{}<h1>{}</h1><p class="author">{}</p><p class="sapo">{}</p>{}'
            "</article>",
            format_html('<img src="{}" alt="">', cover) if cover else "",
            article["title"],
            article["author"],
            article["description"],
            format_html_join("", "{}", ((_preview_block(block),) for block in article["body"])),
        )

    # --- the calls ----------------------------------------------------------------------------------------
    def publish(self, content: StoryContent, *, idempotency_key: str, progress: dict) -> Result:
        token = progress.get("zalo_token")
        if not token:
            article = self.render(content)
            if "cover" not in article:
                message = _(
                    "Zalo needs a cover picture: give the story a lead image or the channel a default cover."
                )
                raise PermanentError(message)
            token = self._call("/v2.0/article/create", article).get("token")
            if not token:
                raise TemporaryError(_("Zalo accepted the article without a token."), maybe_sent=True)
            progress["zalo_token"] = token  # before verifying: a retry must verify, not create again
        return self._verify(token, progress)

    def _verify(self, token: str, progress: dict) -> Result:
        data = self._call("/v2.0/article/verify", {"token": token})
        if not data.get("id"):
            raise TemporaryError(_("Zalo verified the article without giving its id."), maybe_sent=True)
        progress["zalo_id"] = str(data["id"])
        return Result(str(data["id"]), str(data.get("url") or ""))

    def update(
        self, remote_id: str, content: StoryContent, *, idempotency_key: str, progress: dict
    ) -> Result:
        self._call("/v2.0/article/update", {"id": remote_id, **self.render(content)})
        return Result(remote_id)

    def take_down(self, remote_id: str, *, idempotency_key: str, progress: dict) -> None:
        self._call("/v2.0/article/remove", {"id": remote_id})

    def find(self, content: StoryContent, *, idempotency_key: str, progress: dict) -> Result | None:
        """The article an unanswered attempt created: by its token when it came back, else by title."""
        if progress.get("zalo_id"):
            return Result(progress["zalo_id"])
        if progress.get("zalo_token"):
            return self._verify(progress["zalo_token"], progress)
        title = shorten(content.title, TITLE_LIMIT)
        published = content.last_published_at or content.first_published_at
        # A recurring title ("Weather forecast") must not match yesterday's article: only newer ones count.
        since = (published - LOOK_UP_SLACK).timestamp() * 1000 if published else 0
        for offset in range(0, LOOK_UP_LIMIT * LOOK_UP_PAGES, LOOK_UP_LIMIT):
            params = {"offset": offset, "limit": LOOK_UP_LIMIT, "type": "normal"}
            articles = self._call("/v2.0/article/getslice", method="GET", params=params).get("medias") or []
            for item in articles:  # newest first
                if clean(item.get("title")) == title and (item.get("create_date") or 0) >= since:
                    progress["zalo_id"] = str(item["id"])
                    return Result(str(item["id"]), str(item.get("url") or ""))
            if len(articles) < LOOK_UP_LIMIT or any(
                (item.get("create_date") or 0) < since for item in articles
            ):
                break
        return None

    def refresh_credentials(self) -> bool:
        """Exchange the refresh token for new tokens and store both. False when Zalo refuses or none is set.

        Raises TemporaryError when Zalo's OAuth server cannot be reached. The channel row is locked meanwhile:
        a refresh token works once, so two workers must not spend it together.
        """
        Channel = type(self.channel)
        with transaction.atomic():
            stored = Channel.objects.select_for_update().get(pk=self.channel.pk).credentials
            if stored.get("access_token") != self.credentials.get("access_token"):
                self.credentials = self.channel.credentials = stored  # another worker refreshed already
                return True
            refresh_token, secret_key = stored.get("refresh_token"), stored.get("secret_key")
            app_id = self.settings.get("app_id")
            if not (refresh_token and secret_key and app_id):
                return False
            oauth_base_url = (self.settings.get("oauth_base_url") or OAUTH_BASE_URL).rstrip("/")
            try:
                response = self.request(
                    "POST",
                    f"{oauth_base_url}/v4/oa/access_token",
                    headers={"secret_key": secret_key},
                    data={"app_id": app_id, "grant_type": "refresh_token", "refresh_token": refresh_token},
                )
            except (AuthError, PermanentError):
                return False
            reply = self.json_of(response)
            if not isinstance(reply, dict) or not (reply.get("access_token") and reply.get("refresh_token")):
                return False
            try:
                expires_in = int(reply.get("expires_in") or 0)
            except (TypeError, ValueError):
                expires_in = 0
            self.save_credentials(
                access_token=reply["access_token"],
                refresh_token=reply["refresh_token"],
                expires_at=(timezone.now() + timedelta(seconds=expires_in)).isoformat() if expires_in else "",
            )
        return True

    def _call(self, path: str, payload: dict | None = None, *, method: str = "POST", params=None) -> dict:
        """One Zalo API call; returns the reply's `data`. Raises by the reply's `error` code."""
        token = self.credentials.get("access_token")
        if not token:
            raise AuthError(_("The Zalo channel has no access token."))
        response = self.request(method, path, headers={"access_token": token}, json=payload, params=params)
        reply = self.json_of(response)
        if not isinstance(reply, dict):
            raise TemporaryError(
                _("Zalo answered with an unexpected reply."), response=response.text, maybe_sent=True
            )
        try:
            code = int(reply.get("error") or 0)
        except (TypeError, ValueError):
            code = -1
        if code:
            raise zalo_error(code, str(reply.get("message") or ""), response.text)
        data = reply.get("data")
        return data if isinstance(data, dict) else {}


def zalo_error(code: int, message: str, response: str = ""):
    """The error class a Zalo error code means."""
    details = {"code": code, "message": message}
    if code in AUTH_ERRORS:
        return AuthError(
            _("Zalo refused the access token (%(code)s: %(message)s).") % details, response=response
        )
    if code in TEMPORARY_ERRORS:
        return TemporaryError(
            _("Zalo asked to try again later (%(code)s: %(message)s).") % details,
            retry_after=TEMPORARY_ERRORS[code],
            response=response,
        )
    return PermanentError(_("Zalo refused the article (%(code)s: %(message)s).") % details, response=response)


def _preview_block(block: dict) -> str:
    if block["type"] == "text":
        return format_html("<p>{}</p>", strip_tags(block["content"]))
    if block["type"] == "image":
        return format_html(
            '<figure><img src="{}" alt=""><figcaption>{}</figcaption></figure>',
            block["url"],
            block["caption"],
        )
    return format_html('<p><a href="{}">▶ {}</a></p>', block["url"], block["url"])


def _video(media) -> dict:
    block = {"type": "video", "url": media.url}
    if media.poster_url:
        block["thumb"] = media.poster_url
    return block


# --- the HTML Zalo's text blocks get ---------------------------------------------------------------------
ALLOWED_TAGS = set("p br b strong i em u a ul ol li h2 h3 h4 blockquote cite sub sup".split())
DROPPED_WITH_CONTENT = set("script style iframe object embed template noscript svg math".split())


class _Sanitizer(HTMLParser):
    """Keeps the tags Zalo shows (links only to http(s)), drops every attribute but href, escapes the rest."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in DROPPED_WITH_CONTENT:
            self.dropping += 1
        elif not self.dropping and tag in ALLOWED_TAGS:
            if tag == "br":
                self.out.append("<br>")
                return
            href = dict(attrs).get("href") or ""
            if tag == "a" and not href.startswith(("http://", "https://")):
                return
            self.out.append(format_html('<a href="{}">', href) if tag == "a" else f"<{tag}>")
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag == "br" and not self.dropping:
            self.out.append("<br>")

    def handle_endtag(self, tag):
        if tag in DROPPED_WITH_CONTENT:
            self.dropping = max(0, self.dropping - 1)
        elif not self.dropping and tag in self.open:
            while self.open:
                closed = self.open.pop()
                self.out.append(f"</{closed}>")
                if closed == tag:
                    break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(escape(data))  # the input was cleaned, and charrefs never decode to controls

    def result(self) -> str:
        self.close()
        return "".join(self.out + [f"</{tag}>" for tag in reversed(self.open)]).strip()


def sanitize(html: str) -> str:
    """`html` reduced to the tags Zalo's text blocks show, with every control character removed."""
    parser = _Sanitizer()
    parser.feed(clean(html))
    text = parser.result()
    return text if strip_tags(text).strip() else ""
