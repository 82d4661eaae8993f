"""Staff training in digital transformation: recording a course taken, importing a CSV of them, and the
share of an agency's staff trained (the strategy, Decision 348/QĐ-TTg, wants every one of them trained).

Writes go through `record_training`, `change_training` and `import_training_csv`, each checked by the same
rules; reads (`agency_staff`, `untrained_staff`, `trained_share`) cost a fixed number of queries.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.models import Agency

from .csv_import import CsvImportError, find_columns, read_table
from .models import TrainingRecord

_HOURS_FIELD = TrainingRecord._meta.get_field("hours")
# The bounds the model itself declares, so the service and the database agree on what is absurd.
MIN_HOURS = next(v.limit_value for v in _HOURS_FIELD.validators if isinstance(v, MinValueValidator))
MAX_HOURS = next(v.limit_value for v in _HOURS_FIELD.validators if isinstance(v, MaxValueValidator))
MAX_IMPORT_ROWS = 5000
DMY_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
HOURS = re.compile(r"\d{1,4}(?:[.,]\d+)?")


class InvalidTraining(ValidationError):
    """A training record refused; `message_dict` maps each field at fault to its translated reason."""


# --- who is on the staff ------------------------------------------------------------------------------
def agency_staff(agency_ids: list[int]) -> QuerySet:
    """Active users in a staff group of one of the agencies (any role), each once."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__agency_role__agency_id__in=agency_ids)
        .distinct()
    )


def untrained_staff(agency: Agency, year: int) -> list:
    """The agency's active staff with no training record there dated on or before 31 December of `year`,
    by name. One query."""
    trained = TrainingRecord.objects.filter(agency=agency, staff=OuterRef("pk"), date__lte=date(year, 12, 31))
    return list(
        agency_staff([agency.pk]).filter(~Exists(trained)).order_by("last_name", "first_name", "username")
    )


# --- the share trained ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingShare:
    """`staff`: current active staff; `trained`: those of them trained by the end of the year; `hours`:
    hours of training the agency recorded in the year."""

    staff: int
    trained: int
    hours: Decimal

    @property
    def percent(self) -> float | None:
        """The share of the staff trained, in percent; None for an agency without staff."""
        return self.trained / self.staff * 100 if self.staff else None


def trained_share(agency_ids: list[int], year: int) -> dict[int, TrainingShare]:
    """{agency id: TrainingShare} for every id given, in two queries whatever their number.

    Training counts from when it was taken onwards: a staff member is trained in `year` when they have at
    least one record at that agency dated on or before 31 December of `year`, and only people on the staff
    today are counted (someone who left takes their training with them). `hours` are the hours of all of the
    agency's records dated within `year`, including those of people who have since left.
    """
    end = date(year, 12, 31)
    staff = {
        row["groups__agency_role__agency_id"]: row["n"]
        for row in get_user_model()
        .objects.filter(is_active=True, groups__agency_role__agency_id__in=agency_ids)
        .values("groups__agency_role__agency_id")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    }
    on_staff = get_user_model().objects.filter(
        pk=OuterRef("staff_id"), is_active=True, groups__agency_role__agency_id=OuterRef("agency_id")
    )
    rows = {
        row["agency_id"]: row
        for row in TrainingRecord.objects.filter(agency_id__in=agency_ids, date__lte=end)
        .alias(on_staff=Exists(on_staff))
        .values("agency_id")
        .annotate(
            trained=Count("staff_id", distinct=True, filter=Q(on_staff=True)),
            hours=Sum("hours", filter=Q(date__gte=date(year, 1, 1))),
        )
        .order_by()
    }
    return {
        pk: TrainingShare(
            staff=staff.get(pk, 0),
            trained=rows.get(pk, {}).get("trained", 0),
            hours=rows.get(pk, {}).get("hours") or Decimal(0),
        )
        for pk in agency_ids
    }


# --- the rules ---------------------------------------------------------------------------------------------
def _problems(
    *, course: str, date_: date | None, hours: Decimal | None, provider: str, certificate: str
) -> dict[str, str]:
    """What is wrong with a record's own values, by field (the staff member is checked by the callers; a
    date or hours of None, already refused as unreadable, are not checked again)."""
    problems = {}
    if not course:
        problems["course"] = _("Name the course.")
    for name, value in (("course", course), ("provider", provider), ("certificate", certificate)):
        limit = TrainingRecord._meta.get_field(name).max_length
        if len(value) > limit:
            problems[name] = _("At most %(limit)d characters.") % {"limit": limit}
    if date_ is not None and date_ > timezone.localdate():
        problems["date"] = _("The training date %(date)s is in the future.") % {
            "date": date_.strftime("%d/%m/%Y")
        }
    if hours is None:
        pass
    elif hours <= 0:
        problems["hours"] = _("Hours must be more than zero.")
    elif hours < MIN_HOURS or hours > MAX_HOURS:
        problems["hours"] = _("%(hours)s hours is not a plausible course: give from %(min)s to %(max)s.") % {
            "hours": hours,
            "min": MIN_HOURS,
            "max": MAX_HOURS,
        }
    elif hours != hours.quantize(Decimal("0.1")):
        problems["hours"] = _("Give hours to one decimal place at most.")
    return problems


def _duplicate(agency: Agency, staff_id: int, course: str, date_: date, exclude: int | None = None) -> bool:
    courses = (
        TrainingRecord.objects.filter(agency=agency, staff_id=staff_id, date=date_)
        .exclude(pk=exclude)
        .values_list("course", flat=True)
    )
    # Compared here, not with iexact: SQLite folds the case of ASCII letters only (Đ, đ).
    return course.casefold() in {each.casefold() for each in courses}


def _as_hours(hours) -> Decimal:
    try:
        value = Decimal(str(hours))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise InvalidTraining({"hours": _("Hours must be a number.")})
    return value


def check_training(
    *,
    agency: Agency,
    staff,
    course: str,
    date: date,
    hours: Decimal,
    provider: str = "",
    certificate: str = "",
    record: TrainingRecord | None = None,
) -> None:
    """Check a record before it is stored (`record`: the one being corrected, if any); returns nothing.
    Raises InvalidTraining by field, on the rules record_training states."""
    course, provider, certificate = course.strip(), provider.strip(), certificate.strip()
    hours = _as_hours(hours)
    problems = _problems(course=course, date_=date, hours=hours, provider=provider, certificate=certificate)
    if not agency_staff([agency.pk]).filter(pk=staff.pk).exists():
        problems["staff"] = _("%(user)s is not on the staff of %(agency)s.") % {
            "user": staff.get_username(),
            "agency": agency.name,
        }
    elif "course" not in problems and _duplicate(
        agency, staff.pk, course, date, exclude=record and record.pk
    ):
        problems["course"] = _("This course on this date is already recorded for this staff member.")
    if problems:
        raise InvalidTraining(problems)


@transaction.atomic
def record_training(
    *,
    agency: Agency,
    staff,
    course: str,
    date: date,
    hours: Decimal,
    provider: str = "",
    certificate: str = "",
) -> TrainingRecord:
    """Record that `staff` took `course` on `date` for `hours`; returns the new record.

    Raises InvalidTraining (by field) when the person is not on the agency's active staff, the hours are not
    from MIN_HOURS to MAX_HOURS with one decimal at most, the date is in the future, the course is unnamed or
    a text is too long, or the same course on the same date is already recorded for them.
    """
    check_training(
        agency=agency,
        staff=staff,
        course=course,
        date=date,
        hours=hours,
        provider=provider,
        certificate=certificate,
    )
    return TrainingRecord.objects.create(
        agency=agency,
        staff=staff,
        course=course.strip(),
        date=date,
        hours=_as_hours(hours),
        provider=provider.strip(),
        certificate=certificate.strip(),
    )


@transaction.atomic
def change_training(
    *,
    record: TrainingRecord,
    staff,
    course: str,
    date: date,
    hours: Decimal,
    provider: str = "",
    certificate: str = "",
) -> TrainingRecord:
    """Correct `record` (its agency stays); returns it saved. Raises InvalidTraining as record_training."""
    check_training(
        agency=record.agency,
        staff=staff,
        course=course,
        date=date,
        hours=hours,
        provider=provider,
        certificate=certificate,
        record=record,
    )
    course, provider, certificate = course.strip(), provider.strip(), certificate.strip()
    hours = _as_hours(hours)
    record.staff, record.course, record.date, record.hours = staff, course, date, hours
    record.provider, record.certificate = provider, certificate
    record.save()
    return record


# --- CSV import --------------------------------------------------------------------------------------
# Column names a manager may use, in English or Vietnamese; compared case-insensitively.
COLUMNS = {
    "staff": ("staff", "nhân sự", "username", "email", "nhân viên", "tài khoản"),
    "course": ("course", "khóa học", "khoá học"),
    "date": ("date", "ngày"),
    "hours": ("hours", "số giờ", "giờ"),
    "provider": ("provider", "đơn vị đào tạo"),
    "certificate": ("certificate", "chứng chỉ", "số chứng chỉ"),
}
REQUIRED = ("staff", "course", "date", "hours")


def parse_date(text: str) -> date:
    """A date written dd/mm/yyyy (the Vietnamese way) or yyyy-mm-dd. Raises ValueError with a translated
    message."""
    text = text.strip()
    try:
        if match := DMY_DATE.fullmatch(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(_("“%(value)s” is not a date; write it as dd/mm/yyyy.") % {"value": text[:20]})


def parse_hours(text: str) -> Decimal:
    """Hours written with a decimal comma (1,5) or point (1.5). Raises ValueError with a translated
    message."""
    text = text.strip()
    if not HOURS.fullmatch(text):
        raise ValueError(_("“%(value)s” is not a number of hours.") % {"value": text[:20]})
    return Decimal(text.replace(",", "."))


class _StaffFinder:
    """The agency's staff by username (exact, else case-insensitive) or e-mail address. One query."""

    def __init__(self, agency: Agency):
        self.users = list(agency_staff([agency.pk]))

    def find(self, key: str):
        if "@" in key:
            found = [user for user in self.users if user.email and user.email.casefold() == key.casefold()]
        else:
            found = [user for user in self.users if user.get_username() == key] or [
                user for user in self.users if user.get_username().casefold() == key.casefold()
            ]
        if len(found) > 1:
            raise ValueError(
                _("“%(key)s” matches several staff members; use the username.") % {"key": key[:60]}
            )
        if not found:
            raise ValueError(_("“%(key)s” is not on the agency's staff.") % {"key": key[:60]})
        return found[0]


@transaction.atomic
def import_training_csv(*, agency: Agency, data: bytes) -> int:
    """Store every row of a CSV of training records for `agency`, all or nothing; returns how many.

    The first row names the columns (COLUMNS, in English or Vietnamese): staff (username or e-mail address),
    course, date (dd/mm/yyyy or yyyy-mm-dd), hours (a decimal comma or point), and optionally provider and
    certificate. Columns are separated by commas, semicolons or tabs. Raises CsvImportError listing
    every bad line (each row is held to record_training's rules, a row repeating another or an existing
    record included); then nothing is stored.
    """
    header, records = read_table(data)
    columns = find_columns(header, COLUMNS, REQUIRED)
    rows = list(records)
    if len(rows) > MAX_IMPORT_ROWS:
        raise CsvImportError([(1, _("At most %(n)d rows at a time.") % {"n": MAX_IMPORT_ROWS})])
    if not rows:
        raise CsvImportError([(1, _("The file has no records under its header."))])
    finder = _StaffFinder(agency)
    existing = {
        (staff_id, course.casefold(), day)
        for staff_id, course, day in TrainingRecord.objects.filter(agency=agency).values_list(
            "staff_id", "course", "date"
        )
    }
    errors, records, seen = [], [], {}
    for line, cells in rows:
        value = {name: (cells[i].strip() if i < len(cells) else "") for name, i in columns.items()}
        value.setdefault("provider", "")
        value.setdefault("certificate", "")
        problems, parsed = [], {}
        for name, parse in (("staff", finder.find), ("date", parse_date), ("hours", parse_hours)):
            try:
                parsed[name] = parse(value[name])
            except ValueError as error:
                problems.append(error.args[0])
        staff, day, hours = parsed.get("staff"), parsed.get("date"), parsed.get("hours")
        problems += _problems(
            course=value["course"],
            date_=day,
            hours=hours,
            provider=value["provider"],
            certificate=value["certificate"],
        ).values()
        if not problems and staff is not None:
            key = (staff.pk, value["course"].casefold(), day)
            if key in existing:
                problems.append(_("This course on this date is already recorded for this staff member."))
            elif key in seen:
                problems.append(_("The same record is on line %(line)d.") % {"line": seen[key]})
            seen.setdefault(key, line)
        if problems:
            errors.append((line, " ".join(problems)))
            continue
        records.append(
            TrainingRecord(
                agency=agency,
                staff=staff,
                course=value["course"],
                date=day,
                hours=hours,
                provider=value["provider"],
                certificate=value["certificate"],
            )
        )
    if errors:
        raise CsvImportError(errors)
    TrainingRecord.objects.bulk_create(records)
    return len(records)
