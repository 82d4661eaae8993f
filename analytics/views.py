"""Readership in the admin: the overview, the newsroom production figures, CSV export and API tokens.

The views only pick the agencies and the range from the request and hand them to analytics.panels; the
charts (analytics.charts) are SVG drawn from the panels' figures, with the numbers in a table behind each.
"""

import csv
import io
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin import messages

from newsroom import audit

from . import api, panels
from .charts import bar_chart, duration, line_chart, number, percent, signed
from .models import ApiToken

TOP = 10
BAR_CHARTS = ("sources", "devices", "channels", "formats")
TOP_TABLES = ("stories", "sections", "authors", "referrers", "campaigns")


# --- the request's agencies and range --------------------------------------------------------------
def readership_view(view):
    """Answer 403, with the reason in the admin's frame, to someone who works for and oversees no agency.
    (Wagtail turns a PermissionDenied into a redirect to the dashboard.)"""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except panels.NoAgency as error:
            context = {"page_title": _("Readership"), "message": error.message}
            return render(request, "analytics/admin/no_agency.html", context, status=403)

    return wrapped


def _selection(request) -> tuple[panels.Scope, panels.Range, str]:
    """The scope and range a panel page asks for, and a translated error when the range is bad (then the
    default range is shown). NoAgency for someone who sees no agency, Http404 for an agency not theirs."""
    try:
        scope = panels.scope_for(request.user, request.GET.get("agency"))
    except panels.UnknownAgency:
        raise Http404 from None
    try:
        return scope, panels.Range.from_query(request.GET), ""
    except panels.RangeError as error:
        return scope, panels.Range.last(panels.DEFAULT_PRESET), error.message


def _query(scope: panels.Scope, period: panels.Range, **extra) -> str:
    params = {**period.query(), **({"agency": scope.chosen.pk} if scope.chosen else {}), **extra}
    return urlencode(params)


def _common(scope, period, error, *, active: str) -> dict:
    query = _query(scope, period)
    return {
        "scope": scope,
        "period": period,
        "range_error": error,
        "presets": [
            {"days": days, "active": period.preset == days, "query": _query(scope, panels.Range.last(days))}
            for days in panels.PRESETS
        ],
        "query": query,
        "active": active,
        "tabs": [
            ("overview", _("Overview"), reverse("analytics_readership")),
            ("production", _("Newsroom production"), reverse("analytics_readership_production")),
            ("tokens", _("API tokens"), reverse("analytics_tokens")),
        ],
    }


def _export_url(panel: str, query: str) -> str:
    return f"{reverse('analytics_readership_export', args=[panel])}?{query}"


def _tiles(comparison: panels.Comparison) -> list[dict]:
    """The four headline figures, each with its value before and its change in percent."""
    now, before, changes = comparison.current, comparison.previous, comparison.changes
    shown = [
        (_("Page views"), "pageviews", number),
        (_("Visitors"), "visitors", number),
        (_("Engaged time per view"), "engaged_seconds_per_view", duration),
        (_("Scroll depth"), "scroll_depth", percent),
    ]
    current, previous = now.measures(), before.measures()
    return [
        {
            "label": label,
            "value": show(current[key]),
            "before": show(previous[key]),
            "change": changes[key],
            "change_text": signed(changes[key]),
        }
        for label, key, show in shown
    ]


def _row_cells(row: panels.Row) -> dict:
    f = row.figures
    return {
        "row": row,
        "pageviews": number(f.pageviews),
        "visitors": number(f.visitors),
        "engaged": duration(f.engaged_per_view),
        "scroll": percent(f.scroll_depth),
    }


# --- pages ------------------------------------------------------------------------------------------
@readership_view
def overview(request):
    """The readership overview: figures against the previous period, the daily trend, where readers come
    from and what they read, and who is reading now."""
    scope, period, error = _selection(request)
    data = panels.overview(scope=scope, period=period)
    context = _common(scope, period, error, active="overview")
    query = context["query"]
    breakdowns = {
        name: panels.breakdown(scope=scope, period=period, name=name, limit=TOP, request=request)
        for name in (*BAR_CHARTS, *TOP_TABLES)
    }
    live = panels.realtime(scope=scope)
    agency_names = {str(agency.pk): agency.name for agency in scope.agencies}
    context.update(
        page_title=_("Readership"),
        tiles=_tiles(data.total),
        previous=period.previous(),
        trend=line_chart(data.series, title=_("Page views and visitors per day")),
        trend_export=_export_url("daily", query),
        charts=[
            {
                "name": name,
                "title": panels.BREAKDOWNS[name].title,
                "chart": bar_chart(breakdowns[name], title=str(panels.BREAKDOWNS[name].title)),
                "export": _export_url(name, query),
            }
            for name in BAR_CHARTS
        ],
        tables=[
            {
                "name": name,
                "title": panels.BREAKDOWNS[name].title,
                "heading": panels.BREAKDOWNS[name].heading,
                "with_agency": scope.several and name in ("stories", "sections", "authors"),
                "engaged": panels.BREAKDOWNS[name].engaged,
                "rows": [_row_cells(row) for row in breakdowns[name]],
                "export": _export_url(name, query),
            }
            for name in TOP_TABLES
        ],
        by_agency=[{"agency": agency, "cells": _tiles(comparison)} for agency, comparison in data.by_agency]
        if scope.several
        else [],
        overview_export=_export_url("overview", query),
        live={
            "total": number(live["total"]),
            "agencies": [(pk, agency_names[pk], number(n)) for pk, n in live["readers"].items()],
            "stories": [{**story, "readers": number(story["readers"])} for story in live["stories"]],
        },
        live_config={
            "path": "/ws/readership/" + (f"?agency={scope.chosen.pk}" if scope.chosen else ""),
            "labels": {"connecting": _("Connecting…"), "live": _("Live"), "offline": _("Not live")},
        },
        realtime_export=_export_url("realtime", query),
    )
    return render(request, "analytics/admin/overview.html", context, status=400 if error else 200)


@readership_view
def production(request):
    """What the newsrooms published over the range: filing to publication, desks, reporters, channels."""
    scope, period, error = _selection(request)
    figures = api.production(scope=scope, period=period)
    context = _common(scope, period, error, active="production")
    timing = figures["filing_to_publication"]
    context.update(
        page_title=_("Newsroom production"),
        tiles=[
            {"label": _("Stories published"), "value": number(figures["published"])},
            {
                "label": _("Median time from filing to publication"),
                "value": _minutes(timing["median_minutes"]),
            },
            {"label": _("90% published within"), "value": _minutes(timing["p90_minutes"])},
        ],
        timed=timing["count"],
        by_section=[{**row, "stories": number(row["stories"])} for row in figures["by_section"]],
        by_reporter=[{**row, "stories": number(row["stories"])} for row in figures["by_reporter"]],
        channels=[
            {
                **channel,
                "delivered": number(channel["delivered"]),
                "share_text": percent(channel["share"] * 100),
                "width": f"{channel['share'] * 100:.1f}",
            }
            for channel in figures["channels"]
        ],
        export=_export_url("production", context["query"]),
    )
    return render(request, "analytics/admin/production.html", context, status=400 if error else 200)


def _minutes(minutes: float | None) -> str:
    if minutes is None:
        return "—"
    if minutes < 59.5:
        return _("%(n)s min") % {"n": number(minutes)}
    hours, rest = divmod(round(minutes), 60)
    return _("%(h)d h %(m)02d min") % {"h": hours, "m": rest}


# Spreadsheets run a cell that starts like a formula; campaign names and titles come from outside.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@readership_view
def export(request, panel: str):
    """Panel `panel` with the page's filters as CSV, in UTF-8 with a byte-order mark for Excel."""
    if panel not in api.PANELS:
        raise Http404
    scope, period, error = _selection(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    blocks = api.tables(panel, scope=scope, period=period, request=request)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    for n, table in enumerate(blocks):
        if n:
            writer.writerow([])
        if len(blocks) > 1:
            writer.writerow([table.title])
        writer.writerow([heading for _key, heading in table.columns])
        for row in [*table.rows, *([table.total] if table.total else [])]:
            writer.writerow([csv_cell(row.get(key)) for key, _heading in table.columns])
    audit.record(
        "export.downloaded",
        request=request,
        user=request.user,
        agencies=scope.agencies,
        data={
            "export": "readership",
            "panel": panel,
            "format": "csv",
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
        },
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"readership-{panel}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- API tokens -------------------------------------------------------------------------------------
class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the key is for, such as “Monthly report spreadsheet”."),
    )


@readership_view
def tokens(request):
    """The user's own API keys; a new one is shown once, right after it is made."""
    scope = panels.scope_for(request.user)
    form = TokenForm(request.POST or None)
    key = None
    if request.method == "POST" and form.is_valid():
        token, key = ApiToken.issue(user=request.user, name=form.cleaned_data["name"])
        messages.success(
            request,
            _("API key “%(name)s” created. Copy it now: it is not shown again.") % {"name": token.name},
        )
        form = TokenForm()
    period = panels.Range.last(panels.DEFAULT_PRESET)
    context = _common(scope, period, "", active="tokens")
    context.update(
        page_title=_("API tokens"),
        form=form,
        key=key,
        tokens=ApiToken.objects.filter(user=request.user),
        example_url=request.build_absolute_uri(reverse("analytics_api", args=["overview"])),
        panel_names=api.PANELS,
    )
    return render(request, "analytics/admin/tokens.html", context, status=400 if form.errors else 200)


@require_POST
@readership_view
def revoke_token(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at__isnull=True)
    token.revoke()
    messages.success(request, _("API key “%(name)s” revoked.") % {"name": token.name})
    return redirect("analytics_tokens")
