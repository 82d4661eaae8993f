"""The yearly report's figures as CSV: one row per agency and indicator (met, on what basis, the figure, the
evidence), then one per indicator for the province or ministry (agencies meeting it against the targets).
UTF-8 with a byte-order mark, so Excel opens the Vietnamese correctly; numbers with a decimal point."""

import csv
import io

from ..indicators import Basis
from . import words
from .data import ReportData

HEADER = [
    "Năm",
    "Phạm vi",
    "Cơ quan",
    "Mã chỉ tiêu",
    "Chỉ tiêu",
    "Đạt",
    "Căn cứ",
    "Giá trị",
    "Minh chứng",
    "Số cơ quan đạt",
    "Chưa có số liệu",
    "Tổng số cơ quan",
    "Tỷ lệ (%)",
    "Mục tiêu 2025 (%)",
    "Mục tiêu 2030 (%)",
]
AGENCY_ROW = "Cơ quan báo chí"
SHARE_ROW = "Tổng hợp"
BASES = {
    Basis.COMPUTED: "Tính từ dữ liệu hệ thống",
    Basis.DECLARED: "Cơ quan tự kê khai",
    Basis.MISSING: "Chưa có số liệu",
}


def _yes_no(met: bool | None) -> str:
    return "" if met is None else "Có" if met else "Không"


def _figure(value) -> str:
    """A plain number, one decimal at most: "26.5", "3"."""
    if value is None:
        return ""
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded == int(rounded) else str(rounded)


def render(data: ReportData) -> bytes:
    """The CSV of `data`, as bytes."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    empty_share = [""] * 6
    for row in data.indicators:
        for result in row.results:
            writer.writerow(
                [
                    data.year,
                    AGENCY_ROW,
                    row.agency.name,
                    result.indicator,
                    words.INDICATOR_NAMES[result.indicator],
                    _yes_no(result.met),
                    BASES[result.basis],
                    _figure(result.value),
                    result.evidence,
                    *empty_share,
                ]
            )
    for share in data.shares:
        target = data.target(share)
        targets = {target.year: target.share for target in share.targets}
        writer.writerow(
            [
                data.year,
                SHARE_ROW,
                data.body.name,
                share.indicator,
                words.INDICATOR_NAMES[share.indicator],
                _yes_no(target.reached if target else None),
                "",
                "",
                "",
                share.met,
                share.unknown,
                share.agencies,
                _figure(share.percent),
                targets.get(2025, ""),
                targets.get(2030, ""),
            ]
        )
    return out.getvalue().encode("utf-8-sig")
