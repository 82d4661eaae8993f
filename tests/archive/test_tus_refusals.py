"""Every refusal of the tus server (archive/tus), each answered as the protocol says with a translated
message: 409, 412, 413 (size, quota), 415, 460, 404 (another person's), 403 (anonymous, role, agency), 400."""

import pytest
from django.test import Client

from archive.models import ResumableUpload
from newsroom.models import Role
from newsroom.services import add_staff
from tests.archive.test_tus import (
    ENDPOINT,
    OCTETS,
    TUS,
    Tus,
    checksum,
    logged_in,
    photo,
    stored_bytes,
    upload_of,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporter(agency):
    return make_user(agency=agency, role=Role.REPORTER)


@pytest.fixture
def tus(reporter):
    return logged_in(reporter)


def test_a_piece_for_the_wrong_offset_answers_409_and_changes_nothing(tus):
    data = photo(seed=2)
    url = tus.start(len(data))
    tus.patch(url, data[:1000], 0)

    for wrong in (0, 500, 2000):
        response = tus.patch(url, data[wrong : wrong + 100], wrong)

        assert response.status_code == 409
        assert "byte 1000" in response.json()["error"]
    assert upload_of(url).offset == 1000
    assert stored_bytes(upload_of(url)).read_bytes() == data[:1000]


@pytest.mark.parametrize("version", [None, "0.2.2", "2.0.0"])
def test_without_tus_1_0_0_every_request_answers_412_with_the_version(tus, version):
    url = tus.start(100)
    headers = {"Tus-Resumable": version} if version else {}
    calls = [
        lambda: tus.client.generic("POST", ENDPOINT, headers={"Upload-Length": "100", **headers}),
        lambda: tus.client.head(url, headers=headers),
        lambda: tus.client.generic(
            "PATCH", url, b"x", content_type=OCTETS, headers={"Upload-Offset": "0", **headers}
        ),
        lambda: tus.client.delete(url, headers=headers),
    ]

    for call in calls:
        response = call()

        assert response.status_code == 412
        assert response["Tus-Version"] == "1.0.0"
    assert upload_of(url).offset == 0


def test_a_file_larger_than_the_limit_answers_413_at_creation(tus, settings):
    settings.ARCHIVE_MAX_UPLOAD_BYTES = {"image": 1000, "video": 5000}

    response = tus.create(1001, filename="anh.jpg", filetype="image/jpeg")

    assert response.status_code == 413
    assert (
        response.json()["error"] == "This file is 1001\xa0bytes; the largest file accepted is 1000\xa0bytes."
    )
    assert tus.create(1001, filename="clip.mp4", filetype="video/mp4").status_code == 201
    assert tus.create(5001, filename="clip.mp4", filetype="video/mp4").status_code == 413
    assert not ResumableUpload.objects.filter(length__gt=4000, length__lt=5000).exists()


def test_more_bytes_than_announced_answers_413_and_keeps_nothing_of_them(tus):
    url = tus.start(100)
    tus.patch(url, b"a" * 60, 0)

    response = tus.patch(url, b"b" * 41, 60)

    assert response.status_code == 413
    assert upload_of(url).offset == 60 and stored_bytes(upload_of(url)).stat().st_size == 60


def test_the_quota_of_unfinished_uploads_answers_413_naming_it(tus, settings):
    settings.ARCHIVE_TUS_USER_QUOTA_BYTES = 10_000
    first = tus.start(6000)
    tus.start(3000)

    response = tus.create(2000)

    assert response.status_code == 413
    assert "each person may have 9.8\xa0KB of unfinished uploads" in response.json()["error"]
    # Cancelling one gives its room back; finished uploads never count.
    assert tus.delete(first).status_code == 204
    data = photo(seed=4, size=(40, 30))
    assert len(data) < 7000
    _url, done = tus.send(data)
    assert done.status_code == 204
    assert tus.create(6000).status_code == 201


def test_a_patch_that_is_not_offset_octet_stream_answers_415(tus):
    url = tus.start(100)

    for content_type in ("application/octet-stream", "multipart/form-data; boundary=x", ""):
        response = tus.patch(url, b"x" * 10, 0, content_type=content_type)

        assert response.status_code == 415
        assert "application/offset+octet-stream" in response.json()["error"]
    assert upload_of(url).offset == 0


def test_a_checksum_mismatch_answers_460_and_discards_the_piece(tus):
    data = photo(seed=8)
    url = tus.start(len(data))
    tus.patch(url, data[:500], 0)

    response = tus.patch(
        url, data[500:900], 500, headers={"Upload-Checksum": checksum("sha1", b"other bytes")}
    )

    assert response.status_code == 460
    assert "does not match its checksum" in response.json()["error"]
    assert upload_of(url).offset == 500
    assert stored_bytes(upload_of(url)).read_bytes() == data[:500]
    unknown = tus.patch(url, data[500:900], 500, headers={"Upload-Checksum": "crc32 AAAAAA=="})
    assert unknown.status_code == 400 and "crc32" in unknown.json()["error"]
    right = tus.patch(url, data[500:], 500, headers={"Upload-Checksum": checksum("sha1", data[500:])})
    assert right.status_code == 204 and right["Archive-Asset-Kind"] == "image"


def test_another_persons_upload_is_not_found(tus, agency):
    url = tus.start(100)
    tus.patch(url, b"x" * 10, 0)
    colleague = make_user(agency=agency, role=Role.EDITOR)
    other = Client()
    other.force_login(colleague)
    theirs = Tus(other)

    assert theirs.head(url).status_code == 404
    assert theirs.patch(url, b"y" * 10, 10).status_code == 404
    assert theirs.delete(url).status_code == 404
    assert theirs.get(f"{url}/asset").status_code == 404
    assert upload_of(url).offset == 10


def test_anonymous_requests_are_refused_without_a_login_redirect(tus):
    url = tus.start(100)
    anonymous = Tus(Client())

    responses = [
        anonymous.create(100),
        anonymous.head(url),
        anonymous.patch(url, b"x", 0),
        anonymous.delete(url),
        anonymous.get(f"{url}/asset"),
    ]

    assert [response.status_code for response in responses] == [403] * 5
    assert responses[0].json() == {"error": "Log in to upload files to the archive."}
    assert ResumableUpload.objects.count() == 1 and upload_of(url).offset == 0


def test_the_agency_defaults_to_the_users_only_one_and_must_be_theirs(tus, reporter, agency, other_agency):
    upload = upload_of(tus.start(100))
    assert upload.agency == agency and upload.user == reporter

    refused = tus.create(100, agency=str(other_agency.pk))
    assert refused.status_code == 400
    assert refused.json()["error"] == "You can only upload files for an agency you work for."

    add_staff(agency=other_agency, user=reporter, role=Role.REPORTER)
    ambiguous = tus.create(100)
    assert ambiguous.status_code == 400 and ambiguous.json()["error"] == "Choose the agency the file is for."
    chosen = tus.start(100, agency=str(other_agency.pk))
    assert upload_of(chosen).agency == other_agency


def test_creation_refuses_what_can_never_be_filed(tus, agency):
    assert tus.create(100, filename="").status_code == 400
    assert (
        tus.client.generic(
            "POST", ENDPOINT, headers={**TUS, "Upload-Length": "100", "Upload-Metadata": "filename !!!"}
        ).status_code
        == 400
    )
    assert (
        tus.client.generic("POST", ENDPOINT, headers={**TUS, "Upload-Defer-Length": "1"}).status_code == 400
    )
    assert tus.create(0).status_code == 400
    pdf = tus.create(100, filename="bao-cao.pdf", filetype="application/pdf")
    assert pdf.status_code == 415 and "application/pdf" in pdf.json()["error"]
    # A type the browser could not name is left to the ingest, which looks at the content.
    assert tus.create(100, filename="IMG_0001.HEIC", filetype="application/octet-stream").status_code == 201
    manager = Client()
    manager.force_login(make_user(agency=agency, role=Role.MANAGER))
    refused = Tus(manager).create(100, filename="anh.jpg", filetype="image/jpeg")
    assert refused.status_code == 403 and "role" in refused.json()["error"]


def test_csrf_protection_holds_for_tus_requests(reporter):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reporter)
    tus = Tus(client)

    assert tus.create(100).status_code == 403  # no token: Django's CSRF refusal
    token = "a" * 32
    client.cookies["csrftoken"] = token
    response = tus.create(100, headers={"X-CSRFToken": token})
    assert response.status_code == 201
    url = response["Location"]
    assert tus.head(url).status_code == 200  # a safe method needs no token
    assert tus.patch(url, b"x" * 10, 0).status_code == 403
    assert tus.patch(url, b"x" * 10, 0, headers={"X-CSRFToken": token}).status_code == 204


def test_a_photo_larger_than_the_ingest_takes_is_refused_before_a_byte_is_sent(tus, settings):
    settings.ARCHIVE_MAX_UPLOAD_BYTES = None  # the defaults: 4 GB to send, 50 MB for a photo in the archive

    response = tus.create(60 * 1024 * 1024, filename="anh.jpg", filetype="image/jpeg")

    assert response.status_code == 413
    assert "the largest file accepted is 50.0\xa0MB" in response.json()["error"]
    assert tus.create(60 * 1024 * 1024, filename="clip.mp4", filetype="video/mp4").status_code == 201


def test_someone_taken_off_the_agency_cannot_go_on(tus, reporter, agency):
    url = tus.start(100)
    reporter.groups.remove(agency.group_for(Role.REPORTER))

    response = tus.patch(url, b"x" * 10, 0)

    assert response.status_code == 403
    assert upload_of(url).offset == 0
