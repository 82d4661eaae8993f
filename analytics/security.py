"""Information security of an agency's e-press system: what the system can observe about itself (the
controls), and what it cannot and the agency declares (the approved security level, Decree 85/2016/NĐ-CP).

A new approval is a new declaration: old ones are kept as the history, and the one in force in a year is the
latest approved by its end. Corrections to a declaration touch only its descriptive fields.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import PageLogEntry

from newsroom.models import Agency

from .models import SecurityDeclaration

MIN_LEVEL = 3  # the strategy (348/QĐ-TTg) wants every e-press system approved at level 3 or above
HTTPS_PORT = 443
MIN_PASSWORD_LENGTH = 8
AUDIT_WINDOW = timedelta(days=30)
# A backup counts as recent for a week: a nightly timer missing a few nights is still seen.
BACKUP_RECENT = timedelta(days=7)
# What turns away staff who owe a second factor (newsroom/accounts); without it, require_two_factor is a wish.
TWO_FACTOR_ENFORCER = "newsroom.accounts.middleware.AccountsMiddleware"


class InvalidDeclaration(ValidationError):
    """A security declaration refused; `message_dict` maps each field at fault to its translated reason."""


# --- the declared level ------------------------------------------------------------------------------
def declaration_in_force(agency_ids: list[int], year: int) -> dict[int, SecurityDeclaration]:
    """{agency id: the declaration in force at the end of `year`} for the agencies that have one: the latest
    approved (document_date) on or before 31 December, a higher level winning on the same date, then the
    later recorded. One query."""
    rows = SecurityDeclaration.objects.filter(
        agency_id__in=agency_ids, document_date__lte=date(year, 12, 31)
    ).order_by("agency_id", "-document_date", "-level", "-pk")
    chosen: dict[int, SecurityDeclaration] = {}
    for declaration in rows:
        chosen.setdefault(declaration.agency_id, declaration)
    return chosen


def check_declaration(
    *, agency: Agency, system_name: str, level: int, document_number: str, document_date: date
) -> None:
    """Check a new declaration before it is stored; returns nothing. Raises InvalidDeclaration by field, on
    the rules declare_security states."""
    system_name, document_number = system_name.strip(), document_number.strip()
    problems = {}
    if not system_name:
        problems["system_name"] = _("Name the information system as in the approval.")
    if not isinstance(level, int) or not 1 <= level <= 5:
        problems["level"] = _("The security level is from 1 to 5.")
    if not document_number:
        problems["document_number"] = _("Give the approval document's number.")
    elif document_number.casefold() in {
        # Compared here, not with iexact: SQLite folds the case of ASCII letters only (Đ, đ).
        number.casefold()
        for number in SecurityDeclaration.objects.filter(agency=agency).values_list(
            "document_number", flat=True
        )
    }:
        problems["document_number"] = _("A declaration with this document number is already recorded.")
    if document_date > timezone.localdate():
        problems["document_date"] = _("The approval date %(date)s is in the future.") % {
            "date": document_date.strftime("%d/%m/%Y")
        }
    if problems:
        raise InvalidDeclaration(problems)


@transaction.atomic
def declare_security(
    *,
    agency: Agency,
    system_name: str,
    level: int,
    document_number: str,
    document_date: date,
    approved_by: str = "",
    note: str = "",
    declared_by=None,
) -> SecurityDeclaration:
    """Record the agency's approved security level as a new declaration (earlier ones are kept); returns it.

    Raises InvalidDeclaration (by field) for a level outside 1–5, a missing system name or document number,
    a document number the agency already declared, or an approval date in the future.
    """
    check_declaration(
        agency=agency,
        system_name=system_name,
        level=level,
        document_number=document_number,
        document_date=document_date,
    )
    return SecurityDeclaration.objects.create(
        agency=agency,
        system_name=system_name.strip(),
        level=level,
        document_number=document_number.strip(),
        document_date=document_date,
        approved_by=approved_by.strip(),
        note=note.strip(),
        declared_by=declared_by,
    )


@transaction.atomic
def correct_declaration(
    *, declaration: SecurityDeclaration, system_name: str, approved_by: str = "", note: str = ""
) -> SecurityDeclaration:
    """Correct the descriptive fields of a declaration; its level, document number and date stay (a new
    approval is a new declaration). Returns it saved; raises InvalidDeclaration for a missing system name."""
    system_name = system_name.strip()
    if not system_name:
        raise InvalidDeclaration({"system_name": _("Name the information system as in the approval.")})
    declaration.system_name, declaration.approved_by, declaration.note = (
        system_name,
        approved_by.strip(),
        note,
    )
    declaration.save(update_fields=["system_name", "approved_by", "note"])
    return declaration


# --- the observed controls -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Control:
    """A control the system checked on itself: `observed` when in place, `evidence` says what was checked."""

    key: str
    label: str
    observed: bool
    evidence: str


def observed_controls(agency: Agency) -> list[Control]:
    """What the system can see of its own security for `agency`: HTTPS, the password policy, the audit log,
    two-factor sign-in and backups, in that order. Three queries (the audit log, the staff's second
    factors, the latest backup)."""
    return [_https(agency), _password_policy(), _audit_log(agency), _two_factor(agency), _backup()]


def _https(agency: Agency) -> Control:
    site = agency.site
    redirect = bool(getattr(settings, "SECURE_SSL_REDIRECT", False))
    proxy = bool(getattr(settings, "SECURE_PROXY_SSL_HEADER", None))
    if site.port == HTTPS_PORT:
        evidence = _("The site %(host)s is served on port 443, over HTTPS.") % {"host": site.hostname}
    else:
        evidence = _("The site %(host)s is served on port %(port)d, not the HTTPS port.") % {
            "host": site.hostname,
            "port": site.port,
        }
    if redirect:
        evidence += " " + _("Plain HTTP requests are redirected to HTTPS (SECURE_SSL_REDIRECT).")
    else:
        evidence += " " + _("Plain HTTP requests are not redirected to HTTPS (SECURE_SSL_REDIRECT is off).")
    if proxy:
        evidence += " " + _(
            "The proxy in front says which requests came over HTTPS (SECURE_PROXY_SSL_HEADER)."
        )
    return Control("https", _("HTTPS"), site.port == HTTPS_PORT or redirect, evidence)


def _password_policy() -> Control:
    validators = password_validation.get_password_validators(settings.AUTH_PASSWORD_VALIDATORS)
    lengths = [v.min_length for v in validators if isinstance(v, password_validation.MinimumLengthValidator)]
    common = any(isinstance(v, password_validation.CommonPasswordValidator) for v in validators)
    length = max(lengths, default=0)
    found = []
    if length:
        found.append(_("passwords need at least %(n)d characters") % {"n": length})
    else:
        found.append(_("no minimum password length is set"))
    found.append(_("common passwords are refused") if common else _("common passwords are not refused"))
    evidence = _("Checked the configured password validators: %(found)s.") % {"found": "; ".join(found)}
    if length and length < MIN_PASSWORD_LENGTH:
        evidence += " " + _("A policy needs at least %(n)d characters.") % {"n": MIN_PASSWORD_LENGTH}
    observed = length >= MIN_PASSWORD_LENGTH and common
    return Control("password_policy", _("Password policy"), observed, evidence)


def _audit_log(agency: Agency) -> Control:
    root = agency.site.root_page
    since = timezone.now() - AUDIT_WINDOW
    count = PageLogEntry.objects.filter(page__path__startswith=root.path, timestamp__gte=since).count()
    if count:
        evidence = ngettext(
            "The audit log holds %(count)d entry for the agency's pages in the last 30 days.",
            "The audit log holds %(count)d entries for the agency's pages in the last 30 days.",
            count,
        ) % {"count": count}
    else:
        evidence = _("The audit log holds no entry for the agency's pages in the last 30 days.")
    return Control("audit_log", _("Audit log"), bool(count), evidence)


def _two_factor(agency: Agency) -> Control:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .training import agency_staff

    enforcing = TWO_FACTOR_ENFORCER in settings.MIDDLEWARE
    staff = agency_staff([agency.pk]).aggregate(
        people=Count("pk", distinct=True),
        set_up=Count(
            "pk",
            distinct=True,
            filter=Q(pk__in=TOTPDevice.objects.filter(confirmed=True).values("user_id")),
        ),
    )
    counts = {"set_up": staff["set_up"], "people": staff["people"]}
    if agency.require_two_factor and enforcing:
        evidence = (
            _(
                "The agency requires two-factor sign-in of its staff: every sign-in is confirmed with a "
                "code (%(set_up)d of %(people)d staff have set it up; the others are asked to at their next "
                "sign-in)."
            )
            % counts
        )
    elif agency.require_two_factor:
        evidence = _(
            "The agency requires two-factor sign-in, but the middleware that enforces it is not installed."
        )
    else:
        evidence = (
            _(
                "The agency does not require two-factor sign-in (%(set_up)d of %(people)d staff use it of "
                "their own accord). Turn it on in Settings → Agencies."
            )
            % counts
        )
    observed = agency.require_two_factor and enforcing
    return Control("two_factor", _("Two-factor sign-in enforced"), observed, evidence)


def _backup() -> Control:
    from newsroom.backups import latest_successful

    latest = latest_successful()
    if latest is None:
        return Control(
            "backup", _("Recent backup"), False, _("No backup has ever finished (manage.py backup).")
        )
    age = timezone.now() - latest.finished_at
    evidence = _(
        "The latest backup, %(name)s, finished on %(date)s: the database and %(files)d media files, %(size)s."
    ) % {
        "name": latest.name,
        "date": timezone.localtime(latest.finished_at).strftime("%d/%m/%Y %H:%M"),
        "files": latest.media_files,
        "size": filesizeformat(latest.database_bytes + latest.media_bytes),
    }
    recent = age <= BACKUP_RECENT
    if not recent:
        evidence += " " + ngettext(
            "That is more than %(days)d day ago.", "That is more than %(days)d days ago.", BACKUP_RECENT.days
        ) % {"days": BACKUP_RECENT.days}
    return Control("backup", _("Recent backup"), recent, evidence)
