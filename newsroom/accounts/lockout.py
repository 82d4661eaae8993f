"""Lockout after repeated failed sign-ins, through django-axes.

Failures are counted for one account from one client address together (AXES_LOCKOUT_PARAMETERS): reporters
behind one carrier-grade NAT address do not lock each other out, and nobody can lock an editor out from
everywhere by typing wrong passwords for them. Refused second-factor codes count as failed sign-ins too, and
the failures are forgotten only after a complete sign-in, password and code: a correct password alone must
not give someone without the phone five more guesses. Behind a reverse proxy the client address must reach
Django as REMOTE_ADDR (`daphne --proxy-headers`), or every sign-in would share the proxy's address."""

import math
from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .responses import json_refusal, wants_json


def failure_limit(request, credentials) -> int:
    """AXES_FAILURE_LIMIT: read from settings on each use, so that LOGIN_FAILURE_LIMIT is the one setting."""
    return settings.LOGIN_FAILURE_LIMIT


def cool_off(request=None) -> timedelta:
    """AXES_COOLOFF_TIME: how long a lockout lasts after the last counted failure."""
    return timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)


def is_locked_out(request, username: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, get_credentials(username))


def count_failure(request, username: str) -> bool:
    """Count a refused second-factor code as a failed sign-in of `username` from this request's address;
    returns True when that locks them out (axes then sends `user_locked_out`)."""
    AxesProxyHandler.user_login_failed(
        sender=count_failure, credentials=get_credentials(username), request=request
    )
    return bool(getattr(request, "axes_locked_out", False))


def forget_failures(request, username: str) -> None:
    """Forget the failed sign-ins of `username` from this request's address, after a complete sign-in."""
    AxesProxyHandler.update_request(request)
    AxesProxyHandler.reset_attempts(ip_address=request.axes_ip_address, username=username)


def refused_while_locked(request) -> bool:
    """Whether axes turned this sign-in away because the account was already locked out from this address,
    rather than counting a wrong password (which axes marks with the number of failures so far)."""
    return bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )


def unlocks_at(request, username: str) -> datetime:
    """When `username` may sign in again from this request's address."""
    AxesProxyHandler.update_request(request)
    last = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).aggregate(
        last=Max("attempt_time")
    )["last"]
    return (last or timezone.now()) + cool_off(request)


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the 429 answer to a locked-out sign-in, saying when to try again (a page in
    the style of the sign-in page, or JSON for scripts), with Retry-After."""
    until = unlocks_at(request, get_client_username(request, credentials) or "")
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    time = formats.time_format(timezone.localtime(until), "H:i")
    message = _("Too many failed sign-ins to this account from your address. Try again after %(time)s.") % {
        "time": time
    }
    if wants_json(request):
        response = json_refusal(message, status=429, retry_after=seconds)
    else:
        context = {"title": _("Sign-in locked"), "message": message, "minutes": math.ceil(seconds / 60)}
        response = render(request, "newsroom/accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
