"""CSV imports, one way for all (revenue, training): the upload form (one of the user's agencies and a bounded
file) and the reading of the file (its encoding, separator, header and rows), errors by line."""

import csv
import io
import re
import unicodedata
from collections.abc import Iterator

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsroom.models import Agency

MAX_UPLOAD_BYTES = (
    2 * 1024 * 1024
)  # fifty years of a ledger, or every course of a large agency: a few hundred KB


class ImportForm(forms.Form):
    agency = forms.ModelChoiceField(label=gettext_lazy("Agency"), queryset=Agency.objects.none())
    file = forms.FileField(label=gettext_lazy("CSV file"))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


# --- reading the file: one way for every import --------------------------------------------------------
class CsvImportError(Exception):
    """A CSV refused as a whole; `errors` lists (line number, translated reason), line 1 being the header.
    Nothing of the file was stored."""

    def __init__(self, errors: list[tuple[int, str]]):
        super().__init__("; ".join(f"{line}: {message}" for line, message in errors))
        self.errors = errors


def fold(text: str) -> str:
    """`text` compared loosely: case, spacing and Vietnamese diacritics ignored (“Số  tiền” → “so tien”)."""
    text = unicodedata.normalize("NFD", text.strip().casefold()).replace("đ", "d")
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CsvImportError(
            [(line, _("The file is not UTF-8 text; in Excel, save it as “CSV UTF-8”."))]
        ) from None


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the row starts, its cells) for each row, blank rows left out."""
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Vietnamese separate columns with a semicolon, the comma being the decimal mark.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield start, cells
            start = reader.line_num + 1
    except csv.Error:
        # Python's own reason is English and technical; an open quote is what it nearly always means.
        raise CsvImportError(
            [(start, _("This line cannot be read as CSV; is a quotation mark left open?"))]
        ) from None


def read_table(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header's cells and an iterator of (line, cells) for each row under it (blank rows left out).
    UTF-8 with or without a byte-order mark; commas, semicolons or tabs. Raises CsvImportError for a file
    that is not UTF-8 or is empty, and, while iterating, for a line that is not CSV."""
    records = _records(_text(data))
    try:
        _line, header = next(records)
    except StopIteration:
        raise CsvImportError([(1, _("The file is empty."))]) from None
    return header, records


def find_columns(
    header: list[str], columns: dict[str, tuple[str, ...]], required: tuple[str, ...]
) -> dict[str, int]:
    """{column name: its index in `header`}, each header cell matched loosely (fold, a unit in brackets
    ignored) to the aliases in `columns` (the first two are shown: English, Vietnamese). Raises
    CsvImportError for an unknown, repeated or missing column."""
    known = {fold(alias): name for name, aliases in columns.items() for alias in aliases}
    found, errors = {}, []
    for index, cell in enumerate(header):
        title = fold(re.sub(r"\(.*\)\s*$", "", cell))  # "Số tiền (VNĐ)" → "so tien"
        if not title:
            continue
        name = known.get(title)
        if name is None:
            errors.append(
                _("Unknown column “%(column)s”; the columns are %(names)s.")
                % {
                    "column": cell.strip()[:40],
                    "names": ", ".join(f"{aliases[1]}/{aliases[0]}" for aliases in columns.values()),
                }
            )
        elif name in found:
            errors.append(_("The column “%(column)s” is there twice.") % {"column": cell.strip()[:40]})
        else:
            found[name] = index
    missing = [columns[name][1] for name in required if name not in found]
    if missing:
        errors.append(_("The header row lacks the column(s): %(names)s.") % {"names": ", ".join(missing)})
    if errors:
        raise CsvImportError([(1, message) for message in errors])
    return found
