"""The readership panels as data: tables for the CSV export, and the token-authenticated JSON API.

GET /api/readership/v1/<panel>/?from=YYYY-MM-DD&to=YYYY-MM-DD&agency=<id> with `Authorization: Bearer <key>`
answers what the key's owner may read in the admin. Errors are JSON, {"error": message}, in the language of
the request's Accept-Language: 401 without a valid key, 404 for an unknown panel or an agency the owner may
not see, 403 for an owner who sees no agency, 400 for bad dates, 405 for anything but GET.
"""

from dataclasses import dataclass

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from distribution.models import ChannelKind

from . import panels
from .models import ApiToken
from .production import production_figures

MEASURE_HEADINGS = {
    "pageviews": gettext_lazy("Page views"),
    "visitors": gettext_lazy("Visitors"),
    "engaged_seconds_per_view": gettext_lazy("Engaged seconds per view"),
    "scroll_depth": gettext_lazy("Scroll depth (%)"),
}
ROW_HEADINGS = {
    "agency": gettext_lazy("Agency"),
    "detail": gettext_lazy("Kind"),
    "url": gettext_lazy("Address"),
    "admin_url": gettext_lazy("Edit"),
}
PANELS = ("overview", "daily", *panels.BREAKDOWNS, "realtime", "production")


@dataclass(frozen=True)
class Table:
    """One block of a CSV file: (key, heading) columns, rows and an optional total row, keyed alike."""

    columns: list[tuple[str, str]]
    rows: list[dict]
    total: dict | None = None
    title: str = ""


def _measure_columns(
    prefix: str = "", suffix: str = "", heading: str = "%s", *, engaged: bool = True
) -> list[tuple[str, str]]:
    keys = list(MEASURE_HEADINGS) if engaged else ["pageviews", "visitors"]
    return [(f"{prefix}{key}{suffix}", heading % MEASURE_HEADINGS[key]) for key in keys]


def _comparison(comparison: panels.Comparison) -> dict:
    changes = comparison.changes
    return {
        **comparison.current.as_dict(),
        **{f"previous_{key}": value for key, value in comparison.previous.as_dict().items()},
        **{f"{key}_change": value for key, value in changes.items()},
    }


def tables(name: str, *, scope: panels.Scope, period: panels.Range, request=None) -> list[Table]:
    """Panel `name` (one of PANELS) as tables; several only for the real-time and production panels."""
    if name == "overview":
        data = panels.overview(scope=scope, period=period)
        columns = [
            ("agency_id", _("Agency id")),
            ("agency", _("Agency")),
            *_measure_columns(),
            *_measure_columns(prefix="previous_", heading=_("%s, previous period")),
            *_measure_columns(suffix="_change", heading=_("%s, change (%%)")),
        ]
        rows = [{"agency_id": a.pk, "agency": a.name, **_comparison(c)} for a, c in data.by_agency]
        total = {"agency_id": "", "agency": _("Total"), **_comparison(data.total)} if scope.several else None
        return [Table(columns, rows, total)]
    if name == "daily":
        data = panels.overview(scope=scope, period=period)
        rows = [{"date": day.isoformat(), **figures.as_dict()} for day, figures in data.series]
        return [Table([("date", _("Date")), *_measure_columns()], rows)]
    if name in panels.BREAKDOWNS:
        spec = panels.BREAKDOWNS[name]
        rows = [
            row.as_dict() for row in panels.breakdown(scope=scope, period=period, name=name, request=request)
        ]
        if request is not None:
            for row in rows:
                if "admin_url" in row:
                    row["admin_url"] = request.build_absolute_uri(row["admin_url"])
        lead = [(key, str(ROW_HEADINGS[key])) for key in ("agency", "detail") if key in spec.extra_columns]
        tail = [(key, str(ROW_HEADINGS[key])) for key in ("url", "admin_url") if key in spec.extra_columns]
        columns = [
            ("key", _("Key")),
            ("label", str(spec.heading)),
            *lead,
            *_measure_columns(engaged=spec.engaged),
            *tail,
        ]
        return [Table(columns, rows)]
    if name == "realtime":
        data = panels.realtime(scope=scope)
        names = {str(agency.pk): agency.name for agency in scope.agencies}
        readers = [{"agency_id": pk, "agency": names[pk], "readers": n} for pk, n in data["readers"].items()]
        return [
            Table(
                [("agency_id", _("Agency id")), ("agency", _("Agency")), ("readers", _("Readers"))],
                readers,
                {"agency_id": "", "agency": _("Total"), "readers": data["total"]},
                title=_("Readers in the last five minutes"),
            ),
            Table(
                [
                    ("id", _("Story id")),
                    ("title", _("Story")),
                    ("agency_id", _("Agency id")),
                    ("readers", _("Readers")),
                ],
                data["stories"],
                title=_("Stories being read"),
            ),
        ]
    if name == "production":
        return production_tables(production(scope=scope, period=period))
    raise KeyError(name)


def production(*, scope: panels.Scope, period: panels.Range) -> dict:
    """Production figures of the scope's agencies over the range, with each channel's platform named."""
    figures = production_figures(agencies=scope.agencies, start=period.start, end=period.end)
    kinds = dict(ChannelKind.choices)
    for channel in figures["channels"]:
        channel["kind_label"] = str(kinds.get(channel["kind"], channel["kind"]))
    return figures


def production_tables(figures: dict) -> list[Table]:
    timing = figures["filing_to_publication"]
    return [
        Table(
            [
                ("published", _("Stories published")),
                ("count", _("Stories with a filing time")),
                ("median_minutes", _("Median minutes from filing to publication")),
                ("p90_minutes", _("90th percentile, minutes")),
            ],
            [{"published": figures["published"], **timing}],
            title=_("Publication"),
        ),
        Table(
            [("section_id", _("Section id")), ("title", _("Section")), ("stories", _("Stories"))],
            figures["by_section"],
            title=_("Stories per desk"),
        ),
        Table(
            [("user_id", _("User id")), ("name", _("Reporter")), ("stories", _("Stories"))],
            figures["by_reporter"],
            title=_("Stories per reporter"),
        ),
        Table(
            [
                ("channel_id", _("Channel id")),
                ("name", _("Channel")),
                ("kind_label", _("Platform")),
                ("delivered", _("Stories delivered")),
                ("share", _("Share of the agency's stories (0 to 1)")),
            ],
            figures["channels"],
            title=_("Delivered to each channel"),
        ),
    ]


def payload(name: str, *, scope: panels.Scope, period: panels.Range, request=None) -> dict:
    """Panel `name` as a JSON-able dict: the range and agencies, then the panel's own fields."""
    head = {
        "panel": name,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "agencies": [{"id": agency.pk, "name": agency.name} for agency in scope.agencies],
    }
    if name == "production":
        return {**head, **production(scope=scope, period=period)}
    if name == "realtime":
        return {**head, **panels.realtime(scope=scope)}
    (table,) = tables(name, scope=scope, period=period, request=request)
    body = {"rows": table.rows}
    if table.total is not None:
        body["total"] = table.total
    return {**head, **body}


def _error(message: str, status: int, **headers) -> JsonResponse:
    return JsonResponse({"error": str(message)}, status=status, headers=headers)


def _token(request) -> ApiToken | None:
    scheme, _space, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return ApiToken.authenticate(key.strip())


@csrf_exempt  # a bearer key, not a session cookie: nothing for a cross-site request to borrow
def panel(request, name: str):
    """One panel as JSON for the bearer of an API key."""
    if request.method not in ("GET", "HEAD"):
        return _error(_("Only GET is allowed."), 405, Allow="GET, HEAD")
    token = _token(request)
    if token is None:
        return _error(
            _("Send a valid API key: Authorization: Bearer <key>."),
            401,
            **{"WWW-Authenticate": 'Bearer realm="readership"'},
        )
    if name not in PANELS:
        return _error(_("There is no panel “%(name)s”.") % {"name": name[:40]}, 404)
    try:
        scope = panels.scope_for(token.user, request.GET.get("agency"))
        period = panels.Range.from_query(request.GET)
    except panels.NoAgency as error:
        return _error(error.message, 403)
    except panels.UnknownAgency as error:
        return _error(error.message, 404)
    except panels.RangeError as error:
        return _error(error.message, 400)
    response = JsonResponse(payload(name, scope=scope, period=period, request=request))
    response["Cache-Control"] = "private, no-store"
    return response
