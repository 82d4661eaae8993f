"""Visitor numbers without cookies: a keyed hash of the day's random salt, the user agent, the IP address and
the site. The salt changes every local day and is deleted once it is two days old, so nobody, us included, can
link a number to a person or to the same reader on another day. Neither address nor user agent is kept.

A visit that crosses midnight keeps yesterday's number: near the end of a day the numbers seen are remembered
in the cache for an hour, and in the first half hour of the next day a reader whose yesterday's number is
remembered keeps it.
"""

import hashlib
import hmac
import secrets
from datetime import date, datetime, timedelta

from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.connection import ConnectionProxy

from .models import Salt

# The readership cache (settings.CACHES["analytics"]), resolved per thread like django.core.cache.cache.
cache = ConnectionProxy(caches, "analytics")

CONTINUATION = timedelta(minutes=30)
_salts: dict[date, bytes] = {}


def salt_for(day: date, *, create: bool = True) -> bytes | None:
    value = _salts.get(day)
    if value is not None:
        return value
    salt = Salt.objects.filter(day=day).first()
    if salt is None:
        if not create:
            return None
        try:
            with transaction.atomic():
                salt = Salt.objects.create(day=day, value=secrets.token_bytes(32))
        except IntegrityError:  # Another process made it first.
            salt = Salt.objects.get(day=day)
    value = bytes(salt.value)
    for old in [known for known in _salts if known < day - timedelta(days=1)]:
        del _salts[old]  # Only today's and yesterday's salts are ever needed, in memory too.
    _salts[day] = value
    return value


def number(*, salt: bytes, user_agent: str, ip: str, site_id: int) -> int:
    digest = hmac.new(salt, f"{site_id}\n{ip}\n{user_agent}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF


def visitor(*, user_agent: str, ip: str, site_id: int, now: datetime | None = None) -> int:
    local = timezone.localtime(now or timezone.now())
    today = local.date()
    current = number(salt=salt_for(today), user_agent=user_agent, ip=ip, site_id=site_id)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if local - midnight < CONTINUATION:
        yesterday_salt = salt_for(today - timedelta(days=1), create=False)
        if yesterday_salt is not None:
            earlier = number(salt=yesterday_salt, user_agent=user_agent, ip=ip, site_id=site_id)
            if cache.get(f"analytics:late:{earlier}"):
                return earlier
    if midnight + timedelta(days=1) - local <= CONTINUATION:
        cache.set(f"analytics:late:{current}", 1, timeout=int(2 * CONTINUATION.total_seconds()))
    return current


def delete_old_salts(*, now: datetime | None = None) -> int:
    """Delete every salt but today's and yesterday's: after that, nothing can recompute their numbers."""
    today = timezone.localdate(now or timezone.now())
    _salts.clear()
    return Salt.objects.filter(day__lt=today - timedelta(days=1)).delete()[0]
