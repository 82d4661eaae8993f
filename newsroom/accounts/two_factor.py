"""Who must confirm a sign-in with a second factor, and whether a session has.

A person must when an agency they are staff of requires it (Agency.require_two_factor), when they are a
superuser and settings.TWO_FACTOR_REQUIRED_FOR_SUPERUSERS is on, or when they set it up of their own accord.
The second factor is an authenticator app (django-otp's TOTPDevice) with one-time recovery codes (a
StaticDevice). Staff endpoints outside the admin call `is_satisfied` before serving a session."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.models import Agency, Role

# What a staff endpoint answers (JSON 403) to a session that still owes its second factor.
REFUSAL = _("Confirm your sign-in with your two-factor code first, in the admin.")


def enforced_agencies() -> QuerySet:
    """The agencies that require two-factor sign-in of their staff."""
    return Agency.objects.filter(require_two_factor=True)


def requiring_agencies(user) -> QuerySet:
    """The agencies `user` is staff of (a member of one of their staff groups) that require it."""
    return enforced_agencies().filter(staff_groups__group__user=user).distinct()


def required_for(user) -> bool:
    """Whether policy makes `user` confirm each sign-in: an agency they are staff of requires it, or they are
    a superuser and TWO_FACTOR_REQUIRED_FOR_SUPERUSERS is on. Someone who set it up of their own accord must
    confirm too, though it is not required of them (see `needs_second_factor`)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser and settings.TWO_FACTOR_REQUIRED_FOR_SUPERUSERS:
        return True
    return requiring_agencies(user).exists()


def authenticator(user) -> TOTPDevice | None:
    """The user's confirmed authenticator app, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def needs_second_factor(user) -> bool:
    """Whether `user` must pass the second factor before using the admin: set up, or required."""
    return has_authenticator(user) or required_for(user)


def is_verified(user, request_or_scope) -> bool:
    """Whether this session (a request, or a websocket's scope) confirmed its sign-in with a device of
    `user`'s that is still theirs and confirmed."""
    verified = getattr(user, "is_verified", None)  # django-otp's OTPMiddleware installs it on request.user
    if verified is not None:
        return verified()
    session = getattr(request_or_scope, "session", None)
    if session is None and isinstance(request_or_scope, dict):
        session = request_or_scope.get("session")
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.user_id == user.pk and device.confirmed


def is_satisfied(user, request_or_scope) -> bool:
    """True when `user` may go on in this session (a request, or a websocket's scope): anonymous (other
    rules refuse or serve them), not needing a second factor, or verified in this session. False for a
    signed-in person who still owes it; staff endpoints then refuse with REFUSAL."""
    if user is None or not getattr(user, "is_authenticated", False):
        return True
    if is_verified(user, request_or_scope):
        return True
    return not needs_second_factor(user)


# --- who may reset someone's second factor (a lost phone) -----------------------------------------
def managed_agencies(user) -> QuerySet:
    """The agencies where `user` holds the agency manager's role."""
    return Agency.objects.filter(staff_groups__role=Role.MANAGER, staff_groups__group__user=user).distinct()


def resettable_users(actor) -> QuerySet:
    """People whose second factor `actor` may reset: anyone for a superuser; for an agency manager, staff
    all of whose agencies they manage (resetting one person's phone touches every agency that person works
    for, so a manager of one agency never reaches into another's). Never a superuser but by a superuser."""
    users = get_user_model()._default_manager.all()
    if not actor.is_active:
        return users.none()
    if actor.is_superuser:
        return users
    managed = managed_agencies(actor).values("pk")
    return (
        users.filter(groups__agency_role__agency__in=managed, is_superuser=False)
        .exclude(groups__agency_role__agency__in=Agency.objects.exclude(pk__in=managed))
        .distinct()
    )


def may_reset(actor, target) -> bool:
    return resettable_users(actor).filter(pk=target.pk).exists()
