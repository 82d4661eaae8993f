"""The audit log in Wagtail's admin: URLs, a menu item under Reports, its permission in the group editor."""

from django.contrib.auth.models import Permission
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .selectors import audit_policy


@hooks.register("register_admin_urls")
def register_audit_urls():
    from .views import AuditExportView, AuditLogView

    return [
        path("audit/", AuditLogView.as_view(), name="newsroom_audit"),
        path("audit/results/", AuditLogView.as_view(results_only=True), name="newsroom_audit_results"),
        path("audit/export.csv", AuditExportView.as_view(), name="newsroom_audit_export"),
    ]


class AuditMenuItem(MenuItem):
    def is_shown(self, request):
        return audit_policy.user_has_permission(request.user, "view")


@hooks.register("register_reports_menu_item")
def register_audit_menu_item():
    return AuditMenuItem(_("Audit log"), reverse("newsroom_audit"), icon_name="history", order=50)


@hooks.register("register_permissions")
def register_audit_permission():
    return Permission.objects.filter(content_type__app_label="newsroom", codename="view_auditentry")
