"""Posting beacon events as a reader's browser does, for the ingest tests."""

import json
import secrets

from analytics.ingest import page_token

PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
LAPTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def new_view() -> str:
    return secrets.token_urlsafe(16)[:22]


def pageview(page, *, view: str | None = None, referrer: str = "", query: str = "", agency=None) -> dict:
    agency_id = (agency or page.agency).pk
    return {
        "k": "pv",
        "p": page.pk,
        "t": page_token(agency_id, page.pk),
        "i": view or new_view(),
        "s": 0,
        "r": referrer,
        "u": query,
    }


def engagement(view_event: dict, *, sequence: int, seconds: int, scroll: int) -> dict:
    return {
        "k": "en",
        "p": view_event["p"],
        "t": view_event["t"],
        "i": view_event["i"],
        "s": sequence,
        "e": seconds,
        "d": scroll,
    }


def post(client, agency, payload, *, user_agent: str = PHONE_UA, ip: str = "203.113.1.10", **extra):
    """POST one event to the agency's own site, as the beacon does (text/plain, sendBeacon)."""
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(
        "/_r/e",
        data=body,
        content_type=extra.pop("content_type", "text/plain;charset=UTF-8"),
        HTTP_HOST=agency.site.hostname,
        SERVER_PORT=str(agency.site.port),
        HTTP_USER_AGENT=user_agent,
        REMOTE_ADDR=ip,
        **extra,
    )
