"""The digital-transformation panels: an agency manager's (readership, revenue, indicators, maturity,
security) and a province's or ministry's (its agencies × the strategy's indicators against the targets).

The views pick the agencies and the year from the request; the figures come from analytics.indicators and
the parts' own modules (revenue, training, security, maturity), the report links from analytics.report.
"""

from datetime import date
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from newsroom.models import Agency, OversightBody
from newsroom.permissions import AgencyRolePermissionPolicy

from . import indicators, panels, revenue, security, training
from .charts import duration, number, percent, vnd_short
from .maturity.services import assessments_for
from .models import Indicator, IndicatorDeclaration
from .report.views import report_links
from .years import YearError, current_year, year_from_query, years

declaration_policy = AgencyRolePermissionPolicy(IndicatorDeclaration)


def transformation_view(view):
    """Answer 403, with the reason in the admin's frame, to someone who works for and oversees no agency."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except panels.NoAgency as error:
            context = {"page_title": _("Digital transformation"), "message": error.message}
            return render(request, "analytics/admin/no_agency.html", context, status=403)

    return wrapped


def year_of(request) -> tuple[int, str]:
    """The year the request asks for, and a translated error (then the current year) when it is bad."""
    try:
        return year_from_query(request.GET), ""
    except YearError as error:
        return current_year(), error.message


def scope_of(request) -> panels.Scope:
    """The agencies the user may see, narrowed to `?agency=`; Http404 for one not theirs."""
    try:
        return panels.scope_for(request.user, request.GET.get("agency"))
    except panels.UnknownAgency:
        raise Http404 from None


def bodies_for(user) -> list[OversightBody]:
    """The oversight bodies whose panel `user` may read: every one for a superuser, else their own."""
    bodies = OversightBody.objects.order_by("name")
    return list(bodies if user.is_superuser else bodies.filter(group__user=user))


def _targets_row(targets: dict, indicator: str) -> list[dict]:
    return [
        {
            "year": year,
            "share": targets[indicator][year].share if year in targets.get(indicator, {}) else None,
        }
        for year in indicators.TARGET_YEARS
    ]


# --- the agency's panel ----------------------------------------------------------------------------
@transformation_view
def agency_panel(request):
    """One agency's year: readership, revenue, the strategy's indicators, maturity and security."""
    scope = scope_of(request)
    year, error = year_of(request)
    if scope.chosen is None and scope.several:
        return redirect(f"{reverse('analytics_province')}?{urlencode({'year': year})}")
    agency = scope.chosen or scope.agencies[0]
    row = indicators.agency_year(agency, year)
    body = agency.oversight_bodies.order_by("name").first()
    targets = indicators.targets_for(body)
    can_declare = (
        declaration_policy.agencies_for(request.user, ["add", "change"]).filter(pk=agency.pk).exists()
    )

    today = timezone.localdate()
    period = panels.Range(start=date(year, 1, 1), end=min(date(year, 12, 31), today))
    reading = panels.overview(scope=panels.Scope(visible=scope.visible, chosen=agency), period=period).total
    months = revenue.compared_months(year)
    totals = revenue.totals_by_year([agency.pk], [year - 1, year], months=months)
    now, before = totals.get((agency.pk, year)), totals.get((agency.pk, year - 1))
    growth = revenue.growth(now, before)
    views = reading.current.pageviews
    scores = assessments_for([agency.pk], [year, year - 1])
    share = training.trained_share([agency.pk], year).get(agency.pk)

    query = urlencode({"agency": agency.pk, "year": year})
    context = {
        "page_title": _("Digital transformation"),
        "agency": agency,
        "scope": scope,
        "year": year,
        "years": years(),
        "year_error": error,
        "query": query,
        "readership": [
            {"label": _("Page views"), "value": number(reading.current.pageviews)},
            {"label": _("Visitors (sum of days)"), "value": number(reading.current.visitors)},
            {"label": _("Engaged time per view"), "value": duration(reading.current.engaged_per_view)},
            {"label": _("Scroll depth"), "value": percent(reading.current.scroll_depth)},
        ],
        "revenue": [
            {
                "label": _("Revenue %(period)s") % {"period": revenue.compared_period(year, months)},
                "value": vnd_short(now),
            },
            {
                "label": _("Revenue %(period)s") % {"period": revenue.compared_period(year - 1, months)},
                "value": vnd_short(before),
            },
            {
                "label": _("Growth (line: %(line)s%%)") % {"line": number(indicators.REVENUE_GROWTH_LINE)},
                "value": "—"
                if growth is None
                else f"{'+' if growth >= 0 else '−'}{number(abs(growth), 1)} %",
                "state": indicators.growth_met(growth),
            },
            {
                "label": _("Revenue per thousand page views"),
                "value": vnd_short(revenue.per_thousand_views(now, views)),
            },
        ],
        "indicators": [
            {
                "result": result,
                "targets": _targets_row(targets, result.indicator),
                "declare": reverse("analytics_declare", args=[agency.pk, year, result.indicator])
                if can_declare
                and result.basis != indicators.Basis.COMPUTED
                and result.indicator != Indicator.SECURITY  # declared through its approval document
                else None,
            }
            for result in row.results
        ],
        "met": row.met_count,
        "maturity": _maturity(scores.get((agency.pk, year))),
        "maturity_before": scores.get((agency.pk, year - 1)),
        "training": share,
        "controls": security.observed_controls(agency),
        "links": {
            "readership": f"{reverse('analytics_readership')}?agency={agency.pk}",
            "revenue": f"{reverse('analytics_revenue')}?{query}",
            "maturity": reverse("analytics_maturity_assessment", args=[agency.pk, year]),
            "training": f"{reverse('analytics_training_summary')}?{query}",
            "security": f"{reverse('analytics_security')}?agency={agency.pk}",
            "province": reverse("analytics_province") if bodies_for(request.user) else None,
        },
    }
    return render(request, "analytics/admin/strategy/agency.html", context, status=400 if error else 200)


def _maturity(score) -> dict | None:
    """A score with each pillar's share of its maximum, for the bars."""
    if score is None:
        return None
    pillars = [
        {
            "name": p.name,
            "points": p.points,
            "max": p.max,
            "percent": float(p.points / p.max * 100) if p.max else 0,
        }
        for p in score.pillars
    ]
    return {"score": score, "pillars": pillars}


def _agency_url(agency: Agency, year: int) -> str:
    return f"{reverse('analytics_transformation')}?{urlencode({'agency': agency.pk, 'year': year})}"


# --- the province's (or ministry's) panel --------------------------------------------------------------
@transformation_view
def province_panel(request):
    """A body's agencies × the indicators in a year, the share meeting each against the 2025 and 2030
    targets, their maturity, and the yearly report. A user without a body sees all their agencies against
    the strategy's own targets."""
    year, error = year_of(request)
    visible = Agency.objects.overseen_by(request.user)
    bodies = bodies_for(request.user)
    wanted = request.GET.get("body")
    body = (
        next((b for b in bodies if str(b.pk) == wanted), None) if wanted else (bodies[0] if bodies else None)
    )
    if wanted and body is None:
        raise Http404
    agencies = list((body.agencies.all() if body else visible).filter(pk__in=visible).order_by("name"))
    if not agencies:
        raise panels.NoAgency(_("You work for no agency and oversee none."))
    rows = indicators.agency_years(agencies, year)
    shares = indicators.shares(rows, body=body)
    scores = assessments_for([agency.pk for agency in agencies], [year])
    query = urlencode({"year": year, **({"body": body.pk} if body else {})})
    context = {
        "page_title": _("Digital transformation"),
        "body": body,
        "bodies": bodies,
        "year": year,
        "years": years(),
        "year_error": error,
        "query": query,
        "columns": [(indicator.label, indicators.SHORT_LABELS[indicator]) for indicator in Indicator],
        "shares": [
            {
                "share": share,
                "width": f"{share.percent or 0:.1f}",
                "targets": [{"target": target, "left": f"{target.share:.1f}"} for target in share.targets],
            }
            for share in shares
        ],
        "target_years": indicators.TARGET_YEARS,
        "rows": [
            {
                "agency": row.agency,
                "results": row.results,
                "met": row.met_count,
                "maturity": scores.get((row.agency.pk, year)),
                "url": _agency_url(row.agency, year),
            }
            for row in rows
        ],
        "reports": report_links(body, year) if body else [],
    }
    return render(request, "analytics/admin/strategy/province.html", context, status=400 if error else 200)


# --- declaring what the system cannot see ---------------------------------------------------------------
class DeclarationForm(forms.ModelForm):
    met = forms.TypedChoiceField(
        label=gettext_lazy("Met"),
        choices=[("1", gettext_lazy("Yes, met")), ("0", gettext_lazy("No, not met"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = IndicatorDeclaration
        fields = ["met", "evidence"]


@transformation_view
def declare(request, agency_id: int, year: int, indicator: str):
    """An agency manager's declaration of an indicator the system has no data for."""
    agency = declaration_policy.agencies_for(request.user, ["add", "change"]).filter(pk=agency_id).first()
    if agency is None or indicator not in Indicator.values or not 2000 <= year <= current_year():
        raise Http404
    instance = IndicatorDeclaration.objects.filter(agency=agency, year=year, indicator=indicator).first()
    form = DeclarationForm(request.POST or None, instance=instance)
    back = _agency_url(agency, year)
    if request.method == "POST" and form.is_valid():
        indicators.declare(
            agency=agency,
            year=year,
            indicator=indicator,
            met=form.cleaned_data["met"],
            evidence=form.cleaned_data["evidence"],
            user=request.user,
        )
        return redirect(back)
    context = {
        "page_title": _("Declare an indicator"),
        "agency": agency,
        "year": year,
        "indicator": Indicator(indicator),
        "form": form,
        "back": back,
    }
    return render(
        request, "analytics/admin/strategy/declare.html", context, status=400 if form.errors else 200
    )
