"""The browser's direct upload to S3: a multipart upload it fills itself through presigned URLs.

A 4 GB video would tie up a Django worker for the whole transfer and fill its disk; here Django only
opens the upload, signs URLs for the parts and, when the browser has sent them all, joins them and
hands the object to the archive's ingest. The flow (archive/static/archive/js/s3-multipart.js):

    create   {agency, filename, size, content_type}        → {key, upload_id, part_size, part_count, token}
    sign     {key, upload_id, token, part_numbers}          → {"1": url, "2": url, ...}
    complete {key, upload_id, token, parts: [{PartNumber, ETag}]} → {id, kind, duplicate, message, state}
    abort    {key, upload_id, token}                        → {aborted: true}

`token` binds key, upload id, user, agency and announced size together (signed with SECRET_KEY), so
every later call is checked against what `create` allowed, without a table or a shared cache.
Errors answer {"error": message} with a 4xx status, the message translated for the uploader.
"""

import functools
import json
import logging
import mimetypes

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.template.defaultfilters import filesizeformat
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from newsroom.models import Agency

from . import s3

logger = logging.getLogger(__name__)

MiB = 1024 * 1024
MIN_PART_SIZE = 8 * MiB  # S3 wants at least 5 MB for every part but the last; 8 MB keeps requests few
MAX_PARTS = 10_000  # S3's limit on parts per upload
DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 * MiB
MAX_PARTS_PER_SIGN = 1000  # one `sign` call answers at most this many URLs
TOKEN_SALT = "archive.s3_upload"
TOKEN_MAX_AGE = 24 * 3600  # a slow link still finishes a 4 GB upload within a day
KINDS = ("image", "video", "audio")
MAX_FILENAME_LENGTH = 255  # what file systems allow; the name travels inside the token


class UploadRefused(Exception):
    """A refusal the browser shows to the uploader: an HTTP status and a translated message."""

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


def json_endpoint(view):
    """POST only, logged-in users only, JSON in and out; refusals and S3 failures become JSON errors."""

    @functools.wraps(view)
    @never_cache
    def wrapper(request):
        try:
            if request.method != "POST":
                raise UploadRefused(405, _("Only POST is accepted here."))
            if not request.user.is_authenticated:
                raise UploadRefused(403, _("Log in to upload files to the archive."))
            return JsonResponse(view(request, _json_body(request)))
        except UploadRefused as refusal:
            return JsonResponse({"error": refusal.message, **refusal.extra}, status=refusal.status)
        except (BotoCoreError, ClientError):
            logger.exception("S3 call failed in %s", view.__name__)
            return JsonResponse(
                {"error": _("The file storage did not answer; try again shortly.")}, status=502
            )

    return wrapper


def _json_body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if not isinstance(data, dict):
        raise UploadRefused(400, _("The request is not valid JSON."))
    return data


# --- Rules --------------------------------------------------------------------------------------


def kind_of(content_type: str, filename: str) -> str:
    """What the browser says the file is ("image", "video", "audio" or "other"): only for the size
    limit and the permission check; the ingest decides by the content itself."""
    content_type = content_type or mimetypes.guess_type(filename)[0] or ""
    main = content_type.split("/", 1)[0].lower()
    return main if main in KINDS else "other"


def max_upload_bytes(kind: str) -> int:
    """The limit for one kind: settings.ARCHIVE_MAX_UPLOAD_BYTES by kind (or "default"), else 4 GB."""
    limits = getattr(settings, "ARCHIVE_MAX_UPLOAD_BYTES", None)
    if isinstance(limits, int):
        return limits
    limits = limits or {}
    return int(limits.get(kind, limits.get("default", DEFAULT_MAX_UPLOAD_BYTES)))


def part_size_for(size: int) -> int:
    """8 MB parts, larger (in whole MB) when a file would otherwise need more than 10,000 parts."""
    needed = -(-size // MAX_PARTS)
    return -(-max(MIN_PART_SIZE, needed) // MiB) * MiB


def part_count_for(size: int, part_size: int) -> int:
    return max(1, -(-size // part_size))


def agency_for(user, agency_id) -> Agency:
    """The agency the upload is for, if the user is its staff (any agency for a superuser)."""
    try:
        agency_id = int(agency_id)
    except (TypeError, ValueError):
        raise UploadRefused(400, _("Choose the agency the file is for.")) from None
    agency = Agency.objects.for_user(user).filter(pk=agency_id).first()
    if agency is None:
        raise UploadRefused(403, _("You can only upload files for an agency you work for."))
    return agency


def may_add(user, agency: Agency, kind: str) -> bool:
    """Whether the user's role may add this kind of asset to the agency's collection, by the same
    permission policies as the admin's own upload forms (newsroom.roles: a manager chooses images
    but never adds them). A file the browser cannot name passes with either permission."""
    from wagtail.images import get_image_model
    from wagtail.permissions import policy_registry
    from wagtailmedia import get_media_model

    images, media = (
        policy_registry.get_by_type(get_image_model()),
        policy_registry.get_by_type(get_media_model()),
    )
    policies = {"image": [images], "video": [media], "audio": [media]}.get(kind, [images, media])
    return any(
        policy.collections_user_has_permission_for(user, "add").filter(pk=agency.collection_id).exists()
        for policy in policies
    )


def _text(data: dict, name: str, *, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise UploadRefused(400, _("The field “%(name)s” is missing or invalid.") % {"name": name})
    return value.strip()


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UploadRefused(400, _("The field “%(name)s” is missing or invalid.") % {"name": name})
    return value


# --- The upload token ---------------------------------------------------------------------------


def make_token(
    *, key: str, upload_id: str, user, agency: Agency, size: int, part_size: int, filename: str
) -> str:
    payload = {
        "key": key,
        "upload_id": upload_id,
        "user": user.pk,
        "agency": agency.pk,
        "size": size,
        "part_size": part_size,
        "filename": filename,
    }
    return signing.dumps(payload, salt=TOKEN_SALT, compress=True)


def upload_for(request, data: dict) -> dict:
    """The upload a sign/complete/abort call is about, if `create` opened it for this very user.

    The key and upload id in the request must be those signed into the token, and the user must
    still be staff of the agency: someone removed from an agency mid-upload cannot finish it.
    """
    token = data.get("token")
    if not isinstance(token, str) or not token:
        raise UploadRefused(403, _("This upload was not started by you."))
    try:
        upload = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise UploadRefused(403, _("This upload has expired; start it again.")) from None
    except signing.BadSignature:
        raise UploadRefused(403, _("This upload was not started by you.")) from None
    mine = (
        upload.get("user") == request.user.pk
        and upload.get("key") == data.get("key")
        and upload.get("upload_id") == data.get("upload_id")
    )
    if not mine:
        raise UploadRefused(403, _("This upload was not started by you."))
    upload["agency"] = agency_for(request.user, upload["agency"])
    upload["part_count"] = part_count_for(upload["size"], upload["part_size"])
    return upload


def _is_missing_upload(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in ("NoSuchUpload", "404")


# --- Views --------------------------------------------------------------------------------------


@json_endpoint
def create(request, data: dict) -> dict:
    """Open a multipart upload in the agency's upload folder, after every check that needs no bytes."""
    if not s3.s3_enabled():
        raise UploadRefused(
            409, _("Direct upload to S3 is not configured on this server; use the normal upload.")
        )
    agency = agency_for(request.user, data.get("agency"))
    filename = _text(data, "filename")
    if len(filename) > MAX_FILENAME_LENGTH:
        raise UploadRefused(400, _("The file name is too long; rename the file and try again."))
    size = _positive_int(data.get("size"), "size")
    content_type = _text(data, "content_type", required=False)
    kind = kind_of(content_type, filename)
    if not may_add(request.user, agency, kind):
        raise UploadRefused(403, _("Your role does not allow adding files to this agency’s archive."))
    limit = max_upload_bytes(kind)
    if size > limit:
        message = _("This file is %(size)s; the largest file accepted is %(limit)s.") % {
            "size": filesizeformat(size),
            "limit": filesizeformat(limit),
        }
        raise UploadRefused(413, message, limit=limit)
    part_size = part_size_for(size)
    key = s3.upload_key(agency, filename)
    upload_id = s3.create_multipart(key, content_type)
    token = make_token(
        key=key,
        upload_id=upload_id,
        user=request.user,
        agency=agency,
        size=size,
        part_size=part_size,
        filename=filename,
    )
    return {
        "key": key,
        "upload_id": upload_id,
        "part_size": part_size,
        "part_count": part_count_for(size, part_size),
        "token": token,
    }


@json_endpoint
def sign(request, data: dict) -> dict:
    """Presigned PUT URLs for a batch of parts of an upload this user opened."""
    upload = upload_for(request, data)
    numbers = data.get("part_numbers")
    if not isinstance(numbers, list) or not numbers or len(numbers) > MAX_PARTS_PER_SIGN:
        raise UploadRefused(400, _("The field “%(name)s” is missing or invalid.") % {"name": "part_numbers"})
    for number in numbers:
        if _positive_int(number, "part_numbers") > upload["part_count"]:
            raise UploadRefused(
                400, _("This file has only %(count)d parts.") % {"count": upload["part_count"]}
            )
    expires = int(getattr(settings, "ARCHIVE_S3_PART_URL_EXPIRES", 3600))
    return {str(n): s3.presign_part(upload["key"], upload["upload_id"], n, expires=expires) for n in numbers}


def _parts(data: dict, part_count: int) -> list[dict]:
    """The parts to join: exactly 1..part_count, each with its ETag, so no part is silently left out."""
    parts = data.get("parts")
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        raise UploadRefused(400, _("The field “%(name)s” is missing or invalid.") % {"name": "parts"})
    cleaned = sorted(
        (
            {"PartNumber": _positive_int(p.get("PartNumber"), "parts"), "ETag": _text(p, "ETag")}
            for p in parts
        ),
        key=lambda p: p["PartNumber"],
    )
    if [p["PartNumber"] for p in cleaned] != list(range(1, part_count + 1)):
        raise UploadRefused(400, _("Some parts of the file are missing; the upload cannot be finished."))
    return cleaned


@json_endpoint
def complete(request, data: dict) -> dict:
    """Join the parts, check the object is what was announced, and hand it to the archive's ingest.

    From the moment the object exists, any refusal deletes it: nothing is left half-stored.
    """
    upload = upload_for(request, data)
    key = upload["key"]
    parts = _parts(data, upload["part_count"])
    _check_stored_parts(upload)
    try:
        s3.complete_multipart(key, upload["upload_id"], parts)
    except ClientError as error:
        if _is_missing_upload(error):
            raise UploadRefused(404, _("This upload no longer exists; start it again.")) from None
        code = error.response.get("Error", {}).get("Code", "")
        if code in ("InvalidPart", "InvalidPartOrder", "EntityTooSmall"):
            raise UploadRefused(
                400, _("The storage refused the file’s parts; start the upload again.")
            ) from None
        raise
    try:
        result = _ingest(request, upload)
    except BaseException:
        s3.delete_object(key)
        raise
    asset = result.asset
    return {
        "id": asset.pk,
        "kind": asset.kind,
        "duplicate": bool(result.duplicate),
        "message": str(result.message),
        "state": asset.state,
    }


def _check_stored_parts(upload: dict) -> None:
    """Before joining: the upload still exists (404), holds every part, and exactly the announced bytes.

    The size limit was checked against the size the browser announced; the parts are what it sent.
    Too many or too few bytes abort the upload, as a retry cannot repair them.
    """
    try:
        stored = s3.list_parts(upload["key"], upload["upload_id"])
    except ClientError as error:
        if _is_missing_upload(error):
            raise UploadRefused(404, _("This upload no longer exists; start it again.")) from None
        raise
    wanted = range(1, upload["part_count"] + 1)
    sizes = {part["PartNumber"]: part["Size"] for part in stored}
    if not all(number in sizes for number in wanted):
        raise UploadRefused(400, _("Some parts of the file are missing; the upload cannot be finished."))
    if sum(sizes[number] for number in wanted) != upload["size"]:
        s3.abort_multipart(upload["key"], upload["upload_id"])
        raise UploadRefused(400, _("The uploaded file is not the size announced; start the upload again."))


def _ingest(request, upload: dict):
    """The archive's ingest of the joined object; raises UploadRefused for a file it refuses."""
    # Imported here, not at the top: the ingest and its inspection tools are heavy, and the other
    # views never need them.
    from .inspect import RejectedFile
    from .services import ingest_stored_file

    # Checked again on the joined object: a part sent again after the check above could change it.
    if s3.object_size(upload["key"]) != upload["size"]:
        raise UploadRefused(400, _("The uploaded file is not the size announced; start the upload again."))
    try:
        result = ingest_stored_file(
            storage_name=upload["key"],
            original_name=upload["filename"],
            user=request.user,
            agency=upload["agency"],
        )
    except RejectedFile as rejected:
        raise UploadRefused(400, str(rejected.message), code=getattr(rejected, "code", "")) from None
    except ValidationError as invalid:
        raise UploadRefused(400, " ".join(invalid.messages), code="invalid") from None
    return result


@json_endpoint
def abort(request, data: dict) -> dict:
    """Give up an upload: S3 drops the parts already sent. Repeating it is harmless."""
    upload = upload_for(request, data)
    try:
        s3.abort_multipart(upload["key"], upload["upload_id"])
    except ClientError as error:
        if not _is_missing_upload(error):
            raise
    return {"aborted": True}


urlpatterns = [
    path("s3/create/", create, name="archive_s3_create"),
    path("s3/sign/", sign, name="archive_s3_sign"),
    path("s3/complete/", complete, name="archive_s3_complete"),
    path("s3/abort/", abort, name="archive_s3_abort"),
]
