"""The tus 1.0.0 server (archive/tus) through Django's whole stack: the protocol, the ingest, expiry,
termination, the lease, S3. Refusals are in test_tus_refusals.py; the reference client over real sockets
(cut connections, two PATCHes at once) in test_tus_live.py; tus-js-client in Chromium in test_tus_browser.py.
"""

import base64
import hashlib
import io
import os
import random
import struct
import wave
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from archive.models import ArchiveImage, ArchiveMedia, ResumableUpload
from archive.tus import services
from archive.tus.cleanup import delete_expired_uploads
from archive.tus.lease import claim
from archive.tus.protocol import encode_metadata
from archive.tus.store import folder
from newsroom.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ENDPOINT = "/archive/tus/"
TUS = {"Tus-Resumable": "1.0.0"}
ENGLISH = {"Accept-Language": "en"}  # refusals are checked in English
OCTETS = "application/offset+octet-stream"


# --- Files and calls ---------------------------------------------------------------------------


def photo(seed: int = 1, size=(320, 200), quality: int = 85) -> bytes:
    """A JPEG of random pixels: every seed gives other bytes, and the archive takes it as a photo."""
    from PIL import Image

    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def noise_wav(seed: int = 1, seconds: float = 0.5, rate: int = 22050) -> bytes:
    """A WAV of random samples: random bytes the archive takes as audio."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        generator = random.Random(seed)
        out.writeframes(
            b"".join(struct.pack("<h", generator.randint(-8000, 8000)) for _ in range(int(seconds * rate)))
        )
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def checksum(algorithm: str, data: bytes) -> str:
    return f"{algorithm} {base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


class Tus:
    """tus requests through Django's test client, as tus-js-client sends them."""

    def __init__(self, client: Client):
        self.client = client

    def get(self, url: str):
        return self.client.get(url, headers=ENGLISH)

    def create(self, length: int, *, body: bytes = b"", headers=None, **metadata):
        metadata.setdefault("filename", "anh.jpg")
        sent = {**TUS, **ENGLISH, "Upload-Length": str(length), "Upload-Metadata": encode_metadata(metadata)}
        sent.update(headers or {})
        content_type = OCTETS if body else ""
        return self.client.generic("POST", ENDPOINT, body, content_type=content_type, headers=sent)

    def start(self, length: int, **metadata) -> str:
        response = self.create(length, **metadata)
        assert response.status_code == 201, response.content
        return response["Location"]

    def head(self, url: str, headers=None):
        return self.client.head(url, headers={**TUS, **ENGLISH, **(headers or {})})

    def patch(self, url: str, data: bytes, offset: int, *, content_type=OCTETS, headers=None):
        sent = {**TUS, **ENGLISH, "Upload-Offset": str(offset), **(headers or {})}
        return self.client.generic("PATCH", url, data, content_type=content_type, headers=sent)

    def delete(self, url: str):
        return self.client.delete(url, headers={**TUS, **ENGLISH})

    def send(self, data: bytes, *, pieces: int = 1, **metadata):
        """Create an upload and send `data` in `pieces`; returns (url, last response)."""
        url = self.start(len(data), **metadata)
        size = -(-len(data) // pieces)
        response = None
        for start in range(0, len(data), size):
            response = self.patch(url, data[start : start + size], start)
        return url, response


def upload_of(url: str) -> ResumableUpload:
    return ResumableUpload.objects.get(uuid=url.rstrip("/").rsplit("/", 1)[-1])


def stored_bytes(upload: ResumableUpload) -> Path:
    return folder() / str(upload.uuid)


def logged_in(user) -> Tus:
    client = Client()
    client.force_login(user)
    return Tus(client)


@pytest.fixture
def reporter(agency):
    return make_user(agency=agency, role=Role.REPORTER)


@pytest.fixture
def tus(reporter):
    return logged_in(reporter)


# --- The protocol and the ingest ---------------------------------------------------------------


def test_options_tells_what_the_server_speaks(settings):
    settings.ARCHIVE_MAX_UPLOAD_BYTES = {"image": 5000, "video": 9000, "audio": 7000, "default": 8000}

    for url in (ENDPOINT, f"{ENDPOINT}8a7f3c1e-9d0b-4a53-a0a8-2b5d0f3f1e77"):
        response = Client().options(url)

        assert response.status_code == 204
        assert response["Tus-Version"] == "1.0.0"
        assert set(response["Tus-Extension"].split(",")) == {
            "creation",
            "creation-with-upload",
            "termination",
            "checksum",
            "expiration",
        }
        assert response["Tus-Max-Size"] == "9000"  # the largest kind, by the direct upload's own rule
        assert set(response["Tus-Checksum-Algorithm"].split(",")) == {"sha1", "md5", "sha256"}


def test_a_photo_sent_in_pieces_with_checksums_becomes_an_archive_image(tus, reporter, agency):
    data = photo(seed=7, size=(640, 400))
    created = tus.create(len(data), filename="Hiện trường.jpg", filetype="image/jpeg", title="Cầu Phú Lương")
    assert created.status_code == 201 and created["Upload-Offset"] == "0"
    assert parsedate_to_datetime(created["Upload-Expires"]) > timezone.now() + timedelta(hours=23)
    url = created["Location"]
    assert url.startswith(ENDPOINT)
    third = len(data) // 3
    pieces = [
        (0, data[:third], "sha1"),
        (third, data[third : 2 * third], "md5"),
        (2 * third, data[2 * third :], "sha256"),
    ]

    for offset, piece, algorithm in pieces[:2]:
        response = tus.patch(url, piece, offset, headers={"Upload-Checksum": checksum(algorithm, piece)})
        assert response.status_code == 204, response.content
        assert response["Upload-Offset"] == str(offset + len(piece))
        assert response["Tus-Resumable"] == "1.0.0"
        assert parsedate_to_datetime(response["Upload-Expires"]) > timezone.now()
    head = tus.head(url)
    assert head.status_code == 200
    assert head["Upload-Offset"] == str(2 * third) and head["Upload-Length"] == str(len(data))
    assert "no-store" in head["Cache-Control"]
    assert "filename " in head["Upload-Metadata"]
    assert stored_bytes(upload_of(url)).read_bytes() == data[: 2 * third]

    offset, piece, algorithm = pieces[2]
    response = tus.patch(url, piece, offset, headers={"Upload-Checksum": checksum(algorithm, piece)})

    assert response.status_code == 204, response.content
    assert response["Upload-Offset"] == str(len(data))
    image = ArchiveImage.objects.get(pk=response["Archive-Asset-Id"])
    assert response["Archive-Asset-Kind"] == "image" and response["Archive-Asset-Duplicate"] == "0"
    assert image.sha256 == sha256(data)
    assert image.title == "Cầu Phú Lương" and image.agency == agency and image.uploaded_by_user == reporter
    upload = upload_of(url)
    assert upload.state == "done" and upload.image == image
    assert not stored_bytes(upload).exists()  # the archive has the file now

    result = tus.get(f"{url}/asset")
    assert result.status_code == 200
    body = result.json()
    assert body["id"] == image.pk and body["kind"] == "image" and body["duplicate"] is False
    assert body["message"] and body["state"] == image.state
    assert body["thumbnail"].endswith(".jpg") and "max-165x165" in body["thumbnail"]


def test_creation_with_upload_takes_the_whole_file_in_the_post(tus):
    data = noise_wav(seed=3)

    response = tus.create(len(data), body=data, filename="phong-van.wav", filetype="audio/wav")

    assert response.status_code == 201, response.content
    assert response["Location"].startswith(ENDPOINT)
    assert response["Upload-Offset"] == str(len(data))
    media = ArchiveMedia.objects.get(pk=response["Archive-Asset-Id"])
    assert response["Archive-Asset-Kind"] == "audio"
    assert media.sha256 == sha256(data)


def test_the_same_file_twice_answers_the_asset_already_there(tus):
    data = photo(seed=11)
    _url, first = tus.send(data)

    _url, second = tus.send(data, filename="ban-sao.jpg")

    assert second.status_code == 204
    assert second["Archive-Asset-Id"] == first["Archive-Asset-Id"]
    assert second["Archive-Asset-Duplicate"] == "1"
    assert ArchiveImage.objects.count() == 1


def test_a_file_the_archive_refuses_answers_422_with_the_reason(tus):
    data = random.Random(5).randbytes(5000)

    url, response = tus.send(data, pieces=2, filename="tai-lieu.jpg", filetype="image/jpeg")

    assert response.status_code == 422
    assert response.json()["error"].startswith("This type of file is not supported.")
    upload = upload_of(url)
    assert upload.state == "refused" and upload.error == response.json()["error"]
    assert not stored_bytes(upload).exists()
    assert ArchiveImage.objects.count() == 0
    asset = tus.get(f"{url}/asset")
    assert asset.status_code == 422 and asset.json() == {"error": upload.error}


def test_an_expired_upload_answers_410_and_the_cleanup_deletes_it_with_its_bytes(tus, reporter):
    url = tus.start(100)
    tus.patch(url, b"x" * 40, 0)
    kept_url = tus.start(100)
    upload = upload_of(url)
    ResumableUpload.objects.filter(pk=upload.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert tus.head(url).status_code == 410
    patch = tus.patch(url, b"x" * 10, 40)
    assert patch.status_code == 410 and "expired" in patch.json()["error"]
    assert stored_bytes(upload).exists()

    out = io.StringIO()
    with translation.override("en"):
        call_command("archive_tus_cleanup", stdout=out)

    assert "Expired uploads deleted: 1" in out.getvalue()
    assert not stored_bytes(upload).exists()
    assert tus.head(url).status_code == 404
    assert tus.head(kept_url).status_code == 200 and stored_bytes(upload_of(kept_url)).exists()


def test_the_cleanup_deletes_bytes_no_upload_owns(settings, tus):
    url = tus.start(100)
    orphan = folder() / "0b7e3f4c-1d2a-4c5b-9e8f-7a6b5c4d3e2f"
    orphan.write_bytes(b"left behind")
    stale = timezone.now() - services.expiry() - timedelta(minutes=1)
    os.utime(orphan, (stale.timestamp(), stale.timestamp()))

    delete_expired_uploads()

    assert not orphan.exists()
    assert stored_bytes(upload_of(url)).exists()


def test_termination_deletes_the_upload_and_its_bytes(tus):
    url = tus.start(100)
    tus.patch(url, b"x" * 30, 0)
    upload = upload_of(url)

    response = tus.delete(url)

    assert response.status_code == 204 and response["Tus-Resumable"] == "1.0.0"
    assert not stored_bytes(upload).exists()
    assert not ResumableUpload.objects.filter(pk=upload.pk).exists()
    assert tus.head(url).status_code == 404
    assert tus.patch(url, b"x", 30).status_code == 404


def test_a_request_holding_the_upload_keeps_others_out(tus):
    """What two PATCHes at once meet (test_tus_live.py sends them for real): the lease."""
    url = tus.start(100)
    lease = claim(upload_of(url), offset=0)

    busy = tus.patch(url, b"x" * 10, 0)

    assert busy.status_code == 423
    assert tus.delete(url).status_code == 423
    lease.release()
    assert tus.patch(url, b"x" * 10, 0).status_code == 204
    assert upload_of(url).offset == 10


def test_a_lease_left_by_a_crashed_request_runs_out(tus):
    url = tus.start(100)
    claim(upload_of(url), offset=0)  # never released
    ResumableUpload.objects.filter(uuid=upload_of(url).uuid).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert tus.patch(url, b"x" * 10, 0).status_code == 204


def test_the_asset_address_waits_for_the_last_byte(tus):
    data = photo(seed=9)
    url = tus.start(len(data))
    tus.patch(url, data[:100], 0)

    response = tus.get(f"{url}/asset")

    assert response.status_code == 409
    assert response.json()["offset"] == 100 and response.json()["length"] == len(data)


def test_a_file_whose_ingest_was_interrupted_is_taken_in_when_asked_for(tus, monkeypatch):
    """The process stopped between the last byte and the ingest: the page's GET …/asset finishes it."""
    from archive import services as archive_services

    data = photo(seed=10)
    url = tus.start(len(data))
    real_ingest = archive_services.ingest_local_file

    def interrupted(**kwargs):
        raise OSError("disk unplugged")

    monkeypatch.setattr(archive_services, "ingest_local_file", interrupted)
    crashed = Tus(Client(raise_request_exception=False))
    crashed.client.cookies = tus.client.cookies
    assert crashed.patch(url, data, 0).status_code == 500
    upload = upload_of(url)
    assert upload.offset == len(data) and upload.state == "receiving" and upload.lease is None
    monkeypatch.setattr(archive_services, "ingest_local_file", real_ingest)

    assert tus.head(url)["Upload-Offset"] == str(len(data))
    response = tus.get(f"{url}/asset")

    assert response.status_code == 200, response.content
    assert ArchiveImage.objects.get(pk=response.json()["id"]).sha256 == sha256(data)
    assert not stored_bytes(upload).exists()


def test_on_s3_whole_parts_go_to_the_bucket_and_termination_aborts_them(tus, s3_storage):
    part = 8 * 1024 * 1024
    data = random.Random(13).randbytes(part + 1000)
    url = tus.start(len(data) + 5000, filename="clip.mp4", filetype="video/mp4")
    upload = upload_of(url)
    assert upload.on_s3 and upload.part_size == part

    assert tus.patch(url, data[:5000], 0).status_code == 204
    assert upload_of(url).parts == []  # less than a part waits on the local disk
    assert tus.patch(url, data[5000:], 5000).status_code == 204

    upload = upload_of(url)
    assert [item["PartNumber"] for item in upload.parts] == [1]
    assert (folder() / f"{upload.uuid}.tail-1").read_bytes() == data[part:]
    assert [item["Key"] for item in s3_storage.multipart_uploads()] == [upload.storage_name]

    assert tus.delete(url).status_code == 204

    assert s3_storage.multipart_uploads() == []
    assert list(folder().glob(f"{upload.uuid}*")) == []


def test_on_s3_a_refused_file_leaves_nothing_in_the_bucket(tus, s3_storage):
    data = random.Random(14).randbytes(20_000)

    url, response = tus.send(data, pieces=2, filename="anh.jpg", filetype="image/jpeg")

    assert response.status_code == 422
    assert response.json()["error"].startswith("This type of file is not supported.")
    assert s3_storage.keys() == [] and s3_storage.multipart_uploads() == []
    assert upload_of(url).state == "refused"


def test_a_post_with_method_override_acts_as_that_method(tus):
    """tus-js-client's overridePatchMethod, for networks whose proxies drop PATCH."""
    url = tus.start(100)

    response = tus.client.generic(
        "POST",
        url,
        b"x" * 10,
        content_type=OCTETS,
        headers={**TUS, "Upload-Offset": "0", "X-HTTP-Method-Override": "PATCH"},
    )

    assert response.status_code == 204 and response["Upload-Offset"] == "10"
