"""The digital-transformation panels in the admin: an agency's and a province's, declarations, targets."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet

from newsroom.models import Agency

from . import strategy_views
from .models import StrategyTarget


@hooks.register("register_admin_urls")
def register_transformation_urls():
    return [
        path("transformation/", strategy_views.agency_panel, name="analytics_transformation"),
        path("transformation/province/", strategy_views.province_panel, name="analytics_province"),
        path(
            "transformation/declare/<int:agency_id>/<int:year>/<slug:indicator>/",
            strategy_views.declare,
            name="analytics_declare",
        ),
    ]


class AgencyPanelMenuItem(MenuItem):
    def is_shown(self, request):
        return Agency.objects.overseen_by(request.user).exists()


class ProvincePanelMenuItem(MenuItem):
    def is_shown(self, request):
        return (
            bool(strategy_views.bodies_for(request.user))
            or Agency.objects.overseen_by(request.user).count() > 1
        )


@hooks.register("register_transformation_menu_item")
def register_agency_panel_item():
    return AgencyPanelMenuItem(
        _("Agency panel"), reverse("analytics_transformation"), icon_name="home", order=10
    )


@hooks.register("register_transformation_menu_item")
def register_province_panel_item():
    return ProvincePanelMenuItem(
        _("Province and ministry panel"), reverse("analytics_province"), icon_name="globe", order=20
    )


class StrategyTargetViewSet(ModelViewSet):
    """The targets: the strategy's own (loaded with the system) and any a province's or ministry's plan sets.
    Only administrators change them."""

    model = StrategyTarget
    icon = "crosshairs"
    menu_label = _("Strategy targets")
    menu_order = 950
    add_to_settings_menu = True
    list_display = ["indicator", "year", "share", "oversight_body", "source"]
    list_filter = ["indicator", "year", "oversight_body"]
    form_fields = ["indicator", "year", "share", "oversight_body", "source"]
    copy_view_enabled = False
    inspect_view_enabled = False


@hooks.register("register_admin_viewset")
def register_strategy_target_viewset():
    return StrategyTargetViewSet("strategy_targets")
