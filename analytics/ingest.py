"""Ingest of reader events: validate, drop bots, count what is refused, turn the rest into EventRecords.

The beacon (analytics/static/readers/r.js) posts one event per request; see `collect` for the answers. Nothing
the reader's browser says about the page is trusted: the page's agency, section, byline and format come from
our own database, and the page token proves the page id came from one of our pages.
"""

import base64
import json
import re
import time
from dataclasses import astuple, dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from django.utils.connection import ConnectionProxy
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, Site

from newsroom.cache import hit
from newsroom.models import Agency, SectionPage, StoryPage

from . import classify, visitors
from .models import WEB_CHANNEL, EventKind
from .refusals import Refused
from .store import EventRecord, get_store

# The readership cache (settings.CACHES["analytics"]), resolved per thread like django.core.cache.cache.
cache = ConnectionProxy(caches, "analytics")

MAX_BODY = 4096
VIEW_ID = re.compile(r"[A-Za-z0-9_-]{16,32}")
MAX_SEQUENCE = 500
MAX_ENGAGED_SECONDS = 1800
# How long a view's events are accepted after its page view (a tab left open for a working day).
VIEW_SECONDS = 12 * 3600
PAGE_CACHE_SECONDS = 300
KINDS = {"pv": EventKind.PAGEVIEW, "en": EventKind.ENGAGEMENT}


class Dropped(Exception):
    """An event that is fine but must not be counted (a bot, a reader who asked not to be tracked)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def page_token(agency_id: int, page_id: int) -> str:
    """The token a page carries for its beacon: proof that the page id came from one of our pages."""
    digest = salted_hmac("analytics.page_token", f"{agency_id}:{page_id}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:16]


@dataclass(frozen=True)
class PageFacts:
    agency_id: int
    story_id: int | None
    section_id: int | None
    author_id: int | None
    format: str


# Facts of pages and sites, remembered in the process for a minute in front of the shared cache: every event
# needs them, and they change only when a page is (un)published or a site moved.
MEMO_SECONDS = 60
_memo: dict[str, tuple[float, object]] = {}


def remembered(key: str, kind, compute):
    """`compute()`'s facts (a `kind` dataclass, or None), remembered for a minute in the process and for a few
    minutes in the shared cache, as "analytics:<key>"."""
    now = time.monotonic()
    hit = _memo.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    if len(_memo) > 20_000:
        _memo.clear()
    cached = cache.get(f"analytics:{key}")
    if cached is not None:
        facts = kind(*cached) if cached else None
    else:
        facts = compute()
        cache.set(f"analytics:{key}", list(astuple(facts)) if facts else [], PAGE_CACHE_SECONDS)
    _memo[key] = (now + MEMO_SECONDS, facts)
    return facts


def forget() -> None:
    """Drop what the process remembers (tests, whose rolled-back pages may come back with other facts)."""
    _memo.clear()


def page_facts(page_id: int) -> PageFacts | None:
    """What an event on a live page is filed under, from our database (cached for a few minutes)."""
    return remembered(f"page:{page_id}", PageFacts, lambda: _page_facts(page_id))


def _page_facts(page_id: int) -> PageFacts | None:
    story = StoryPage.objects.live().filter(pk=page_id).only("agency_id", "section_id", "format").first()
    if story is not None:
        if story.agency_id is None:
            return None
        lead = story.authors.through.objects.filter(storypage_id=story.pk).order_by("pk").first()
        return PageFacts(
            story.agency_id, story.pk, story.section_id, lead.author_id if lead else None, story.format
        )
    page = Page.objects.live().filter(pk=page_id).first()
    if page is None:
        return None
    agency = Agency.objects.for_page(page)
    if agency is None:
        return None
    section_id = page.pk if page.specific_class is SectionPage else None
    return PageFacts(agency.pk, None, section_id, None, "")


@dataclass(frozen=True)
class SiteFacts:
    site_id: int
    agency_id: int | None
    hostname: str


def site_facts(request) -> SiteFacts | None:
    """The Wagtail site the request came to and its agency (cached for a few minutes by host and port)."""
    return remembered(f"site:{request.get_host()}", SiteFacts, lambda: _site_facts(request))


def _site_facts(request) -> SiteFacts | None:
    site = Site.find_for_request(request)
    if site is None:
        return None
    agency_id = Agency.objects.filter(site=site).values_list("pk", flat=True).first()
    return SiteFacts(site.pk, agency_id, site.hostname)


def client_ip(request) -> str:
    if settings.ANALYTICS_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def check_rate(ip: str, now: datetime) -> None:
    limit = settings.ANALYTICS_RATE_LIMIT_PER_MINUTE
    key = f"analytics:rate:{salted_hmac('analytics.rate', ip).hexdigest()[:16]}:{now:%H%M}"
    seen = hit(caches["analytics"], key, 90)
    if seen > limit:
        raise Refused(429, "rate_limited", _("Too many events from this reader; slow down."))


def parse(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: "[[[[…" nested thousands deep
        raise Refused(400, "malformed", _("The event is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise Refused(400, "malformed", _("The event must be a JSON object."))
    return data


def _integer(data: dict, name: str, low: int, high: int) -> int:
    value = data.get(name)
    if type(value) is not int or not low <= value <= high:
        raise Refused(
            400,
            "malformed",
            _("“%(name)s” must be a whole number from %(low)d to %(high)d.")
            % {"name": name, "low": low, "high": high},
        )
    return value


def _text(data: dict, name: str, limit: int) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or len(value) > limit:
        raise Refused(
            400,
            "malformed",
            _("“%(name)s” must be text of at most %(limit)d characters.") % {"name": name, "limit": limit},
        )
    return value


def accept(request, body: bytes, *, now: datetime | None = None) -> EventRecord:
    """Validate one beacon event and return it as a record to store. Raises Refused or Dropped."""
    now = now or timezone.now()
    if request.META.get("HTTP_SEC_GPC", "").strip() == "1":
        raise Dropped("gpc")
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:512]
    ip = client_ip(request)
    check_rate(ip, now)
    data = parse(body)
    kind = data.get("k")
    kind = KINDS.get(kind) if isinstance(kind, str) else None
    if kind is None:
        raise Refused(400, "malformed", _("Unknown kind of event."))
    page_id = _integer(data, "p", 1, 2**31 - 1)
    token = _text(data, "t", 64)
    view = _text(data, "i", 32)
    if not VIEW_ID.fullmatch(view):
        raise Refused(400, "malformed", _("The view id must be 16 to 32 letters, digits, “-” or “_”."))
    if kind == EventKind.PAGEVIEW:
        sequence = _integer(data, "s", 0, 0)
        referrer = _text(data, "r", 2048)
        query = _text(data, "u", 1024)
        engaged = scroll = 0
    else:
        sequence = _integer(data, "s", 1, MAX_SEQUENCE)
        engaged = _integer(data, "e", 0, MAX_ENGAGED_SECONDS)
        scroll = _integer(data, "d", 0, 100)
    if data.get("w") not in (None, 0, False) or classify.is_bot(user_agent):
        raise Dropped("bot")

    facts = page_facts(page_id)
    site = site_facts(request)
    if facts is None or site is None or facts.agency_id != site.agency_id:
        raise Refused(403, "forged", _("This page does not take reader events here."))
    if not constant_time_compare(token, page_token(facts.agency_id, page_id)):
        raise Refused(403, "forged", _("The page token does not match the page."))

    view_key = f"analytics:view:{view}"
    if kind == EventKind.PAGEVIEW:
        visitor = visitors.visitor(user_agent=user_agent, ip=ip, site_id=site.site_id, now=now)
        utm = classify.utm(query)
        host = classify.referrer_host(referrer)
        own_hosts = {
            classify.referrer_host(f"//{request.get_host()}"),
            classify.referrer_host(f"//{site.hostname}"),
        }
        referrer_class = classify.referrer_class(host, own_hosts=own_hosts, utm_fields=utm)
        extra = {
            "referrer_class": referrer_class,
            "referrer_host": "" if referrer_class == "internal" else host,
            **utm,
        }
        # The view's engagement events are filed under the same visitor and source as its page view.
        if not cache.add(f"{view_key}:0", [visitor, page_id, extra], timeout=VIEW_SECONDS):
            raise Refused(409, "replayed", _("This event was already received."))
    else:
        opened = cache.get(f"{view_key}:0")
        if not opened or opened[1] != page_id:
            raise Refused(409, "orphan", _("This engagement follows no page view received."))
        if not cache.add(f"{view_key}:{sequence}", 1, timeout=VIEW_SECONDS):
            raise Refused(409, "replayed", _("This event was already received."))
        visitor, _page_id, extra = opened
    return EventRecord(
        occurred_at=now,
        kind=kind,
        agency_id=facts.agency_id,
        page_id=page_id,
        story_id=facts.story_id,
        section_id=facts.section_id,
        author_id=facts.author_id,
        format=facts.format,
        channel=WEB_CHANNEL,
        visitor=visitor,
        view=view,
        device=classify.device_class(user_agent),
        engaged_seconds=engaged,
        scroll=scroll,
        **extra,
    )


def store(record: EventRecord) -> None:
    get_store().append([record])
