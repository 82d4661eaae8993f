"""Revenue in the admin: the panel (the year against the one before, by month and source, per thousand
page views, per agency), its CSV export, and the CSV import with its undo. The ledger's form and listing are
in analytics.revenue_ledger, its ModelViewSet in analytics.revenue_hooks.

The agency's managers keep the ledger (newsroom.roles); the officers of the bodies overseeing it read the
panel and change nothing. The views pick the agencies and the year from the request and hand them to
analytics.revenue.
"""

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.utils import get_user_display_name

from newsroom import audit

from . import indicators, panels, revenue
from .charts import number, signed, stacked_bars, vnd, vnd_short
from .csv_import import CsvImportError, ImportForm
from .models import RevenueSource
from .revenue_csv import COLUMNS
from .revenue_ledger import entry_policy, import_policy
from .strategy_views import scope_of, transformation_view, year_of
from .views import csv_cell
from .years import years


# --- the panel ---------------------------------------------------------------------------------------------
def _figures(ids: list[int], year: int) -> dict:
    """The panel's figures for the agencies `ids` together and each: four queries, whatever their number."""
    months = revenue.compared_months(year)
    totals = revenue.totals_by_year(ids, [year - 1, year], months=months)
    views = revenue.pageviews_by_year(ids, year)
    agencies = {}
    for pk in ids:
        now, before = totals.get((pk, year)), totals.get((pk, year - 1))
        agencies[pk] = {
            "now": now,
            "before": before,
            "growth": revenue.growth(now, before),
            "views": views.get(pk),
            "per_thousand": revenue.per_thousand_views(now, views.get(pk)),
        }
    now = sum(row["now"] or 0 for row in agencies.values()) or None
    return {
        "now": now,
        "before": sum(row["before"] or 0 for row in agencies.values()) or None,
        "growth": revenue.combined_growth((row["now"], row["before"]) for row in agencies.values()),
        "per_thousand": revenue.per_thousand_views(now, sum(views.values())),
        "views": sum(views.values()) or None,
        "agencies": agencies,
        "by_source": revenue.totals_by_source(ids, [year - 1, year], months=months),
        "months": months,
        "monthly": revenue.monthly_by_source(ids, year),
    }


def _source_rows(by_source: dict, year: int) -> list[dict]:
    rows = []
    total_now = sum(value for (_source, y), value in by_source.items() if y == year)
    for source in RevenueSource:
        now, before = by_source.get((source.value, year)), by_source.get((source.value, year - 1))
        if now or before:
            rows.append(
                {
                    "source": source.value,
                    "label": source.label,
                    "now": now,
                    "before": before,
                    "growth": revenue.growth(now, before),
                    "share": now / total_now * 100 if now and total_now else None,
                }
            )
    return rows


def _selection(request) -> tuple[panels.Scope, int, str]:
    scope = scope_of(request)
    year, error = year_of(request)
    return scope, year, error


def _query(scope: panels.Scope, year: int) -> str:
    return urlencode({"year": year, **({"agency": scope.chosen.pk} if scope.chosen else {})})


@transformation_view
def panel(request):
    """Revenue of the year for the agencies the user may see: against the year before and the 20% line, by
    month and source, per thousand page views, and per agency for someone who sees several."""
    scope, year, error = _selection(request)
    figures = _figures(scope.ids, year)
    growth = figures["growth"]
    months = [f"{m:02d}" for m in range(1, 13)]
    series = [(str(RevenueSource(source).label), values) for source, values in figures["monthly"].items()]
    context = {
        "page_title": _("Revenue"),
        "subtitle": scope.chosen.name if scope.chosen else _("All your agencies"),
        "scope": scope,
        "year": year,
        "years": years(),
        "year_error": error,
        "query": _query(scope, year),
        "line": number(indicators.REVENUE_GROWTH_LINE),
        "tiles": [
            {
                "label": _("Revenue %(period)s")
                % {"period": revenue.compared_period(year, figures["months"])},
                "value": vnd_short(figures["now"]),
            },
            {
                "label": _("Revenue %(period)s")
                % {"period": revenue.compared_period(year - 1, figures["months"])},
                "value": vnd_short(figures["before"]),
            },
            {
                "label": _("Growth against %(before)d") % {"before": year - 1},
                "value": signed(growth) or "—",
                "met": indicators.growth_met(growth),
                "growth": True,
            },
            {
                "label": _("Revenue per thousand page views"),
                "value": vnd_short(figures["per_thousand"]),
                "note": _("%(views)s page views") % {"views": number(figures["views"] or 0)},
            },
        ],
        "chart": stacked_bars(
            months, series, title=_("Revenue by month and source, %(year)d") % {"year": year}
        ),
        "chart_months": [f"{m:02d}/{year}" for m in range(1, 13)],
        "sources": [
            {
                **row,
                "now": vnd(row["now"]),
                "before": vnd(row["before"]),
                "growth_text": signed(row["growth"]),
                "met": indicators.growth_met(row["growth"]),
                "share": "—" if row["share"] is None else f"{number(row['share'], 1)} %",
            }
            for row in _source_rows(figures["by_source"], year)
        ],
        "agencies": [
            {
                "agency": agency,
                "now": vnd(row["now"]),
                "before": vnd(row["before"]),
                "growth": signed(row["growth"]) or "—",
                "met": indicators.growth_met(row["growth"]),
                "per_thousand": vnd(row["per_thousand"]),
                "url": f"?{urlencode({'year': year, 'agency': agency.pk})}",
            }
            for agency in scope.agencies
            for row in [figures["agencies"][agency.pk]]
        ]
        if scope.several
        else [],
        "export": f"{reverse('analytics_revenue_export')}?{_query(scope, year)}",
        "ledger": reverse("analytics_revenue_entries:index")
        if entry_policy.user_has_any_permission(request.user, ["view"])
        else None,
        "import_url": reverse("analytics_revenue_import")
        if import_policy.user_has_permission(request.user, "add")
        else None,
    }
    return render(request, "analytics/admin/revenue/panel.html", context, status=400 if error else 200)


def _percent_cell(value: float | None):
    return "" if value is None else round(value, 1)


@transformation_view
def export(request):
    """The panel's tables as CSV (UTF-8 with a byte-order mark, for Excel): by source, by month, and by agency
    for several; amounts in whole đồng, unformatted, so that a spreadsheet can add them up."""
    scope, year, error = _selection(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    figures = _figures(scope.ids, year)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("Revenue by source")])
    writer.writerow([_("Source"), year - 1, year, _("Growth (%)"), _("Share (%)")])
    for row in _source_rows(figures["by_source"], year):
        writer.writerow(
            [
                row["label"],
                row["before"] or "",
                row["now"] or "",
                _percent_cell(row["growth"]),
                _percent_cell(row["share"]),
            ]
        )
    writer.writerow([])
    writer.writerow([_("Revenue by month, %(year)d") % {"year": year}])
    sources = list(figures["monthly"])
    writer.writerow([_("Month"), *(RevenueSource(source).label for source in sources), _("Total")])
    for m in range(12):
        values = [figures["monthly"][source][m] for source in sources]
        writer.writerow([f"{m + 1:02d}/{year}", *values, sum(values)])
    if scope.several:
        writer.writerow([])
        writer.writerow([_("Revenue by agency")])
        writer.writerow(
            [
                _("Agency"),
                year - 1,
                year,
                _("Growth (%)"),
                _("Page views"),
                _("Revenue per thousand page views"),
            ]
        )
        for agency in scope.agencies:
            row = figures["agencies"][agency.pk]
            writer.writerow(
                [
                    csv_cell(agency.name),
                    row["before"] or "",
                    row["now"] or "",
                    _percent_cell(row["growth"]),
                    row["views"] or "",
                    "" if row["per_thousand"] is None else round(row["per_thousand"]),
                ]
            )
    audit.record(
        "export.downloaded",
        request=request,
        user=request.user,
        agencies=scope.agencies,
        data={"export": "revenue", "format": "csv", "year": year},
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="revenue-{year}.csv"'
    return response


# --- the import -----------------------------------------------------------------------------------------
def _no_ledger(request, title: str):
    context = {"page_title": title, "message": _("You keep the revenue ledger of no agency.")}
    return render(request, "analytics/admin/no_agency.html", context, status=403)


def import_page(request):
    """Upload a CSV of one agency's revenue (imported whole or not at all), and the agencies' past imports,
    each with its undo."""
    title = _("Import revenue")
    agencies = import_policy.agencies_for(request.user, ["add"]).order_by("name")
    if not agencies:
        return _no_ledger(request, title)
    form = ImportForm(request.POST or None, request.FILES or None, agencies=agencies)
    errors = []
    if request.method == "POST" and form.is_valid():
        agency, upload = form.cleaned_data["agency"], form.cleaned_data["file"]
        try:
            record = revenue.import_csv(
                agency=agency, file_name=upload.name, data=upload.read(), user=request.user
            )
        except CsvImportError as error:
            errors = error.errors
        else:
            messages.success(
                request,
                _("“%(file)s” imported for %(agency)s: %(rows)s rows, %(total)s in all.")
                % {
                    "file": record.file_name,
                    "agency": agency.name,
                    "rows": number(record.rows),
                    "total": vnd(record.total),
                },
            )
            return redirect("analytics_revenue_import")
    deletable = set(import_policy.agencies_for(request.user, ["delete"]).values_list("pk", flat=True))
    imports = import_policy.instances_user_has_permission_for(request.user, "view").select_related(
        "agency", "imported_by"
    )
    context = {
        "page_title": title,
        "form": form,
        "errors": errors,
        "sources": RevenueSource.choices,
        "imports": [
            {
                "record": record,
                "total": vnd(record.total),
                "rows": number(record.rows),
                "by": get_user_display_name(record.imported_by) if record.imported_by else "",
                "undo": reverse("analytics_revenue_undo", args=[record.pk])
                if record.agency_id in deletable
                else None,
            }
            for record in imports[:100]
        ],
        "template_url": reverse("analytics_revenue_template"),
        "ledger": reverse("analytics_revenue_entries:index"),
        "panel": reverse("analytics_revenue"),
    }
    return render(
        request, "analytics/admin/revenue/import.html", context, status=400 if errors or form.errors else 200
    )


def undo_import(request, pk: int):
    """Asks, then deletes an import and the entries it brought."""
    record = get_object_or_404(
        import_policy.instances_user_has_permission_for(request.user, "delete").select_related("agency"),
        pk=pk,
    )
    if request.method == "POST":
        count = revenue.undo_import(record=record)
        messages.success(
            request,
            _("Import “%(file)s” undone: %(count)s entries deleted.")
            % {"file": record.file_name, "count": number(count)},
        )
        return redirect("analytics_revenue_import")
    context = {
        "page_title": _("Undo an import"),
        "record": record,
        "entries": number(record.entries.count()),
        "total": vnd(record.total),
        "back": reverse("analytics_revenue_import"),
    }
    return render(request, "analytics/admin/revenue/undo.html", context)


def template(request):
    """A CSV to fill in: the header in the user's language (both are read), one row per source for last
    month with the amount left blank; semicolons and a byte-order mark, as Excel in Vietnamese expects."""
    if not import_policy.user_has_permission(request.user, "add"):
        raise Http404
    english = translation.get_language() == "en"
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow([aliases[0 if english else 1] for aliases in COLUMNS.values()])
    for _value, label in RevenueSource.choices:
        writer.writerow([f"{last_month.month:02d}/{last_month.year}", label, "", ""])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="revenue-template.csv"'
    return response
