"""The shared media archive's models: Wagtail's image and media models with the archive's fields.

They are swapped in through WAGTAILIMAGES_IMAGE_MODEL and WAGTAILMEDIA["MEDIA_MODEL"], so stories
choose archive assets through Wagtail's normal choosers, and collection permissions keep each
agency's assets to its own staff (archive.permissions widens choosing to assets shared with every agency).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.images.models import AbstractImage, AbstractRendition, Image, ImageQuerySet
from wagtail.search import index
from wagtailmedia.models import AbstractMedia, MediaQuerySet


class Sharing(models.TextChoices):
    PRIVATE = "private", _("Private: only the uploader")
    AGENCY = "agency", _("The owning agency")
    DEPLOYMENT = "deployment", _("Every agency of the deployment")


class Licence(models.TextChoices):
    AGENCY = "agency", _("Owned by the agency")
    ALL_RIGHTS_RESERVED = "all-rights-reserved", _("All rights reserved by the holder")
    PARTNER = "partner", _("Under a partner agreement")
    CC_BY = "cc-by", _("Creative Commons Attribution")
    CC_BY_SA = "cc-by-sa", _("Creative Commons Attribution-ShareAlike")
    CC_BY_NC = "cc-by-nc", _("Creative Commons Attribution-NonCommercial")
    CC0 = "cc0", _("Public domain (CC0)")


class State(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class AssetQuerySet(models.QuerySet):
    def unexpired(self, *, now=None):
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now()))

    def usable(self, *, now=None):
        """What choosers offer: processed and not past its expiry."""
        return self.unexpired(now=now).filter(state=State.READY)


KIND_LABELS = {"image": _("an image"), "video": _("a video"), "audio": _("audio")}


class ArchiveImageQuerySet(AssetQuerySet, ImageQuerySet):
    pass


class ArchiveMediaQuerySet(AssetQuerySet, MediaQuerySet):
    pass


class ArchiveFields(models.Model):
    """What the archive knows of every asset, whatever its kind."""

    caption = models.TextField(_("caption"), blank=True)
    credit = models.CharField(_("credit"), max_length=255, blank=True)
    copyright_holder = models.CharField(_("copyright holder"), max_length=255, blank=True)
    licence = models.CharField(_("licence"), max_length=32, choices=Licence.choices, default=Licence.AGENCY)
    usage_terms = models.TextField(_("usage terms"), blank=True)
    expires_at = models.DateTimeField(
        _("expires at"),
        null=True,
        blank=True,
        help_text=_(
            "After this moment the asset is hidden from choosers and stories using it cannot be published."
        ),
    )
    captured_at = models.DateTimeField(_("captured at"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=255, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    agency = models.ForeignKey(
        "newsroom.Agency",
        verbose_name=_("owning agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sharing = models.CharField(_("sharing"), max_length=16, choices=Sharing.choices, default=Sharing.AGENCY)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True, editable=False)
    size = models.BigIntegerField(_("size in bytes"), null=True, blank=True, editable=False)
    mime_type = models.CharField(_("MIME type"), max_length=100, blank=True, editable=False)
    codecs = models.CharField(_("codecs"), max_length=100, blank=True, editable=False)
    bitrate = models.PositiveBigIntegerField(_("bitrate (bit/s)"), null=True, blank=True, editable=False)
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=State.choices,
        default=State.UPLOADED,
        db_index=True,
        editable=False,
    )
    failure_reason = models.TextField(_("why processing failed"), blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0, editable=False)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True, editable=False)

    ARCHIVE_FORM_FIELDS = (
        "caption",
        "credit",
        "copyright_holder",
        "licence",
        "usage_terms",
        "expires_at",
        "captured_at",
        "location",
        "sharing",
    )
    archive_search_fields = [
        index.SearchField("folded_text"),  # "chuyen doi so" finds "chuyển đổi số"
        index.SearchField("caption"),
        index.SearchField("credit"),
        index.SearchField("location"),
        index.FilterField("agency"),
        index.FilterField("sharing"),
        index.FilterField("state"),
        index.FilterField("expires_at"),
        index.FilterField("captured_at"),
    ]

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        self.check_upload()

    def check_upload(self) -> None:
        """A file uploaded through a form: checked by its content, and refused if the archive has it."""
        if not self.file or getattr(self.file, "_committed", True):
            return
        from .inspect import RejectedFile, inspect_file
        from .services import find_duplicate, upload_path

        upload = self.file.file
        with upload_path(upload) as path:
            try:
                facts = inspect_file(path, original_name=upload.name or "")
            except RejectedFile as error:
                raise ValidationError({"file": error.message}) from error
        if facts.kind != self.kind:
            raise ValidationError(
                {
                    "file": _("This file holds %(found)s, not %(expected)s.")
                    % {"found": KIND_LABELS[facts.kind], "expected": KIND_LABELS[self.kind]}
                }
            )
        from newsroom.models import Agency

        agency = self.agency or Agency.objects.filter(collection_id=self.collection_id).first()
        duplicate = agency and find_duplicate(sha256=facts.sha256, agency=agency, kind=facts.kind)
        if duplicate and duplicate.pk != self.pk:
            raise ValidationError(
                {
                    "file": _(
                        "This file is already in the archive as “%(title)s” (no. %(id)s): use that one."
                    )
                    % {"title": duplicate.title, "id": duplicate.pk}
                }
            )
        self.sha256, self.size, self.mime_type, self.agency = (
            facts.sha256,
            facts.size,
            facts.mime_type,
            agency,
        )

    @property
    def folded_text(self) -> str:
        from newsroom.search import fold

        tags = " ".join(tag.name for tag in self.tags.all()) if self.pk else ""
        return fold(" ".join([self.title, self.caption, self.credit, self.location, tags]))

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.state == State.READY and not self.is_expired

    @property
    def attribution(self) -> str:
        """The credit line that travels with the asset into a story: credit, else the copyright holder."""
        return self.credit or self.copyright_holder


class ArchiveImage(ArchiveFields, AbstractImage):  # noqa: DJ008 - AbstractImage defines __str__
    admin_form_fields = (*Image.admin_form_fields, *ArchiveFields.ARCHIVE_FORM_FIELDS)
    search_fields = [*AbstractImage.search_fields, *ArchiveFields.archive_search_fields]

    objects = ArchiveImageQuerySet.as_manager()

    class Meta(AbstractImage.Meta):
        verbose_name = _("image")
        verbose_name_plural = _("images")

    @property
    def kind(self) -> str:
        return "image"


class ArchiveRendition(AbstractRendition):
    image = models.ForeignKey(ArchiveImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


def media_rendition_path(instance, filename: str) -> str:
    return f"archive/renditions/media/{instance.pk}/{filename}"


class ArchiveMedia(ArchiveFields, AbstractMedia):  # noqa: DJ008 - AbstractMedia defines __str__
    """Video and audio. The original stays private; stories play the renditions made by the ingest."""

    mp4 = models.FileField(_("MP4 rendition"), upload_to=media_rendition_path, blank=True, editable=False)
    hls_playlist = models.CharField(_("HLS master playlist"), max_length=255, blank=True, editable=False)
    audio_rendition = models.FileField(
        _("normalised audio"), upload_to=media_rendition_path, blank=True, editable=False
    )
    loudness_lufs = models.FloatField(_("loudness (LUFS)"), null=True, blank=True, editable=False)
    true_peak_dbtp = models.FloatField(_("true peak (dBTP)"), null=True, blank=True, editable=False)
    waveform = models.JSONField(_("waveform peaks"), default=list, blank=True, editable=False)

    admin_form_fields = (
        "title",
        "file",
        "collection",
        "thumbnail",
        "tags",
        *ArchiveFields.ARCHIVE_FORM_FIELDS,
    )
    search_fields = [*AbstractMedia.search_fields, *ArchiveFields.archive_search_fields]

    objects = ArchiveMediaQuerySet.as_manager()

    class Meta(AbstractMedia.Meta):
        verbose_name = _("media")
        verbose_name_plural = _("media")

    @property
    def kind(self) -> str:
        return self.type  # "video" or "audio"

    @property
    def hls_url(self) -> str:
        from django.core.files.storage import default_storage

        return default_storage.url(self.hls_playlist) if self.hls_playlist else ""

    @property
    def public_sources(self) -> list[dict]:
        """What the public site may play: renditions of a processed asset, never the original file."""
        if self.state != State.READY:
            return []
        if self.type == "video":
            sources = (
                [{"src": self.hls_url, "type": "application/vnd.apple.mpegurl"}] if self.hls_playlist else []
            )
            if self.mp4:
                sources.append({"src": self.mp4.url, "type": "video/mp4"})
            return sources
        return [{"src": self.audio_rendition.url, "type": "audio/mp4"}] if self.audio_rendition else []

    @property
    def poster_url(self) -> str:
        return self.thumbnail.url if self.thumbnail else ""


ARCHIVE_MODELS = (ArchiveImage, ArchiveMedia)
MAX_ATTEMPTS = getattr(settings, "ARCHIVE_MAX_ATTEMPTS", 3)


class ResumableUpload(models.Model):
    """A file arriving in pieces over the tus protocol (archive/tus), until the ingest takes it in.

    `offset` counts the bytes safely stored: in a file under MEDIA_ROOT/tus/, or with S3 in the parts of a
    multipart upload plus a local tail shorter than a part. One request at a time writes: the holder of
    `lease`.
    """

    class Status(models.TextChoices):
        RECEIVING = "receiving", _("Receiving")
        DONE = "done", _("In the archive")
        REFUSED = "refused", _("Refused by the archive")

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("newsroom.Agency", on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(_("file name"), max_length=255)
    filetype = models.CharField(_("file type"), max_length=255, blank=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)  # as sent, for HEAD to echo
    length = models.BigIntegerField(_("length in bytes"))
    offset = models.BigIntegerField(_("bytes received"), default=0)
    state = models.CharField(
        _("state"), max_length=16, choices=Status.choices, default=Status.RECEIVING, db_index=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    image = models.ForeignKey(
        ArchiveImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    media = models.ForeignKey(
        ArchiveMedia, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    duplicate = models.BooleanField(_("already in the archive"), default=False)
    message = models.TextField(_("message"), blank=True)
    error = models.TextField(_("why the archive refused it"), blank=True)
    # With S3: the object the parts are joined into, the multipart upload (empty once joined), its parts.
    storage_name = models.CharField(max_length=255, blank=True)
    s3_upload_id = models.CharField(max_length=255, blank=True)
    part_size = models.BigIntegerField(default=0)
    parts = models.JSONField(default=list, blank=True)
    lease = models.UUIDField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("resumable upload")
        verbose_name_plural = _("resumable uploads")

    def __str__(self):
        return f"{self.filename} ({self.offset}/{self.length})"

    @property
    def asset(self):
        return self.image or self.media

    @property
    def on_s3(self) -> bool:
        return bool(self.storage_name)

    @property
    def is_complete(self) -> bool:
        return self.offset >= self.length
