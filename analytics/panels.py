"""Readership panels: the figures the admin pages, the CSV export and the JSON API show.

Everything here reads the daily rollups (analytics.rollups), never raw events, except the real-time readers,
which ask the event store for the last five minutes. Every function costs a fixed number of queries, whatever
the number of agencies, days or stories.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distribution.models import Channel
from newsroom.models import Agency, Author, SectionPage, StoryFormat, StoryPage

from .models import WEB_CHANNEL, Device, Dimension, Period, ReferrerClass, Rollup
from .store import get_store

PRESETS = (7, 30, 90)
DEFAULT_PRESET = 30
MAX_DAYS = 731  # two years
REALTIME_WINDOW = timedelta(minutes=5)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MEASURES = ("pageviews", "visitors", "engaged_seconds", "scroll_total")


class PanelError(Exception):
    """Input a panel cannot answer; `message` is translated and safe to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RangeError(PanelError):
    pass


class NoAgency(PanelError):
    """The user works for and oversees no agency."""


class UnknownAgency(PanelError):
    """The agency asked for does not exist or is not one the user may see."""


# --- the date range -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Range:
    """Local days from `start` to `end`, both included; `preset` is set when picked as "the last N days"."""

    start: date
    end: date
    preset: int | None = None

    @classmethod
    def last(cls, days: int, *, today: date | None = None) -> "Range":
        today = today or timezone.localdate()
        return cls(start=today - timedelta(days=days - 1), end=today, preset=days)

    @classmethod
    def from_query(cls, params, *, today: date | None = None) -> "Range":
        """The range a query string asks for: `range=7|30|90`, or `from` and `to` (YYYY-MM-DD); the last
        30 days when it asks for none. Raises RangeError with a translated message."""
        preset, start, end = params.get("range", ""), params.get("from", ""), params.get("to", "")
        if not start and not end:
            if not preset:
                return cls.last(DEFAULT_PRESET, today=today)
            if preset not in {str(days) for days in PRESETS}:
                raise RangeError(_("Choose the last 7, 30 or 90 days, or two dates."))
            return cls.last(int(preset), today=today)
        if not start or not end:
            raise RangeError(_("Give both a start date and an end date."))
        period = cls(start=_parse_date(start), end=_parse_date(end))
        if period.start > period.end:
            raise RangeError(_("The start date is after the end date."))
        if period.days > MAX_DAYS:
            raise RangeError(_("The range is longer than two years; choose a shorter one."))
        return period

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Range":
        """The period of equal length just before this one."""
        return Range(start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def bounds(self) -> tuple[datetime, datetime]:
        """The aware start of the first day and of the day after the last."""
        return _midnight(self.start), _midnight(self.end + timedelta(days=1))

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]

    def query(self) -> dict[str, str]:
        """The query-string parameters that ask for this range again."""
        if self.preset:
            return {"range": str(self.preset)}
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _parse_date(text: str) -> date:
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise RangeError(
            _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": text[:20]}
        ) from None


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# --- who sees which agencies ------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """The agencies `visible` to a user, and those the panels show: the one chosen, or all visible."""

    visible: list[Agency]
    chosen: Agency | None = None

    @property
    def agencies(self) -> list[Agency]:
        return [self.chosen] if self.chosen else self.visible

    @property
    def ids(self) -> list[int]:
        return [agency.pk for agency in self.agencies]

    @property
    def several(self) -> bool:
        return len(self.agencies) > 1


def scope_for(user, wanted: str | None = None) -> Scope:
    """The agencies `user` works for or oversees, narrowed to `wanted` (an id; empty or "all": every one).

    Raises NoAgency when there is none, UnknownAgency for an agency the user may not see (or not an id).
    """
    visible = list(Agency.objects.overseen_by(user).select_related("site__root_page").order_by("name"))
    if not visible:
        raise NoAgency(_("You work for no agency and oversee none."))
    if not wanted or wanted == "all":
        return Scope(visible=visible)
    for agency in visible:
        if str(agency.pk) == wanted:
            return Scope(visible=visible, chosen=agency)
    raise UnknownAgency(_("There is no agency %(agency)s among yours.") % {"agency": wanted[:20]})


# --- figures -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figures:
    pageviews: int = 0
    visitors: int = 0
    engaged_seconds: int = 0
    scroll_total: int = 0

    @property
    def engaged_per_view(self) -> float | None:
        """Average engaged seconds per page view."""
        return self.engaged_seconds / self.pageviews if self.pageviews else None

    @property
    def scroll_depth(self) -> float | None:
        """Average maximum scroll depth of a view, in percent."""
        return self.scroll_total / self.pageviews if self.pageviews else None

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(*(getattr(self, name) + getattr(other, name) for name in MEASURES))

    def measures(self) -> dict[str, float | None]:
        """What the panels show: views, visitors, engaged seconds per view and scroll depth (%)."""
        return {
            "pageviews": self.pageviews,
            "visitors": self.visitors,
            "engaged_seconds_per_view": self.engaged_per_view,
            "scroll_depth": self.scroll_depth,
        }

    def as_dict(self) -> dict:
        return {name: _round(value) for name, value in self.measures().items()}


def _round(value: float | None) -> float | None:
    return value if value is None or isinstance(value, int) else round(value, 1)


def change(current: float | None, previous: float | None) -> float | None:
    """Percent change from `previous` to `current`; None when there is nothing to compare with."""
    if current is None or not previous:
        return None
    return round((current - previous) / previous * 100, 1)


@dataclass(frozen=True)
class Comparison:
    """Figures of a period beside those of the period before it."""

    current: Figures
    previous: Figures

    @property
    def changes(self) -> dict[str, float | None]:
        now, before = self.current.measures(), self.previous.measures()
        return {name: change(now[name], before[name]) for name in now}


@dataclass(frozen=True)
class Overview:
    total: Comparison
    by_agency: list[tuple[Agency, Comparison]]
    series: list[tuple[date, Figures]]


def _sums(prefix: str = "", condition: Q | None = None) -> dict:
    return {f"{prefix}{name}": Sum(name, filter=condition) for name in MEASURES}


def _figures(row: dict, prefix: str = "") -> Figures:
    return Figures(*(row.get(f"{prefix}{name}") or 0 for name in MEASURES))


def _daily(agency_ids: list[int], start: datetime, end: datetime, dimension: str):
    return Rollup.objects.filter(
        period=Period.DAY, dimension=dimension, agency_id__in=agency_ids, start__gte=start, start__lt=end
    )


def overview(*, scope: Scope, period: Range) -> Overview:
    """Totals per agency and together against the previous period, and the daily series. Two queries."""
    start, end = period.bounds()
    before = period.previous().bounds()[0]
    rows = {
        row["agency_id"]: row
        for row in _daily(scope.ids, before, end, Dimension.TOTAL)
        .values("agency_id")
        .annotate(**_sums("now_", Q(start__gte=start)), **_sums("before_", Q(start__lt=start)))
        .order_by()
    }
    by_agency = [
        (
            agency,
            Comparison(
                _figures(rows.get(agency.pk, {}), "now_"), _figures(rows.get(agency.pk, {}), "before_")
            ),
        )
        for agency in scope.agencies
    ]
    total = Comparison(
        sum((c.current for _a, c in by_agency), Figures()),
        sum((c.previous for _a, c in by_agency), Figures()),
    )
    days = {
        timezone.localtime(row["start"]).date(): _figures(row)
        for row in _daily(scope.ids, start, end, Dimension.TOTAL)
        .values("start")
        .annotate(**_sums())
        .order_by()
    }
    series = [(day, days.get(day, Figures())) for day in period.dates()]
    return Overview(total=total, by_agency=by_agency, series=series)


# --- breakdowns --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One key of a breakdown: what it is (label, links, agency) and its figures over the range."""

    key: str
    label: str
    figures: Figures
    agency: str = ""
    detail: str = ""
    url: str = ""
    admin_url: str = ""
    engaged: bool = True  # whether the engaged time and scroll depth of this key are known

    def as_dict(self) -> dict:
        figures = self.figures.as_dict()
        if not self.engaged:
            figures = {name: figures[name] for name in ("pageviews", "visitors")}
        data = {"key": self.key, "label": self.label, **figures}
        for name in ("agency", "detail", "url", "admin_url"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        return data


@dataclass(frozen=True)
class Breakdown:
    """A panel's dimension, how its rows are titled, whether an empty key is left out, and whether its keys'
    engagement is known."""

    name: str
    dimension: str
    title: object  # a lazy translation
    heading: object
    skip_empty: bool = False
    extra_columns: tuple = field(default=())
    engaged: bool = True


BREAKDOWNS = {
    b.name: b
    for b in [
        Breakdown(
            "stories",
            Dimension.STORY,
            gettext_lazy("Top stories"),
            gettext_lazy("Story"),
            extra_columns=("agency", "url", "admin_url"),
        ),
        Breakdown(
            "sections",
            Dimension.SECTION,
            gettext_lazy("Sections"),
            gettext_lazy("Section"),
            extra_columns=("agency",),
        ),
        Breakdown(
            "authors",
            Dimension.AUTHOR,
            gettext_lazy("Authors"),
            gettext_lazy("Author"),
            extra_columns=("agency",),
        ),
        Breakdown("formats", Dimension.FORMAT, gettext_lazy("Formats"), gettext_lazy("Format")),
        # Engagement events carry their page view's source, referring site and campaign (analytics.ingest);
        # views with no referring site or campaign sit under the empty key, left out of those two.
        Breakdown(
            "sources",
            Dimension.SOURCE,
            gettext_lazy("Sources"),
            gettext_lazy("Source"),
            skip_empty=True,
        ),
        Breakdown(
            "referrers",
            Dimension.REFERRER,
            gettext_lazy("Referring sites"),
            gettext_lazy("Site"),
            skip_empty=True,
        ),
        Breakdown(
            "campaigns",
            Dimension.CAMPAIGN,
            gettext_lazy("Campaigns"),
            gettext_lazy("Campaign"),
            skip_empty=True,
        ),
        Breakdown("devices", Dimension.DEVICE, gettext_lazy("Devices"), gettext_lazy("Device")),
        Breakdown(
            "channels",
            Dimension.CHANNEL,
            gettext_lazy("Channels"),
            gettext_lazy("Channel"),
            extra_columns=("detail",),
        ),
    ]
}


def breakdown(*, scope: Scope, period: Range, name: str, limit: int | None = None, request=None) -> list[Row]:
    """The rows of breakdown `name` (a key of BREAKDOWNS), most read first. Two queries at most."""
    spec = BREAKDOWNS[name]
    start, end = period.bounds()
    rows = _daily(scope.ids, start, end, spec.dimension)
    if spec.skip_empty:
        rows = rows.exclude(key="")
    # A key with engagement but no page view in the range (a view read across midnight) is left out.
    rows = rows.values("key").annotate(**_sums()).filter(pageviews__gt=0).order_by("-pageviews", "key")
    rows = list(rows[:limit] if limit is not None else rows)
    names = LABELLERS[spec.dimension]([row["key"] for row in rows], scope, request)
    return [
        Row(
            key=row["key"],
            figures=_figures(row),
            engaged=spec.engaged,
            **names.get(row["key"], {"label": row["key"]}),
        )
        for row in rows
    ]


def _int_keys(keys: list[str]) -> list[int]:
    return [int(key) for key in keys if key.isdigit()]


def _agency_names(scope: Scope) -> dict[int, str]:
    return {agency.pk: agency.name for agency in scope.agencies} if scope.several else {}


def _story_labels(keys, scope, request) -> dict[str, dict]:
    names = _agency_names(scope)
    labels = {}
    for story in StoryPage.objects.filter(pk__in=_int_keys(keys)).only(
        "id", "title", "live", "url_path", "agency_id", "path", "depth"
    ):
        labels[str(story.pk)] = {
            "label": story.title,
            "agency": names.get(story.agency_id, ""),
            "url": (story.get_full_url(request) or "") if story.live else "",
            "admin_url": reverse("wagtailadmin_pages:edit", args=[story.pk]),
        }
    for key in keys:
        labels.setdefault(key, {"label": _("Deleted story %(id)s") % {"id": key}})
    return labels


def _section_labels(keys, scope, request) -> dict[str, dict]:
    names = _agency_names(scope)
    # A section sits right under its agency's home page, so its path starts with the home page's.
    roots = {agency.root_page.path: names[agency.pk] for agency in scope.agencies} if names else {}
    labels = {}
    for pk, title, path in SectionPage.objects.filter(pk__in=_int_keys(keys)).values_list(
        "id", "title", "path"
    ):
        labels[str(pk)] = {"label": title, "agency": roots.get(path[: len(path) - SectionPage.steplen], "")}
    for key in keys:
        labels.setdefault(key, {"label": _("Deleted section %(id)s") % {"id": key}})
    return labels


def _author_labels(keys, scope, request) -> dict[str, dict]:
    names = _agency_names(scope)
    labels = {
        str(pk): {"label": name, "agency": names.get(agency_id, "")}
        for pk, name, agency_id in Author.objects.filter(pk__in=_int_keys(keys)).values_list(
            "pk", "name", "agency_id"
        )
    }
    for key in keys:
        labels.setdefault(key, {"label": _("Deleted author %(id)s") % {"id": key}})
    return labels


def _choice_labels(choices, empty):
    def labels(keys, scope, request) -> dict[str, dict]:
        named = dict(choices.choices)
        return {key: {"label": str(named.get(key, key or empty))} for key in keys}

    return labels


def _plain_labels(keys, scope, request) -> dict[str, dict]:
    return {key: {"label": key} for key in keys}


def _channel_labels(keys, scope, request) -> dict[str, dict]:
    ids = [int(key[2:]) for key in keys if key.startswith("ch") and key[2:].isdigit()]
    names = _agency_names(scope)
    website = _("The agencies' websites") if scope.several else _("The agency's website")
    labels = {WEB_CHANNEL: {"label": website, "detail": _("Website")}}
    for channel in Channel.objects.filter(pk__in=ids).only("id", "name", "kind", "agency_id"):
        labels[f"ch{channel.pk}"] = {
            "label": channel.name,
            "detail": str(channel.get_kind_display()),
            "agency": names.get(channel.agency_id, ""),
        }
    return {key: labels.get(key, {"label": _("Removed channel %(key)s") % {"key": key}}) for key in keys}


LABELLERS = {
    Dimension.STORY: _story_labels,
    Dimension.SECTION: _section_labels,
    Dimension.AUTHOR: _author_labels,
    Dimension.FORMAT: _choice_labels(StoryFormat, gettext_lazy("Other pages")),
    Dimension.SOURCE: _choice_labels(ReferrerClass, gettext_lazy("Unknown")),
    Dimension.REFERRER: _plain_labels,
    Dimension.CAMPAIGN: _plain_labels,
    Dimension.DEVICE: _choice_labels(Device, gettext_lazy("Unknown")),
    Dimension.CHANNEL: _channel_labels,
}


# --- real time --------------------------------------------------------------------------------------
def realtime(*, scope: Scope, now: datetime | None = None, top: int = 10) -> dict:
    """Readers of the last five minutes: {"type": "realtime", "readers": {agency id: n}, "total": n,
    "stories": [{"id", "title", "agency_id", "readers"}]}. Reads raw events (the rollups lag); two or
    three queries."""
    now = now or timezone.now()
    data = get_store().realtime(agency_ids=scope.ids, since=now - REALTIME_WINDOW, top=top)
    readers = {str(pk): data["readers"].get(pk, 0) for pk in scope.ids}
    ids = [row["story_id"] for row in data["stories"]]
    titles = dict(StoryPage.objects.filter(pk__in=ids).values_list("pk", "title")) if ids else {}
    stories = [
        {
            "id": row["story_id"],
            "title": titles.get(row["story_id"], _("Deleted story %(id)s") % {"id": row["story_id"]}),
            "agency_id": row["agency_id"],
            "readers": row["readers"],
        }
        for row in data["stories"]
    ]
    return {"type": "realtime", "readers": readers, "total": sum(readers.values()), "stories": stories}
