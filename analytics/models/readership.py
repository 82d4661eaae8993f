"""Readership: reader events, their hourly and daily rollups, platform figures, and what ingest refused.

No personal data is kept: an event carries a visitor number derived from a salt that is deleted after
48 hours (analytics.visitors), never an IP address, a user agent or a cookie.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from newsroom.models import Agency, StoryPage


class EventKind(models.TextChoices):
    PAGEVIEW = "pageview", _("Page view")
    ENGAGEMENT = "engagement", _("Engagement")


class ReferrerClass(models.TextChoices):
    SEARCH = "search", _("Search")
    SOCIAL = "social", _("Social")
    DIRECT = "direct", _("Direct")
    INTERNAL = "internal", _("Internal")
    PLATFORM = "platform", _("Platform")
    LINK = "link", _("Other websites")


class Device(models.TextChoices):
    MOBILE = "mobile", _("Phone")
    TABLET = "tablet", _("Tablet")
    DESKTOP = "desktop", _("Computer")


# The agency's own site, as a channel key; platform channels are "ch<id>" (distribution.Channel).
WEB_CHANNEL = "web"


class Event(models.Model):
    """One reader event, as kept by analytics.store.DatabaseEventStore.

    On PostgreSQL the table is partitioned by day on `occurred_at` (migration 0002), so retention drops whole
    partitions. Foreign keys carry no database constraint: events outlive deleted stories and are never joined
    on the hot path. `engaged_seconds` and `scroll` are increments since the view's previous event, so sums
    are exact: a view's scroll depth is the sum of its events' `scroll`.
    """

    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    page_id = models.IntegerField()
    story_id = models.IntegerField(null=True)
    section_id = models.IntegerField(null=True)
    author_id = models.IntegerField(null=True)
    format = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=40, default=WEB_CHANNEL)
    visitor = models.BigIntegerField()
    view = models.CharField(max_length=32)
    referrer_class = models.CharField(max_length=10, choices=ReferrerClass.choices)
    referrer_host = models.CharField(max_length=100, blank=True)
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=100, blank=True)
    device = models.CharField(max_length=8, choices=Device.choices)
    engaged_seconds = models.PositiveIntegerField(default=0)
    scroll = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["occurred_at"], name="analytics_event_time"),
            models.Index(fields=["agency", "occurred_at"], name="analytics_event_agency_time"),
        ]

    def __str__(self):
        return f"{self.kind} {self.page_id} {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class Period(models.TextChoices):
    HOUR = "hour", _("Hour")
    DAY = "day", _("Day")


class Dimension(models.TextChoices):
    TOTAL = "total", _("Total")
    STORY = "story", _("Story")
    SECTION = "section", _("Section")
    AUTHOR = "author", _("Author")
    FORMAT = "format", _("Format")
    CHANNEL = "channel", _("Channel")
    SOURCE = "source", _("Source")
    REFERRER = "referrer", _("Referring site")
    CAMPAIGN = "campaign", _("Campaign")
    DEVICE = "device", _("Device")


class Rollup(models.Model):
    """Readership of one agency in one hour or one (local) day, in total or for one key of a dimension.

    Visitors are distinct within the bucket; visitor numbers change every day by design, so the visitors of
    several days are the sum of each day's.
    """

    period = models.CharField(max_length=4, choices=Period.choices)
    start = models.DateTimeField()
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="readership_rollups")
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    key = models.CharField(max_length=120, blank=True)
    pageviews = models.PositiveBigIntegerField(default=0)
    visitors = models.PositiveBigIntegerField(default=0)
    engagements = models.PositiveBigIntegerField(default=0)
    engaged_seconds = models.PositiveBigIntegerField(default=0)
    scroll_total = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "start", "agency", "dimension", "key"], name="one_rollup_per_bucket_key"
            )
        ]
        indexes = [
            models.Index(fields=["agency", "period", "dimension", "start"], name="analytics_rollup_panel")
        ]

    def __str__(self):
        return f"{self.agency_id} {self.period} {self.start:%Y-%m-%d %H:%M} {self.dimension}={self.key}"


class PlatformFigure(models.Model):
    """Readership a platform reported for one of our publications on one day; it replaces earlier reports."""

    channel = models.ForeignKey(
        "distribution.Channel", on_delete=models.CASCADE, related_name="readership_figures"
    )
    day = models.DateField()
    remote_id = models.CharField(max_length=255)
    story = models.ForeignKey(StoryPage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    views = models.PositiveBigIntegerField()
    visitors = models.PositiveBigIntegerField(null=True, blank=True)
    engaged_seconds = models.PositiveBigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=20)
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "day", "remote_id"], name="one_figure_per_channel_day_item"
            )
        ]

    def __str__(self):
        return f"{self.channel_id} {self.day} {self.remote_id}: {self.views}"


class Salt(models.Model):
    """The random key of one day's visitor numbers; deleted after 48 hours, so they can't be recomputed."""

    day = models.DateField(unique=True)
    value = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return str(self.day)


class IngestCount(models.Model):
    """How many events ingest refused or dropped on a day, by reason (the rejection counter)."""

    day = models.DateField()
    reason = models.CharField(max_length=20)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "reason"], name="one_count_per_day_reason")]

    def __str__(self):
        return f"{self.day} {self.reason}: {self.count}"


class State(models.Model):
    """Named timestamps the worker keeps, such as the rollups' watermark."""

    name = models.CharField(max_length=40, unique=True)
    value = models.DateTimeField()

    def __str__(self):
        return f"{self.name}: {self.value}"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A key for the readership JSON API; it reads what its owner may read. Only a hash of it is kept."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="analytics_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, *, user, name: str) -> tuple["ApiToken", str]:
        """Create a token; the key is returned once and never stored."""
        key = "nr_" + secrets.token_urlsafe(30)
        token = cls.objects.create(user=user, name=name, prefix=key[:8], digest=cls.hash(key))
        return token, key

    @classmethod
    def authenticate(cls, key: str):
        """The active token for `key`, or None; records its use (at most once a minute)."""
        token = cls.objects.active().select_related("user").filter(digest=cls.hash(key)).first()
        if token is not None:
            now = timezone.now()
            if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
                cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return token

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
