"""The revenue ledger: an agency's revenue by source and month, in VND, entered by hand or imported from CSV.

Writes go through `add_entry`, `change_entry` and `import_csv`, all held to `check_entry`'s rules: an amount
from 1 ₫ to MAX_AMOUNT, a month from MIN_YEAR to the current month, and ONE entry per agency, source and month
(the ledger is a table of monthly figures: a second entry for the same cell would count that revenue twice,
so a correction changes the entry, and a file restating a month the ledger has is refused). Reads
(`totals_by_year`, `totals_by_source`, `monthly_by_source`, `pageviews_by_year`,
`revenue_per_thousand_views`) cost one query each, whatever the number of agencies.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from newsroom.models import Agency

from . import panels
from .charts import vnd
from .csv_import import CsvImportError
from .models import MAX_AMOUNT, Dimension, Period, RevenueEntry, RevenueImport, RevenueSource, Rollup
from .revenue_csv import MAX_ROWS, NOTE_LENGTH, Row, read_rows

__all__ = [
    "MAX_AMOUNT",
    "MAX_ROWS",
    "MIN_YEAR",
    "InvalidRevenue",
    "CsvImportError",
    "add_entry",
    "amount_problem",
    "change_entry",
    "check_entry",
    "growth",
    "import_csv",
    "monthly_by_source",
    "pageviews_by_year",
    "per_thousand_views",
    "revenue_per_thousand_views",
    "totals_by_source",
    "totals_by_year",
    "undo_import",
]

# The ledger starts well before Decision 348 (2023) so that its first years have a year to compare with.
MIN_YEAR = 2000


class InvalidRevenue(ValidationError):
    """An entry refused; `message_dict` maps each field at fault (agency, source, month, amount, note) to its
    translated reason."""


# --- the rules, one place for the form, the services and the import --------------------------------------
def amount_problem(amount: int) -> str | None:
    """Why `amount` (whole đồng) cannot be one month's revenue from one source, translated; None if it can."""
    if amount <= 0:
        return _("The amount must be more than 0 ₫: the ledger records revenue, not costs or refunds.")
    if amount > MAX_AMOUNT:
        return _(
            "%(amount)s is more than %(max)s for one source in one month; check the number of zeros."
        ) % {"amount": vnd(amount), "max": vnd(MAX_AMOUNT)}
    return None


def month_problem(month: date) -> str | None:
    """Why revenue cannot be booked to `month` (a first day), translated; None if it can."""
    today = timezone.localdate()
    if month > today.replace(day=1):
        return _("%(month)s is in the future: the ledger records revenue already earned.") % {
            "month": month_label(month)
        }
    if month.year < MIN_YEAR:
        return _("The ledger starts in %(year)d.") % {"year": MIN_YEAR}
    return None


def month_label(month: date) -> str:
    """A month as people write it, 03/2025."""
    return f"{month.month:02d}/{month.year}"


def _cell_taken(agency_id: int, source: str, month: date, exclude: int | None = None) -> RevenueEntry | None:
    entries = RevenueEntry.objects.filter(agency_id=agency_id, source=source, month=month)
    return entries.exclude(pk=exclude).select_related("imported_from").first()


def _taken_message(entry: RevenueEntry) -> str:
    where = (
        _("imported from “%(file)s”") % {"file": entry.imported_from.file_name}
        if entry.imported_from
        else _("entered by hand")
    )
    return _(
        "The ledger already has %(source)s for %(month)s (%(amount)s, %(where)s); change that entry instead."
    ) % {
        "source": entry.get_source_display(),
        "month": month_label(entry.month),
        "amount": vnd(entry.amount),
        "where": where,
    }


def check_entry(
    *,
    agency: Agency,
    source: str,
    month: date,
    amount: int,
    note: str = "",
    entry: RevenueEntry | None = None,
) -> None:
    """Check an entry before it is stored (`entry`: the one being changed, if any; `month` already the first
    day); returns nothing. Raises InvalidRevenue by field: an unknown source, a month in the future or before
    MIN_YEAR, an amount not from 1 ₫ to MAX_AMOUNT, a note too long, or another entry of the agency for the
    same source and month."""
    problems = {}
    if source not in RevenueSource.values:
        problems["source"] = _("Choose one of the ledger's sources.")
    if problem := month_problem(month):
        problems["month"] = problem
    if problem := amount_problem(amount):
        problems["amount"] = problem
    if len(note) > NOTE_LENGTH:
        problems["note"] = _("At most %(limit)d characters.") % {"limit": NOTE_LENGTH}
    if not problems and (taken := _cell_taken(agency.pk, source, month, exclude=entry and entry.pk)):
        problems["month"] = _taken_message(taken)
    if problems:
        raise InvalidRevenue(problems)


def _lock(agency: Agency) -> None:
    # Entries of one agency are written one writer at a time, so two of them cannot both find a cell free.
    Agency.objects.select_for_update().filter(pk=agency.pk).values_list("pk").first()


# --- services ----------------------------------------------------------------------------------------------
@transaction.atomic
def add_entry(
    *, agency: Agency, source: str, month: date, amount: int, note: str = "", user=None
) -> RevenueEntry:
    """Record `amount` đồng of revenue from `source` in `month` (any day of it: the first is kept); returns
    the new entry. Raises InvalidRevenue (by field) on check_entry's rules."""
    month, note = month.replace(day=1), note.strip()
    _lock(agency)
    check_entry(agency=agency, source=source, month=month, amount=amount, note=note)
    return RevenueEntry.objects.create(
        agency=agency, source=source, month=month, amount=amount, note=note, created_by=user
    )


@transaction.atomic
def change_entry(
    *, entry: RevenueEntry, source: str, month: date, amount: int, note: str = ""
) -> RevenueEntry:
    """Correct `entry` (it stays with its agency and its import); returns it. Raises InvalidRevenue (by
    field) on check_entry's rules."""
    month, note = month.replace(day=1), note.strip()
    _lock(entry.agency)
    check_entry(agency=entry.agency, source=source, month=month, amount=amount, note=note, entry=entry)
    entry.source, entry.month, entry.amount, entry.note = source, month, amount, note
    entry.save(update_fields=["source", "month", "amount", "note"])
    return entry


def _already_imported(agency: Agency, digest: str) -> CsvImportError | None:
    earlier = RevenueImport.objects.filter(agency=agency, sha256=digest).select_related("imported_by").first()
    if earlier is None:
        return None
    when = formats.date_format(timezone.localtime(earlier.imported_at), "SHORT_DATETIME_FORMAT")
    by = earlier.imported_by
    who = (by.get_full_name() or by.get_username()) if by else ""
    message = (
        _("This file was already imported on %(when)s by %(who)s, as “%(file)s”.")
        if who
        else _("This file was already imported on %(when)s, as “%(file)s”.")
    ) % {"when": when, "who": who, "file": earlier.file_name}
    return CsvImportError([(1, message)])


def _ledger_conflicts(agency: Agency, rows: list[Row]) -> list[tuple[int, str]]:
    """Rows whose source and month the ledger already has: a file restating them would count them twice."""
    taken = {
        (entry.month, entry.source): entry
        for entry in RevenueEntry.objects.filter(agency=agency, month__in={row.month for row in rows})
        .select_related("imported_from")
        .order_by()
    }
    errors = []
    for row in rows:
        if entry := taken.get((row.month, row.source)):
            errors.append((row.line, _taken_message(entry) + " " + _("Or leave this row out of the file.")))
    return errors


def import_csv(*, agency: Agency, file_name: str, data: bytes, user=None) -> RevenueImport:
    """Import one CSV file of `agency`'s revenue, whole or not at all; returns the import, its entries
    linked to it (deleting the import deletes them).

    The file: a header row naming the columns month/tháng, source/nguồn, amount/số tiền and optionally
    note/ghi chú; UTF-8 with or without a byte-order mark; commas or semicolons (see analytics.revenue_csv).
    Raises CsvImportError with `.errors` [(line, translated reason)], line 1 being the header, when
    the file is unreadable, a row is malformed or breaks check_entry's rules, two rows share a month and
    source, the ledger already has a row's month and source, or this agency imported the same bytes
    before. Then nothing of the file is stored.
    """
    digest = hashlib.sha256(data).hexdigest()
    rows = read_rows(data, amount_problem=amount_problem, month_problem=month_problem)
    try:
        with transaction.atomic():
            _lock(agency)
            if refusal := _already_imported(agency, digest):
                raise refusal
            if conflicts := _ledger_conflicts(agency, rows):
                raise CsvImportError(conflicts)
            record = RevenueImport.objects.create(
                agency=agency,
                file_name=file_name[: RevenueImport._meta.get_field("file_name").max_length],
                sha256=digest,
                rows=len(rows),
                total=sum(row.amount for row in rows),
                imported_by=user,
            )
            RevenueEntry.objects.bulk_create(
                RevenueEntry(
                    agency=agency,
                    source=row.source,
                    month=row.month,
                    amount=row.amount,
                    note=row.note,
                    imported_from=record,
                    created_by=user,
                )
                for row in rows
            )
    except IntegrityError:
        # Without row locks (SQLite) the same file imported at the same moment meets the unique constraint.
        if refusal := _already_imported(agency, digest):
            raise refusal from None
        raise
    return record


@transaction.atomic
def undo_import(*, record: RevenueImport) -> int:
    """Delete an import and the entries it brought (corrected ones included); returns how many entries went.
    Entries added by hand for the same months stay."""
    count = record.entries.count()
    record.delete()  # its entries go with it (on_delete=CASCADE)
    return count


# --- selectors ---------------------------------------------------------------------------------------------
def _years(years: list[int]) -> Q:
    # Ranges of the month column rather than EXTRACT(year): the (agency, month) index serves them.
    condition = Q(pk__in=[])
    for year in years:
        condition |= Q(month__gte=date(year, 1, 1), month__lt=date(year + 1, 1, 1))
    return condition


def compared_months(year: int, *, today: date | None = None) -> int:
    """How many months, from January, a year's revenue is compared over with the year before's: all twelve
    for a past year; for the current year only the months already closed (none in January), so ten months
    of this year are never set against twelve of last year's."""
    today = today or timezone.localdate()
    return 12 if year < today.year else max(0, today.month - 1) if year == today.year else 0


def totals_by_year(
    agency_ids: list[int], years: list[int], *, months: int = 12
) -> dict[tuple[int, int], int]:
    """{(agency id, year): revenue in VND of the year's first `months` months}; a pair without entries is
    missing. One query."""
    rows = (
        RevenueEntry.objects.filter(_years(years), agency_id__in=agency_ids, month__month__lte=months)
        .annotate(year=ExtractYear("month"))
        .values("agency_id", "year")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(row["agency_id"], row["year"]): row["total"] for row in rows}


def compared_period(year: int, months: int) -> str:
    """How a compared year is named: "2025", or "2026, months 1–10" when only its closed months count."""
    if months >= 12:
        return str(year)
    return _("%(year)d, months 1–%(months)d") % {"year": year, "months": months}


def totals_by_source(
    agency_ids: list[int], years: list[int], *, months: int = 12
) -> dict[tuple[str, int], int]:
    """{(source, year): revenue in VND of all `agency_ids` together, of each year's first `months` months};
    a pair without entries is missing. One query."""
    rows = (
        RevenueEntry.objects.filter(_years(years), agency_id__in=agency_ids, month__month__lte=months)
        .annotate(year=ExtractYear("month"))
        .values("source", "year")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {(row["source"], row["year"]): row["total"] for row in rows}


def monthly_by_source(agency_ids: list[int], year: int) -> dict[str, list[int]]:
    """{source: [revenue of January, …, of December]} in VND, of all `agency_ids` together, for the sources
    with any revenue in `year`, in RevenueSource's order (0 for a month without). One query."""
    rows = (
        RevenueEntry.objects.filter(_years([year]), agency_id__in=agency_ids)
        .annotate(number=ExtractMonth("month"))
        .values("source", "number")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    months = {}
    for row in rows:
        months.setdefault(row["source"], [0] * 12)[row["number"] - 1] = row["total"]
    return {source: months[source] for source in RevenueSource.values if source in months}


def growth(current: int | None, previous: int | None) -> float | None:
    """Percent change from `previous` to `current` (20.0 for 100 → 120), unrounded so that the 20% line is
    judged on the exact figure; None when either year has no revenue."""
    if not current or not previous:
        return None
    return (current - previous) * 100 / previous


def combined_growth(pairs: Iterable[tuple[int | None, int | None]]) -> float | None:
    """Growth of several agencies together from their (current, previous) revenue, counting only those with
    revenue in both years, so that a newcomer's first ledger does not read as growth."""
    both = [(current, previous) for current, previous in pairs if current and previous]
    return growth(sum(current for current, _ in both), sum(previous for _, previous in both))


def pageviews_by_year(agency_ids: list[int], year: int) -> dict[int, int]:
    """{agency id: page views of `year`} from the readership rollups (local days); an agency without any is
    missing. One query."""
    start, end = panels.Range(start=date(year, 1, 1), end=date(year, 12, 31)).bounds()
    rows = (
        Rollup.objects.filter(
            period=Period.DAY,
            dimension=Dimension.TOTAL,
            agency_id__in=agency_ids,
            start__gte=start,
            start__lt=end,
        )
        .values("agency_id")
        .annotate(views=Sum("pageviews"))
        .order_by()
    )
    return {row["agency_id"]: row["views"] for row in rows if row["views"]}


def per_thousand_views(revenue: int | None, views: int | None) -> float | None:
    """Revenue per thousand page views in VND; None without revenue or without views."""
    if not revenue or not views:
        return None
    return revenue * 1000 / views


@dataclass(frozen=True)
class PerThousand:
    """An agency's revenue and page views in a year, and revenue per thousand views (None without both)."""

    revenue: int | None
    views: int | None

    @property
    def value(self) -> float | None:
        return per_thousand_views(self.revenue, self.views)


def revenue_per_thousand_views(agency_ids: list[int], year: int) -> dict[int, PerThousand]:
    """{agency id: PerThousand} for every id given: the year's revenue / (its page views / 1000). Two
    queries, whatever the number of agencies."""
    totals = totals_by_year(agency_ids, [year])
    views = pageviews_by_year(agency_ids, year)
    return {pk: PerThousand(revenue=totals.get((pk, year)), views=views.get(pk)) for pk in agency_ids}
