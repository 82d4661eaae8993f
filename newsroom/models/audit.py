"""The audit log's own entries: what Wagtail's log entries do not hold (sign-ins, lockouts, two-factor
events, permission changes, deliveries, exports), each kept against the agency it concerns."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One thing that happened, by whom, from where, for which agency (none: the whole deployment).

    `action` is a key registered in newsroom.audit.ACTIONS; `data` holds its details for the viewer."""

    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    agency = models.ForeignKey(
        "newsroom.Agency",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("agency"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Kept when the account is deleted, and for attempts on names that are no account at all.
    username = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=255, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-timestamp", "-pk"]
        indexes = [models.Index(fields=["agency", "-timestamp"], name="audit_agency_time")]

    def __str__(self):
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action}"
