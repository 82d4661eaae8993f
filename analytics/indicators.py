"""The strategy's indicators (Decision 348/QĐ-TTg) per agency and year, and per province or ministry.

Each indicator is computed from the system's own data where it has some (channels it delivers to, readership
it measures, stories it publishes, the revenue ledger, training records) and falls back to what the agency
declared where the system cannot see; every result says which (`Basis`). A province's or ministry's figure is
the share of its agencies meeting each indicator, set against the 2025 and 2030 targets.

Every function costs a fixed number of queries, whatever the number of agencies.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distribution.models import Channel, Publication
from newsroom.models import Agency, OversightBody, StoryPage

from . import revenue, security, training
from .charts import number
from .models import Dimension, Indicator, IndicatorDeclaration, Period, Rollup, StrategyTarget
from .production import approved_through_workflow

# Readership measured on this many days of a year means the analytics platform is in use, not tried once.
ANALYTICS_MIN_DAYS = 30
REVENUE_GROWTH_LINE = 20.0  # percent, the strategy's line
TARGET_YEARS = (2025, 2030)
# Column headings where the indicators' full names do not fit (the province's table of agencies).
SHORT_LABELS = {
    Indicator.DIGITAL_PLATFORMS: gettext_lazy("Digital platforms"),
    Indicator.ANALYTICS: gettext_lazy("Data analysis"),
    Indicator.CONVERGENT: gettext_lazy("Convergent newsroom"),
    Indicator.REVENUE_GROWTH: gettext_lazy("Revenue +20%"),
    Indicator.STAFF_TRAINED: gettext_lazy("Staff trained"),
    Indicator.SECURITY: gettext_lazy("Security level 3"),
}


class Basis(models.TextChoices):
    COMPUTED = "computed", gettext_lazy("Computed from the system's data")
    DECLARED = "declared", gettext_lazy("Declared by the agency")
    MISSING = "missing", gettext_lazy("No data")


@dataclass(frozen=True)
class Result:
    """One indicator of one agency in one year. `met` is None when nothing is known (basis MISSING);
    `value` is the figure behind it (a percent or a count) for exports, None when there is none."""

    indicator: str
    basis: str
    met: bool | None
    summary: str
    evidence: str
    value: float | None = None

    @property
    def label(self) -> str:
        return Indicator(self.indicator).label

    @property
    def basis_label(self) -> str:
        return Basis(self.basis).label


@dataclass(frozen=True)
class AgencyYear:
    agency: Agency
    year: int
    results: list[Result]

    def __getitem__(self, indicator: str) -> Result:
        return next(result for result in self.results if result.indicator == indicator)

    @property
    def met_count(self) -> int:
        return sum(1 for result in self.results if result.met)


@dataclass(frozen=True)
class Target:
    year: int
    share: int
    source: str
    reached: bool


@dataclass(frozen=True)
class Share:
    """How many of a body's agencies meet an indicator, in a year, against the targets."""

    indicator: str
    met: int
    unknown: int
    agencies: int
    targets: list[Target] = field(default_factory=list)

    @property
    def label(self) -> str:
        return Indicator(self.indicator).label

    @property
    def percent(self) -> float | None:
        return round(self.met / self.agencies * 100, 1) if self.agencies else None


def growth_met(growth: float | None) -> bool | None:
    """Whether revenue growth (percent) reaches the strategy's 20% line; None without a growth figure."""
    return None if growth is None else growth >= REVENUE_GROWTH_LINE


# --- per agency ------------------------------------------------------------------------------------
def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """The aware start of 1 January of `year` and of the next year, in local time."""
    return tuple(timezone.make_aware(datetime.combine(date(y, 1, 1), time.min)) for y in (year, year + 1))


def agency_years(agencies: list[Agency], year: int) -> list[AgencyYear]:
    """Every indicator for each of `agencies` in `year`, in the order given. Eleven queries."""
    ids = [agency.pk for agency in agencies]
    facts = {
        Indicator.DIGITAL_PLATFORMS: _platforms(ids, year),
        Indicator.ANALYTICS: _analytics(ids, year),
        Indicator.CONVERGENT: _convergent(ids, year),
        Indicator.REVENUE_GROWTH: _revenue(ids, year),
        Indicator.STAFF_TRAINED: _training(ids, year),
        Indicator.SECURITY: _security(ids, year),
    }
    declared = {
        (d.agency_id, d.indicator): d
        for d in IndicatorDeclaration.objects.filter(agency_id__in=ids, year=year)
    }
    rows = []
    for agency in agencies:
        results = []
        for indicator in Indicator:
            computed = facts[indicator].get(agency.pk)
            results.append(_settle(indicator, computed, declared.get((agency.pk, indicator.value))))
        rows.append(AgencyYear(agency=agency, year=year, results=results))
    return rows


def agency_year(agency: Agency, year: int) -> AgencyYear:
    return agency_years([agency], year)[0]


def _settle(indicator: str, computed: Result | None, declaration: IndicatorDeclaration | None) -> Result:
    """The system's own figure when it has one, else the agency's declaration, else nothing known."""
    if computed is not None and computed.met is not None:
        return computed
    if declaration is not None:
        return Result(
            indicator=indicator,
            basis=Basis.DECLARED,
            met=declaration.met,
            summary=_("Met") if declaration.met else _("Not met"),
            evidence=declaration.evidence,
        )
    if computed is not None:  # the system looked and found nothing it could judge by
        return Result(
            indicator=indicator,
            basis=Basis.MISSING,
            met=None,
            summary=_("No data"),
            evidence=computed.evidence,
        )
    return Result(indicator=indicator, basis=Basis.MISSING, met=None, summary=_("No data"), evidence="")


def _computed(indicator: str, met: bool | None, summary: str, evidence: str, value: float | None = None):
    return Result(
        indicator=indicator, basis=Basis.COMPUTED, met=met, summary=summary, evidence=evidence, value=value
    )


def _platforms(ids: list[int], year: int) -> dict[int, Result]:
    """Content on digital platforms: stories delivered in the year to the agency's platform channels, and how
    many went to domestic ones. Unknown for an agency with no channel in the system."""
    start, end = _year_bounds(year)
    channels = defaultdict(int)
    for agency_id in Channel.objects.filter(agency_id__in=ids).values_list("agency_id", flat=True):
        channels[agency_id] += 1
    delivered = {
        (row["channel__agency_id"], row["channel__domestic"]): row
        for row in Publication.objects.filter(
            channel__agency_id__in=ids, first_delivered_at__gte=start, first_delivered_at__lt=end
        )
        .values("channel__agency_id", "channel__domestic")
        .annotate(items=Count("pk"), platforms=Count("channel_id", distinct=True))
        .order_by()
    }
    results = {}
    for agency_id in ids:
        domestic = delivered.get((agency_id, True), {"items": 0, "platforms": 0})
        foreign = delivered.get((agency_id, False), {"items": 0, "platforms": 0})
        items, platforms = domestic["items"] + foreign["items"], domestic["platforms"] + foreign["platforms"]
        if not channels[agency_id]:
            results[agency_id] = _computed(
                Indicator.DIGITAL_PLATFORMS, None, "", _("The agency has no platform channel in the system.")
            )
            continue
        share = domestic["items"] / items * 100 if items else None
        summary = (
            _("%(platforms)s platforms, %(share)s%% domestic")
            % {"platforms": number(platforms), "share": number(share, 0)}
            if items
            else _("Nothing delivered")
        )
        evidence = _(
            "%(items)s stories delivered in %(year)d to %(platforms)s platforms (%(domestic)s of them "
            "domestic, %(domestic_items)s stories); %(channels)s channels set up."
        ) % {
            "items": number(items),
            "year": year,
            "platforms": number(platforms),
            "domestic": number(domestic["platforms"]),
            "domestic_items": number(domestic["items"]),
            "channels": number(channels[agency_id]),
        }
        results[agency_id] = _computed(Indicator.DIGITAL_PLATFORMS, platforms > 0, summary, evidence, share)
    return results


def _analytics(ids: list[int], year: int) -> dict[int, Result]:
    """The analytics platform in use: days of the year on which the agency's readership was measured.
    Unknown for an agency whose readers were never measured in the year."""
    start, end = _year_bounds(year)
    rows = {
        row["agency_id"]: row
        for row in Rollup.objects.filter(
            period=Period.DAY, dimension=Dimension.TOTAL, agency_id__in=ids, start__gte=start, start__lt=end
        )
        .filter(pageviews__gt=0)
        .values("agency_id")
        .annotate(days=Count("start", distinct=True), views=Sum("pageviews"))
        .order_by()
    }
    results = {}
    for agency_id in ids:
        row = rows.get(agency_id)
        if row is None:
            results[agency_id] = _computed(
                Indicator.ANALYTICS, None, "", _("No readership was measured in %(year)d.") % {"year": year}
            )
            continue
        days = row["days"]
        results[agency_id] = _computed(
            Indicator.ANALYTICS,
            days >= ANALYTICS_MIN_DAYS,
            _("%(days)s days measured") % {"days": number(days)},
            _(
                "Readership measured on %(days)s days of %(year)d (%(views)s page views); in use from "
                "%(min)d days."
            )
            % {"days": number(days), "year": year, "views": number(row["views"]), "min": ANALYTICS_MIN_DAYS},
            days,
        )
    return results


def _convergent(ids: list[int], year: int) -> dict[int, Result]:
    """A convergent newsroom in use: the year's stories went through the editorial workflow, and stories
    were produced once for the site and at least one platform. Unknown when nothing was published."""
    start, end = _year_bounds(year)
    stories = StoryPage.objects.filter(
        agency_id__in=ids, first_published_at__gte=start, first_published_at__lt=end
    )
    published = dict(
        stories.values("agency_id").annotate(n=Count("pk")).order_by().values_list("agency_id", "n")
    )
    reviewed = dict(
        approved_through_workflow(stories)
        .values("agency_id")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
        .values_list("agency_id", "n")
    )
    several = dict(
        stories.filter(publications__isnull=False)
        .values("agency_id")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
        .values_list("agency_id", "n")
    )
    results = {}
    for agency_id in ids:
        total = published.get(agency_id, 0)
        if not total:
            results[agency_id] = _computed(
                Indicator.CONVERGENT, None, "", _("No story was published in %(year)d.") % {"year": year}
            )
            continue
        through, multi = reviewed.get(agency_id, 0), several.get(agency_id, 0)
        results[agency_id] = _computed(
            Indicator.CONVERGENT,
            through > 0 and multi > 0,
            _("%(workflow)s%% reviewed, %(multi)s%% multi-channel")
            % {"workflow": number(through / total * 100), "multi": number(multi / total * 100)},
            _(
                "Of %(total)s stories published in %(year)d, %(through)s went through the review workflow "
                "and %(multi)s went to the site and at least one platform."
            )
            % {"total": number(total), "year": year, "through": number(through), "multi": number(multi)},
            multi / total * 100,
        )
    return results


def _revenue(ids: list[int], year: int) -> dict[int, Result]:
    """Revenue grown by at least 20% over the year before, from the ledger. Unknown without both years."""
    months = revenue.compared_months(year)
    totals = revenue.totals_by_year(ids, [year - 1, year], months=months)
    results = {}
    for agency_id in ids:
        now, before = totals.get((agency_id, year)), totals.get((agency_id, year - 1))
        if not now or not before:
            results[agency_id] = _computed(
                Indicator.REVENUE_GROWTH,
                None,
                "",
                _("The ledger needs revenue for both %(before)d and %(year)d.")
                % {"before": year - 1, "year": year},
            )
            continue
        growth = revenue.growth(now, before)
        results[agency_id] = _computed(
            Indicator.REVENUE_GROWTH,
            growth_met(growth),
            f"{'+' if growth >= 0 else '−'}{number(abs(growth), 1)} %",
            (
                _("Revenue %(year)d: %(now)s ₫; %(before_year)d: %(before)s ₫.")
                if months == 12
                else _(
                    "Revenue of January to month %(months)d, %(year)d: %(now)s ₫; of the same months "
                    "%(before_year)d: %(before)s ₫."
                )
            )
            % {
                "year": year,
                "now": number(now),
                "before_year": year - 1,
                "before": number(before),
                "months": months,
            },
            growth,
        )
    return results


def _training(ids: list[int], year: int) -> dict[int, Result]:
    """Every staff member trained in digital transformation by the end of the year."""
    shares = training.trained_share(ids, year)
    results = {}
    for agency_id in ids:
        share = shares.get(agency_id)
        if share is None or not share.staff:
            results[agency_id] = _computed(
                Indicator.STAFF_TRAINED, None, "", _("The agency has no staff accounts.")
            )
            continue
        results[agency_id] = _computed(
            Indicator.STAFF_TRAINED,
            share.trained >= share.staff,
            f"{number(share.percent, 0)} %",
            _(
                "%(trained)s of %(staff)s staff trained by the end of %(year)d; %(hours)s hours of training "
                "in the year."
            )
            % {
                "trained": number(share.trained),
                "staff": number(share.staff),
                "year": year,
                "hours": number(share.hours, 1),
            },
            share.percent,
        )
    return results


def _security(ids: list[int], year: int) -> dict[int, Result]:
    """Information security at level 3 or above: the system cannot observe the level, so this is always the
    approval the agency declared (its document's number and date)."""
    declarations = security.declaration_in_force(ids, year)
    results = {}
    for agency_id in ids:
        declaration = declarations.get(agency_id)
        if declaration is None:
            continue
        results[agency_id] = Result(
            indicator=Indicator.SECURITY,
            basis=Basis.DECLARED,
            met=declaration.level >= security.MIN_LEVEL,
            summary=_("Level %(level)d") % {"level": declaration.level},
            evidence=_("%(system)s approved at level %(level)d by %(document)s of %(date)s.")
            % {
                "system": declaration.system_name,
                "level": declaration.level,
                "document": declaration.document_number,
                "date": declaration.document_date.strftime("%d/%m/%Y"),
            },
            value=declaration.level,
        )
    return results


# --- per province or ministry -------------------------------------------------------------------------
def targets_for(body: OversightBody | None) -> dict[str, dict[int, StrategyTarget]]:
    """The targets that apply to `body`'s agencies: the strategy's own, replaced by the body's plan where
    it sets one. {indicator: {year: target}}."""
    chosen: dict[str, dict[int, StrategyTarget]] = defaultdict(dict)
    rows = StrategyTarget.objects.filter(Q(oversight_body=None) | Q(oversight_body=body)).order_by(
        models.F("oversight_body").asc(nulls_first=True)
    )
    for target in rows:
        chosen[target.indicator][target.year] = target  # the body's own comes last and wins
    return chosen


def shares(rows: list[AgencyYear], *, body: OversightBody | None = None) -> list[Share]:
    """The share of the agencies in `rows` meeting each indicator, against the targets for `body`."""
    targets = targets_for(body)
    result = []
    for indicator in Indicator:
        met = sum(1 for row in rows if row[indicator].met)
        unknown = sum(1 for row in rows if row[indicator].met is None)
        percent = met / len(rows) * 100 if rows else 0
        result.append(
            Share(
                indicator=indicator,
                met=met,
                unknown=unknown,
                agencies=len(rows),
                targets=[
                    Target(
                        year=year, share=target.share, source=target.source, reached=percent >= target.share
                    )
                    for year, target in sorted(targets.get(indicator, {}).items())
                ],
            )
        )
    return result


# --- declarations ---------------------------------------------------------------------------------------
@transaction.atomic
def declare(
    *, agency: Agency, year: int, indicator: str, met: bool, evidence: str, user=None
) -> IndicatorDeclaration:
    """Record (or replace) the agency's own word on an indicator for a year; it counts only while the system
    has no data of its own for that indicator. Raises ValueError for an unknown indicator or no evidence."""
    if indicator not in Indicator.values:
        raise ValueError(_("There is no indicator “%(indicator)s”.") % {"indicator": indicator[:40]})
    if not evidence.strip():
        raise ValueError(_("Say what shows it: a document, a figure or a link."))
    declaration, _created = IndicatorDeclaration.objects.update_or_create(
        agency=agency,
        year=year,
        indicator=indicator,
        defaults={"met": met, "evidence": evidence.strip(), "declared_by": user},
    )
    return declaration
