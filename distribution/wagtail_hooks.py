"""The distribution app in the admin: the "Distribution" menu (channels, deliveries, failed deliveries),
the story editor's Distribution tab, and the log entries of retries and channel choices."""

from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.ui.tables import Column, StatusTagColumn
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy

from . import views
from .forms import ChannelForm
from .models import Channel, Delivery
from .panels import PlatformFieldsPanel, story_distribution_tab
from .selectors import channel_policy, delivery_policy, failed_count, rule_summary

register_permission_policy(Channel, channel_policy)
register_permission_policy(Delivery, delivery_policy)


class ChannelViewSet(ModelViewSet):
    """An agency's channels: its managers add and change them, its editors look at them."""

    model = Channel
    name = "distribution_channels"
    url_prefix = "distribution/channels"
    icon = "mobile-alt"
    menu_label = _("Channels")
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = views.ChannelIndexView
    add_view_class = views.ChannelCreateView
    edit_view_class = views.ChannelEditView
    delete_view_class = views.ChannelDeleteView
    history_view_class = views.ChannelHistoryView
    usage_view_class = views.ChannelUsageView
    inspect_view_class = views.ChannelInspectView
    list_display = [
        "name",
        Column("agency", label=capfirst(_("agency")), accessor="agency.short_name"),
        Column("kind", label=capfirst(_("platform")), accessor="get_kind_display"),
        Column(
            "domestic",
            label=_("Origin"),
            accessor=lambda channel: gettext("Domestic") if channel.domestic else gettext("Foreign"),
        ),
        StatusTagColumn(
            "enabled",
            label=capfirst(_("enabled")),
            accessor=lambda channel: gettext("Enabled") if channel.enabled else gettext("Disabled"),
            primary=lambda channel: channel.enabled,
        ),
        Column("rules", label=_("Automatic publishing"), accessor=rule_summary),
        Column("delivered_recently", label=_("Delivered, 7 days")),
        views.FailedCountColumn("failed_recently", label=_("Failed, 7 days")),
    ]
    search_fields = ["name"]
    inspect_view_fields = [
        "agency",
        "kind",
        "name",
        "enabled",
        "domestic",
        "base_url",
        "settings",
        "credentials",  # shown masked by the inspect view
        "auto_publish",
        "sections",
        "formats",
        "tags",
    ]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("agency"),
                    FieldPanel("kind"),
                    FieldPanel("name"),
                    FieldPanel("enabled"),
                    FieldPanel("domestic"),
                    FieldPanel("base_url"),
                ],
                heading=_("Channel"),
            ),
            PlatformFieldsPanel(heading=_("Platform settings")),
            MultiFieldPanel(
                [
                    FieldPanel("auto_publish"),
                    FieldPanel("sections"),
                    FieldPanel("formats"),
                    FieldPanel("tags"),
                ],
                heading=_("Automatic publishing"),
            ),
        ]
    )

    def get_form_class(self, for_update=False):
        # Not built from the panels: the platform fields are added per form, from the adapters.
        return ChannelForm


class DeliveryMenuItem(MenuItem):
    def is_shown(self, request):
        return delivery_policy.user_has_permission(request.user, "view")


class FailedDeliveryMenuItem(DeliveryMenuItem):
    """The failed list, with how many wait for someone: the count is the badge."""

    def render_component(self, request):
        count = failed_count(request.user)
        label = f"{self.label} ({count})" if count else self.label
        return LinkMenuItem(self.name, label, self.url, icon_name=self.icon_name, attrs=self.attrs)


class DeliveryViewSet(ViewSet):
    """The delivery log of the user's agencies, its failed deliveries, and their retry."""

    name = "distribution_deliveries"
    url_prefix = "distribution/deliveries"
    icon = "tasks"
    menu_label = _("Deliveries")
    menu_item_class = DeliveryMenuItem

    def get_urlpatterns(self):
        return [
            path("", views.DeliveryIndexView.as_view(), name="index"),
            path("results/", views.DeliveryIndexView.as_view(results_only=True), name="index_results"),
            path("failed/", views.FailedDeliveryIndexView.as_view(), name="failed"),
            path(
                "failed/results/",
                views.FailedDeliveryIndexView.as_view(results_only=True),
                name="failed_results",
            ),
            path("<int:pk>/retry/", views.retry_delivery, name="retry"),
        ]


class DistributionViewSetGroup(ViewSetGroup):
    menu_label = _("Distribution")
    menu_icon = "globe"
    menu_order = 260
    items = (ChannelViewSet, DeliveryViewSet)

    def get_submenu_items(self):
        failed = FailedDeliveryMenuItem(
            _("Failed"),
            reverse("distribution_deliveries:failed"),
            name="failed-deliveries",
            icon_name="warning",
        )
        return [*super().get_submenu_items(), failed]


@hooks.register("register_admin_viewset")
def register_distribution_viewsets():
    return DistributionViewSetGroup()


@hooks.register("register_admin_urls")
def register_story_distribution_urls():
    return [
        path(
            "distribution/stories/<int:story_id>/channels/",
            views.choose_channel,
            name="distribution_story_channels",
        ),
        path(
            "distribution/stories/<int:story_id>/channels/<int:channel_id>/preview/",
            views.preview_story,
            name="distribution_story_preview",
        ),
    ]


@hooks.register("register_story_edit_panels")
def story_distribution_tabs():
    return [story_distribution_tab()]


@hooks.register("register_log_actions")
def register_distribution_log_actions(actions):
    @actions.register_action("distribution.retry")
    class RetryLog(LogFormatter):
        label = _("Delivery retried")

        def format_message(self, log_entry):
            return gettext("Delivery to “%(channel)s” retried") % {
                "channel": log_entry.data.get("channel", "")
            }

    @actions.register_action("distribution.channel_choice")
    class ChannelChoiceLog(LogFormatter):
        label = _("Distribution channel chosen")

        def format_message(self, log_entry):
            channel = log_entry.data.get("channel", "")
            if log_entry.data.get("selected"):
                return gettext("Channel “%(channel)s” ticked for this story") % {"channel": channel}
            return gettext("Channel “%(channel)s” unticked for this story") % {"channel": channel}
