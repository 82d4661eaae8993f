"""Audit entries for sign-ins, sign-outs, failed sign-ins, lockouts and password changes; the session's
sign-in time; and failed sign-ins forgotten after a sign-in that needs no second factor."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from newsroom import audit
from newsroom.audit.context import current_actor
from newsroom.models import Agency

from . import lockout, sessions, two_factor


def _agencies_of(username: str):
    """The agencies whose staff include the account named `username` (none for an unknown name)."""
    if not username:
        return []
    return Agency.objects.filter(staff_groups__group__user__username=username).distinct()


@receiver(user_logged_in, dispatch_uid="newsroom-accounts-signed-in")
def signed_in(sender, request, user, **kwargs):
    if request is None:
        return
    sessions.start(request)
    pending = two_factor.needs_second_factor(user)
    audit.record(
        "auth.login", request=request, user=user, data={"second_factor": "pending"} if pending else None
    )
    if not pending:  # otherwise only the code completes the sign-in (newsroom.accounts.services)
        lockout.forget_failures(request, user.get_username())


@receiver(user_logged_out, dispatch_uid="newsroom-accounts-signed-out")
def signed_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record("auth.logout", request=request, user=user)


@receiver(user_login_failed, dispatch_uid="newsroom-accounts-sign-in-failed")
def sign_in_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get(get_user_model().USERNAME_FIELD) or ""
    locked = request is not None and lockout.refused_while_locked(request)
    audit.record(
        "auth.login_failed",
        request=request,
        username=username,
        agencies=_agencies_of(username),
        data={"locked_out": True} if locked else None,
    )


@receiver(user_locked_out, dispatch_uid="newsroom-accounts-locked-out")
def locked_out(sender, request, username, ip_address, **kwargs):
    if lockout.refused_while_locked(request):
        return  # already locked out: the failed sign-in's entry says so
    audit.record(
        "auth.locked_out",
        request=request,
        username=username or "",
        agencies=_agencies_of(username),
        data={"failures": request.axes_failures_since_start, "minutes": settings.LOGIN_COOLOFF_MINUTES},
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="newsroom-accounts-password-changed")
def password_changed(sender, instance, created, **kwargs):
    # set_password() keeps the new password in `_password` until save() has finished.
    if created or getattr(instance, "_password", None) is None:
        return
    # By whoever is signed in (a manager setting a colleague's password), else the account itself (a reset
    # link from an email, `manage.py changepassword`); the address comes from the request being served.
    audit.record(
        "auth.password_changed",
        user=current_actor() or instance,
        obj=instance,
        agencies=Agency.objects.filter(staff_groups__group__user=instance).distinct(),
    )
