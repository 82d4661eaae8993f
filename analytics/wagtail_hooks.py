"""Readership in the admin: its pages (overview, production, CSV export, API tokens) and its menu item."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from newsroom.models import Agency

from . import views


@hooks.register("register_admin_urls")
def register_readership_urls():
    return [
        path("readership/", views.overview, name="analytics_readership"),
        path("readership/production/", views.production, name="analytics_readership_production"),
        path("readership/export/<slug:panel>.csv", views.export, name="analytics_readership_export"),
        path("readership/tokens/", views.tokens, name="analytics_tokens"),
        path("readership/tokens/<int:pk>/revoke/", views.revoke_token, name="analytics_token_revoke"),
    ]


class ReadershipMenuItem(MenuItem):
    def is_shown(self, request):
        return Agency.objects.overseen_by(request.user).exists()


@hooks.register("register_admin_menu_item")
def register_readership_menu_item():
    return ReadershipMenuItem(_("Readership"), reverse("analytics_readership"), icon_name="view", order=160)


# --- digital transformation: one admin menu, its items registered by each part -------------------------
TRANSFORMATION_MENU_HOOK = "register_transformation_menu_item"


class TransformationMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return Agency.objects.overseen_by(request.user).exists() or request.user.is_superuser


@hooks.register("register_admin_menu_item")
def register_transformation_menu():
    return TransformationMenuItem(
        _("Digital transformation"),
        Menu(register_hook_name=TRANSFORMATION_MENU_HOOK),
        icon_name="crosshairs",
        order=170,
    )


# Each part registers its own menu items and admin URLs; importing them here makes Wagtail see them.
from . import revenue_hooks, staff_hooks, strategy_hooks  # noqa: E402, F401
from .maturity import hooks as maturity_hooks  # noqa: E402, F401
from .report import hooks as report_hooks  # noqa: E402, F401
