"""Reading the audit log: one timeline, newest first, of our AuditEntry rows and Wagtail's page and model log
entries, walled by agency.

The three sources are never unioned in SQL: each is asked for one page worth of rows beyond a cursor, in
(timestamp, source, pk) order, and the answers are merged here. Paging by cursor (keyset) keeps every page
as fast as the first on a log of millions of rows; OFFSET over a union would read every row before the page.
The rows of a page are completed with a fixed number of queries, whatever their number.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry, Page, PageLogEntry
from wagtail.users.utils import get_deleted_user_display_name

from newsroom.models import Agency, AuditEntry
from newsroom.permissions import AgencyRolePermissionPolicy

from .attribution import AGENCY_KEY, agencies_of_model_entries, model_entries, page_entries
from .describe import describe
from .services import ACTIONS

MODEL_LOG, PAGE_LOG, AUDIT = 0, 1, 2  # ranks that order entries of one instant
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Agency managers read their agency's log (newsroom.roles grants newsroom.view_auditentry).
audit_policy = AgencyRolePermissionPolicy(AuditEntry)


def readable_agencies(user):
    """The agencies whose log `user` may read: every one for a superuser, else where their role grants it."""
    return audit_policy.agencies_for(user, ["view"]).select_related("site__root_page").order_by("name")


class InvalidCursor(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Cursor:
    """Where a page ends: the (timestamp, source, pk) of an entry."""

    timestamp: datetime
    source: int
    pk: int

    def encode(self) -> str:
        return f"{(self.timestamp - EPOCH) // timedelta(microseconds=1)}.{self.source}.{self.pk}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises InvalidCursor for anything encode() did not write."""
        try:
            micros, source, pk = (int(part) for part in text.split("."))
            if source not in (MODEL_LOG, PAGE_LOG, AUDIT) or pk < 0:
                raise ValueError(text)
            return cls(EPOCH + timedelta(microseconds=micros), source, pk)
        except (ValueError, OverflowError):
            raise InvalidCursor(
                _("This page of the log no longer exists: showing the newest entries.")
            ) from None


@dataclass(frozen=True)
class Scope:
    """Whose entries: those of `agencies`, plus the deployment's own (no agency) when `deployment`; a
    superuser's unfiltered view (`everything`) also holds Wagtail's entries that concern no agency."""

    agencies: list[Agency]
    deployment: bool = False
    everything: bool = False


@dataclass(frozen=True)
class Filters:
    users: tuple[int, ...] = ()
    actions: tuple[str, ...] = ()
    start: datetime | None = None  # included
    end: datetime | None = None  # excluded
    text: str = ""


@dataclass(frozen=True)
class Row:
    cursor: Cursor
    user: object
    username: str
    agency: Agency | None
    action: str
    action_label: str
    object_type: str
    object_label: str
    details: str
    url: str = ""
    ip_address: str = ""
    user_agent: str = ""

    @property
    def timestamp(self) -> datetime:
        return self.cursor.timestamp


@dataclass
class TimelinePage:
    rows: list[Row] = field(default_factory=list)
    older: Cursor | None = None  # for the next page, None on the last
    newer: Cursor | None = None  # for the previous page, None on the first


# --- the sources ------------------------------------------------------------------------------------------
def _older(cursor: Cursor, rank: int) -> Q:
    """Rows of source `rank` after `cursor` in newest-first order."""
    if rank < cursor.source:
        return Q(timestamp__lte=cursor.timestamp)
    if rank > cursor.source:
        return Q(timestamp__lt=cursor.timestamp)
    return Q(timestamp__lt=cursor.timestamp) | Q(timestamp=cursor.timestamp, pk__lt=cursor.pk)


def _newer(cursor: Cursor, rank: int) -> Q:
    if rank > cursor.source:
        return Q(timestamp__gte=cursor.timestamp)
    if rank < cursor.source:
        return Q(timestamp__gt=cursor.timestamp)
    return Q(timestamp__gt=cursor.timestamp) | Q(timestamp=cursor.timestamp, pk__gt=cursor.pk)


def _common(entries, filters: Filters, actions: list[str] | None, text: Q | None):
    if actions is not None:
        entries = entries.filter(action__in=actions)
    if filters.users:
        entries = entries.filter(user_id__in=filters.users)
    if filters.start:
        entries = entries.filter(timestamp__gte=filters.start)
    if filters.end:
        entries = entries.filter(timestamp__lt=filters.end)
    if text is not None:
        entries = entries.filter(text)
    return entries


def _split_actions(filters: Filters, ours: bool) -> list[str] | None:
    """The filter's actions this source may hold (None: any); [] when it holds none of them."""
    if not filters.actions:
        return None
    return [action for action in filters.actions if (action in ACTIONS) == ours]


def _audit_entries(scope: Scope, filters: Filters):
    actions = _split_actions(filters, ours=True)
    if actions == []:
        return None
    entries = AuditEntry.objects.select_related("agency", "user__wagtail_userprofile")
    if not scope.everything:
        condition = Q(agency__in=[agency.pk for agency in scope.agencies]) if scope.agencies else None
        if scope.deployment:
            condition = Q(agency__isnull=True) if condition is None else condition | Q(agency__isnull=True)
        if condition is None:
            return None
        entries = entries.filter(condition)
    text = None
    if filters.text:
        term = filters.text
        text = Q(username__icontains=term) | Q(object_repr__icontains=term) | Q(data__icontains=term)
    return _common(entries, filters, actions, text)


def _wagtail_entries(log_model, scope: Scope, filters: Filters):
    actions = _split_actions(filters, ours=False)
    if actions == []:
        return None
    entries = log_model.objects.select_related("user__wagtail_userprofile")
    if log_model is ModelLogEntry:
        entries = entries.select_related("content_type")
    if not scope.everything:
        if log_model is PageLogEntry:
            condition = page_entries(scope.agencies)
        else:
            condition = model_entries([agency.pk for agency in scope.agencies])
        if condition is None:
            return None
        entries = entries.filter(condition)
    text = None
    if filters.text:
        text = Q(label__icontains=filters.text) | Q(user__username__icontains=filters.text)
    return _common(entries, filters, actions, text)


def _sources(scope: Scope, filters: Filters) -> dict[int, object]:
    found = {
        MODEL_LOG: _wagtail_entries(ModelLogEntry, scope, filters),
        PAGE_LOG: _wagtail_entries(PageLogEntry, scope, filters),
        AUDIT: _audit_entries(scope, filters),
    }
    return {rank: entries for rank, entries in found.items() if entries is not None}


def _fetch(scope, filters, *, before: Cursor | None, after: Cursor | None, limit: int):
    """Up to `limit` (cursor, entry) pairs beyond the cursor: newest first, or oldest first with `after`."""
    streams = []
    for rank, entries in _sources(scope, filters).items():
        if after is not None:
            rows = entries.filter(_newer(after, rank)).order_by("timestamp", "pk")[:limit]
        else:
            if before is not None:
                entries = entries.filter(_older(before, rank))
            rows = entries.order_by("-timestamp", "-pk")[:limit]
        streams.append([(Cursor(row.timestamp, rank, row.pk), row) for row in rows])
    merged = heapq.merge(*streams, key=lambda pair: pair[0], reverse=after is None)
    return [pair for _n, pair in zip(range(limit), merged, strict=False)]


# --- the rows --------------------------------------------------------------------------------------------
def _object_type(label: str) -> str:
    try:
        return capfirst(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


def _username(entry) -> str:
    if entry.user is not None:
        return entry.user.get_username()
    return get_deleted_user_display_name(entry.user_id) if entry.user_id else ""


def _message(entry) -> str:
    try:
        return str(entry.message)
    except Exception:  # a formatter reading an object that is gone
        return str(log_registry.get_action_label(entry.action))


def _audit_row(cursor: Cursor, entry: AuditEntry) -> Row:
    return Row(
        cursor=cursor,
        user=entry.user,
        username=entry.username,
        agency=entry.agency,
        action=entry.action,
        action_label=str(ACTIONS.get(entry.action, entry.action)),
        object_type=_object_type(entry.object_type) if entry.object_type else "",
        object_label=entry.object_repr,
        details=describe(entry.action, entry.data),
        ip_address=entry.ip_address or "",
        user_agent=entry.user_agent,
    )


def _wagtail_row(cursor: Cursor, entry, *, agency: Agency | None, object_type: str, url: str = "") -> Row:
    return Row(
        cursor=cursor,
        user=entry.user,
        username=_username(entry),
        agency=agency,
        action=entry.action,
        action_label=str(log_registry.get_action_label(entry.action)),
        object_type=object_type,
        object_label=entry.label,
        details=_message(entry),
        url=url,
    )


def _rows(pairs, scope: Scope) -> list[Row]:
    """The page's rows, completed with a fixed number of queries: the pages of its page entries, and the
    agency of its model entries (one query per model, only when the reader sees several agencies)."""
    agencies = {agency.pk: agency for agency in scope.agencies}
    if scope.everything:
        agencies = {agency.pk: agency for agency in Agency.objects.select_related("site__root_page")}
    by_root = {agency.root_page.path: agency for agency in agencies.values()}
    only = scope.agencies[0] if len(scope.agencies) == 1 and not scope.everything else None
    page_ids = {entry.page_id for cursor, entry in pairs if cursor.source == PAGE_LOG}
    pages = Page.objects.only("path", "depth", "content_type").in_bulk(page_ids) if page_ids else {}
    model_log = [entry for cursor, entry in pairs if cursor.source == MODEL_LOG]
    model_agencies = agencies_of_model_entries(model_log) if model_log and only is None else {}
    rows = []
    for cursor, entry in pairs:
        if cursor.source == AUDIT:
            rows.append(_audit_row(cursor, entry))
        elif cursor.source == PAGE_LOG:
            page = pages.get(entry.page_id)
            if page is None:  # deleted: its agency was kept in the entry
                agency = only or agencies.get((entry.data or {}).get(AGENCY_KEY))
                rows.append(_wagtail_row(cursor, entry, agency=agency, object_type=_("Page")))
                continue
            entry.page = page  # Wagtail's formatters read it: one query above instead of one per entry
            agency = only or by_root.get(page.path[: 2 * Page.steplen])
            url = reverse("wagtailadmin_pages:edit", args=[page.pk])
            rows.append(_wagtail_row(cursor, entry, agency=agency, object_type=_("Page"), url=url))
        else:
            model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
            object_type = capfirst(model._meta.verbose_name) if model is not None else ""
            agency = only or agencies.get(model_agencies.get(entry.pk))
            rows.append(_wagtail_row(cursor, entry, agency=agency, object_type=object_type))
    return rows


# --- pages -----------------------------------------------------------------------------------------------
def timeline_page(
    scope: Scope,
    filters: Filters,
    *,
    before: Cursor | None = None,
    after: Cursor | None = None,
    size: int = 50,
) -> TimelinePage:
    """One page of the timeline, newest first: the newest entries, those older than `before`, or those
    just newer than `after` (the page before the one that starts at `after`)."""
    if after is not None:
        pairs = _fetch(scope, filters, before=None, after=after, limit=size + 1)
        if len(pairs) <= size:  # no full page newer than `after`: that is the first page
            return timeline_page(scope, filters, size=size)
        pairs = list(reversed(pairs[:size]))
        return TimelinePage(rows=_rows(pairs, scope), older=pairs[-1][0], newer=pairs[0][0])
    pairs = _fetch(scope, filters, before=before, after=None, limit=size + 1)
    more = len(pairs) > size
    pairs = pairs[:size]
    return TimelinePage(
        rows=_rows(pairs, scope),
        older=pairs[-1][0] if more else None,
        newer=pairs[0][0] if before is not None and pairs else None,
    )


def timeline(scope: Scope, filters: Filters, *, chunk: int = 500) -> Iterator[Row]:
    """Every entry of the timeline, newest first, read a page at a time (for the CSV export)."""
    before = None
    while True:
        page = timeline_page(scope, filters, before=before, size=chunk)
        yield from page.rows
        if page.older is None:
            return
        before = page.older


def people(agencies: list[Agency], *, everyone: bool):
    """The people the person filter offers: staff of `agencies` (every account, for `everyone`)."""
    User = get_user_model()
    users = User.objects.all()
    if not everyone:
        users = users.filter(groups__agency_role__agency__in=agencies).distinct()
    return users.order_by(User.USERNAME_FIELD)
