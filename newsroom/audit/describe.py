"""The details column of the audit viewer: one line, in the reader's language, from an entry's data.

Each action may have a describer in DESCRIBERS (apps add theirs, e.g. distribution for deliveries); others
show their data as "key: value" pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What an export.downloaded entry's data["export"] names. Apps add theirs with EXPORTS.update().
EXPORTS: dict[str, str] = {
    "audit_log": gettext_lazy("Audit log"),
    "readership": gettext_lazy("Readership panel"),
    "revenue": gettext_lazy("Revenue panel"),
    "strategy_report": gettext_lazy("Yearly digital transformation report"),
    "archive": gettext_lazy("Media archive (originals and manifest)"),
}


def quoted(names) -> str:
    return ", ".join(f"“{name}”" for name in names)


def describe_membership(data: dict) -> str:
    parts = []
    if data.get("added"):
        parts.append(_("added to %(groups)s") % {"groups": quoted(data["added"])})
    if data.get("removed"):
        parts.append(_("removed from %(groups)s") % {"groups": quoted(data["removed"])})
    if data.get("account_deleted"):
        parts.append(_("account deleted"))
    return f"{data.get('user', '')}: {'; '.join(parts)}"


def _grant(row: dict) -> str:
    if "page" in row:
        return _("%(permission)s on page “%(page)s”") % {"permission": row["permission"], "page": row["page"]}
    if "collection" in row:
        return _("%(permission)s in collection “%(collection)s”") % {
            "permission": row["permission"],
            "collection": row["collection"],
        }
    return row.get("permission", "")


def describe_group(data: dict) -> str:
    parts = []
    if data.get("group_created"):
        parts.append(_("group created"))
    if data.get("group_deleted"):
        parts.append(_("group deleted"))
    if data.get("added"):
        parts.append(_("granted %(grants)s") % {"grants": ", ".join(_grant(row) for row in data["added"])})
    if data.get("removed"):
        parts.append(_("revoked %(grants)s") % {"grants": ", ".join(_grant(row) for row in data["removed"])})
    return _("Group “%(group)s”: %(changes)s") % {"group": data.get("group", ""), "changes": "; ".join(parts)}


ACCOUNT_FLAGS = {
    ("is_superuser", True): gettext_lazy("made a superuser"),
    ("is_superuser", False): gettext_lazy("no longer a superuser"),
    ("is_active", True): gettext_lazy("account switched on"),
    ("is_active", False): gettext_lazy("account switched off"),
}


def describe_account(data: dict) -> str:
    changes = data.get("changes", {})
    parts = [str(ACCOUNT_FLAGS[(flag, bool(values[1]))]) for flag, values in sorted(changes.items())]
    return f"{data.get('user', '')}: {'; '.join(parts)}"


def _day(text: str) -> str:
    try:
        return date_format(date.fromisoformat(text), "SHORT_DATE_FORMAT")
    except (TypeError, ValueError):
        return str(text)


def describe_export(data: dict) -> str:
    name = str(EXPORTS.get(data.get("export", ""), data.get("export", "")))
    if data.get("panel"):
        name = f"{name} · {data['panel']}"
    parts = [f"{name} ({str(data.get('format', '')).upper()})"]
    if data.get("from") or data.get("to"):
        parts.append(f"{_day(data.get('from', ''))} – {_day(data.get('to', ''))}")
    if data.get("year"):
        parts.append(_("year %(year)s") % {"year": data["year"]})
    if data.get("assets") is not None:
        parts.append(_("%(count)s assets") % {"count": data["assets"]})
    if data.get("run_by"):
        parts.append(_("from the command line (%(who)s)") % {"who": data["run_by"]})
    return ", ".join(parts)


def describe_generic(data: dict) -> str:
    return "; ".join(
        f"{key}: {value}" for key, value in sorted(data.items()) if value not in ("", None, [], {})
    )


DESCRIBERS: dict[str, Callable[[dict], str]] = {
    "permissions.membership": describe_membership,
    "permissions.changed": describe_group,
    "permissions.account": describe_account,
    "export.downloaded": describe_export,
}


def describe(action: str, data: dict) -> str:
    """The entry's details as one translated line ("" when it has none)."""
    if not data:
        return ""
    try:
        return DESCRIBERS.get(action, describe_generic)(data)
    except (KeyError, TypeError, ValueError, AttributeError):  # data written by an older version
        return describe_generic(data)
