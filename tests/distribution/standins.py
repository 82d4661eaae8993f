"""Local HTTP stand-ins for the platforms the adapters talk to.

Each stand-in is a real HTTP server on 127.0.0.1 (an ephemeral port, served from a background thread) that
speaks one platform's documented routes. It

- checks every request's shape (method, path, headers, fields, limits, content type, signature), answers
  as the platform does when the shape is wrong, and records the violation in `violations`;
- stores what was posted (`store`, `posts`, `copies()`) and serves the platform's look-up routes from it;
- injects faults on demand, scripted (`script()`) or at random from a seeded generator (`randomly()`).

Faults are realistic: a fault "after store" happens once the post exists, so a client that saw a timeout or a
reset must find the post rather than send it again. Every counter is guarded by one lock, so a stand-in can be
hammered from many threads.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import random
import re
import socket
import struct
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit


class Fault(StrEnum):
    ERROR = "error"  # HTTP 500 with the platform's error body; nothing stored
    UNAVAILABLE = "unavailable"  # HTTP 503 with Retry-After; nothing stored
    RATE_LIMITED = "rate_limited"  # the platform's own throttling answer; nothing stored
    EXPIRED_TOKEN = "expired_token"  # the platform's expired-token answer; nothing stored
    RESET = "reset"  # the connection is closed without an answer, before anything is stored
    RESET_AFTER_STORE = "reset_after_store"  # stored, then the connection is closed without an answer
    SLOW_AFTER_STORE = "slow_after_store"  # stored, then answered only after `slow_seconds`
    MALFORMED = "malformed"  # stored, then answered 200 with JSON cut in half


BEFORE_STORE = {Fault.ERROR, Fault.UNAVAILABLE, Fault.RATE_LIMITED, Fault.EXPIRED_TOKEN, Fault.RESET}
AFTER_STORE = {Fault.RESET_AFTER_STORE, Fault.SLOW_AFTER_STORE, Fault.MALFORMED}
# The mix `randomly()` draws from by default: about a third of the faults are timeouts.
DEFAULT_MIX = {
    Fault.ERROR: 2,
    Fault.UNAVAILABLE: 1,
    Fault.RATE_LIMITED: 1,
    Fault.SLOW_AFTER_STORE: 3,
    Fault.RESET: 1,
    Fault.RESET_AFTER_STORE: 1,
    Fault.MALFORMED: 1,
}
# C0 controls other than tab, newline and return: no platform takes them in a JSON string.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict or list: JSON; bytes: sent as is; None: no body
    headers: dict[str, str] = field(default_factory=dict)
    ok: bool = True  # False for refusals: faults "after store" only follow a success


@dataclass
class Post:
    id: str
    text: str  # what a reader sees first: title, message, status, headline
    fields: dict
    key: str = ""  # the idempotency key or webhook id it came with
    created_at: float = field(default_factory=time.time)
    updates: list[dict] = field(default_factory=list)
    removed: bool = False


@dataclass
class Call:
    """One request as a route handler sees it; `require()` notes what is wrong with its shape."""

    route: str
    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    problems: list[str] = field(default_factory=list)

    def require(self, ok: bool, problem: str) -> bool:
        if not ok:
            self.problems.append(problem)
        return ok

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> dict:
        """The JSON object body; a problem (and an empty dict) when it is not one."""
        if not self.require(self.content_type == "application/json", f"content type {self.content_type!r}"):
            return {}
        try:
            value = json.loads(self.body)
        except ValueError:
            self.problems.append("body is not JSON")
            return {}
        self.require(isinstance(value, dict), "body is not a JSON object")
        return value if isinstance(value, dict) else {}

    def form(self) -> dict:
        if not self.require(
            self.content_type == "application/x-www-form-urlencoded", f"content type {self.content_type!r}"
        ):
            return {}
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    def fields(self) -> dict:
        """JSON or form fields, whichever the request sent (platforms that take both)."""
        return self.json() if self.content_type == "application/json" else self.form()

    def text_field(self, values: dict, name: str, *, limit: int | None = None, required: bool = True) -> str:
        """A string field checked for presence, type, control characters and length (in characters)."""
        value = values.get(name)
        if value is None:
            self.require(not required, f"{name} is missing")
            return ""
        if not self.require(isinstance(value, str), f"{name} is not a string"):
            return ""
        self.require(not required or bool(value.strip()), f"{name} is empty")
        self.require(not CONTROL.search(value), f"{name} has control characters")
        if limit is not None:
            self.require(len(value) <= limit, f"{name} is longer than {limit} characters ({len(value)})")
        return value


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the platforms' servers do
    timeout = 30  # an idle kept-alive connection is dropped after this

    def _dispatch(self):
        self.server.standin._handle(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


class StandIn:
    """The server, the fault injector and the store; subclasses add one platform's routes and answers."""

    name = "platform"
    # (method, path pattern, route name): the route name is also the handler method and the fault target.
    routes: list[tuple[str, str, str]] = []
    retry_after = 7  # seconds announced by 503 and throttling answers
    slow_seconds = 2.0  # a slow answer takes this long: longer than the tests' client timeout

    def __init__(self, *, seed: int = 0):
        self.lock = threading.RLock()
        self.violations: list[str] = []
        self.calls: list[Call] = []
        self.received = 0  # every request that reached the server, faults included
        self.store: dict[str, Post] = {}
        self.injected: Counter[Fault] = Counter()
        self._script: dict[str, deque] = defaultdict(deque)
        self._random = random.Random(seed)
        self._rate = 0.0
        self._mix: dict[Fault, float] = dict(DEFAULT_MIX)
        self._random_on: set[str] | None = None
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._ids = iter(range(1, 10**9))
        self._patterns = [
            (method, re.compile(pattern + r"\Z"), name) for method, pattern, name in self.routes
        ]

    # --- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> StandIn:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.standin = self
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{self.name}-standin",
            daemon=True,
        ).start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes slow answers up
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def channel_config(self) -> dict:
        """`base_url`, `settings` and `credentials` of a channel that talks to this stand-in."""
        return {"base_url": self.url, "settings": {}, "credentials": {}}

    # --- faults ------------------------------------------------------------------------------------------
    def script(self, *faults: Fault | None, on: str = "*") -> None:
        """Answer the next requests to route `on` ("*": any) with these faults in order; None: normally."""
        with self.lock:
            self._script[on].extend(faults)

    def randomly(
        self, rate: float, *, mix: dict[Fault, float] | None = None, on: set[str] | None = None, seed=None
    ) -> None:
        """Fail a share `rate` of requests (to the routes in `on`, default all) with faults from `mix`."""
        with self.lock:
            self._rate = rate
            self._mix = dict(mix or DEFAULT_MIX)
            self._random_on = set(on) if on else None
            if seed is not None:
                self._random.seed(seed)

    def _next_fault(self, route: str) -> Fault | None:
        with self.lock:
            for target in (route, "*"):
                if self._script[target]:
                    return self._script[target].popleft()
            if self._rate and (self._random_on is None or route in self._random_on):
                if self._random.random() < self._rate:
                    return self._random.choices(list(self._mix), weights=list(self._mix.values()))[0]
        return None

    # --- the store ---------------------------------------------------------------------------------------
    @property
    def posts(self) -> int:
        """How many unique posts landed."""
        with self.lock:
            return len(self.store)

    def copies(self, needle: str) -> int:
        """How many stored posts show `needle`: more than one means the same story landed twice."""
        with self.lock:
            return sum(needle in post.text for post in self.store.values())

    def live(self) -> list[Post]:
        with self.lock:
            return [post for post in self.store.values() if not post.removed]

    def next_id(self) -> int:
        with self.lock:
            return next(self._ids)

    # --- what each platform answers (subclasses override) ------------------------------------------------
    def invalid_reply(self, call: Call) -> Reply:
        return Reply(400, {"error": "; ".join(call.problems)}, ok=False)

    def error_reply(self) -> Reply:
        return Reply(500, {"error": "Internal server error"}, ok=False)

    def rate_limited_reply(self) -> Reply:
        return Reply(429, {"error": "Too many requests"}, {"Retry-After": str(self.retry_after)}, ok=False)

    def expired_token_reply(self) -> Reply:
        return Reply(401, {"error": "The access token expired"}, ok=False)

    def not_found_reply(self) -> Reply:
        return Reply(404, {"error": "Not found"}, ok=False)

    # --- one request -------------------------------------------------------------------------------------
    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        url = urlsplit(handler.path)
        with self.lock:
            self.received += 1
        match = next(
            (
                (name, found.groupdict())
                for method, pattern, name in self._patterns
                if method == handler.command and (found := pattern.match(url.path))
            ),
            None,
        )
        if match is None:
            with self.lock:
                self.violations.append(f"no such route: {handler.command} {url.path}")
            self._send(handler, self.not_found_reply())
            return
        route, params = match
        call = Call(
            route=route,
            method=handler.command,
            path=url.path,
            params=params,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=body,
        )
        with self.lock:
            self.calls.append(call)
        fault = self._next_fault(route)
        if fault in BEFORE_STORE:
            self._count(fault)
            if fault is Fault.RESET:
                self._reset(handler)
                return
            self._send(handler, self._fault_reply(fault))
            return
        reply = getattr(self, route)(call)
        if call.problems:
            with self.lock:
                self.violations.extend(f"{route}: {problem}" for problem in call.problems)
        if fault in AFTER_STORE and reply.ok:
            self._count(fault)
            if fault is Fault.RESET_AFTER_STORE:
                self._reset(handler)
                return
            if fault is Fault.SLOW_AFTER_STORE:
                self._stopping.wait(self.slow_seconds)
            else:
                reply = Reply(200, b'{"ok": true, "result": {"id": "12', {"Content-Type": "application/json"})
        self._send(handler, reply)

    def _fault_reply(self, fault: Fault) -> Reply:
        if fault is Fault.UNAVAILABLE:
            return Reply(503, b"Service Unavailable", {"Retry-After": str(self.retry_after)}, ok=False)
        if fault is Fault.RATE_LIMITED:
            return self.rate_limited_reply()
        if fault is Fault.EXPIRED_TOKEN:
            return self.expired_token_reply()
        return self.error_reply()

    def _count(self, fault: Fault) -> None:
        with self.lock:
            self.injected[fault] += 1

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        if isinstance(reply.body, bytes):
            data = reply.body
        elif reply.body is None:
            data = b""
        else:
            data = json.dumps(reply.body, ensure_ascii=False).encode()
        try:
            handler.send_response(reply.status)
            headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client gave up waiting (a slow answer): nothing to tell it
            handler.close_connection = True

    @staticmethod
    def _reset(handler: BaseHTTPRequestHandler) -> None:
        """Drop the connection with a TCP reset, as a crashing server or a load balancer does."""
        handler.close_connection = True
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()


def strings(value: Any):
    """Every string in a JSON value, keys excepted."""
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def is_http_url(value: Any) -> bool:
    return isinstance(value, str) and re.match(r"https?://[^\s/]+", value) is not None


# --- Zalo Official Account ----------------------------------------------------------------------------------
ZALO_SHOW_HIDE = ("show", "hide")
# Tags a Zalo article's text block must never carry (a conservative rule of the stand-in).
UNSAFE_HTML = re.compile(r"<\s*(script|style|iframe|object|embed)\b|\son\w+\s*=|javascript:", re.IGNORECASE)


class ZaloStandIn(StandIn):
    """Zalo's OA article API and its OAuth server. Zalo refuses with HTTP 200 and a non-zero `error`."""

    name = "zalo"
    routes = [
        ("POST", "/v2.0/article/create", "create"),
        ("POST", "/v2.0/article/verify", "verify"),
        ("POST", "/v2.0/article/update", "update"),
        ("POST", "/v2.0/article/remove", "remove"),
        ("GET", "/v2.0/article/getslice", "getslice"),
        ("POST", "/v4/oa/access_token", "oauth_token"),
    ]

    def __init__(self, *, seed: int = 0):
        super().__init__(seed=seed)
        self.app_id = "4318892030000000001"
        self.secret_key = "zalo-app-secret"
        self.access_token = "zalo-access-1"
        self.refresh_token = "zalo-refresh-1"
        self.valid_tokens = {self.access_token}
        self.expired_tokens: set[str] = set()
        self.refresh_tokens = {self.refresh_token}  # single use: each is dropped once exchanged
        self.tokens: dict[str, str] = {}  # creation token -> article id
        self.verify_pending = 0  # the next N verifications answer "still processing"

    def channel_config(self) -> dict:
        return {
            "base_url": self.url,
            "settings": {
                "app_id": self.app_id,
                "oauth_base_url": self.url,
                "default_cover_url": f"{self.url}/static/logo-cover.jpg",
            },
            "credentials": {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "secret_key": self.secret_key,
            },
        }

    def expire_token(self) -> None:
        """Every access token handed out so far expires (a refresh gets a new one)."""
        with self.lock:
            self.expired_tokens |= self.valid_tokens
            self.valid_tokens = set()

    @staticmethod
    def refusal(code: int, message: str) -> Reply:
        return Reply(200, {"error": code, "message": message}, ok=False)

    def invalid_reply(self, call: Call) -> Reply:
        return self.refusal(-201, "Parameter invalid: " + "; ".join(call.problems))

    def rate_limited_reply(self) -> Reply:
        return self.refusal(-32, "Exceeded the rate limit")

    def expired_token_reply(self) -> Reply:
        return self.refusal(-124, "Access token has expired")

    def _authorised(self, call: Call) -> Reply | None:
        token = call.headers.get("access_token")
        if not call.require(bool(token), "no access_token header"):
            return self.invalid_reply(call)
        with self.lock:
            if token in self.expired_tokens:
                return self.expired_token_reply()
            if token not in self.valid_tokens:
                return self.refusal(-216, "Access token is invalid")
        return None

    def _check_article(self, call: Call, article: dict) -> None:
        call.require(article.get("type") == "normal", "type is not normal")
        call.text_field(article, "title", limit=150)
        call.text_field(article, "author", limit=50)
        call.text_field(article, "description", limit=300)
        cover = article.get("cover")
        if call.require(isinstance(cover, dict), "cover is missing"):
            call.require(cover.get("cover_type") == "photo", "cover_type is not photo")
            call.require(is_http_url(cover.get("photo_url")), "cover photo_url is not a URL")
            call.require(cover.get("status") in ZALO_SHOW_HIDE, "cover status is not show/hide")
        body = article.get("body")
        if call.require(isinstance(body, list) and len(body) > 0, "body is not a list of blocks"):
            for n, block in enumerate(body):
                kind = block.get("type") if isinstance(block, dict) else None
                if kind == "text":
                    content = call.text_field(block, "content")
                    call.require(not UNSAFE_HTML.search(content), f"body[{n}] has unsafe HTML")
                elif kind == "image":
                    call.require(is_http_url(block.get("url")), f"body[{n}] image url is not a URL")
                    call.text_field(block, "caption", required=False)
                elif kind == "video":
                    call.require(is_http_url(block.get("url")), f"body[{n}] video url is not a URL")
                else:
                    call.problems.append(f"body[{n}] has type {kind!r}")
        call.require(article.get("status") in ZALO_SHOW_HIDE, "status is not show/hide")
        call.require(article.get("comment", "show") in ZALO_SHOW_HIDE, "comment is not show/hide")

    def create(self, call: Call) -> Reply:
        refused = self._authorised(call)
        if refused:
            return refused
        article = call.json()
        self._check_article(call, article)
        if call.problems:
            return self.invalid_reply(call)
        with self.lock:
            article_id = f"{self.next_id():016x}"
            token = f"tok-{article_id}"
            self.store[article_id] = Post(article_id, article["title"], article)
            self.tokens[token] = article_id
        return Reply(body={"error": 0, "message": "Success", "data": {"token": token}})

    def verify(self, call: Call) -> Reply:
        refused = self._authorised(call)
        if refused:
            return refused
        token = call.json().get("token")
        with self.lock:
            if not call.require(token in self.tokens, f"unknown token {token!r}"):
                return self.invalid_reply(call)
            if self.verify_pending:
                self.verify_pending -= 1
                return self.refusal(-214, "Article is being processed")
            return Reply(body={"error": 0, "message": "Success", "data": {"id": self.tokens[token]}})

    def update(self, call: Call) -> Reply:
        refused = self._authorised(call)
        if refused:
            return refused
        article = call.json()
        article_id = article.pop("id", None)
        call.require(isinstance(article_id, str) and bool(article_id), "id is missing")
        self._check_article(call, article)
        if call.problems:
            return self.invalid_reply(call)
        with self.lock:
            post = self.store.get(article_id)
            if post is None or post.removed:
                return self.refusal(-201, "Article does not exist")
            post.updates.append(article)
            post.fields, post.text = article, article["title"]
            token = f"tok-{article_id}-{len(post.updates)}"
            self.tokens[token] = article_id
        return Reply(body={"error": 0, "message": "Success", "data": {"token": token}})

    def remove(self, call: Call) -> Reply:
        refused = self._authorised(call)
        if refused:
            return refused
        article_id = call.json().get("id")
        call.require(isinstance(article_id, str) and bool(article_id), "id is missing")
        if call.problems:
            return self.invalid_reply(call)
        with self.lock:
            post = self.store.get(article_id)
            if post is None or post.removed:
                return self.refusal(-201, "Article does not exist")
            post.removed = True
        return Reply(body={"error": 0, "message": "Success"})

    def getslice(self, call: Call) -> Reply:
        refused = self._authorised(call)
        if refused:
            return refused
        try:
            offset, limit = int(call.query.get("offset", "")), int(call.query.get("limit", ""))
        except ValueError:
            offset = limit = -1
        call.require(offset >= 0 and 0 < limit <= 20, "offset/limit missing or out of range")
        call.require(call.query.get("type") in ("normal", "video"), "type is not normal/video")
        if call.problems:
            return self.invalid_reply(call)
        with self.lock:
            newest_first = sorted(self.live(), key=lambda post: post.created_at, reverse=True)
            medias = [
                {
                    "id": post.id,
                    "type": "normal",
                    "title": post.text,
                    "status": post.fields.get("status", "show"),
                    "thumb": post.fields.get("cover", {}).get("photo_url", ""),
                    "total_view": 0,
                    "total_share": 0,
                    "create_date": int(post.created_at * 1000),
                    "update_date": int(post.created_at * 1000),
                }
                for post in newest_first[offset : offset + limit]
            ]
        return Reply(
            body={"error": 0, "message": "Success", "data": {"medias": medias, "total": len(newest_first)}}
        )

    def oauth_token(self, call: Call) -> Reply:
        form = call.form()
        call.require(call.headers.get("secret_key") == self.secret_key, "secret_key header is wrong")
        call.require(form.get("app_id") == self.app_id, "app_id is wrong")
        call.require(form.get("grant_type") == "refresh_token", "grant_type is not refresh_token")
        if call.problems:
            return Reply(200, {"error": -14001, "error_name": "Invalid parameter"}, ok=False)
        with self.lock:
            if form.get("refresh_token") not in self.refresh_tokens:
                return Reply(200, {"error": -14014, "error_name": "Invalid refresh token"}, ok=False)
            self.refresh_tokens.discard(form["refresh_token"])
            n = self.next_id()
            self.access_token, self.refresh_token = f"zalo-access-r{n}", f"zalo-refresh-r{n}"
            self.valid_tokens.add(self.access_token)
            self.refresh_tokens.add(self.refresh_token)
            return Reply(
                body={
                    "access_token": self.access_token,
                    "refresh_token": self.refresh_token,
                    "expires_in": "90000",
                }
            )


# --- Signed webhook (Standard Webhooks) ---------------------------------------------------------------------
WEBHOOK_EVENTS = ("story.published", "story.updated", "story.withdrawn")


class WebhookStandIn(StandIn):
    """A partner's receiver: verifies the Standard Webhooks signature and dedupes by `webhook-id`.

    `posts` counts unique messages (one per webhook id), `received` every request, `duplicates` the
    redeliveries of a message it already had, which it acknowledges without storing again.
    """

    name = "webhook"
    routes = [("POST", "/hooks/newsroom", "deliver")]
    tolerance = 5 * 60  # seconds a timestamp may be off, as Standard Webhooks receivers allow

    def __init__(self, *, seed: int = 0, secret_bytes: bytes = b"partner-signing-key-0123456789ab"):
        super().__init__(seed=seed)
        self.secret = "whsec_" + base64.b64encode(secret_bytes).decode()
        self.reply_with_id = True  # False: answer 202 with no body, as many receivers do
        self.duplicates = 0
        self.partner_ids: dict[str, str] = {}  # ninjs uri -> the partner's own id
        self._answers: dict[str, Reply] = {}  # webhook id -> what it was answered

    @property
    def endpoint(self) -> str:
        return self.url + "/hooks/newsroom"

    def channel_config(self) -> dict:
        return {"base_url": self.endpoint, "settings": {}, "credentials": {"secret": self.secret}}

    def by_type(self) -> Counter:
        with self.lock:
            return Counter(post.fields["type"] for post in self.store.values())

    def signature_ok(self, msg_id: str, timestamp: str, body: bytes, signatures: str) -> bool:
        """The receiver's side of Standard Webhooks: any of the space-separated `v1,` signatures may match."""
        key = base64.b64decode(self.secret.removeprefix("whsec_"))
        expected = base64.b64encode(
            hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, hashlib.sha256).digest()
        ).decode()
        return any(
            version == "v1" and hmac.compare_digest(value, expected)
            for version, _, value in (item.partition(",") for item in signatures.split())
        )

    def deliver(self, call: Call) -> Reply:
        msg_id = call.headers.get("webhook-id", "")
        timestamp = call.headers.get("webhook-timestamp", "")
        signatures = call.headers.get("webhook-signature", "")
        call.require(bool(msg_id), "no webhook-id header")
        if call.require(timestamp.isdigit(), "webhook-timestamp is not unix seconds"):
            call.require(abs(time.time() - int(timestamp)) <= self.tolerance, "webhook-timestamp is too old")
        if call.problems:
            return Reply(400, {"error": "; ".join(call.problems)}, ok=False)
        if not call.require(
            self.signature_ok(msg_id, timestamp, call.body, signatures), "signature is wrong"
        ):
            return Reply(401, {"error": "invalid signature"}, ok=False)
        envelope = call.json()
        # The partner turns the message into XML too, where control characters break the whole document.
        call.require(
            not any(CONTROL.search(text) for text in strings(envelope)), "control characters in data"
        )
        call.require(envelope.get("type") in WEBHOOK_EVENTS, f"type {envelope.get('type')!r}")
        call.require(isinstance(envelope.get("timestamp"), str), "timestamp is missing")
        data = envelope.get("data")
        if call.require(isinstance(data, dict), "data is not an object"):
            if envelope.get("type") == "story.withdrawn":
                call.require(bool(data.get("id") or data.get("uri")), "withdrawn data has no id")
            else:
                call.require(isinstance(data.get("uri"), str) and bool(data.get("uri")), "data has no uri")
                call.require(bool(data.get("headline") or data.get("headlines")), "data has no headline")
        if call.problems:
            return Reply(400, {"error": "; ".join(call.problems)}, ok=False)
        with self.lock:
            if msg_id in self._answers:  # a redelivery: acknowledged, not processed again
                self.duplicates += 1
                return self._answers[msg_id]
            uri = data.get("uri") or data.get("id")
            known = uri in self.partner_ids.values()  # a withdrawal names the partner's own id
            partner_id = uri if known else self.partner_ids.setdefault(uri, f"partner-{self.next_id()}")
            headline = data.get("headline") or next(
                (item.get("value", "") for item in data.get("headlines") or [] if item.get("role") == "main"),
                "",
            )
            self.store[msg_id] = Post(msg_id, headline, envelope, key=msg_id)
            reply = (
                Reply(200, {"id": partner_id, "url": f"{self.url}/articles/{partner_id}"})
                if self.reply_with_id
                else Reply(202)
            )
            self._answers[msg_id] = reply
            return reply


# --- Facebook Page (Graph API) ------------------------------------------------------------------------------
GRAPH_VERSION = "v21.0"
GRAPH_MESSAGE_LIMIT = 63206
PAGING = (("limit", "25"), ("since", "0"), ("after", "0"))  # the feed's query parameters and defaults


class FacebookStandIn(StandIn):
    """The Graph API's page feed: refusals are 4xx with an `error` object carrying `code`."""

    name = "facebook"
    routes = [
        ("POST", rf"/{GRAPH_VERSION}/(?P<page>\d+)/feed", "publish"),
        ("GET", rf"/{GRAPH_VERSION}/(?P<page>\d+)/feed", "feed"),
        ("POST", rf"/{GRAPH_VERSION}/(?P<post>\d+_\d+)", "edit"),
        ("DELETE", rf"/{GRAPH_VERSION}/(?P<post>\d+_\d+)", "delete"),
    ]

    def __init__(self, *, seed: int = 0):
        super().__init__(seed=seed)
        self.page_id = "104857600000001"
        self.page_token = "EAAG-page-token-1"
        self.expired = False

    def channel_config(self) -> dict:
        return {
            "base_url": f"{self.url}/{GRAPH_VERSION}",
            "settings": {"page_id": self.page_id},
            "credentials": {"access_token": self.page_token},
        }

    @staticmethod
    def graph_error(status: int, code: int, message: str, subcode: int | None = None, **extra) -> Reply:
        error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf123"}
        if subcode:
            error["error_subcode"] = subcode
        return Reply(status, {"error": {**error, **extra}}, ok=False)

    def invalid_reply(self, call: Call) -> Reply:
        return self.graph_error(400, 100, "(#100) Invalid parameter: " + "; ".join(call.problems))

    def error_reply(self) -> Reply:
        return self.graph_error(
            500, 2, "An unexpected error has occurred. Please retry your request later.", is_transient=True
        )

    def rate_limited_reply(self) -> Reply:
        return self.graph_error(400, 32, "Page request limit reached", is_transient=True)

    def expired_token_reply(self) -> Reply:
        return self.graph_error(
            400, 190, "Error validating access token: Session has expired on Monday, 23-Nov-26.", subcode=463
        )

    def not_found_reply(self) -> Reply:
        return self.graph_error(400, 100, "Unsupported request - method type: unknown", subcode=33)

    def _authorised(self, call: Call, values: dict) -> Reply | None:
        bearer = call.headers.get("authorization", "").removeprefix("Bearer ").strip()
        token = values.get("access_token") or call.query.get("access_token") or bearer
        if not call.require(bool(token), "no access_token"):
            return self.graph_error(400, 104, "An access token is required to request this resource.")
        if self.expired:
            return self.expired_token_reply()
        if token != self.page_token:
            return self.graph_error(
                400, 190, "Invalid OAuth access token - Cannot parse access token", subcode=460
            )
        return None

    def _missing(self, post_id: str) -> Reply:
        return self.graph_error(
            400, 100, f"Unsupported post request. Object with ID '{post_id}' does not exist.", subcode=33
        )

    def publish(self, call: Call) -> Reply:
        values = call.fields()
        refused = self._authorised(call, values)
        if refused:
            return refused
        call.require(call.params["page"] == self.page_id, "posting to another page")
        message = call.text_field(values, "message", limit=GRAPH_MESSAGE_LIMIT)
        link = values.get("link")
        call.require(link is None or is_http_url(link), "link is not a URL")
        if call.problems:
            return self.invalid_reply(call)
        with self.lock:
            post_id = f"{self.page_id}_{self.next_id()}"
            self.store[post_id] = Post(post_id, message, {"message": message, "link": link or ""})
        return Reply(body={"id": post_id})

    def edit(self, call: Call) -> Reply:
        values = call.fields()
        refused = self._authorised(call, values)
        if refused:
            return refused
        message = call.text_field(values, "message", limit=GRAPH_MESSAGE_LIMIT)
        if call.problems:
            return self.invalid_reply(call)
        with self.lock:
            post = self.store.get(call.params["post"])
            if post is None or post.removed:
                return self._missing(call.params["post"])
            post.updates.append({"message": message})
            post.text = post.fields["message"] = message
        return Reply(body={"success": True})

    def delete(self, call: Call) -> Reply:
        refused = self._authorised(call, {})
        if refused:
            return refused
        with self.lock:
            post = self.store.get(call.params["post"])
            if post is None or post.removed:
                return self._missing(call.params["post"])
            post.removed = True
        return Reply(body={"success": True})

    def feed(self, call: Call) -> Reply:
        """The page's posts, newest first, `since` a unix time, in pages with an `after` cursor."""
        refused = self._authorised(call, {})
        if refused:
            return refused
        fields = [name for name in call.query.get("fields", "").split(",") if name]
        call.require(set(fields) <= {"id", "link", "message", "created_time"}, f"unknown fields {fields}")
        limit, since, start = (call.query.get(name, default) for name, default in PAGING)
        call.require(limit.isdigit() and 0 < int(limit) <= 100, "limit is out of range")
        call.require(since.isdigit() and start.isdigit(), "since/after are not numbers")
        if call.problems:
            return self.invalid_reply(call)
        limit, since, start = int(limit), int(since), int(start)
        with self.lock:
            newest_first = [
                post
                for post in sorted(self.live(), key=lambda post: post.created_at, reverse=True)
                if post.created_at >= since
            ]
        page = newest_first[start : start + limit]
        items = [
            {
                "id": post.id,
                "message": post.fields["message"],
                "link": post.fields["link"],
                "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(post.created_at)),
            }
            for post in page
        ]
        body = {"data": [{k: v for k, v in item.items() if k in (fields or ["id"])} for item in items]}
        if start + limit < len(newest_first):
            after = str(start + limit)
            body["paging"] = {
                "cursors": {"before": str(start), "after": after},
                "next": f"{self.url}{call.path}?{urlencode({**call.query, 'after': after})}",
            }
        return Reply(body=body)


# --- Telegram channel (Bot API) -----------------------------------------------------------------------------
TELEGRAM_TEXT_LIMIT = 4096
TELEGRAM_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "blockquote",
    "tg-spoiler",
    "span",
    "tg-emoji",
}
TELEGRAM_TOKEN = re.compile(r"<(/?)([a-zA-Z][\w-]*)([^<>]*)>|&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);|[<>&]")


def telegram_visible_text(text: str) -> tuple[str, list[str]]:
    """Parse Telegram's HTML as its servers do: the visible text, and what they would refuse."""
    problems, stack, visible, position = [], [], [], 0
    for token in TELEGRAM_TOKEN.finditer(text):
        visible.append(text[position : token.start()])
        position = token.end()
        closing, tag, attrs, entity = token.group(1), token.group(2), token.group(3), token.group(4)
        if tag:
            tag = tag.lower()
            if tag not in TELEGRAM_TAGS:
                problems.append(f"can't parse entities: unsupported start tag {tag!r}")
            elif closing:
                if not stack or stack.pop() != tag:
                    problems.append(f"can't parse entities: unexpected end tag {tag!r}")
            else:
                stack.append(tag)
                if tag == "a" and not re.fullmatch(r'\s+href="[^"<>]*"\s*', attrs):
                    problems.append("can't parse entities: a tag needs one href")
        elif entity:
            visible.append(html.unescape(token.group(0)))
        else:
            problems.append(f"can't parse entities: unescaped {token.group(0)!r}")
    visible.append(text[position:])
    if stack:
        problems.append(f"can't parse entities: unclosed {stack}")
    return "".join(visible), problems


class TelegramStandIn(StandIn):
    """The Bot API for one channel: answers `{"ok": false, "error_code", "description"}` on refusal."""

    name = "telegram"
    routes = [
        ("POST", r"/bot(?P<token>[^/]+)/sendMessage", "send_message"),
        ("POST", r"/bot(?P<token>[^/]+)/editMessageText", "edit_message_text"),
        ("POST", r"/bot(?P<token>[^/]+)/deleteMessage", "delete_message"),
    ]

    def __init__(self, *, seed: int = 0, username: str | None = "baohaiduong_news"):
        super().__init__(seed=seed)
        self.bot_token = "7000000001:AAF-test-bot-token"
        self.chat = {"id": -1001234567890, "title": "Báo Hải Dương", "type": "channel"}
        if username:
            self.chat["username"] = username
        self.expired = False

    def channel_config(self) -> dict:
        chat_id = f"@{self.chat['username']}" if "username" in self.chat else str(self.chat["id"])
        return {
            "base_url": self.url,
            "settings": {"chat_id": chat_id},
            "credentials": {"bot_token": self.bot_token},
        }

    @staticmethod
    def refusal(code: int, description: str, **parameters) -> Reply:
        body = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return Reply(code, body, ok=False)

    def invalid_reply(self, call: Call) -> Reply:
        return self.refusal(400, "Bad Request: " + "; ".join(call.problems))

    def error_reply(self) -> Reply:
        return self.refusal(500, "Internal Server Error")

    def rate_limited_reply(self) -> Reply:
        return self.refusal(
            429, f"Too Many Requests: retry after {self.retry_after}", retry_after=self.retry_after
        )

    def expired_token_reply(self) -> Reply:
        return self.refusal(401, "Unauthorized")

    def not_found_reply(self) -> Reply:
        return self.refusal(404, "Not Found")

    def _checked(self, call: Call, *, text: bool = True) -> tuple[dict, Reply | None]:
        if self.expired or call.params["token"] != self.bot_token:
            return {}, self.expired_token_reply()
        values = call.fields()
        chat_id = str(values.get("chat_id", ""))
        if chat_id not in (str(self.chat["id"]), f"@{self.chat.get('username')}"):
            return values, self.refusal(400, "Bad Request: chat not found")
        if text:
            call.require(values.get("parse_mode") == "HTML", "parse_mode is not HTML")
            visible, problems = telegram_visible_text(call.text_field(values, "text"))
            call.problems.extend(problems)
            length = len(visible.encode("utf-16-le")) // 2  # Telegram counts UTF-16 code units
            call.require(0 < length <= TELEGRAM_TEXT_LIMIT, f"text is {length} characters long")
            options = values.get("link_preview_options")
            call.require(
                options is None or isinstance(options, dict), "link_preview_options is not an object"
            )
            values["visible"] = visible
        if "message_id" in values or not text:
            call.require(isinstance(values.get("message_id"), int), "message_id is not an integer")
        return values, (self.invalid_reply(call) if call.problems else None)

    def _message(self, post: Post) -> dict:
        message = {
            "message_id": int(post.id),
            "chat": self.chat,
            "date": int(post.created_at),
            "text": post.fields["visible"],
        }
        if post.updates:
            message["edit_date"] = int(time.time())
        return message

    def send_message(self, call: Call) -> Reply:
        values, refused = self._checked(call)
        if refused:
            return refused
        with self.lock:
            post = Post(str(self.next_id()), values["text"], values)
            self.store[post.id] = post
            return Reply(body={"ok": True, "result": self._message(post)})

    def edit_message_text(self, call: Call) -> Reply:
        values, refused = self._checked(call)
        if refused:
            return refused
        with self.lock:
            post = self.store.get(str(values["message_id"]))
            if post is None or post.removed:
                return self.refusal(400, "Bad Request: message to edit not found")
            if post.text == values["text"]:
                return self.refusal(
                    400,
                    "Bad Request: message is not modified: specified new message content and reply markup "
                    "are exactly the same as a current content and reply markup of the message",
                )
            post.updates.append(values)
            post.text, post.fields = values["text"], values
            return Reply(body={"ok": True, "result": self._message(post)})

    def delete_message(self, call: Call) -> Reply:
        values, refused = self._checked(call, text=False)
        if refused:
            return refused
        with self.lock:
            post = self.store.get(str(values["message_id"]))
            if post is None or post.removed:
                return self.refusal(400, "Bad Request: message to delete not found")
            post.removed = True
        return Reply(body={"ok": True, "result": True})


# --- Mastodon -----------------------------------------------------------------------------------------------
MASTODON_URL = re.compile(r"https?://\S+")
MASTODON_URL_WEIGHT = 23  # every link counts as 23 characters, whatever its length
MASTODON_VISIBILITIES = ("public", "unlisted", "private", "direct")


class MastodonStandIn(StandIn):
    """A Mastodon instance's statuses API; it keeps Idempotency-Key answers as Mastodon does (an hour)."""

    name = "mastodon"
    routes = [
        ("POST", r"/api/v1/statuses", "create"),
        ("PUT", r"/api/v1/statuses/(?P<id>\d+)", "edit"),
        ("DELETE", r"/api/v1/statuses/(?P<id>\d+)", "delete"),
    ]
    max_characters = 500

    def __init__(self, *, seed: int = 0):
        super().__init__(seed=seed)
        self.access_token = "mastodon-token-1"
        self.username = "baohaiduong"
        self.expired = False
        self.by_key: dict[str, str] = {}  # Idempotency-Key -> status id

    def channel_config(self) -> dict:
        return {"base_url": self.url, "settings": {}, "credentials": {"access_token": self.access_token}}

    def invalid_reply(self, call: Call) -> Reply:
        return Reply(422, {"error": "Validation failed: " + "; ".join(call.problems)}, ok=False)

    def rate_limited_reply(self) -> Reply:
        reset = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(time.time() + self.retry_after))
        headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
        return Reply(429, {"error": "Too many requests"}, headers, ok=False)

    def expired_token_reply(self) -> Reply:
        return Reply(401, {"error": "The access token is invalid"}, ok=False)

    def not_found_reply(self) -> Reply:
        return Reply(404, {"error": "Record not found"}, ok=False)

    def _authorised(self, call: Call) -> Reply | None:
        header = call.headers.get("authorization", "")
        if not call.require(header.startswith("Bearer "), "no bearer token"):
            return self.expired_token_reply()
        if self.expired or header.removeprefix("Bearer ") != self.access_token:
            return self.expired_token_reply()
        return None

    def _check_status(self, call: Call, values: dict) -> str:
        status = call.text_field(values, "status")
        length = len(MASTODON_URL.sub("x" * MASTODON_URL_WEIGHT, status))
        call.require(length <= self.max_characters, f"Text character limit of {self.max_characters} exceeded")
        language = values.get("language")
        call.require(
            language is None or re.fullmatch(r"[a-z]{2,3}", language or ""), f"language {language!r}"
        )
        return status

    def _status(self, post: Post) -> dict:
        return {
            "id": post.id,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(post.created_at)),
            "edited_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z") if post.updates else None,
            "visibility": post.fields.get("visibility", "public"),
            "language": post.fields.get("language"),
            "uri": f"{self.url}/users/{self.username}/statuses/{post.id}",
            "url": f"{self.url}/@{self.username}/{post.id}",
            "content": "<p>" + html.escape(post.text).replace("\n", "<br />") + "</p>",
            "text": post.text,
        }

    def create(self, call: Call) -> Reply:
        refused = self._authorised(call)
        if refused:
            return refused
        values = call.fields()
        status = self._check_status(call, values)
        call.require(values.get("visibility", "public") in MASTODON_VISIBILITIES, "visibility is unknown")
        if call.problems:
            return self.invalid_reply(call)
        key = call.headers.get("idempotency-key", "")
        with self.lock:
            if key and key in self.by_key:  # Mastodon answers a repeated key with the status it made
                return Reply(body=self._status(self.store[self.by_key[key]]))
            post = Post(str(110000000000000000 + self.next_id()), status, values, key=key)
            self.store[post.id] = post
            if key:
                self.by_key[key] = post.id
            return Reply(body=self._status(post))

    def edit(self, call: Call) -> Reply:
        refused = self._authorised(call)
        if refused:
            return refused
        values = call.fields()
        status = self._check_status(call, values)
        call.require("visibility" not in values, "visibility cannot be changed by an edit")
        if call.problems:
            return self.invalid_reply(call)
        with self.lock:
            post = self.store.get(call.params["id"])
            if post is None or post.removed:
                return self.not_found_reply()
            post.updates.append(values)
            post.text = status
            post.fields = {**post.fields, **values}
            return Reply(body=self._status(post))

    def delete(self, call: Call) -> Reply:
        refused = self._authorised(call)
        if refused:
            return refused
        with self.lock:
            post = self.store.get(call.params["id"])
            if post is None or post.removed:
                return self.not_found_reply()
            post.removed = True
            return Reply(body=self._status(post))


STANDINS = {
    "zalo": ZaloStandIn,
    "webhook": WebhookStandIn,
    "facebook": FacebookStandIn,
    "telegram": TelegramStandIn,
    "mastodon": MastodonStandIn,
}
