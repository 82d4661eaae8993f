"""What ingest learns from a request without keeping it: bot or reader, device class, kind of referrer."""

import re
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from crawlerdetect import CrawlerDetect

from .models import Device, ReferrerClass

_crawlers = CrawlerDetect()
# Automation that CrawlerDetect's list leaves to the page: headless browsers and scripted clients.
_AUTOMATION = re.compile(
    r"headless|phantomjs|electron|puppeteer|playwright|selenium|lighthouse|slimerjs", re.I
)


@lru_cache(maxsize=4096)
def is_bot(user_agent: str) -> bool:
    if len(user_agent) < 12:
        return True  # Empty or truncated: no browser sends that.
    return bool(_AUTOMATION.search(user_agent)) or _crawlers.isCrawler(user_agent)


_TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook|(android(?!.*mobile))", re.I)
_MOBILE = re.compile(r"mobi|iphone|ipod|windows phone|blackberry|opera mini", re.I)


@lru_cache(maxsize=4096)
def device_class(user_agent: str) -> str:
    """Phone, tablet or computer, as MDN advises: "Mobi" marks a phone; a tablet says so, or is Android
    without "Mobile"."""
    if _TABLET.search(user_agent):
        return Device.TABLET
    if _MOBILE.search(user_agent):
        return Device.MOBILE
    return Device.DESKTOP


# Hosts by the end of their name. Platforms are where the agency's own stories are syndicated and read.
SEARCH_HOSTS = (
    "google.",
    "bing.com",
    "coccoc.com",
    "yahoo.",
    "duckduckgo.com",
    "yandex.",
    "baidu.com",
    "ecosia.org",
)
SOCIAL_HOSTS = (
    "facebook.com",
    "fb.com",
    "fb.me",
    "zalo.me",
    "zaloapp.com",
    "zalo.vn",
    "tiktok.com",
    "youtube.com",
    "youtu.be",
    "twitter.com",
    "x.com",
    "t.co",
    "instagram.com",
    "threads.net",
    "linkedin.com",
    "lnkd.in",
    "reddit.com",
    "t.me",
    "telegram.org",
    "pinterest.com",
    "mastodon.social",
)
PLATFORM_HOSTS = (
    "baomoi.com",
    "news.google.com",
    "msn.com",
    "flipboard.com",
    "newsbreak.com",
    "dantri.com.vn",
)
PLATFORM_MEDIUMS = {"platform", "syndication", "partner", "aggregator"}
SOCIAL_MEDIUMS = {"social", "social-network", "sm", "zalo", "facebook"}


def _matches(host: str, patterns) -> bool:
    for pattern in patterns:
        if pattern.endswith("."):
            if host.startswith(pattern) or f".{pattern}" in f".{host}":
                return True
        elif host == pattern or host.endswith("." + pattern):
            return True
    return False


def referrer_host(referrer: str) -> str:
    try:
        host = (urlsplit(referrer).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.").removeprefix("m.")[:100]


def utm(query: str) -> dict[str, str]:
    """utm_source, utm_medium and utm_campaign from a location.search string, trimmed; the rest is ignored."""
    params = parse_qs(query.removeprefix("?"), keep_blank_values=False, max_num_fields=50)
    return {
        name: params.get(name, [""])[0].strip()[:100] for name in ("utm_source", "utm_medium", "utm_campaign")
    }


def referrer_class(host: str, *, own_hosts: set[str], utm_fields: dict[str, str]) -> str:
    medium = utm_fields.get("utm_medium", "").lower()
    if medium in PLATFORM_MEDIUMS or (host and _matches(host, PLATFORM_HOSTS)):
        return ReferrerClass.PLATFORM
    if not host:
        if medium in SOCIAL_MEDIUMS:
            return ReferrerClass.SOCIAL  # Apps (Zalo, Facebook) send no referrer; the share link says so.
        return ReferrerClass.DIRECT
    if host in own_hosts:
        return ReferrerClass.INTERNAL
    if _matches(host, SEARCH_HOSTS):
        return ReferrerClass.SEARCH
    if _matches(host, SOCIAL_HOSTS) or medium in SOCIAL_MEDIUMS:
        return ReferrerClass.SOCIAL
    return ReferrerClass.LINK
