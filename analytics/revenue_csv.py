"""Reading a CSV file of revenue: its columns, months, sources and amounts written the ways Vietnamese
offices write them. Only reads; analytics.revenue.import_csv stores what this returns.

The file: a header row naming the columns (any case, with or without diacritics, a unit in brackets
ignored): month/tháng, source/nguồn, amount/số tiền, and optionally note/ghi chú. UTF-8 with or without a
byte-order mark; commas or semicolons (Excel in a Vietnamese locale writes semicolons). A month is YYYY-MM
or MM/YYYY (or the first day of it, as a spreadsheet turns a month into a date); a source is the ledger's
key or its Vietnamese or English name; an amount is whole đồng, grouped the Vietnamese way (1.234.567), the
English way (1,234,567) or not at all, a currency sign allowed.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _

from .csv_import import CsvImportError, find_columns, fold, read_table
from .models import RevenueEntry, RevenueSource

NOTE_LENGTH = RevenueEntry._meta.get_field("note").max_length
MAX_ROWS = 5000  # twelve months × eight sources × fifty years, and then some
MAX_ERRORS = 50  # past this many a file needs fixing as a whole, not line by line

COLUMNS = {
    "month": ("month", "tháng", "kỳ", "period"),
    "source": ("source", "nguồn", "nguồn thu"),
    "amount": ("amount", "số tiền", "doanh thu", "revenue"),
    "note": ("note", "ghi chú", "notes"),
}
REQUIRED = ("month", "source", "amount")
# The names Vietnamese offices give the sources, read whatever the translations say (which are read too).
SOURCE_NAMES = {
    RevenueSource.PRINT_SALES: ("Phát hành báo in", "Bán báo in", "Báo in"),
    RevenueSource.DIGITAL_SUBSCRIPTIONS: ("Thuê bao số", "Thu phí báo điện tử", "Thu phí đọc báo"),
    RevenueSource.ADVERTISING_DIRECT: ("Quảng cáo trực tiếp", "Quảng cáo"),
    RevenueSource.ADVERTISING_PROGRAMMATIC: ("Quảng cáo tự động", "Quảng cáo programmatic"),
    RevenueSource.PLATFORM_SHARE: ("Chia sẻ doanh thu nền tảng", "Doanh thu từ nền tảng"),
    RevenueSource.EVENTS_SERVICES: ("Sự kiện và dịch vụ", "Sự kiện, dịch vụ"),
    RevenueSource.STATE_COMMISSIONED: ("Nhà nước đặt hàng", "Đặt hàng của Nhà nước"),
    RevenueSource.OTHER: ("Khác", "Nguồn khác"),
}

_YEAR_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?")
_MONTH_YEAR = re.compile(r"(?:(\d{1,2})[-/.])?(\d{1,2})[-/.](\d{4})")
_CURRENCY = re.compile(r"(₫|vnđ|vnd|đồng|đ|dong)$")
_GROUPED = {
    ".": re.compile(r"\d{1,3}(?:\.\d{3})+"),  # 1.234.567, the Vietnamese way
    ",": re.compile(r"\d{1,3}(?:,\d{3})+"),  # 1,234,567, the English way
    " ": re.compile(r"\d{1,3}(?: \d{3})+"),  # 1 234 567
}
_ZERO_FRACTION = re.compile(r"(.+?)([.,])0{1,2}")  # 1.234.567,00 or 1234567.00 from a spreadsheet


@dataclass(frozen=True)
class Row:
    line: int
    month: date
    source: str
    amount: int
    note: str


# --- one cell at a time; each raises ValueError with the translated reason ---------------------------
def parse_month(text: str) -> date:
    """The first day of the month `text` names: 2025-03, 3/2025, 03-2025, or a first day (2025-03-01,
    01/03/2025). Raises ValueError with a translated reason."""
    text = text.strip()
    if match := _YEAR_MONTH.fullmatch(text):
        year, month, day = int(match[1]), int(match[2]), match[3]
    elif match := _MONTH_YEAR.fullmatch(text):
        day, month, year = match[1], int(match[2]), int(match[3])
    else:
        year = 0
    if not year:
        raise ValueError(
            _("“%(value)s” is not a month; write it as YYYY-MM or MM/YYYY, such as 2025-03 or 03/2025.")
            % {"value": text[:30]}
        )
    if not 1 <= month <= 12:
        raise ValueError(_("“%(value)s” has no month %(month)d.") % {"value": text[:30], "month": month})
    if day is not None and int(day) != 1:
        raise ValueError(
            _("“%(value)s” is a day, not a month; write the month as YYYY-MM or MM/YYYY.")
            % {"value": text[:30]}
        )
    return date(year, month, 1)


def parse_amount(text: str) -> int:
    """Whole đồng from `text`: 1.234.567, 1,234,567, 1 234 567 or 1234567, with “₫”, “đ” or “VND” after it if
    wanted. Raises ValueError with a translated reason, for a negative amount as for a malformed one."""
    value = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    value = _CURRENCY.sub("", value.casefold()).strip()
    negative = value.startswith(("-", "−")) or (value.startswith("(") and value.endswith(")"))
    value = value.strip("-−() ")
    if match := _ZERO_FRACTION.fullmatch(value):
        whole, mark = match[1], match[2]
        if whole.isdigit() or _GROUPED[{",": ".", ".": ","}[mark]].fullmatch(whole):
            value = whole
    if value.isdigit():
        amount = int(value)
    elif grouped := next((mark for mark, pattern in _GROUPED.items() if pattern.fullmatch(value)), None):
        amount = int(value.replace(grouped, ""))
    elif not value:
        raise ValueError(_("The amount is missing."))
    else:
        raise ValueError(
            _("“%(value)s” is not an amount in whole đồng; write it as 1.234.567 or 1234567.")
            % {"value": text.strip()[:30]}
        )
    if negative and amount:
        raise ValueError(
            _("The amount %(value)s is negative: the ledger records revenue, not costs or refunds.")
            % {"value": text.strip()[:30]}
        )
    return amount


def _source_names() -> dict[str, str]:
    names = {}
    for source in RevenueSource:
        names[fold(source.value)] = source.value
        names.update((fold(name), source.value) for name in SOURCE_NAMES[source])
        for language in ("vi", "en"):
            with translation.override(language):
                names[fold(str(source.label))] = source.value
    return names


def parse_source(text: str, names: dict[str, str] | None = None) -> str:
    """The ledger's key for the source `text` names (its key, or its Vietnamese or English name). Raises
    ValueError with a translated reason listing the sources."""
    names = names if names is not None else _source_names()
    if source := names.get(fold(text)):
        return source
    choices = "; ".join(str(label) for label in RevenueSource.labels)
    if not text.strip():
        raise ValueError(_("The source is missing; use one of: %(sources)s.") % {"sources": choices})
    raise ValueError(
        _("“%(value)s” is not one of the ledger's sources: %(sources)s.")
        % {"value": text.strip()[:40], "sources": choices}
    )


# --- the file ----------------------------------------------------------------------------------------------
def read_rows(
    data: bytes,
    *,
    amount_problem: Callable[[int], str | None],
    month_problem: Callable[[date], str | None],
) -> list[Row]:
    """Every row of the file, checked cell by cell and against `amount_problem` and `month_problem` (the
    ledger's rules, analytics.revenue). Raises CsvImportError with every bad line (up to MAX_ERRORS),
    two rows of the same month and source included, or for an unreadable, empty or too long file."""
    header, records = read_table(data)
    columns = find_columns(header, COLUMNS, REQUIRED)
    names = _source_names()
    rows, errors, seen = [], [], {}
    for line, cells in records:
        if len(rows) + len(errors) >= MAX_ROWS:
            raise CsvImportError([(line, _("At most %(n)d rows at a time.") % {"n": MAX_ROWS})])
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            errors.append(
                (line, _("This row has more cells than the header has columns; is a cell missing quotes?"))
            )
            continue
        value = {name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()}
        problems, parsed = [], {}
        for name, parse in (("month", parse_month), ("source", lambda text: parse_source(text, names))):
            try:
                parsed[name] = parse(value[name])
            except ValueError as error:
                problems.append(error.args[0])
        try:
            parsed["amount"] = parse_amount(value["amount"])
        except ValueError as error:
            problems.append(error.args[0])
        else:
            if problem := amount_problem(parsed["amount"]):
                problems.append(problem)
        if "month" in parsed and (problem := month_problem(parsed["month"])):
            problems.append(problem)
        note = value.get("note", "")
        if len(note) > NOTE_LENGTH:
            problems.append(_("The note is longer than %(limit)d characters.") % {"limit": NOTE_LENGTH})
        if not problems:
            key = (parsed["month"], parsed["source"])
            if key in seen:
                problems.append(
                    _("Lines %(first)d and %(line)d both give this source for this month; keep one.")
                    % {"first": seen[key], "line": line}
                )
            seen.setdefault(key, line)
        if problems:
            errors.append((line, " ".join(problems)))
            if len(errors) >= MAX_ERRORS:
                errors.append((line, _("Too many errors: reading stopped here. Fix these and try again.")))
                break
            continue
        rows.append(
            Row(line=line, month=parsed["month"], source=parsed["source"], amount=parsed["amount"], note=note)
        )
    if errors:
        raise CsvImportError(errors)
    if not rows:
        raise CsvImportError([(1, _("The file has no rows under its header."))])
    return rows
