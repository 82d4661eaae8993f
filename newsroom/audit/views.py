"""The audit log in the admin (/admin/audit/): one timeline of the agency's own audit entries and Wagtail's
log entries of its pages and objects, with filters, pages by cursor and a CSV export.

Agency managers read their agencies' log (the view permission on audit entries, granted by role); superusers
read everything, the entries that concern no agency included. Anyone else is turned away, and a filter that
names an agency outside the reader's is refused like any invalid choice."""

import csv
import io
from datetime import timedelta

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.auth import permission_denied
from wagtail.admin.ui.tables import Column, UserColumn
from wagtail.admin.views.generic.base import BaseListingView
from wagtail.admin.widgets.button import HeaderButton

from .filters import AuditFilterSet
from .selectors import Cursor, InvalidCursor, TimelinePage, readable_agencies, timeline, timeline_page
from .services import record

PAGE_SIZE = 50
CURSOR_PARAMS = ("before", "after")
# Spreadsheets run a cell that starts with one of these as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class PersonColumn(UserColumn):
    """The person's avatar and name; without an account, the name typed at a failed sign-in, or "System"."""

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        if instance.user is None:
            context["display_name"] = instance.username or _("System")
        return context


class TimeColumn(Column):
    """The exact local time, to the second: an audit reads times, not "3 hours ago"."""

    def get_value(self, instance):
        return date_format(timezone.localtime(instance.timestamp), "Y-m-d H:i:s")


class ObjectColumn(Column):
    """What the entry is about, linked to its edit view when it has one."""

    cell_template_name = "newsroom/admin/audit/object_cell.html"


class AuditLogView(BaseListingView):
    page_title = gettext_lazy("Audit log")
    header_icon = "history"
    results_template_name = "newsroom/admin/audit/results.html"
    index_url_name = "newsroom_audit"
    index_results_url_name = "newsroom_audit_results"
    filterset_class = AuditFilterSet
    is_searchable = True
    paginate_by = None
    page_size = PAGE_SIZE

    def dispatch(self, request, *args, **kwargs):
        self.notices: list[str] = []  # what the reader should know about their request (bad filters)
        self.agencies = list(readable_agencies(request.user))
        if not self.agencies and not request.user.is_superuser:
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_filterset_kwargs(self):
        return {
            **super().get_filterset_kwargs(),
            "agencies": self.agencies,
            "superuser": self.request.user.is_superuser,
        }

    @cached_property
    def selection(self):
        """(Scope, Filters) the request asks for, or None when its filters are invalid (said in notices)."""
        if not self.filters.is_valid():
            self.notices.append(_("Correct the filters to see entries."))
            return None
        try:
            return self.filters.selection(self.search_query)
        except ValueError as error:
            self.notices.append(str(error))
            return None

    def cursor(self, name: str) -> Cursor | None:
        text = self.request.GET.get(name)
        if not text:
            return None
        try:
            return Cursor.decode(text)
        except InvalidCursor as error:
            self.notices.append(str(error))
            return None

    @cached_property
    def timeline_page(self) -> TimelinePage:
        if self.selection is None:
            return TimelinePage()
        scope, filters = self.selection
        before, after = self.cursor("before"), self.cursor("after")
        return timeline_page(
            scope, filters, before=before, after=None if before else after, size=self.page_size
        )

    def get_queryset(self):
        return self.timeline_page.rows

    @property
    def columns(self):
        columns = [
            TimeColumn("timestamp", label=_("Time"), classname="w-whitespace-nowrap"),
            PersonColumn("user", label=_("Person")),
        ]
        if self.filters.several_agencies:
            columns.append(Column("agency", label=_("Agency")))
        columns += [
            Column("action_label", label=_("Action")),
            Column("object_type", label=_("Type")),
            ObjectColumn("object_label", label=_("Object")),
            Column("details", label=_("Details")),
            Column("ip_address", label=_("Address")),
        ]
        return columns

    def query_string(self, **changes) -> str:
        params = self.request.GET.copy()
        for name in (*CURSOR_PARAMS, "_w_filter_fragment"):
            params.pop(name, None)
        for name, value in changes.items():
            params[name] = value
        return params.urlencode()

    def get_header_buttons(self):
        url = f"{reverse('newsroom_audit_export')}?{self.query_string()}"
        return [HeaderButton(_("Download CSV"), url=url, icon_name="download")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = self.timeline_page
        index = self.index_url
        context["older_url"] = (
            f"{index}?{self.query_string(before=page.older.encode())}" if page.older else ""
        )
        context["newer_url"] = f"{index}?{self.query_string(after=page.newer.encode())}" if page.newer else ""
        context["newest_url"] = f"{index}?{self.query_string()}" if page.newer else ""
        context["notices"] = self.notices
        return context


class AuditExportView(AuditLogView):
    """The filtered timeline as CSV (UTF-8 with a byte-order mark, for Excel); the export is itself logged."""

    def get(self, request, *args, **kwargs):
        if self.selection is None:
            return HttpResponse(" ".join(self.notices), status=400, content_type="text/plain; charset=utf-8")
        scope, filters = self.selection
        record(
            "export.downloaded",
            request=request,
            user=request.user,
            agencies=scope.agencies,
            data={
                "export": "audit_log",
                "format": "csv",
                **({"from": timezone.localtime(filters.start).date().isoformat()} if filters.start else {}),
                **({"to": _last_day(filters.end)} if filters.end else {}),
                **({"actions": list(filters.actions)} if filters.actions else {}),
                **({"people": list(filters.users)} if filters.users else {}),
                **({"text": filters.text} if filters.text else {}),
            },
        )
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(
            [
                _("Time"),
                _("Agency"),
                _("Person"),
                _("Action code"),
                _("Action"),
                _("Type"),
                _("Object"),
                _("Details"),
                _("Address"),
                _("Browser"),
            ]
        )
        for row in timeline(scope, filters):
            cells = [
                timezone.localtime(row.timestamp).isoformat(),
                row.agency.name if row.agency else "",
                row.username,
                row.action,
                row.action_label,
                row.object_type,
                row.object_label,
                row.details,
                row.ip_address,
                row.user_agent,
            ]
            writer.writerow([_cell(cell) for cell in cells])
        response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        name = f"audit-log-{timezone.localdate().isoformat()}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


def _last_day(end) -> str:
    return (timezone.localtime(end) - timedelta(days=1)).date().isoformat()


def _cell(value: str) -> str:
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value
