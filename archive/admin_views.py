"""The archive's own admin pages ("Kho tư liệu"): one list of images, video and audio, a preview, and upload.

Wagtail lists images and media in two separate places, by collection; a newsroom looks for "the photo of the
flood in Hải Dương" whatever its kind and whichever agency shared it. Who sees what is decided by the same
permission policies as the choosers (archive.permissions), so this page never shows more than a story
could use.
"""

from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Q, Value
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.paginator import WagtailPaginator
from wagtail.permissions import policy_registry

from newsroom.models import Agency

from . import s3
from .inspect import RejectedFile, _identify, max_upload_bytes
from .models import ArchiveImage, ArchiveMedia, Licence, Sharing, State
from .permissions import is_newsroom_staff
from .s3_upload import UploadRefused, agency_for, may_add
from .selectors import (
    EXPIRING_DAYS,
    KINDS,
    ArchiveFilterForm,
    editable_ids,
    visible_images,
    visible_media,
)
from .services import ingest_local_file, upload_path, usage_of

PER_PAGE = 40
THUMBNAIL = "max-165x165"  # made by the ingest (archive.tasks.IMAGE_RENDITIONS): listing it costs no work
PREVIEW = "width-800|format-webp"  # idem
KIND_ICONS = {"image": "image", "video": "media", "audio": "media"}


# --- The listing --------------------------------------------------------------------------------


class AssetPaginator(WagtailPaginator):
    verbose_name = gettext_lazy("asset")
    verbose_name_plural = gettext_lazy("assets")


@dataclass
class AssetRow:
    """One asset as the listing and the preview show it, whatever its model."""

    asset: ArchiveImage | ArchiveMedia
    kind: str
    detail_url: str
    edit_url: str = ""
    usage_url: str = ""
    thumbnail_url: str = ""

    @property
    def icon(self) -> str:
        return KIND_ICONS[self.kind]

    @property
    def kind_label(self) -> str:
        return dict(KINDS)[self.kind]

    @property
    def duration(self) -> str:
        seconds = getattr(self.asset, "duration", None)
        if not seconds:
            return ""
        minutes, second = divmod(round(seconds), 60)
        hours, minute = divmod(minutes, 60)
        return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"

    @property
    def dimensions(self) -> str:
        width, height = self.asset.width, self.asset.height
        return f"{width} × {height}" if width and height else ""

    @property
    def size(self):
        return self.asset.size or getattr(self.asset, "file_size", None)

    @property
    def expiring_soon(self) -> bool:
        expires = self.asset.expires_at
        return (
            bool(expires)
            and not self.asset.is_expired
            and expires <= timezone.now() + timedelta(days=EXPIRING_DAYS)
        )


def asset_row(asset, *, editable: bool, rendition: str = THUMBNAIL) -> AssetRow:
    kind = asset.kind
    if kind == "image":
        edit_name, usage_name = "wagtailimages:edit", "wagtailimages:image_usage"
    else:
        edit_name, usage_name = "wagtailmedia:edit", "wagtailmedia:media_usage"
    row = AssetRow(asset, kind, reverse("archive_detail", args=[kind, asset.pk]))
    if editable:
        row.edit_url, row.usage_url = (
            reverse(edit_name, args=[asset.pk]),
            reverse(usage_name, args=[asset.pk]),
        )
    row.thumbnail_url = picture_url(asset, rendition) if kind == "image" else asset.poster_url
    return row


def picture_url(image: ArchiveImage, filter_spec: str) -> str:
    """A rendition of a processed image; none for one still in the ingest or failed (its file may be bad)."""
    if image.state != State.READY:
        return ""
    try:
        return image.get_rendition(filter_spec).url
    except Exception:  # a missing or unreadable original must not break the whole listing
        return ""


def listing_keys(form: ArchiveFilterForm, user):
    """(model, id, created) of every visible asset the filters keep, newest first: one query to paginate."""
    parts = []
    if form.wants("image"):
        parts.append(form.filter(visible_images(user)))
    if form.wants("media"):
        parts.append(form.filter(visible_media(user), kind_field="type"))
    keys = [
        part.order_by()
        .annotate(model_kind=Value(part.model._meta.model_name, output_field=CharField()))
        .values_list("model_kind", "id", "created_at")
        for part in parts
    ]
    return keys[0].union(*keys[1:], all=True).order_by("-created_at", "-id")


def rows_for(keys, user) -> list[AssetRow]:
    """The page's assets, loaded with a fixed number of queries, in the order of `keys`."""
    ids = {"archiveimage": [], "archivemedia": []}
    for model_kind, pk, _created in keys:
        ids[model_kind].append(pk)
    loaded = {}
    if ids["archiveimage"]:
        images = ArchiveImage.objects.filter(pk__in=ids["archiveimage"]).prefetch_renditions(THUMBNAIL)
        editable = editable_ids(ArchiveImage, user, ids["archiveimage"])
        for image in images.select_related("agency"):
            loaded["archiveimage", image.pk] = asset_row(image, editable=image.pk in editable)
    if ids["archivemedia"]:
        media = ArchiveMedia.objects.filter(pk__in=ids["archivemedia"])
        editable = editable_ids(ArchiveMedia, user, ids["archivemedia"])
        for item in media.select_related("agency"):
            loaded["archivemedia", item.pk] = asset_row(item, editable=item.pk in editable)
    return [loaded[model_kind, pk] for model_kind, pk, _created in keys if (model_kind, pk) in loaded]


def visible_agencies(user):
    """The agencies owning something the user can see: the agency filter offers no empty choice."""
    return Agency.objects.filter(
        Q(pk__in=visible_images(user).values("agency")) | Q(pk__in=visible_media(user).values("agency"))
    ).order_by("name")


def _staff_only(request):
    if not is_newsroom_staff(request.user):
        raise PermissionDenied


def index(request):
    """The archive: every asset the user may use, newest first, filtered and searched."""
    _staff_only(request)
    form = ArchiveFilterForm(request.GET or None, agencies=visible_agencies(request.user))
    paginator = AssetPaginator(listing_keys(form, request.user), PER_PAGE)
    page = paginator.get_page(request.GET.get("p"))
    return render(
        request,
        "archive/admin/index.html",
        {
            "page_title": _("Archive"),
            "form": form,
            "filtered": any(value for name, value in request.GET.items() if name != "p"),
            "items": page,
            "rows": rows_for(list(page.object_list), request.user),
            "elided_page_range": paginator.get_elided_page_range(page.number),
            "upload_url": reverse("archive_upload"),
        },
    )


# --- One asset ----------------------------------------------------------------------------------


def visible_asset(user, kind: str, pk: int):
    """The asset if the user may see it in the archive, else 404 (never 403: its existence is private too)."""
    if kind == "image":
        asset = visible_images(user).filter(pk=pk).select_related("agency", "uploaded_by_user").first()
    elif kind in ("video", "audio"):
        asset = (
            visible_media(user).filter(pk=pk, type=kind).select_related("agency", "uploaded_by_user").first()
        )
    else:
        asset = None
    if asset is None:
        raise Http404(_("No such asset in the archive."))
    return asset


def detail(request, kind: str, pk: int):
    """An asset with everything the archive knows of it, a preview of its renditions, and its stories."""
    _staff_only(request)
    asset = visible_asset(request.user, kind, pk)
    policy = policy_registry.get_by_type(type(asset))
    editable = policy.user_has_permission_for_instance(request.user, "change", asset)
    row = asset_row(asset, editable=editable, rendition=PREVIEW)
    finder = AdminURLFinder(request.user)
    users = [(source, finder.get_edit_url(source)) for source in usage_of(asset)]
    return render(
        request,
        "archive/admin/detail.html",
        {
            "page_title": asset.title,
            "row": row,
            "asset": asset,
            "users": users,
            "index_url": reverse("archive_index"),
        },
    )


# --- Upload -------------------------------------------------------------------------------------


class AssetDetailsForm(forms.Form):
    """What the uploader says of every file sent in one go."""

    sharing = forms.ChoiceField(
        label=gettext_lazy("Sharing"), choices=Sharing.choices, initial=Sharing.AGENCY
    )
    licence = forms.ChoiceField(
        label=gettext_lazy("Licence"), choices=Licence.choices, initial=Licence.AGENCY
    )
    credit = forms.CharField(label=gettext_lazy("Credit"), max_length=255, required=False)


class UploadForm(AssetDetailsForm):
    agency = forms.ModelChoiceField(label=gettext_lazy("Agency"), queryset=Agency.objects.none())
    field_order = ["agency", "sharing", "licence", "credit"]

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        if len(agencies) == 1:
            self.fields["agency"].initial = agencies[0].pk
            self.fields["agency"].empty_label = None


def upload_agencies(user) -> list[Agency]:
    """The user's agencies whose archive their role may add files to (a manager's may not)."""
    return [
        agency for agency in Agency.objects.for_user(user).order_by("name") if may_add(user, agency, "other")
    ]


def upload(request):
    """The upload page: several files at once, each with its own progress and the archive's answer."""
    _staff_only(request)
    agencies = upload_agencies(request.user)
    agency_ids = [agency.pk for agency in agencies]
    form = UploadForm(agencies=Agency.objects.filter(pk__in=agency_ids).order_by("name"))
    return render(
        request,
        "archive/admin/upload.html",
        {
            "page_title": _("Upload to the archive"),
            "form": form,
            "may_upload": bool(agencies),
            "s3": s3.s3_enabled(),
            "s3_base_url": reverse("archive_s3_create").removesuffix("create/"),
            "index_url": reverse("archive_index"),
            "messages_js": {
                "waiting": _("Waiting"),
                "sending": _("Sending… %(percent)s%%"),
                "checking": _("Sent; the archive is checking the file…"),
                "done": _("Done"),
                "duplicate": _("Already in the archive"),
                "refused": _("Refused"),
                "network": _("The connection was lost; try again."),
                "open": _("Open"),
                "no_files": _("Choose one or more files first."),
            },
        },
    )


def _json_errors(view):
    """Refusals become {"error": message} with their status, as the S3 endpoints answer."""

    def wrapper(request, *args, **kwargs):
        try:
            return JsonResponse(view(request, *args, **kwargs))
        except UploadRefused as refusal:
            return JsonResponse({"error": refusal.message}, status=refusal.status)

    wrapper.__name__, wrapper.__doc__ = view.__name__, view.__doc__
    return wrapper


def _details(data) -> dict:
    form = AssetDetailsForm(data)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise UploadRefused(400, f"{form.fields[field].label}: {errors[0]}")
    return form.cleaned_data


@require_POST
@_json_errors
def upload_file(request) -> dict:
    """One file sent through Django (no S3): checked, taken into the archive, answered in JSON."""
    agency = agency_for(request.user, request.POST.get("agency"))
    if not may_add(request.user, agency, "other"):
        raise UploadRefused(403, _("Your role does not allow adding files to this agency’s archive."))
    upload = request.FILES.get("file")
    if upload is None:
        raise UploadRefused(400, _("Choose a file to upload."))
    details = _details(request.POST)
    with upload_path(upload) as path:
        try:
            kind = _identify(path)[0]  # the content's first bytes: what the limits and roles depend on
            if upload.size > max_upload_bytes(kind):
                raise RejectedFile(_("This file is too large for the archive."), "too_large")
            if not may_add(request.user, agency, kind):
                raise UploadRefused(403, _("Your role does not allow adding files to this agency’s archive."))
            result = ingest_local_file(
                path=path, original_name=upload.name, user=request.user, agency=agency, **details
            )
        except RejectedFile as rejected:
            raise UploadRefused(413 if rejected.code == "too_large" else 400, rejected.message) from None
    return answer(result)


def answer(result) -> dict:
    asset = result.asset
    return {
        "id": asset.pk,
        "kind": asset.kind,
        "title": asset.title,
        "duplicate": bool(result.duplicate),
        "message": str(result.message),
        "state": asset.state,
        "detail_url": reverse("archive_detail", args=[asset.kind, asset.pk]),
    }


@require_POST
@_json_errors
def upload_details(request) -> dict:
    """After a direct upload to S3 (which carries only the agency): the sharing, licence and credit chosen
    on the upload page, applied if the user may edit the asset in Wagtail, as its own form would."""
    kind, pk = request.POST.get("kind", ""), request.POST.get("id", "")
    if not pk.isdigit():
        raise UploadRefused(400, _("The field “%(name)s” is missing or invalid.") % {"name": "id"})
    try:
        asset = visible_asset(request.user, kind, int(pk))
    except Http404:
        raise UploadRefused(404, _("No such asset in the archive.")) from None
    policy = policy_registry.get_by_type(type(asset))
    if not policy.user_has_permission_for_instance(request.user, "change", asset):
        raise UploadRefused(403, _("You may not change this asset."))
    details = {name: value for name, value in _details(request.POST).items() if value}
    for name, value in details.items():
        setattr(asset, name, value)
    asset.save(update_fields=list(details))  # a save, not an update(): the search index learns the credit
    return {
        "id": asset.pk,
        "kind": asset.kind,
        "detail_url": reverse("archive_detail", args=[asset.kind, asset.pk]),
    }
