"""The tus 1.0.0 server's addresses (archive/urls.py), for the browser's tus-js-client and any tus client.

    OPTIONS /archive/tus/            → 204, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm
    POST    /archive/tus/            → 201, Location: /archive/tus/<uuid>, Upload-Offset, Upload-Expires
            Upload-Length; Upload-Metadata: filename (required), filetype, agency (id), title; a body with
            Content-Type application/offset+octet-stream is the first piece (creation-with-upload)
    HEAD    /archive/tus/<uuid>      → 200, Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires
    PATCH   /archive/tus/<uuid>      → 204, Upload-Offset, Upload-Expires; the last piece also answers
            Archive-Asset-Id, Archive-Asset-Kind (image|video|audio), Archive-Asset-Duplicate (0|1),
            or 422 {"error"} when the archive refuses the file. Upload-Checksum: sha1|md5|sha256 <base64>
    DELETE  /archive/tus/<uuid>      → 204 (termination)
    GET     /archive/tus/<uuid>/asset → 200 {"id", "kind", "duplicate", "message", "state", "thumbnail"},
            422 {"error"} for a refused file, 409 {"error", "offset", "length"} while bytes are missing

Refusals answer {"error": "<translated message>"} with tus's status: 400, 403 (not logged in, role), 404
(unknown, or another person's), 409 (wrong offset), 410 (expired), 412 (Tus-Resumable), 413 (size, quota),
415 (Content-Type), 423 (another request is writing), 460 (checksum). Session authentication with Django's
CSRF protection: unsafe methods send X-CSRFToken. A POST with X-HTTP-Method-Override acts as that method.
"""

import functools
import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from newsroom.accounts import two_factor

from ..models import ResumableUpload
from . import services
from .protocol import (
    PATCH_CONTENT_TYPE,
    REASONS,
    TUS_VERSION,
    TusError,
    check_version,
    encode_metadata,
    options_headers,
    parse_checksum,
    parse_length,
    parse_metadata,
    parse_offset,
)

logger = logging.getLogger(__name__)
Status = services.Status
# Wagtail's admin chooser size, one of the renditions the ingest makes for every image.
THUMBNAIL_FILTER = "max-165x165"


def tus_view(*methods: str):
    """Speak tus around a view: OPTIONS, method override, login, Tus-Resumable, refusals as JSON."""

    def decorate(view):
        @functools.wraps(view)
        @never_cache
        def wrapper(request, *args, **kwargs):
            method = request.method
            if method == "POST" and request.headers.get("X-HTTP-Method-Override"):
                method = request.headers["X-HTTP-Method-Override"].upper()
            if method == "OPTIONS":
                response = HttpResponse(status=204, headers=options_headers(services.max_size()))
                response["Allow"] = ", ".join(("OPTIONS", *methods))
                return response
            try:
                if method not in methods:
                    raise TusError(
                        405,
                        _("This address does not take %(method)s.") % {"method": method},
                        headers={"Allow": ", ".join(("OPTIONS", *methods))},
                    )
                if not request.user.is_authenticated:
                    raise TusError(403, _("Log in to upload files to the archive."))
                if not two_factor.is_satisfied(request.user, request):
                    raise TusError(403, str(two_factor.REFUSAL))
                check_version(request.headers)
                response = view(request, method, *args, **kwargs)
            except TusError as refusal:
                response = refused(refusal, head=method == "HEAD")
            except (BotoCoreError, ClientError):
                logger.exception("S3 call failed in %s", view.__name__)
                response = refused(TusError(502, _("The file storage did not answer; try again shortly.")))
            response["Tus-Resumable"] = TUS_VERSION
            return response

        return wrapper

    return decorate


def refused(refusal: TusError, *, head: bool = False) -> HttpResponse:
    if head:  # a HEAD answer carries no body
        response = HttpResponse(status=refusal.status)
    else:
        response = JsonResponse({"error": refusal.message}, status=refusal.status)
    if refusal.status in REASONS:
        response.reason_phrase = REASONS[refusal.status]
    for name, value in refusal.headers.items():
        response[name] = value
    return response


def _content_length(request) -> int | None:
    value = request.META.get("CONTENT_LENGTH") or None
    if value is None:
        return None
    if not str(value).isdigit():
        raise TusError(
            400, _("The header %(name)s is missing or not a number of bytes.") % {"name": "Content-Length"}
        )
    return int(value)


def _has_piece(request) -> bool:
    return request.content_type == PATCH_CONTENT_TYPE and (_content_length(request) or 0) > 0


@tus_view("POST")
def endpoint(request, method):
    """Creation, and with a body creation-with-upload."""
    length = parse_length(request.headers)
    metadata = parse_metadata(request.headers.get("Upload-Metadata"))
    has_piece = _has_piece(request)
    checksum = parse_checksum(request.headers.get("Upload-Checksum")) if has_piece else None
    upload = services.create_upload(user=request.user, length=length, metadata=metadata)
    location = reverse("archive_tus_upload", args=[upload.uuid])
    try:
        if has_piece:
            upload = services.receive(
                upload=upload,
                offset=0,
                body=request,
                content_length=_content_length(request),
                checksum=checksum,
            )
        response = progress(upload, status=201)
    except TusError as refusal:
        response = refused(refusal)
    response["Location"] = location
    return response


@tus_view("HEAD", "PATCH", "DELETE")
def upload(request, method, upload_id):
    upload = services.upload_for(user=request.user, upload_id=upload_id)
    if method == "HEAD":
        response = HttpResponse(status=200)
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Length"] = str(upload.length)
        if upload.metadata:
            response["Upload-Metadata"] = encode_metadata(upload.metadata)
        _expires(response, upload)
        return response
    if method == "DELETE":
        services.terminate(upload=upload)
        return HttpResponse(status=204)
    if request.content_type != PATCH_CONTENT_TYPE:
        raise TusError(
            415, _("Send the file’s bytes with Content-Type: %(type)s.") % {"type": PATCH_CONTENT_TYPE}
        )
    offset = parse_offset(request.headers)
    checksum = parse_checksum(request.headers.get("Upload-Checksum"))
    upload = services.receive(
        upload=upload,
        offset=offset,
        body=request,
        content_length=_content_length(request),
        checksum=checksum,
    )
    return progress(upload, status=204)


def progress(upload, *, status: int) -> HttpResponse:
    """Where the upload stands after a piece: its offset, and once taken in, the asset or the refusal."""
    if upload.state == Status.REFUSED:
        response = JsonResponse({"error": upload.error}, status=422)
    else:
        response = HttpResponse(status=status)
    response["Upload-Offset"] = str(upload.offset)
    _expires(response, upload)
    asset = upload.asset
    if upload.state == Status.DONE and asset is not None:
        response["Archive-Asset-Id"] = str(asset.pk)
        response["Archive-Asset-Kind"] = asset.kind
        response["Archive-Asset-Duplicate"] = "1" if upload.duplicate else "0"
    return response


def _expires(response, upload) -> None:
    if upload.state == Status.RECEIVING:
        response["Upload-Expires"] = http_date(upload.expires_at.timestamp())


@never_cache
def asset(request, upload_id):
    """What the upload became, for a page that lost the last PATCH's answer (a reload, a dropped line)."""
    try:
        if request.method != "GET":
            raise TusError(405, _("This address does not take %(method)s.") % {"method": request.method})
        if not request.user.is_authenticated:
            raise TusError(403, _("Log in to upload files to the archive."))
        upload = services.take_in(upload=services.upload_for(user=request.user, upload_id=upload_id))
    except TusError as refusal:
        extra = {}
        if refusal.status == 409:
            found = (
                ResumableUpload.objects.filter(uuid=upload_id, user=request.user)
                .values("offset", "length")
                .first()
            )
            extra = found or {}
        response = JsonResponse({"error": refusal.message, **extra}, status=refusal.status)
        if refusal.status == 405:
            response["Allow"] = "GET"
        return response
    except (BotoCoreError, ClientError):
        logger.exception("S3 call failed taking in upload %s", upload_id)
        return JsonResponse({"error": _("The file storage did not answer; try again shortly.")}, status=502)
    if upload.state == Status.REFUSED:
        return JsonResponse({"error": upload.error}, status=422)
    found = upload.asset
    if found is None:
        return JsonResponse({"error": _("The file is no longer in the archive.")}, status=404)
    return JsonResponse(
        {
            "id": found.pk,
            "kind": found.kind,
            "duplicate": upload.duplicate,
            "message": upload.message,
            "state": found.state,
            "thumbnail": thumbnail_url(found),
        }
    )


def thumbnail_url(found) -> str | None:
    """A small picture of the asset: an image's rendition, a video's poster frame once made; else None."""
    if found.kind != "image":
        return getattr(found, "poster_url", "") or None
    try:
        return found.get_rendition(THUMBNAIL_FILTER).url
    except Exception:  # a file the renderer cannot open is still in the archive; the page shows no picture
        logger.warning("No thumbnail for image %s", found.pk, exc_info=True)
        return None
