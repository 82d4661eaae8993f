"""Tables and charts from CSV, drawn on the server as HTML and SVG: no script, readable by screen readers."""

import csv
import io
import re
from dataclasses import dataclass

from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_ROWS = 500
MAX_COLUMNS = 20
PALETTE = ["#b3261e", "#1f5fa8", "#2e7d32", "#f29900", "#6a1b9a", "#00838f"]


class ChartKind(models.TextChoices):
    TABLE = "table", gettext_lazy("Table")
    BAR = "bar", gettext_lazy("Bar chart")
    LINE = "line", gettext_lazy("Line chart")


@dataclass(frozen=True)
class Dataset:
    header: list[str]
    rows: list[list[str]]

    @property
    def labels(self) -> list[str]:
        return [row[0] for row in self.rows]

    def series(self) -> list[tuple[str, list[float]]]:
        return [(name, [to_number(row[i]) for row in self.rows]) for i, name in enumerate(self.header[1:], 1)]


_THOUSANDS = {".": re.compile(r"^-?\d{1,3}(\.\d{3})+$"), ",": re.compile(r"^-?\d{1,3}(,\d{3}){2,}$")}


def to_number(text: str) -> float:
    """Read a number written the Vietnamese way first (1.234,5; 2.000 is two thousand), else the English way.

    A dot followed by groups of three digits groups thousands; a lone comma is the decimal mark;
    with both, whichever comes last is the decimal mark.
    """
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace("%", "")
    if "," in cleaned and "." in cleaned:
        decimal, grouping = (",", ".") if cleaned.rfind(",") > cleaned.rfind(".") else (".", ",")
        cleaned = cleaned.replace(grouping, "").replace(decimal, ".")
    elif _THOUSANDS["."].match(cleaned):
        cleaned = cleaned.replace(".", "")
    elif _THOUSANDS[","].match(cleaned):
        cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    return float(cleaned)


def parse_csv(text: str, *, numeric: bool = False) -> Dataset:
    """Parse CSV (comma, semicolon or tab separated). Raises ValueError with a translated message."""
    text = (text or "").strip()
    if not text:
        raise ValueError(_("The CSV data is empty."))
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect) if any(row)]
    header, body = rows[0], rows[1:]
    if not body:
        raise ValueError(_("The CSV data needs a header row and at least one data row."))
    if len(body) > MAX_ROWS or len(header) > MAX_COLUMNS:
        raise ValueError(
            _("The CSV data is too large: at most %(rows)d rows and %(cols)d columns.")
            % {"rows": MAX_ROWS, "cols": MAX_COLUMNS}
        )
    for number, row in enumerate(body, 2):
        if len(row) != len(header):
            raise ValueError(
                _("Row %(row)d has %(found)d cells; the header has %(expected)d.")
                % {"row": number, "found": len(row), "expected": len(header)}
            )
    dataset = Dataset(header=header, rows=body)
    if numeric:
        if len(header) < 2:
            raise ValueError(_("A chart needs a label column and at least one number column."))
        for number, row in enumerate(body, 2):
            for cell in row[1:]:
                try:
                    to_number(cell)
                except ValueError:
                    raise ValueError(
                        _("Row %(row)d: “%(cell)s” is not a number.") % {"row": number, "cell": cell}
                    ) from None
    return dataset


def render_table(dataset: Dataset) -> SafeString:
    head = format_html_join("", '<th scope="col">{}</th>', ((cell,) for cell in dataset.header))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in dataset.rows),
    )
    return format_html(
        '<table class="data-table"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, body
    )


def render_chart(dataset: Dataset, kind: str, *, title: str = "") -> SafeString:
    """An accessible SVG bar or line chart, scaled to its data, with a legend per series."""
    width, height, left, bottom, top = 640, 320, 56, 48, 16
    plot_w, plot_h = width - left - 16, height - bottom - top
    series = dataset.series()
    values = [v for _name, points in series for v in points]
    high = max(max(values), 0) or 1
    low = min(min(values), 0)
    span = high - low or 1

    def y(value: float) -> float:
        return top + plot_h - (value - low) / span * plot_h

    n = len(dataset.rows)
    slot = plot_w / n
    parts = [
        format_html('<line x1="{}" y1="{}" x2="{}" y2="{}" class="axis"/>', left, y(0), left + plot_w, y(0)),
    ]
    for tick in range(5):
        value = low + span * tick / 4
        parts.append(
            format_html(
                '<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>',
                left - 6,
                y(value) + 4,
                f"{value:,.4g}",
            )
        )
    for i, label in enumerate(dataset.labels):
        parts.append(
            format_html(
                '<text x="{}" y="{}" class="label" text-anchor="middle">{}</text>',
                round(left + slot * (i + 0.5), 1),
                height - bottom + 18,
                label,
            )
        )
    for s, (name, points) in enumerate(series):
        colour = PALETTE[s % len(PALETTE)]
        if kind == ChartKind.BAR:
            bar_w = slot * 0.8 / len(series)
            for i, value in enumerate(points):
                x = left + slot * i + slot * 0.1 + bar_w * s
                y0, y1 = sorted((y(0), y(value)))
                parts.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>',
                        round(x, 1),
                        round(y0, 1),
                        round(bar_w, 1),
                        round(y1 - y0, 1),
                        colour,
                        dataset.labels[i],
                        f"{value:,.4g}",
                    )
                )
        else:
            coords = " ".join(f"{left + slot * (i + 0.5):.1f},{y(v):.1f}" for i, v in enumerate(points))
            parts.append(
                format_html(
                    '<polyline points="{}" fill="none" stroke="{}" stroke-width="2"/>', coords, colour
                )
            )
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                '<text x="{}" y="{}" class="legend">{}</text>',
                left + 120 * s,
                height - 14,
                colour,
                left + 120 * s + 14,
                height - 5,
                name,
            )
        )
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        width,
        height,
        title or _("Chart"),
        mark_safe("".join(parts)),  # noqa: S308 - every part above is built with format_html
    )


def render(csv_text: str, kind: str, *, title: str = "") -> SafeString:
    """Render a CSV block. Charts also carry the table for screen readers and for readers without SVG."""
    dataset = parse_csv(csv_text, numeric=kind != ChartKind.TABLE)
    if kind == ChartKind.TABLE:
        return render_table(dataset)
    return format_html(
        '{}<details class="chart-data"><summary>{}</summary>{}</details>',
        render_chart(dataset, kind, title=title),
        _("Data"),
        render_table(dataset),
    )
