"""The distribution screens of the admin: channels, the delivery log with its retry, and the story editor's
channel choices and previews.

Every object outside the user's agencies answers 404, as if absent; inside them, a role that may not act
is refused (Wagtail's admin turns that refusal into a redirect with a message, or a 403 for scripts).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.log_actions import log

from . import outbox
from .adapters import DeliveryError, adapter_for
from .content import story_content
from .forms import DeliveryFilterSet, FailedDeliveryFilterSet
from .models import Channel, ChannelKind, Delivery, DeliveryState
from .selectors import (
    ANY_CHANNEL_ACTION,
    channel_policy,
    channels_for_listing,
    deliveries_for,
    delivery_policy,
    story_for_editor,
)
from .worker import wake_workers

# --- Channels (the ModelViewSet's views, each limited to the agencies where the role allows it) ---------


class ChannelScopeMixin:
    """Channels of the agencies where the user's role grants one of `scope_actions`; others answer 404."""

    scope_actions = ANY_CHANNEL_ACTION

    def scoped_channels(self):
        return channel_policy.instances_user_has_any_permission_for(self.request.user, self.scope_actions)

    def get_base_object_queryset(self):  # history and usage views
        return self.scoped_channels()


class SingleChannelScopeMixin(ChannelScopeMixin):
    def get_queryset(self):  # edit and delete views (Django's SingleObjectMixin)
        return self.scoped_channels()


class ChannelIndexView(generic.IndexView):
    def get_base_queryset(self):
        return channels_for_listing(self.request.user)


class ChannelCreateView(generic.CreateView):
    def get_initial(self):
        initial = super().get_initial()
        kind = self.request.GET.get("kind")
        if kind in ChannelKind.values:
            initial["kind"] = kind
        return initial


class ChannelEditView(SingleChannelScopeMixin, generic.EditView):
    scope_actions = ["change"]


class ChannelDeleteView(SingleChannelScopeMixin, generic.DeleteView):
    scope_actions = ["delete"]


class ChannelHistoryView(ChannelScopeMixin, HistoryView):
    pass


class ChannelUsageView(ChannelScopeMixin, UsageView):
    pass


class ChannelInspectView(ChannelScopeMixin, generic.InspectView):
    """What editors see of a channel: its settings and rules, and its credentials masked."""

    def get_object(self, queryset=None):
        return get_object_or_404(self.scoped_channels(), pk=self.pk)

    def get_credentials_display_value(self):
        masked = self.object.masked_credentials()
        return ", ".join(f"{name}: {value}" for name, value in sorted(masked.items())) or "-"

    def get_settings_display_value(self):
        settings = self.object.settings or {}
        return ", ".join(f"{name}: {value}" for name, value in sorted(settings.items())) or "-"

    def get_formats_display_value(self):
        return ", ".join(self.object.format_labels()) or _("Every format")


class FailedCountColumn(Column):
    """Failures of the last days, linked to the channel's failed deliveries."""

    cell_template_name = "distribution/admin/failed_count_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["failed_url"] = f"{reverse('distribution_deliveries:failed')}?channel={instance.pk}"
        return context


# --- The delivery log ---------------------------------------------------------------------------------


class StateColumn(Column):
    cell_template_name = "distribution/admin/delivery_state_cell.html"

    class Media:
        css = {"all": ["distribution/css/distribution-admin.css"]}


class ErrorColumn(Column):
    cell_template_name = "distribution/admin/delivery_error_cell.html"


class PostLinkColumn(Column):
    cell_template_name = "distribution/admin/delivery_link_cell.html"


class RetryColumn(Column):
    """A Retry button on failed deliveries the user may retry: a POST form that returns to this list."""

    cell_template_name = "distribution/admin/delivery_retry_cell.html"

    def __init__(self, name, *, retryable_agencies, next_url, **kwargs):
        super().__init__(name, **kwargs)
        self.retryable_agencies = retryable_agencies
        self.next_url = next_url

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["retry_url"] = (
            reverse("distribution_deliveries:retry", args=[instance.pk])
            if instance.state == DeliveryState.FAILED
            and instance.channel.agency_id in self.retryable_agencies
            else ""
        )
        context["next_url"] = self.next_url
        request = parent_context.get("request")
        context["csrf_token"] = get_token(request) if request else ""
        return context


def story_edit_url(delivery: Delivery) -> str | None:
    return reverse("wagtailadmin_pages:edit", args=[delivery.story_id]) if delivery.story_id else None


class DeliveryIndexView(generic.IndexView):
    """Every delivery of the user's agencies, newest first, filtered and searched by story title."""

    model = Delivery
    page_title = gettext_lazy("Deliveries")
    header_icon = "list-ul"
    any_permission_required = ["view"]
    index_url_name = "distribution_deliveries:index"
    index_results_url_name = "distribution_deliveries:index_results"
    filterset_class = DeliveryFilterSet
    search_fields = ["story_title"]
    search_backend_name = None  # deliveries are not in the search index: the title is matched in the database
    paginate_by = 30
    failed_only = False

    def listing_url(self) -> str:
        """This list with its filters, where a retry comes back to (also from the results fragment)."""
        query = self.request.GET.copy()
        query.pop("_w_filter_fragment", None)
        url = reverse(self.index_url_name)
        return f"{url}?{query.urlencode()}" if query else url

    def get_base_queryset(self):
        deliveries = deliveries_for(self.request.user)
        return deliveries.filter(state=DeliveryState.FAILED) if self.failed_only else deliveries

    def order_queryset(self, queryset):
        return queryset.order_by("-created_at", "-pk")

    @cached_property
    def columns(self):
        user = self.request.user
        retryable = set(delivery_policy.agencies_for(user, ["change"]).values_list("pk", flat=True))
        columns = [
            TitleColumn("story_title", label=_("Story"), get_url=story_edit_url, width="22%"),
            Column("channel", label=_("Channel"), accessor="channel.name"),
            Column("action", label=_("Action"), accessor="get_action_display"),
            StateColumn("state", label=_("State"), accessor="get_state_display"),
            Column("attempts", label=_("Attempts")),
            ErrorColumn("last_error", label=_("Last error")),
            DateColumn(
                "next_attempt_at",
                label=_("Next attempt"),
                accessor=lambda delivery: delivery.next_attempt_at if delivery.is_open else None,
            ),
            DateColumn("created_at", label=_("Created")),
            PostLinkColumn("remote_url", label=_("On the platform")),
            RetryColumn("retry", label="", retryable_agencies=retryable, next_url=self.listing_url()),
        ]
        if delivery_policy.agencies_for(user, ["view"]).count() > 1:
            columns.insert(2, Column("agency", label=_("Agency"), accessor="channel.agency.short_name"))
        return columns


class FailedDeliveryIndexView(DeliveryIndexView):
    page_title = gettext_lazy("Failed deliveries")
    header_icon = "warning"
    index_url_name = "distribution_deliveries:failed"
    index_results_url_name = "distribution_deliveries:failed_results"
    filterset_class = FailedDeliveryFilterSet
    failed_only = True


@require_POST
def retry_delivery(request, pk: int):
    """Put a failed delivery back in the outbox, due at once."""
    if not delivery_policy.user_has_permission(request.user, "change"):
        raise PermissionDenied
    delivery = get_object_or_404(deliveries_for(request.user, "change"), pk=pk)
    try:
        with transaction.atomic():  # the retry and its log entry, together
            outbox.retry(delivery=delivery, user=request.user)
            log(
                delivery.story or delivery,
                "distribution.retry",
                user=request.user,
                data={"channel": delivery.channel.name, "delivery": delivery.pk},
            )
    except ValueError as refusal:
        messages.error(request, str(refusal))
    else:
        transaction.on_commit(wake_workers)
        messages.success(
            request,
            _("“%(story)s” will be sent to %(channel)s again.")
            % {"story": delivery.story_title, "channel": delivery.channel.name},
        )
    return redirect(get_valid_next_url_from_request(request) or reverse("distribution_deliveries:failed"))


# --- The story editor: channel choices and previews --------------------------------------------------


@require_POST
def choose_channel(request, story_id: int):
    """Tick or untick one channel for a story (answers JSON, for the story panel's script)."""
    story = story_for_editor(request.user, story_id)
    channel_id = request.POST.get("channel", "")
    channel = (
        Channel.objects.filter(pk=channel_id, agency_id=story.agency_id).first()
        if channel_id.isdigit()
        else None
    )
    if channel is None:
        return JsonResponse({"error": _("This channel is not one of the story’s agency.")}, status=404)
    selected = request.POST.get("selected") in ("1", "true", "on")
    with transaction.atomic():  # the choice and its log entry, together
        outbox.choose_channels(story=story, selected={channel.pk: selected}, user=request.user)
        log(
            story,
            "distribution.channel_choice",
            user=request.user,
            data={"channel": channel.name, "channel_id": channel.pk, "selected": selected},
        )
    return JsonResponse({"channel": channel.pk, "selected": selected, "message": _("Saved")})


# The adapter's HTML goes into a sandboxed frame (no scripts), so neither its markup nor its styles can reach
# the admin page; these few rules only make it readable.
PREVIEW_DOCUMENT = (
    '<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><style>'
    "body{{margin:0;padding:1.25rem;font:16px/1.55 system-ui,sans-serif;color:#222}}"
    "img,video{{max-width:100%;height:auto}}h1{{font-size:1.5rem;line-height:1.3;margin:.75rem 0}}"
    "blockquote{{border-left:3px solid #ccc;margin:1rem 0;padding-left:1rem}}pre{{white-space:pre-wrap}}"
    "</style></head><body>{html}</body></html>"
)


def preview_story(request, story_id: int, channel_id: int):
    """The story as the channel will show it, from its latest saved revision, with the raw payload."""
    story = story_for_editor(request.user, story_id)
    channel = get_object_or_404(Channel, pk=channel_id, agency_id=story.agency_id)
    revision = story.latest_revision
    html, payload, problem = "", "", ""
    adapter = adapter_for(channel)
    try:
        content = story_content(story, revision)
        payload = json.dumps(adapter.render(content), ensure_ascii=False, indent=2, default=str)
        html = adapter.preview_html(content)
    except DeliveryError as error:
        problem = error.message
    finally:
        adapter.close()
    return render(
        request,
        "distribution/admin/preview.html",
        {
            "page_title": _("Preview"),
            "header_icon": "view",
            "story": story,
            "channel": channel,
            "revision": revision,
            "preview_document": PREVIEW_DOCUMENT.format(html=html, lang=story.language) if html else "",
            "payload": payload,
            "problem": problem,
            "edit_url": reverse("wagtailadmin_pages:edit", args=[story.pk]),
        },
    )
