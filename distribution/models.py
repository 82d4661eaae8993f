"""Channels (an agency's accounts on platforms), the delivery outbox, and where each story landed."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel

from newsroom.models import Agency, SectionPage, StoryFormat, StoryPage
from newsroom.secrets import EncryptedJSONField, mask


class ChannelKind(models.TextChoices):
    ZALO = "zalo", _("Zalo Official Account")
    WEBHOOK = "webhook", _("Partner webhook (ninjs)")
    FACEBOOK = "facebook", _("Facebook Page")
    TELEGRAM = "telegram", _("Telegram channel")
    MASTODON = "mastodon", _("Mastodon (ActivityPub)")


DOMESTIC_KINDS = {ChannelKind.ZALO, ChannelKind.WEBHOOK}


class ChannelQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(agency__in=Agency.objects.for_user(user))

    def enabled(self):
        return self.filter(enabled=True)


class Channel(ClusterableModel):
    """An agency's account on one platform, with its rules for what goes there automatically."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="channels", verbose_name=_("agency")
    )
    kind = models.CharField(_("platform"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=120)
    enabled = models.BooleanField(_("enabled"), default=True)
    domestic = models.BooleanField(
        _("domestic platform"), default=False, help_text=_("Vietnamese platforms come first in the strategy.")
    )
    base_url = models.URLField(
        _("API address"), blank=True, help_text=_("Leave empty for the platform's own address.")
    )
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    credentials = EncryptedJSONField(_("credentials"), default=dict, blank=True)
    # Auto-publish rules: a story goes to the channel when it matches every rule that is set.
    auto_publish = models.BooleanField(
        _("publish automatically"),
        default=True,
        help_text=_("Stories that match the rules below go here unless the editor unticks the channel."),
    )
    sections = ParentalManyToManyField(
        SectionPage,
        blank=True,
        related_name="+",
        verbose_name=_("sections"),
        help_text=_("Empty: every section."),
    )
    formats = models.JSONField(_("formats"), default=list, blank=True, help_text=_("Empty: every format."))
    tags = models.CharField(
        _("tags"), max_length=500, blank=True, help_text=_("Comma-separated; empty: any tag.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        verbose_name = _("channel")
        verbose_name_plural = _("channels")
        ordering = ["agency", "-domestic", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="channel_name_per_agency")]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip().lower() for tag in self.tags.split(",") if tag.strip()]

    def matches(self, story: StoryPage, *, tags: list[str] | None = None) -> bool:
        """Whether the auto-publish rules send `story` here."""
        if not (self.enabled and self.auto_publish):
            return False
        section_ids = {section.pk for section in self.sections.all()}
        if section_ids and story.section_id not in section_ids:
            return False
        if self.formats and story.format not in self.formats:
            return False
        wanted = self.tag_list
        if wanted:
            names = tags if tags is not None else [tag.name for tag in story.tags.all()]
            if not {name.lower() for name in names} & set(wanted):
                return False
        return True

    def masked_credentials(self) -> dict[str, str]:
        return {name: mask(str(value)) for name, value in (self.credentials or {}).items()}

    def format_labels(self) -> list[str]:
        labels = dict(StoryFormat.choices)
        return [str(labels.get(value, value)) for value in self.formats]


class StoryChannelChoice(models.Model):
    """The editor's choice for one story and one channel, overriding the channel's rules."""

    story = models.ForeignKey(StoryPage, on_delete=models.CASCADE, related_name="channel_choices")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="story_choices")
    selected = models.BooleanField(default=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    chosen_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "channel"], name="one_choice_per_story_channel")
        ]

    def __str__(self):
        return f"{self.channel}: {'✓' if self.selected else '✗'}"


class Publication(models.Model):
    """Where a story is on one channel: the platform's id and URL, kept for updates and takedowns."""

    class Status(models.TextChoices):
        LIVE = "live", _("Live")
        REMOVED = "removed", _("Taken down")

    story = models.ForeignKey(StoryPage, null=True, on_delete=models.SET_NULL, related_name="publications")
    story_title = models.CharField(max_length=255)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="publications")
    remote_id = models.CharField(max_length=255)
    remote_url = models.URLField(max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.LIVE)
    first_delivered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "channel"], name="one_publication_per_channel")
        ]

    def __str__(self):
        return f"“{self.story_title}” → {self.channel}: {self.remote_url or self.remote_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (DeliveryState.PENDING, DeliveryState.SENDING, DeliveryState.RETRYING)


class DeliveryAction(models.TextChoices):
    PUBLISH = "publish", _("Publish")
    UPDATE = "update", _("Update")
    TAKE_DOWN = "take_down", _("Take down")


class DeliveryQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(channel__agency__in=Agency.objects.for_user(user))

    def open(self):
        return self.filter(state__in=OPEN_STATES)


class Delivery(models.Model):
    """One push of one story revision to one channel: the outbox row the worker drains."""

    story = models.ForeignKey(StoryPage, null=True, on_delete=models.SET_NULL, related_name="deliveries")
    story_title = models.CharField(_("story"), max_length=255)
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("channel")
    )
    action = models.CharField(_("action"), max_length=10, choices=DeliveryAction.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # An attempt whose request may have reached the platform without an answer: check before sending again.
    maybe_sent = models.BooleanField(default=False)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    remote_id = models.CharField(_("remote id"), max_length=255, blank=True)
    remote_url = models.URLField(_("link"), max_length=1000, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    # Platform state carried between attempts (Zalo's creation token, for one).
    progress = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            # The worker's claim walks waiting deliveries in due order and stops at its batch size.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="delivery_waiting",
                condition=models.Q(state__in=["pending", "retrying"]),
            ),
            models.Index(fields=["story", "channel", "id"], name="delivery_story_channel"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["revision", "channel", "action"],
                name="one_delivery_per_revision_channel",
                condition=models.Q(revision__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.get_action_display()} “{self.story_title}” → {self.channel}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES
