"""Setting up, checking and removing the second factor; each operation writes its own audit entry.

The authenticator app is a TOTP device (RFC 6238: six digits every 30 seconds, one step of clock drift
either way, each code accepted once); the recovery codes are a static device whose codes are used up. A wrong
code slows the next try on that device (django-otp's throttling, across every address), and at sign-in it also
counts as a failed sign-in from this address (newsroom.accounts.lockout)."""

import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom import audit
from newsroom.models import Agency

from . import lockout, sessions, two_factor

RECOVERY_CODES = 10
TOTP_DIGITS = 6

audit.ACTIONS.update({"2fa.recovery_codes_renewed": gettext_lazy("New recovery codes made")})


class TwoFactorError(Exception):
    """A second-factor operation refused; `message` is translated, for the person at the screen."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class WrongCode(TwoFactorError):
    pass


class TooSoon(TwoFactorError):
    """Wrong codes in a row: the device takes no code until a moment has passed."""


class LockedOut(TwoFactorError):
    """Too many failed sign-ins and codes from this address: the person has been signed out."""


class NotAllowed(TwoFactorError):
    pass


class AlreadySetUp(TwoFactorError):
    pass


def normalise(code: str) -> str:
    """A code as typed (spaces, hyphens, capitals) in the form the devices store."""
    return "".join(code.split()).replace("-", "").lower()


def readable(token: str) -> str:
    """A recovery code as shown: two groups of four."""
    return f"{token[:4]}-{token[4:]}"


def pending_authenticator(*, user) -> TOTPDevice:
    """The authenticator app being set up for `user`: made on the first call, the same one until confirmed
    (a reload keeps the QR code already scanned). Raises AlreadySetUp when `user` has a confirmed one."""
    if two_factor.has_authenticator(user):
        raise AlreadySetUp(_("Two-factor sign-in is already set up."))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def confirm_authenticator(*, request, code: str) -> list[str]:
    """Confirm the authenticator being set up for request.user with a first code from it, mark this session
    verified, and make new recovery codes; returns the codes, to be shown once.

    Raises WrongCode or TooSoon for a code refused, AlreadySetUp when there is nothing left to confirm."""
    user = request.user
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
        )
        if device is None:
            raise AlreadySetUp(_("Two-factor sign-in is already set up."))
        refusal = _attempt(device, normalise(code))
    if refusal is not None:
        raise refusal
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        codes = _new_recovery_codes(user)
    _mark_verified(request, device)
    audit.record("2fa.enrolled", request=request, user=user)
    return codes


def verify_sign_in(*, request, code: str) -> Device:
    """Confirm the sign-in of request.user with a code from their authenticator app or a recovery code;
    marks the session verified and forgets the failed sign-ins from this address. Returns the device.

    Raises LockedOut (the person is signed out) when this address has failed LOGIN_FAILURE_LIMIT times for
    the account, WrongCode or TooSoon for a code refused."""
    user = request.user
    username = user.get_username()
    if lockout.is_locked_out(request, username):
        sessions.sign_out(request)
        raise LockedOut(_("Too many failed sign-ins to this account from your address."))
    try:
        device = _accept(user, code)
    except (WrongCode, TooSoon) as refusal:
        audit.record("2fa.failed", request=request, user=user)
        if lockout.count_failure(request, username):
            sessions.sign_out(request)
            raise LockedOut(refusal.message) from refusal
        raise
    _mark_verified(request, device)
    lockout.forget_failures(request, username)
    if isinstance(device, StaticDevice):
        left = device.token_set.count()
        audit.record("2fa.recovery_used", request=request, user=user, data={"recovery_codes_left": left})
    else:
        audit.record("2fa.verified", request=request, user=user)
    return device


def renew_recovery_codes(*, request, code: str) -> list[str]:
    """Replace request.user's recovery codes with new ones, once a current code proves it is them; returns
    the new codes, to be shown once. Raises WrongCode or TooSoon."""
    _accept(request.user, code)
    with transaction.atomic():
        codes = _new_recovery_codes(request.user)
    audit.record("2fa.recovery_codes_renewed", request=request, user=request.user)
    return codes


def remove(*, request, code: str) -> None:
    """Turn off request.user's two-factor sign-in, once a current code (or a recovery code) proves it is
    them. Raises WrongCode or TooSoon."""
    _accept(request.user, code)
    _delete_devices(request.user)
    audit.record("2fa.removed", request=request, user=request.user)


def reset(*, request, target) -> None:
    """Remove the second factor of `target`, a colleague who lost their phone, for request.user (an agency
    manager of all of target's agencies, or a superuser); target sets it up again at their next sign-in if
    it is required of them. Raises NotAllowed for anyone else."""
    if not two_factor.may_reset(request.user, target):
        raise NotAllowed(_("You may not reset the two-factor sign-in of this person."))
    _delete_devices(target)
    audit.record(
        "2fa.removed",
        request=request,
        user=request.user,
        obj=target,
        agencies=Agency.objects.filter(staff_groups__group__user=target).distinct(),
        data={"reset_for": target.get_username()},
    )


# --- helpers ----------------------------------------------------------------------------------------
def _accept(user, code: str) -> Device:
    """The confirmed device of `user` that accepts `code`: six digits go to the app, anything else to the
    recovery codes (a recovery code accepted is used up). Raises WrongCode or TooSoon."""
    code = normalise(code)
    model = TOTPDevice if code.isdigit() and len(code) == TOTP_DIGITS else StaticDevice
    # Locked, so that two requests with one code cannot both be accepted; the refusal is raised after the
    # transaction, which keeps the device's count of wrong codes.
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        refusal = _attempt(device, code) if device is not None else _wrong_code()
    if refusal is not None:
        raise refusal
    return device


def _attempt(device, code: str) -> TwoFactorError | None:
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = (details or {}).get("locked_until")
        seconds = max(1, math.ceil((wait - timezone.now()).total_seconds())) if wait else 1
        return TooSoon(
            ngettext(
                "Too many wrong codes in a row: wait %(seconds)d second, then type the code shown now.",
                "Too many wrong codes in a row: wait %(seconds)d seconds, then type the code shown now.",
                seconds,
            )
            % {"seconds": seconds}
        )
    if not device.verify_token(code):
        return _wrong_code()
    return None


def _wrong_code() -> WrongCode:
    return WrongCode(_("That code is not right, or it has been used already. Type the code shown now."))


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    tokens: set[str] = set()
    while len(tokens) < RECOVERY_CODES:
        tokens.add(StaticToken.random_token())
    StaticToken.objects.bulk_create([StaticToken(device=device, token=token) for token in tokens])
    return [readable(token) for token in sorted(tokens)]


def _mark_verified(request, device: Device) -> None:
    # A new session key for the higher trust, as Django gives one at sign-in.
    request.session.cycle_key()
    otp_login(request, device)


def _delete_devices(user) -> None:
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
