"""Writing the audit log. Every entry names the agency it concerns; an event about a person (a sign-in, a
lockout) is written once for each agency they work for, so each agency's viewer sees it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from newsroom.models import Agency, AuditEntry

from .context import current_request

# Every action the log may hold, with the words the viewer shows. Apps add theirs with ACTIONS.update().
ACTIONS: dict[str, str] = {
    "auth.login": _("Signed in"),
    "auth.logout": _("Signed out"),
    "auth.login_failed": _("Sign-in failed"),
    "auth.locked_out": _("Locked out after repeated failed sign-ins"),
    "auth.session_expired": _("Session expired"),
    "auth.password_changed": _("Password changed"),
    "2fa.enrolled": _("Two-factor sign-in set up"),
    "2fa.verified": _("Two-factor code accepted"),
    "2fa.failed": _("Two-factor code refused"),
    "2fa.removed": _("Two-factor sign-in removed"),
    "2fa.recovery_used": _("Recovery code used"),
    "permissions.changed": _("Permissions changed"),
    "permissions.membership": _("Group membership changed"),
    "permissions.account": _("Account status changed"),
    "delivery.changed": _("Delivery state changed"),
    "export.downloaded": _("Data exported"),
    "backup.created": _("Backup taken"),
    "backup.restored": _("Backup restored"),
}

USER_AGENT_LENGTH = AuditEntry._meta.get_field("user_agent").max_length


def _client(request) -> tuple[str | None, str]:
    request = request if request is not None else current_request()
    if request is None:
        return None, ""
    address = request.META.get("REMOTE_ADDR") or None
    return address, request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH]


def record(
    action: str,
    *,
    request=None,
    user=None,
    username: str = "",
    agency: Agency | None = None,
    agencies=None,
    obj: models.Model | None = None,
    data: dict | None = None,
) -> list[AuditEntry]:
    """Write `action` to the audit log; returns the entries written.

    The agencies are `agency`, else `agencies`, else those `user` works for (none: one entry for the whole
    deployment, which only superusers see). The client's address and browser come from `request`, else from
    the request being served (newsroom.audit.context), if any.
    Raises KeyError for an action not in ACTIONS (a typo would otherwise hide entries from the viewer)."""
    if action not in ACTIONS:
        raise KeyError(f"Unknown audit action {action!r}: add it to newsroom.audit.ACTIONS")
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if agency is not None:
        targets = [agency]
    elif agencies is not None:
        targets = list(agencies)
    elif user is not None:
        targets = list(Agency.objects.filter(staff_groups__group__user=user).distinct())
    else:
        targets = []
    address, browser = _client(request)
    common = {
        "user": user,
        "username": username or (user.get_username() if user is not None else ""),
        "action": action,
        "object_type": obj._meta.label_lower if obj is not None else "",
        "object_id": str(obj.pk) if obj is not None else "",
        "object_repr": str(obj)[:255] if obj is not None else "",
        "ip_address": address,
        "user_agent": browser,
        "data": data or {},
    }
    return AuditEntry.objects.bulk_create(
        [AuditEntry(agency=target, **common) for target in targets or [None]]
    )
