"""Reads for the distribution admin: who may reach which channel and delivery, and what the screens show.

Permissions come from newsroom.roles (a manager runs the agency's channels; editors see them, read the
delivery log and retry failures), held per agency: someone who manages one agency and edits for another
has a manager's rights in the first only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from newsroom.models import Agency, SectionPage, StoryPage
from newsroom.permissions import AgencyRolePermissionPolicy

from .models import Channel, Delivery, DeliveryState, Publication
from .outbox import ChannelPlan, plan_for

RECENT_DAYS = 7


channel_policy = AgencyRolePermissionPolicy(Channel, agency_path="agency")
delivery_policy = AgencyRolePermissionPolicy(Delivery, agency_path="channel__agency")
ANY_CHANNEL_ACTION = ["add", "change", "delete", "view"]


# --- Channels -----------------------------------------------------------------------------------------


def channels_for_listing(user) -> QuerySet[Channel]:
    """The channels the user may see, with their deliveries of the last week counted."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    return (
        channel_policy.instances_user_has_any_permission_for(user, ANY_CHANNEL_ACTION)
        .select_related("agency")
        .prefetch_related("sections")
        .annotate(
            delivered_recently=Count(
                "deliveries",
                filter=Q(deliveries__state=DeliveryState.DELIVERED, deliveries__delivered_at__gte=since),
            ),
            failed_recently=Count(
                "deliveries",
                filter=Q(deliveries__state=DeliveryState.FAILED, deliveries__updated_at__gte=since),
            ),
        )
    )


def rule_summary(channel: Channel) -> str:
    """The channel's auto-publish rules in one line, as the channel list shows them."""
    if not channel.auto_publish:
        return _("Only stories an editor ticks")
    parts = []
    sections = [section.title for section in channel.sections.all()]
    if sections:
        parts.append(_("sections: %(list)s") % {"list": ", ".join(sections)})
    if channel.formats:
        parts.append(_("formats: %(list)s") % {"list": ", ".join(channel.format_labels())})
    if channel.tag_list:
        parts.append(_("tags: %(list)s") % {"list": ", ".join(channel.tag_list)})
    if not parts:
        return _("Every story")
    return "; ".join(parts)


def sections_of(agencies) -> QuerySet[SectionPage]:
    """The sections (desks) of the given agencies, in tree order."""
    roots = Page.objects.filter(pk__in=agencies.values("site__root_page"))
    condition = Q(pk__in=[])
    for root in roots:
        condition |= Q(path__startswith=root.path, depth=root.depth + 1)
    return SectionPage.objects.filter(condition).order_by("path")


# --- Deliveries ---------------------------------------------------------------------------------------


def deliveries_for(user, action: str = "view") -> QuerySet[Delivery]:
    """Deliveries of the agencies where the user may `action` them, newest first."""
    return (
        delivery_policy.instances_user_has_permission_for(user, action)
        .select_related("channel", "channel__agency")
        .order_by("-created_at", "-pk")
    )


def failed_count(user) -> int:
    return deliveries_for(user).filter(state=DeliveryState.FAILED).count()


# --- The story editor's panel -------------------------------------------------------------------------


def story_for_editor(user, story_id: int) -> StoryPage:
    """The story if the user may edit it. Raises Http404 outside the user's agencies (its existence is
    private too) and PermissionDenied inside them when their role may not edit it."""
    story = (
        StoryPage.objects.filter(pk=story_id, agency__in=Agency.objects.for_user(user))
        .select_related("agency")
        .first()
    )
    if story is None:
        raise Http404(_("No such story."))
    if not story.permissions_for_user(user).can_edit():
        raise PermissionDenied
    return story


@dataclass(frozen=True)
class ChannelRow:
    """One channel as the story panel shows it: the plan, and where the story is on it."""

    plan: ChannelPlan
    latest: Delivery | None

    @property
    def channel(self) -> Channel:
        return self.plan.channel

    @property
    def publication(self) -> Publication | None:
        return self.plan.publication

    @property
    def post_url(self) -> str:
        if self.publication and self.publication.remote_url:
            return self.publication.remote_url
        return self.latest.remote_url if self.latest else ""


def story_channel_rows(story: StoryPage) -> list[ChannelRow]:
    """Every enabled channel of the story's agency with the editor's choice and the latest delivery."""
    latest: dict[int, Delivery] = {}
    for delivery in Delivery.objects.filter(story=story).order_by("-created_at", "-pk"):
        latest.setdefault(delivery.channel_id, delivery)
    return [ChannelRow(plan=plan, latest=latest.get(plan.channel.pk)) for plan in plan_for(story)]
