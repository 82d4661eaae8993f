"""Session expiry: a signed-in session ends settings.SESSION_COOKIE_AGE after signing in however busy it is
(absolute), and after settings.SESSION_IDLE_MINUTES without activity (idle; 0 turns that off).

Activity is any request the person makes, a reporter's autosave included, but not the requests a page makes
on its own: an editor left open on a desk must still time out. Both times are kept in the session itself."""

import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import ngettext

from newsroom import audit

SIGNED_IN_AT = "newsroom.signed_in_at"
ACTIVE_AT = "newsroom.active_at"
# Activity is written at most once a minute, so that reading a page does not write the session every time.
ACTIVITY_RESOLUTION = 60
# Requests a page makes by itself: the editor's presence pings (unless they report unsaved changes, which
# are someone's work in progress) and the newsroom board's refresh.
BACKGROUND_VIEWS = frozenset(
    {
        "wagtailadmin_editing_sessions:ping",
        "wagtailadmin_editing_sessions:release",
        "newsroom_board_columns",
    }
)


def start(request) -> None:
    """Mark the session of `request` as signed in and active now."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[ACTIVE_AT] = now


def expiry(request) -> str | None:
    """Why the signed-in session of `request` has ended, "absolute" or "idle"; None while it lasts."""
    session = request.session
    started = session.get(SIGNED_IN_AT)
    if started is None:  # signed in before these rules existed: count from now
        start(request)
        return None
    now = time.time()
    if now - started > settings.SESSION_COOKIE_AGE:
        return "absolute"
    idle = settings.SESSION_IDLE_MINUTES * 60
    if idle and now - session.get(ACTIVE_AT, started) > idle:
        return "idle"
    return None


def touch(request, view_name: str) -> None:
    """Count `request` (to the view named `view_name`) as activity, unless a page made it by itself."""
    if view_name in BACKGROUND_VIEWS and not request.POST.get("is_editing"):
        return
    now = int(time.time())
    if now - request.session.get(ACTIVE_AT, 0) >= ACTIVITY_RESOLUTION:
        request.session[ACTIVE_AT] = now


def sign_out(request) -> None:
    """End the session of `request` without Django's logout signal: the person did not sign out, and the
    audit log says why (an expired session, a lockout) instead of "signed out"."""
    request.session.flush()
    request.user = AnonymousUser()


def end(request, *, reason: str) -> str:
    """Sign out the expired session of `request`, writing auth.session_expired to the audit log; returns the
    translated words that tell the person why."""
    audit.record("auth.session_expired", request=request, user=request.user, data={"reason": reason})
    sign_out(request)
    if reason == "idle":
        minutes = settings.SESSION_IDLE_MINUTES
        return ngettext(
            "You were signed out after %(minutes)d minute without activity. Sign in again.",
            "You were signed out after %(minutes)d minutes without activity. Sign in again.",
            minutes,
        ) % {"minutes": minutes}
    hours = max(1, settings.SESSION_COOKIE_AGE // 3600)
    return ngettext(
        "You were signed out: a session lasts at most %(hours)d hour. Sign in again.",
        "You were signed out: a session lasts at most %(hours)d hours. Sign in again.",
        hours,
    ) % {"hours": hours}
