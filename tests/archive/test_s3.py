"""The archive on S3, against a real S3 server process (moto): originals, renditions, and the
browser's presigned multipart upload, with every refusal it must make."""

import hashlib
import json
import random
import urllib.request
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from archive import s3, services
from archive.inspect import RejectedFile
from archive.models import ArchiveImage
from archive.s3_upload import MAX_PARTS, MIN_PART_SIZE, MiB, part_size_for
from newsroom.models import Role
from tests.factories import image_file, make_image, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.archive.s3_test_urls")]

BROWSER_ORIGIN = "http://baohaiduong.localhost"


# --- Fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture
def reporter(agency):
    return make_user(agency=agency, role=Role.REPORTER)


@pytest.fixture
def reporter_client(reporter):
    client = Client()
    client.force_login(reporter)
    return client


def call(client, step: str, payload: dict):
    return client.post(reverse(f"archive_s3_{step}"), json.dumps(payload), content_type="application/json")


def put_part(url: str, data: bytes) -> urllib.request.addinfourl:
    """PUT one part to its presigned URL over real HTTP, as a browser on the admin's origin would."""
    request = urllib.request.Request(
        url,
        data=data,
        method="PUT",
        headers={"Origin": BROWSER_ORIGIN, "Content-Type": "application/octet-stream"},
    )
    return urllib.request.urlopen(request, timeout=60)


def upload_parts(urls: dict, payload: bytes, part_size: int) -> list[dict]:
    parts = []
    for number, url in sorted(urls.items(), key=lambda item: int(item[0])):
        start = (int(number) - 1) * part_size
        with put_part(url, payload[start : start + part_size]) as response:
            parts.append({"PartNumber": int(number), "ETag": response.headers["ETag"]})
    return parts


def start_upload(
    client, agency, payload: bytes, *, filename="Phóng sự Hải Dương.mp4", content_type="video/mp4"
):
    response = call(
        client,
        "create",
        {"agency": agency.pk, "filename": filename, "size": len(payload), "content_type": content_type},
    )
    assert response.status_code == 200, response.content
    upload = response.json()
    numbers = list(range(1, upload["part_count"] + 1))
    signed = call(client, "sign", {**_ids(upload), "part_numbers": numbers})
    assert signed.status_code == 200, signed.content
    return upload, signed.json()


def _ids(upload: dict) -> dict:
    return {"key": upload["key"], "upload_id": upload["upload_id"], "token": upload["token"]}


@pytest.fixture
def ingest(monkeypatch):
    """archive.services.ingest_stored_file replaced by a recorder that reads the object back from the
    default storage, so a test sees exactly the bytes that arrived in the bucket; set `.error` to raise.
    (The real ingest is exercised at the end of this module.)"""
    fake = SimpleNamespace(calls=[], error=None)

    def ingest_stored_file(*, storage_name, original_name, user, agency, **fields):
        with default_storage.open(storage_name, "rb") as handle:
            data = handle.read()
        fake.calls.append(
            {
                "storage_name": storage_name,
                "original_name": original_name,
                "user": user,
                "agency": agency,
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
        if fake.error is not None:
            raise fake.error
        asset = SimpleNamespace(pk=4242, kind="video", state="uploaded")
        return SimpleNamespace(asset=asset, duplicate=False, message="In the archive.")

    monkeypatch.setattr(services, "ingest_stored_file", ingest_stored_file)
    return fake


def payload_of(size: int) -> bytes:
    return random.Random(size).randbytes(size)


# --- Storage: originals and renditions ----------------------------------------------------------


def test_default_storage_writes_to_the_moto_bucket(s3_storage):
    name = default_storage.save("probe/xin-chao.txt", ContentFile("Xin chào".encode()))

    assert s3_storage.keys("probe/") == [name]
    assert s3_storage.read(name) == "Xin chào".encode()


def test_image_original_and_rendition_are_stored_in_s3(s3_storage, agency):
    image = make_image(agency=agency)

    rendition = image.get_rendition("width-400|format-webp")

    keys = s3_storage.keys()
    assert image.file.name in keys
    assert rendition.file.name in keys
    assert rendition.file.name.endswith(".webp") and rendition.width == 400
    webp = s3_storage.read(rendition.file.name)
    assert webp[:4] == b"RIFF" and webp[8:12] == b"WEBP"
    # Asking again reuses the stored rendition instead of writing a second object.
    assert image.get_rendition("width-400|format-webp").file.name == rendition.file.name
    assert len(s3_storage.keys()) == len(keys)


def test_download_to_temp_copies_an_object_for_local_tools(s3_storage):
    data = payload_of(3 * MiB + 17)
    name = default_storage.save("probe/clip.mp4", ContentFile(data))

    path = s3.download_to_temp(name)
    try:
        assert path.suffix == ".mp4"
        assert path.read_bytes() == data
    finally:
        path.unlink()


# --- Helpers: names, part sizes -----------------------------------------------------------------


def test_upload_key_is_ascii_unique_and_fits_the_file_field(agency):
    first = s3.upload_key(agency, "Ảnh đẹp ở Hải Dương (bản gốc).JPG")
    second = s3.upload_key(agency, "Ảnh đẹp ở Hải Dương (bản gốc).JPG")

    assert first != second
    assert first.startswith(f"archive/uploads/{agency.short_name}/")
    assert first.endswith("/anh-dep-o-hai-duong-ban-goc.jpg")
    assert first.isascii()
    long_name = s3.upload_key(agency, "x" * 300 + ".mp4")
    assert len(long_name) <= s3.MAX_NAME_LENGTH and long_name.endswith(".mp4")


def test_storage_location_is_part_of_the_bucket_key(s3_storage, settings, agency):
    options = {**settings.STORAGES["default"]["OPTIONS"], "location": "site-media"}
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": options}}
    name = s3.upload_key(agency, "tin.mp3")
    upload_id = s3.create_multipart(name, "audio/mpeg")
    with put_part(s3.presign_part(name, upload_id, 1), b"ID3 audio") as response:
        etag = response.headers["ETag"]

    s3.complete_multipart(name, upload_id, [{"PartNumber": 1, "ETag": etag}])

    assert s3_storage.keys() == [f"site-media/{name}"]
    with default_storage.open(name, "rb") as handle:  # the storage finds it under the same name
        assert handle.read() == b"ID3 audio"


@pytest.mark.parametrize(
    ("size", "part_size"),
    [(1, MIN_PART_SIZE), (17 * MiB, MIN_PART_SIZE), (80_000 * MiB, 8 * MiB), (100_000 * MiB, 10 * MiB)],
)
def test_part_size_is_8_mb_or_more_and_never_needs_more_than_10000_parts(size, part_size):
    assert part_size_for(size) == part_size
    assert -(-size // part_size_for(size)) <= MAX_PARTS


# --- The multipart flow over HTTP ---------------------------------------------------------------


def test_multipart_upload_end_to_end(s3_storage, agency, reporter, reporter_client, ingest):
    payload = payload_of(17 * MiB + 12_345)

    upload, urls = start_upload(reporter_client, agency, payload)

    assert upload["part_size"] == 8 * MiB and upload["part_count"] == 3
    assert upload["key"].startswith(f"archive/uploads/{agency.short_name}/")
    assert upload["key"].endswith("/phong-su-hai-duong.mp4")
    assert sorted(urls) == ["1", "2", "3"]
    parts = upload_parts(urls, payload, upload["part_size"])

    response = call(reporter_client, "complete", {**_ids(upload), "parts": parts})

    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": 4242,
        "kind": "video",
        "duplicate": False,
        "message": "In the archive.",
        "state": "uploaded",
    }
    [ingested] = ingest.calls
    assert ingested["storage_name"] == upload["key"]
    assert ingested["original_name"] == "Phóng sự Hải Dương.mp4"
    assert ingested["user"] == reporter and ingested["agency"] == agency
    digest = hashlib.sha256(payload).hexdigest()
    assert ingested["sha256"] == digest
    assert hashlib.sha256(s3_storage.read(upload["key"])).hexdigest() == digest
    assert s3_storage.multipart_uploads() == []


def test_parts_are_readable_cross_origin_with_their_etag(s3_storage, agency, reporter_client):
    """A browser can only send the ETags back if S3 lets its JavaScript read them (CORS)."""
    upload, urls = start_upload(reporter_client, agency, payload_of(MiB))
    preflight = urllib.request.Request(
        urls["1"],
        method="OPTIONS",
        headers={"Origin": BROWSER_ORIGIN, "Access-Control-Request-Method": "PUT"},
    )
    with urllib.request.urlopen(preflight, timeout=10) as response:
        assert "PUT" in response.headers["Access-Control-Allow-Methods"]

    with put_part(urls["1"], payload_of(MiB)) as response:
        assert response.headers["Access-Control-Allow-Origin"] in (BROWSER_ORIGIN, "*")
        assert "ETag" in response.headers["Access-Control-Expose-Headers"]
        assert response.headers["ETag"]


def test_abort_drops_the_parts(s3_storage, agency, reporter_client):
    upload, urls = start_upload(reporter_client, agency, payload_of(9 * MiB))
    upload_parts({"1": urls["1"]}, payload_of(9 * MiB), upload["part_size"])

    response = call(reporter_client, "abort", _ids(upload))

    assert response.status_code == 200 and response.json() == {"aborted": True}
    assert s3_storage.multipart_uploads() == [] and s3_storage.keys() == []
    assert call(reporter_client, "abort", _ids(upload)).status_code == 200  # repeating it is harmless


def test_superuser_uploads_for_any_agency(s3_storage, agency, other_agency):
    admin = make_user(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)

    upload, _urls = start_upload(
        client, other_agency, payload_of(1024), filename="a.jpg", content_type="image/jpeg"
    )

    assert upload["key"].startswith(f"archive/uploads/{other_agency.short_name}/")


# --- Refusals -----------------------------------------------------------------------------------


def create_payload(agency, size=MiB, content_type="video/mp4"):
    return {"agency": agency.pk, "filename": "clip.mp4", "size": size, "content_type": content_type}


def test_anonymous_is_refused(s3_storage, agency):
    response = call(Client(), "create", create_payload(agency))

    assert response.status_code in (302, 403)
    assert s3_storage.multipart_uploads() == []


def test_get_is_refused(reporter_client):
    assert reporter_client.get(reverse("archive_s3_create")).status_code == 405


def test_csrf_token_is_required(s3_storage, agency, reporter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reporter)

    assert call(client, "create", create_payload(agency)).status_code == 403


def test_staff_of_another_agency_is_refused(s3_storage, agency, other_agency):
    outsider = make_user(agency=other_agency, role=Role.EDITOR)
    client = Client()
    client.force_login(outsider)

    response = call(client, "create", create_payload(agency))

    assert response.status_code == 403
    assert response.json()["error"]
    assert s3_storage.multipart_uploads() == []


def test_role_without_add_permission_is_refused(s3_storage, agency):
    manager = make_user(agency=agency, role=Role.MANAGER)  # chooses images, never adds them
    client = Client()
    client.force_login(manager)

    assert call(client, "create", create_payload(agency, content_type="image/jpeg")).status_code == 403


def test_oversize_file_is_refused(s3_storage, settings, agency, reporter_client):
    assert call(reporter_client, "create", create_payload(agency, size=4 * 1024 * MiB + 1)).status_code == 413
    settings.ARCHIVE_MAX_UPLOAD_BYTES = {"video": 10 * MiB, "image": 50 * MiB}

    response = call(reporter_client, "create", create_payload(agency, size=20 * MiB))

    assert response.status_code == 413
    assert response.json()["limit"] == 10 * MiB
    image = call(reporter_client, "create", create_payload(agency, size=20 * MiB, content_type="image/png"))
    assert image.status_code == 200
    assert len(s3_storage.multipart_uploads()) == 1


def test_refused_when_s3_is_not_configured(settings, agency, reporter_client):
    settings.S3_BUCKET = ""

    response = call(reporter_client, "create", create_payload(agency))

    assert response.status_code == 409
    assert "S3" in response.json()["error"]


def test_another_users_upload_cannot_be_signed_completed_or_aborted(
    s3_storage, agency, reporter_client, ingest
):
    upload, _urls = start_upload(reporter_client, agency, payload_of(MiB))
    colleague = make_user(agency=agency, role=Role.REPORTER)
    client = Client()
    client.force_login(colleague)

    assert call(client, "sign", {**_ids(upload), "part_numbers": [1]}).status_code == 403
    assert (
        call(client, "complete", {**_ids(upload), "parts": [{"PartNumber": 1, "ETag": '"x"'}]}).status_code
        == 403
    )
    assert call(client, "abort", _ids(upload)).status_code == 403
    assert len(s3_storage.multipart_uploads()) == 1 and ingest.calls == []


def test_wrong_key_or_upload_id_is_refused(s3_storage, agency, reporter_client, ingest):
    upload, _urls = start_upload(reporter_client, agency, payload_of(MiB))
    other, _urls = start_upload(reporter_client, agency, payload_of(MiB))
    parts = [{"PartNumber": 1, "ETag": '"x"'}]

    for tampered in (
        {**_ids(upload), "key": other["key"]},
        {**_ids(upload), "upload_id": other["upload_id"]},
        {**_ids(upload), "token": upload["token"][:-2] + "xx"},
        {"key": upload["key"], "upload_id": upload["upload_id"]},
    ):
        assert call(reporter_client, "sign", {**tampered, "part_numbers": [1]}).status_code == 403
        assert call(reporter_client, "complete", {**tampered, "parts": parts}).status_code == 403
    assert ingest.calls == []


def test_parts_beyond_the_file_are_not_signed(s3_storage, agency, reporter_client):
    upload, _urls = start_upload(reporter_client, agency, payload_of(MiB))

    assert call(reporter_client, "sign", {**_ids(upload), "part_numbers": [2]}).status_code == 400
    assert call(reporter_client, "sign", {**_ids(upload), "part_numbers": [0]}).status_code == 400
    assert call(reporter_client, "sign", {**_ids(upload), "part_numbers": "1"}).status_code == 400


def test_completing_an_aborted_upload_is_not_found(s3_storage, agency, reporter_client, ingest):
    payload = payload_of(MiB)
    upload, urls = start_upload(reporter_client, agency, payload)
    parts = upload_parts(urls, payload, upload["part_size"])
    call(reporter_client, "abort", _ids(upload))

    response = call(reporter_client, "complete", {**_ids(upload), "parts": parts})

    assert response.status_code == 404
    assert ingest.calls == [] and s3_storage.keys() == []


def test_missing_parts_are_refused_before_joining(s3_storage, agency, reporter_client, ingest):
    payload = payload_of(17 * MiB)
    upload, urls = start_upload(reporter_client, agency, payload)
    parts = upload_parts(urls, payload, upload["part_size"])

    response = call(reporter_client, "complete", {**_ids(upload), "parts": parts[:2]})

    assert response.status_code == 400
    assert ingest.calls == [] and s3_storage.keys() == []
    assert len(s3_storage.multipart_uploads()) == 1  # the browser may still send the last part


def test_more_bytes_than_announced_are_refused_and_deleted(s3_storage, agency, reporter_client, ingest):
    announced = payload_of(9 * MiB)  # two parts: 8 MB and 1 MB
    upload, urls = start_upload(reporter_client, agency, announced)
    parts = upload_parts(urls, announced + payload_of(5 * MiB), upload["part_size"])  # last part too long

    response = call(reporter_client, "complete", {**_ids(upload), "parts": parts})

    assert response.status_code == 400
    assert ingest.calls == [] and s3_storage.keys() == []


@pytest.mark.parametrize("refusal", ["rejected", "invalid"])
def test_a_file_the_ingest_refuses_is_deleted(s3_storage, agency, reporter_client, ingest, refusal):
    if refusal == "rejected":
        ingest.error = RejectedFile("This file is not a picture, a video or a sound.", "unknown_type")
        message = "This file is not a picture, a video or a sound."
    else:
        ingest.error = ValidationError("The title is too long.")
        message = "The title is too long."
    payload = payload_of(9 * MiB)
    upload, urls = start_upload(reporter_client, agency, payload)
    parts = upload_parts(urls, payload, upload["part_size"])

    response = call(reporter_client, "complete", {**_ids(upload), "parts": parts})

    assert response.status_code == 400
    assert response.json()["error"] == message
    assert response.json()["code"] == ("unknown_type" if refusal == "rejected" else "invalid")
    assert len(ingest.calls) == 1  # the ingest saw the object ...
    assert s3_storage.keys() == [] and s3_storage.multipart_uploads() == []  # ... and nothing is left of it


def test_malformed_requests_are_refused(s3_storage, agency, reporter_client):
    url = reverse("archive_s3_create")
    assert reporter_client.post(url, "not json", content_type="application/json").status_code == 400
    for broken in (
        {"filename": ""},
        {"filename": "x" * 256 + ".mp4"},
        {"size": "17"},
        {"size": 0},
        {"agency": "báo"},
    ):
        response = call(reporter_client, "create", {**create_payload(agency), **broken})
        assert response.status_code == 400, broken
        assert response.json()["error"]
    assert s3_storage.multipart_uploads() == []


# --- With the archive's real ingest -------------------------------------------------------------


def direct_upload(client, agency, payload: bytes, **names):
    upload, urls = start_upload(client, agency, payload, **names)
    parts = upload_parts(urls, payload, upload["part_size"])
    return upload, call(client, "complete", {**_ids(upload), "parts": parts})


def test_real_ingest_files_a_direct_upload_once(s3_storage, agency, reporter, reporter_client):
    photo = image_file(name="anh.jpg").file.getvalue()
    names = {"filename": "Ảnh hiện trường.jpg", "content_type": "image/jpeg"}

    upload, response = direct_upload(reporter_client, agency, photo, **names)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "image" and body["duplicate"] is False and body["message"]
    image = ArchiveImage.objects.get(pk=body["id"])
    assert image.file.name == upload["key"]
    assert image.agency == agency and image.uploaded_by_user == reporter
    assert image.sha256 == hashlib.sha256(photo).hexdigest()
    assert body["state"] == image.state
    assert s3_storage.keys() == [upload["key"]]

    _again, response = direct_upload(reporter_client, agency, photo, **names)

    assert response.status_code == 200, response.content
    assert response.json()["duplicate"] is True and response.json()["id"] == image.pk
    assert s3_storage.keys() == [upload["key"]]  # the second copy is not kept
    assert ArchiveImage.objects.count() == 1


def test_real_ingest_refuses_a_disguised_file_and_nothing_is_left(s3_storage, agency, reporter_client):
    disguised = b"MZ" + payload_of(64 * 1024)  # a Windows program named like a photo

    _upload, response = direct_upload(
        reporter_client, agency, disguised, filename="anh.jpg", content_type="image/jpeg"
    )

    assert response.status_code == 400
    assert response.json()["error"] and response.json()["code"]
    assert s3_storage.keys() == [] and s3_storage.multipart_uploads() == []
    assert ArchiveImage.objects.count() == 0
