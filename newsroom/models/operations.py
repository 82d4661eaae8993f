"""What operations leave behind for the system to see of itself: backups taken, and task workers alive."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BackupState(models.TextChoices):
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class BackupRecord(models.Model):
    """One run of `manage.py backup`: where it went, what it holds, and whether it finished.

    Written outside the dump (a backup cannot contain its own record); `manage.py restore` writes it back."""

    started_at = models.DateTimeField(_("started"), db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=BackupState.choices, default=BackupState.RUNNING
    )
    destination = models.CharField(_("destination"), max_length=500)
    # The backup's own name inside its destination (a folder or an S3 prefix), e.g. 20261124-0300.
    name = models.CharField(_("name"), max_length=100)
    database_engine = models.CharField(_("database engine"), max_length=40, blank=True)
    database_bytes = models.BigIntegerField(_("database dump size"), default=0)
    media_files = models.PositiveIntegerField(_("media files"), default=0)
    media_bytes = models.BigIntegerField(_("media size"), default=0)
    manifest_sha256 = models.CharField(_("manifest SHA-256"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    host = models.CharField(_("host"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.name} ({self.get_state_display()})"


class WorkerHeartbeat(models.Model):
    """A running `manage.py newsroom_worker`, which touches `beat_at` every few seconds; /healthz reads it."""

    worker_id = models.CharField(max_length=200, unique=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("task worker")
        verbose_name_plural = _("task workers")

    def __str__(self):
        return self.worker_id
