"""How the readership panels show their figures: numbers in the reader's language, durations, and the
SVG line and bar charts (the templates draw them from these dicts, each with its data table)."""

import math
import re
from datetime import date

from django.utils import formats, numberformat
from django.utils.translation import gettext as _

from . import panels


# --- number display -----------------------------------------------------------------------------
def number(value, decimals: int = 0) -> str:
    """`value` rounded, with the decimal mark and thousands separator of the active language (1.234,5 in
    Vietnamese). Django's Vietnamese formats leave NUMBER_GROUPING at 0, yet Vietnamese groups thousands:
    group by three wherever the language names no grouping."""
    if value is None:
        return "—"
    return numberformat.format(
        round(value, decimals),
        formats.get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimals,
        grouping=formats.get_format("NUMBER_GROUPING") or 3,
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR"),
        force_grouping=True,
    )


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = round(seconds)
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    return _("%(m)d min %(s)02d s") % {"m": seconds // 60, "s": seconds % 60}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{number(value, 1)} %"


def signed(value: float | None) -> str:
    if value is None:
        return ""
    return ("+" if value > 0 else "−" if value < 0 else "±") + f"{number(abs(value), 1)} %"


# --- charts ---------------------------------------------------------------------------------------
def nice_top(high: float, steps: int = 4) -> float:
    """The smallest round number at least `high` that splits into `steps` round steps."""
    if high <= 0:
        return steps
    raw = high / steps
    # Whole steps: readers are counted in whole numbers (2.5 only from 25 up).
    magnitude = 10 ** max(0, math.floor(math.log10(raw)))
    multiples = (1, 2, 2.5, 5, 10) if magnitude >= 10 else (1, 2, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw)
    return step * steps


def line_chart(series: list[tuple[date, panels.Figures]], *, title: str) -> dict:
    """A line chart of page views and visitors per day: the plot scales to any width (its own viewBox,
    stretched), the text stays at its size (placed in percent of the outer SVG)."""
    width, height, top, plot_h = 1000, 246, 18, 200
    views = [figures.pageviews for _day, figures in series]
    visitors = [figures.visitors for _day, figures in series]
    high = nice_top(max(views + visitors, default=0))
    n = len(series)

    def x(i: int) -> float:
        return round(i / (n - 1) * width, 1) if n > 1 else width / 2

    def y(value: float) -> float:
        return round(plot_h - value / high * plot_h, 1)

    def points(values):
        return " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))

    # The language's short date without the year: 05-03 in Vietnamese, 03/05 in English.
    day_format = re.sub(r"[^A-Za-z]*[Yy][^A-Za-z]*", "", formats.get_format("SHORT_DATE_FORMAT"))
    label_count = min(n, 6)
    label_at = sorted({round(k * (n - 1) / (label_count - 1)) for k in range(label_count)}) if n > 1 else [0]
    return {
        "title": title,
        "height": height,
        "top": top,
        "plot_h": plot_h,
        "width": width,
        "grid": [
            {"y": top + y(high * k / 4), "label_y": top + y(high * k / 4) - 5, "label": number(high * k / 4)}
            for k in range(5)
        ],
        "label_y": height - 6,
        "views": points(views),
        "area": f"0,{plot_h} {points(views)} {x(n - 1)},{plot_h}",
        "visitors": points(visitors),
        "labels": [
            {
                "x": f"{i / (n - 1) * 100:.2f}" if n > 1 else "50",
                "anchor": "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle",
                "text": formats.date_format(series[i][0], day_format),
            }
            for i in label_at
        ],
        "rows": [
            (formats.date_format(day, "SHORT_DATE_FORMAT"), number(f.pageviews), number(f.visitors))
            for day, f in series
        ],
    }


def bar_chart(rows: list[panels.Row], *, title: str) -> dict:
    """Horizontal bars, one per row: its label above, its views and share of the chart's total at the end."""
    total = sum(row.figures.pageviews for row in rows)
    high = max((row.figures.pageviews for row in rows), default=0) or 1
    return {
        "title": title,
        "height": 44 * len(rows) - 6,
        "bars": [
            {
                "text_y": 44 * i + 15,
                "bar_y": 44 * i + 22,
                "label": row.label,
                "width": f"{row.figures.pageviews / high * 100:.2f}",
                "value": number(row.figures.pageviews),
                "share": percent(row.figures.pageviews / total * 100 if total else None),
            }
            for i, row in enumerate(rows)
        ],
    }


# --- money and the revenue chart ----------------------------------------------------------------------
def vnd(amount) -> str:
    """`amount` in whole đồng with the language's grouping: "1.234.567.890 ₫" in Vietnamese, "1,234,567,890 ₫"
    in English; "—" for None."""
    return "—" if amount is None else f"{number(amount)} ₫"


def vnd_short(amount) -> str:
    """`amount` for a tile, where twelve digits do not fit: "31,2 tỷ ₫", "640,5 triệu ₫"; less in full."""
    if amount is None:
        return "—"
    if abs(amount) >= 1_000_000_000:
        return _("%(amount)s billion ₫") % {"amount": number(amount / 1_000_000_000, 2)}
    if abs(amount) >= 1_000_000:
        return _("%(amount)s million ₫") % {"amount": number(amount / 1_000_000, 1)}
    return vnd(amount)


# Okabe and Ito's palette: told apart with any colour vision, one colour per series of a stacked chart.
SERIES_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#b8a100", "#7a7a7a")


def stacked_bars(
    columns: list[str], series: list[tuple[str, list[int]]], *, title: str, unit: int = 1_000_000
) -> dict:
    """Vertical bars, one per column (a month), each stacked from `series` [(label, one value per column)]:
    the plot scales to any width (its own viewBox), the axis is labelled in `unit`s (millions by default)
    and each segment names its series and value. `rows` is the data table behind the chart."""
    width, height, top, plot_h = 1200, 250, 18, 200
    totals = [sum(values[i] for _label, values in series) for i in range(len(columns))]
    high = nice_top(max(totals, default=0) / unit) * unit
    slot = width / max(len(columns), 1)
    bars = []
    for i, column in enumerate(columns):
        base, segments = 0, []
        for n, (label, values) in enumerate(series):
            if values[i]:
                segments.append(
                    {
                        "y": round(plot_h - (base + values[i]) / high * plot_h, 2),
                        "height": round(values[i] / high * plot_h, 2),
                        "colour": SERIES_COLOURS[n % len(SERIES_COLOURS)],
                        "title": f"{column} · {label}: {vnd(values[i])}",
                    }
                )
            base += values[i]
        bars.append(
            {
                "x": round(i * slot + slot * 0.15, 2),
                "width": round(slot * 0.7, 2),
                "segments": segments,
                "label_x": f"{(i + 0.5) / len(columns) * 100:.2f}",
                "label": column,
            }
        )
    return {
        "title": title,
        "height": height,
        "top": top,
        "plot_h": plot_h,
        "width": width,
        "label_y": height - 6,
        "grid": [
            {
                "y": round(top + plot_h - plot_h * k / 4, 1),
                "label_y": round(top + plot_h - plot_h * k / 4 - 5, 1),
                "label": number(high * k / 4 / unit),
            }
            for k in range(5)
        ],
        "bars": bars,
        "legend": [
            {"label": label, "colour": SERIES_COLOURS[n % len(SERIES_COLOURS)]}
            for n, (label, _values) in enumerate(series)
        ],
        "headings": [label for label, _values in series],
        "rows": [
            (column, [vnd(values[i]) for _label, values in series], vnd(totals[i]))
            for i, column in enumerate(columns)
        ],
    }
