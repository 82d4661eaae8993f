"""The figures of the yearly digital-transformation report of a province or ministry, gathered once for the
PDF, the DOCX and the CSV: the strategy's indicators per agency and their shares against the targets,
revenue this year and last, staff trained, and the maturity self-assessments.

`build` costs a fixed number of queries, whatever the number of agencies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from newsroom.models import Agency, OversightBody, OversightKind

from .. import indicators, revenue, training
from ..maturity import services as maturity
from ..years import FIRST_YEAR, current_year


class ReportError(ValueError):
    """A report that cannot be made; `message` is translated and safe to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Centrally governed cities: their people's committee is "UBND THÀNH PHỐ …", any other one "UBND TỈNH …".
CITIES = {"Hà Nội", "Hồ Chí Minh", "Thành phố Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"}
# A body named "Sở Thông tin và Truyền thông tỉnh Sóc Trăng" names its province itself.
PROVINCE_IN_NAME = re.compile(r"^(?P<name>.+?)\s+(?P<prefix>tỉnh|thành phố|TP\.?)\s+(?P<province>.+)$", re.I)
# Ministries sit in the capital: their reports are dated there.
MINISTRY_PLACE = "Hà Nội"


@dataclass(frozen=True)
class Issuer:
    """Who issues the report, as its top-left block and its number and signature need it. An empty
    `superior` or `place` is left for the department to fill in."""

    superior: str  # "UBND TỈNH SÓC TRĂNG"; empty for a ministry, which has no superior line
    name: str  # "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"
    code: str  # the initials after "BC-" in the report's number: "STTTT"
    place: str  # where it is dated: "Sóc Trăng"
    province: str  # "Sóc Trăng"; empty for a ministry
    signer: str  # "GIÁM ĐỐC"
    ministry: bool


@dataclass(frozen=True)
class RevenueRow:
    agency: Agency | None  # None for the total row
    previous: int | None  # VND
    current: int | None
    growth: float | None  # percent


@dataclass(frozen=True)
class TrainingRow:
    agency: Agency | None  # None for the total row
    staff: int
    trained: int
    hours: float

    @property
    def percent(self) -> float | None:
        return round(self.trained / self.staff * 100, 1) if self.staff else None


@dataclass(frozen=True)
class Pillar:
    code: str
    name: str
    points: Decimal  # the most a pillar can give


@dataclass(frozen=True)
class MaturityRow:
    agency: Agency
    points: list[Decimal | None]  # in the order of ReportData.pillars; None where the pillar was not scored
    total: Decimal | None  # None: no submitted self-assessment for the year
    level: str
    decision: str  # the framework's decision, "1827/QĐ-BTTTT"


@dataclass(frozen=True)
class ReportData:
    body: OversightBody
    year: int
    issuer: Issuer
    agencies: list[Agency]
    indicators: list[indicators.AgencyYear]
    shares: list[indicators.Share]
    revenue: list[RevenueRow]  # one per agency, then the total
    training: list[TrainingRow]  # one per agency, then the total
    pillars: list[Pillar]
    maturity: list[MaturityRow]

    def target(self, share: indicators.Share) -> indicators.Target | None:
        """The target the year is judged against: the first one not yet past (2025 until 2025, then
        2030), else the last one; None when the indicator has no target."""
        ahead = [target for target in share.targets if target.year >= self.year]
        return ahead[0] if ahead else (share.targets[-1] if share.targets else None)

    @property
    def declared_any(self) -> bool:
        return any(r.basis == indicators.Basis.DECLARED for row in self.indicators for r in row.results)


def check_year(year: int) -> int:
    """`year` when a report can be made for it (from the strategy's first year to the current one).
    Raises ReportError otherwise."""
    if not FIRST_YEAR <= year <= current_year():
        raise ReportError(
            _("Choose a year from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": current_year()}
        )
    return year


def build(body: OversightBody, year: int) -> ReportData:
    """Everything the report of `body` for `year` shows, in Vietnamese where the system writes words
    (evidence texts). Raises ReportError for a year outside the strategy's or a body with no agency."""
    check_year(year)
    agencies = list(body.agencies.order_by("name"))
    if not agencies:
        raise ReportError(_("%(body)s oversees no agency yet.") % {"body": body.name})
    ids = [agency.pk for agency in agencies]
    # The report is a Vietnamese document whatever the language of the person downloading it.
    with translation.override("vi"):
        rows = indicators.agency_years(agencies, year)
        shares = indicators.shares(rows, body=body)
    pillars, maturity_rows = _maturity(agencies, year)
    return ReportData(
        body=body,
        year=year,
        issuer=issuer_for(body, agencies),
        agencies=agencies,
        indicators=rows,
        shares=shares,
        revenue=_revenue(agencies, year),
        training=_training(agencies, ids, year),
        pillars=pillars,
        maturity=maturity_rows,
    )


def issuer_for(body: OversightBody, agencies: list[Agency]) -> Issuer:
    """The issuing body's lines: a province's department under its people's committee, named after the
    province in the body's name or, failing that, the one province all its agencies are in."""
    ministry = body.kind == OversightKind.MINISTRY
    name, province = body.name.strip(), ""
    found = PROVINCE_IN_NAME.match(name)
    if found and not ministry:
        name, province = found["name"], found["province"].strip()
    elif not ministry:
        provinces = {agency.province.strip() for agency in agencies if agency.province.strip()}
        province = provinces.pop() if len(provinces) == 1 else ""
    if ministry:
        superior, place, signer = "", MINISTRY_PLACE, "BỘ TRƯỞNG"
    else:
        kind = "THÀNH PHỐ" if province in CITIES else "TỈNH"
        superior = f"UBND {kind} {province.upper()}" if province else ""
        place, signer = province, "GIÁM ĐỐC"
    return Issuer(
        superior=superior,
        name=name.upper(),
        code=initials(name),
        place=place,
        province=province,
        signer=signer,
        ministry=ministry,
    )


def initials(name: str) -> str:
    """The initials an administrative document's number uses: "Sở Thông tin và Truyền thông" → "STTTT"."""
    return "".join(word[0].upper() for word in name.split() if word.lower() != "và" and word[0].isalpha())


def _revenue(agencies: list[Agency], year: int) -> list[RevenueRow]:
    ids, months = [agency.pk for agency in agencies], revenue.compared_months(year)
    totals = revenue.totals_by_year(ids, [year - 1, year], months=months)
    rows = []
    for agency in agencies:
        previous, current = totals.get((agency.pk, year - 1)), totals.get((agency.pk, year))
        rows.append(
            RevenueRow(
                agency=agency, previous=previous, current=current, growth=revenue.growth(current, previous)
            )
        )
    # The total compares only agencies with both years, so a newcomer's ledger does not read as growth.
    both = [row for row in rows if row.previous and row.current]
    previous = sum(row.previous for row in both) or None
    current = sum(row.current for row in both) or None
    growth = revenue.growth(current, previous)
    rows.append(RevenueRow(agency=None, previous=previous, current=current, growth=growth))
    return rows


def _training(agencies: list[Agency], ids: list[int], year: int) -> list[TrainingRow]:
    shares = training.trained_share(ids, year)
    rows = []
    for agency in agencies:
        share = shares.get(agency.pk)
        rows.append(
            TrainingRow(
                agency=agency,
                staff=share.staff if share else 0,
                trained=share.trained if share else 0,
                hours=float(share.hours) if share else 0.0,
            )
        )
    rows.append(
        TrainingRow(
            agency=None,
            staff=sum(row.staff for row in rows),
            trained=sum(row.trained for row in rows),
            hours=sum(row.hours for row in rows),
        )
    )
    return rows


def _maturity(agencies: list[Agency], year: int) -> tuple[list[Pillar], list[MaturityRow]]:
    """The pillars (from the frameworks the year's assessments follow, in their order) and each agency's
    points per pillar, total and level."""
    found = maturity.assessments_for([agency.pk for agency in agencies], [year])
    # A draft is the agency still answering: the report counts only what was submitted.
    scores = {agency_id: score for (agency_id, _year), score in found.items() if score and score.submitted}
    pillars: dict[str, Pillar] = {}
    for score in scores.values():
        for pillar in score.pillars:
            pillars.setdefault(pillar.code, Pillar(code=pillar.code, name=pillar.name, points=pillar.max))
    rows = []
    for agency in agencies:
        score = scores.get(agency.pk)
        if score is None:
            rows.append(
                MaturityRow(agency=agency, points=[None] * len(pillars), total=None, level="", decision="")
            )
            continue
        points = {pillar.code: pillar.points for pillar in score.pillars}
        rows.append(
            MaturityRow(
                agency=agency,
                points=[points.get(code) for code in pillars],
                total=score.total,
                level=score.level,
                decision=score.decision,
            )
        )
    return list(pillars.values()), rows
