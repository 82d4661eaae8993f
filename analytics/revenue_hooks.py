"""Admin hooks (menu items, URLs) of this part of digital transformation: the revenue panel, the ledger (a
ModelViewSet walled per agency and role, analytics.revenue_ledger) and the CSV import
(analytics.revenue_views)."""

from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from newsroom.models import Agency
from newsroom.permissions import AgencyScopedObjectLookupMixin, scoped_view

from . import revenue_ledger as ledger
from . import revenue_views as views
from .charts import vnd
from .models import RevenueEntry, RevenueImport
from .revenue import month_label

# newsroom.permissions.scoped_queryset (the ledger's walls) finds these through the registry.
register_permission_policy(RevenueEntry, ledger.entry_policy)
register_permission_policy(RevenueImport, ledger.import_policy)


def _imported_from(entry: RevenueEntry) -> str:
    return entry.imported_from.file_name if entry.imported_from else ""


class RevenueEntryViewSet(ModelViewSet):
    """The agency's revenue ledger: its managers list, add, correct and delete its entries, and no other's."""

    model = RevenueEntry
    name = "analytics_revenue_entries"
    url_prefix = "transformation/revenue/ledger"
    icon = "table"
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = False  # Wagtail's inspect view looks objects up unwalled
    permission_policy = ledger.entry_policy
    index_view_class = ledger.RevenueEntryIndexView
    edit_view_class = scoped_view(generic.EditView, mixin=AgencyScopedObjectLookupMixin)
    delete_view_class = scoped_view(generic.DeleteView, mixin=AgencyScopedObjectLookupMixin)
    history_view_class = scoped_view(ModelViewSet.history_view_class, mixin=AgencyScopedObjectLookupMixin)
    usage_view_class = scoped_view(ModelViewSet.usage_view_class, mixin=AgencyScopedObjectLookupMixin)
    list_display = [
        Column(
            "month", label=capfirst(_("month")), accessor=lambda e: month_label(e.month), sort_key="month"
        ),
        "source",
        Column(
            "amount", label=capfirst(_("amount (VND)")), accessor=lambda e: vnd(e.amount), sort_key="amount"
        ),
        Column("agency", label=capfirst(_("agency")), accessor="agency.short_name"),
        "note",
        Column("imported_from", label=capfirst(_("imported from")), accessor=_imported_from),
    ]
    search_fields = ["note"]
    ordering = ["-month", "source"]
    edit_handler = ObjectList(
        [FieldPanel(name) for name in ("agency", "source", "month", "amount", "note")],
        base_form_class=ledger.RevenueEntryForm,
    )


revenue_entry_viewset = RevenueEntryViewSet()


@hooks.register("register_admin_viewset")
def register_revenue_viewset():
    return revenue_entry_viewset


@hooks.register("register_admin_urls")
def register_revenue_urls():
    return [
        path("transformation/revenue/", views.panel, name="analytics_revenue"),
        path("transformation/revenue/export.csv", views.export, name="analytics_revenue_export"),
        path("transformation/revenue/import/", views.import_page, name="analytics_revenue_import"),
        path("transformation/revenue/import/template.csv", views.template, name="analytics_revenue_template"),
        path(
            "transformation/revenue/import/<int:pk>/undo/", views.undo_import, name="analytics_revenue_undo"
        ),
    ]


class RevenuePanelMenuItem(MenuItem):
    def is_shown(self, request):
        return Agency.objects.overseen_by(request.user).exists()


class LedgerMenuItem(MenuItem):
    def is_shown(self, request):
        return ledger.entry_policy.user_has_any_permission(request.user, ["view", "add"])


@hooks.register("register_transformation_menu_item")
def register_revenue_menu_item():
    return RevenuePanelMenuItem(
        _("Revenue"), reverse("analytics_revenue"), name="revenue", icon_name="table", order=200
    )


@hooks.register("register_transformation_menu_item")
def register_ledger_menu_item():
    return LedgerMenuItem(
        _("Revenue ledger"),
        reverse("analytics_revenue_entries:index"),
        name="revenue-ledger",
        icon_name="list-ul",
        order=210,
    )
