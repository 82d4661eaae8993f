"""Wagtail hooks of the filing view (imported by newsroom.wagtail_hooks)."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.models import Page
from wagtail.permissions import policy_registry


@hooks.register("register_admin_urls")
def register_filing_urls():
    from . import urls

    return [path("filing/", include((urls.urlpatterns, urls.app_name), namespace=urls.app_name))]


def can_file(user) -> bool:
    """Staff who may add stories somewhere: the filing view is for them."""
    return policy_registry.get_by_type(Page).user_has_permission(user, "add")


class FilingMenuItem(MenuItem):
    def is_shown(self, request):
        return can_file(request.user)


@hooks.register("register_admin_menu_item")
def register_filing_menu_item():
    # Order 1: first in the menu, where a reporter in the field finds it at once.
    return FilingMenuItem(_("File a story"), reverse("newsroom_filing:page"), icon_name="edit", order=1)
