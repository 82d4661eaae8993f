"""The tus server against the reference Python client (tuspy) over real sockets: connections cut at random
offsets, a client that stops and a new one that resumes, two PATCHes at once, S3, the cleanup loop.

pytest-django's live server (WSGI, threaded) runs in this process, so the tests need committed rows.
"""

import http.client
import random
import socket
import threading
import time
import traceback
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from django.utils.module_loading import import_string
from tusclient.client import TusClient
from tusclient.exceptions import TusUploadFailed
from tusclient.storage.filestorage import FileStorage

from archive.models import ArchiveImage, ArchiveMedia, ResumableUpload
from archive.tus.store import folder
from newsroom.models import Role
from tests.archive.test_tus import noise_wav, photo, sha256
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# tuspy retries by recursion: 200 stays well inside Python's recursion limit. A tenth of a second between
# tries lets the server finish the request the proxy cut before the next one arrives, as a phone's back-off
# does (SQLite's shared in-memory test database refuses two writers at once instead of making one wait).
RETRIES, RETRY_DELAY = 200, 0.1
NO_PROCESSING = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


# --- A logged-in tus client --------------------------------------------------------------------


@pytest.fixture
def reporter():
    agency = make_agency(short_name="baotusthu", name="Báo thử tải lên")
    return make_user(agency=agency, role=Role.REPORTER)


def session_headers(user) -> dict:
    """What a logged-in browser sends: the session and CSRF cookies, and the token as tus-js-client's
    `headers` option sends it."""
    client = Client()
    client.force_login(user)
    token = "t" * 32  # any 32 letters Django's CSRF check accepts as a cookie value
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    cookies = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}"
    return {"Cookie": cookies, "X-CSRFToken": token, "Accept-Language": "en"}


def tus_client(base_url: str, user) -> TusClient:
    return TusClient(f"{base_url}/archive/tus/", headers=session_headers(user))


def send(uploader, **kwargs) -> None:
    """uploader.upload(), with a short report if tuspy gives up: it retries by recursion, and pytest would
    spend minutes formatting the traceback of a failure hundreds of frames deep."""
    try:
        uploader.upload(**kwargs)
    except Exception as error:  # noqa: BLE001 - reported in a few lines instead
        where = "".join(traceback.format_tb(error.__traceback__)[-3:])
        details = f"{getattr(error, 'status_code', '')} {getattr(error, 'response_content', '')!r:.300}"
        pytest.fail(
            f"tuspy gave up at byte {uploader.offset}: {error!r:.300} {details}\n{where}", pytrace=False
        )


def upload_at(url: str) -> ResumableUpload:
    return ResumableUpload.objects.get(uuid=url.rstrip("/").rsplit("/", 1)[-1])


def asset_of(url: str, user):
    response = requests.get(f"{url}/asset", headers=session_headers(user), timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    model = ArchiveImage if body["kind"] == "image" else ArchiveMedia
    return model.objects.get(pk=body["id"])


# --- A line that drops -------------------------------------------------------------------------


class DroppingProxy:
    """A TCP proxy in front of the live server that cuts every PATCH after a random number of bytes,
    as a phone's connection drops mid-upload: the server sees the body end early, the client an error."""

    def __init__(self, target: str, *, seed: int, low: int, high: int):
        parts = urlsplit(target)
        self.target = (parts.hostname, parts.port)
        self.random, self.low, self.high = random.Random(seed), low, high
        self.cuts = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.closed = True
        self.listener.close()

    def _accept(self):
        while not self.closed:
            try:
                browser, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(browser,), daemon=True).start()

    def _serve(self, browser: socket.socket):
        server = socket.create_connection(self.target)
        first = browser.recv(65536)
        budget = self.random.randint(self.low, self.high) if first.startswith(b"PATCH") else None
        threading.Thread(target=self._pipe, args=(server, browser), daemon=True).start()
        sent, data = 0, first
        try:
            while data:
                if budget is not None and sent + len(data) > budget:
                    server.sendall(data[: budget - sent])
                    self.cuts += 1
                    break
                server.sendall(data)
                sent += len(data)
                data = browser.recv(65536)
        except OSError:
            pass
        finally:
            for end in (server, browser):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                end.close()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass


# --- Cut connections, resumed uploads ----------------------------------------------------------


def test_files_arrive_whole_through_connections_cut_at_random_offsets(
    live_server, reporter, settings, tmp_path
):
    settings.TASKS = NO_PROCESSING  # renditions are not what this test is about
    proxy = DroppingProxy(live_server.url, seed=20261123, low=2_000, high=160_000)
    client = tus_client(proxy.url, reporter)
    files = [
        # (bytes, name, piece size, with checksums)
        (photo(seed=1, size=(900, 600)), "anh-hien-truong.jpg", None, False),
        (photo(seed=2, size=(700, 500), quality=95), "anh-thu-hai.jpg", 120_000, True),
        (noise_wav(seed=3, seconds=4), "phong-van.wav", 50_000, False),
    ]
    try:
        for data, name, piece, checked in files:
            path = tmp_path / name
            path.write_bytes(data)
            uploader = client.uploader(
                str(path),
                chunk_size=piece or len(data),
                metadata={"filename": name},
                retries=RETRIES,
                retry_delay=RETRY_DELAY,
                upload_checksum=checked,
            )
            send(uploader)

            asset = asset_of(uploader.url, reporter)
            assert asset.sha256 == sha256(data), name
            with asset.file.open("rb") as stored:
                assert sha256(stored.read()) == sha256(data), name
            assert not (folder() / str(upload_at(uploader.url).uuid)).exists()

        # Random bytes, kept unfinished: what is stored is exactly the start of the file.
        data = random.Random(4).randbytes(700_000)
        path = tmp_path / "chua-xong.bin"
        path.write_bytes(data)
        uploader = client.uploader(
            str(path),
            chunk_size=len(data),
            metadata={"filename": "clip.mp4"},
            retries=RETRIES,
            retry_delay=RETRY_DELAY,
        )
        send(uploader, stop_at=600_000)
        upload = upload_at(uploader.url)
        assert upload.offset >= 600_000
        assert (folder() / str(upload.uuid)).read_bytes() == data[: upload.offset]
    finally:
        proxy.close()
    assert proxy.cuts >= 10  # the line really dropped, many times


def test_a_new_client_resumes_an_upload_from_the_stored_url(live_server, reporter, tmp_path):
    data = photo(seed=5, size=(800, 600))
    path = tmp_path / "anh.jpg"
    path.write_bytes(data)
    storage = FileStorage(str(tmp_path / "urls.json"))
    first = tus_client(live_server.url, reporter).uploader(
        str(path), chunk_size=40_000, metadata={"filename": "anh.jpg"}, store_url=True, url_storage=storage
    )
    first.upload_chunk()
    first.upload_chunk()
    del first  # the tab was closed

    second = tus_client(live_server.url, reporter).uploader(
        str(path), chunk_size=40_000, metadata={"filename": "anh.jpg"}, store_url=True, url_storage=storage
    )

    assert second.offset == 80_000  # asked the server with HEAD
    send(second)
    assert asset_of(second.url, reporter).sha256 == sha256(data)
    assert ResumableUpload.objects.count() == 1


def test_a_refused_file_ends_the_upload_with_the_archives_reason(live_server, reporter, tmp_path):
    path = tmp_path / "anh.jpg"
    path.write_bytes(random.Random(6).randbytes(30_000))
    uploader = tus_client(live_server.url, reporter).uploader(str(path), metadata={"filename": "anh.jpg"})

    with pytest.raises(TusUploadFailed) as failure:
        uploader.upload()

    assert failure.value.status_code == 422
    assert b"This type of file is not supported." in failure.value.response_content


# --- Two requests at once ----------------------------------------------------------------------


def _send_half(base_url: str, path: str, headers: dict, body: bytes) -> socket.socket:
    """A PATCH whose body stops half-way, like a slow phone: the server is left reading it."""
    parts = urlsplit(base_url)
    connection = socket.create_connection((parts.hostname, parts.port))
    lines = [f"PATCH {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body[: len(body) // 2])
    return connection


def test_two_patches_at_once_one_wins_and_the_bytes_never_interleave(live_server, reporter):
    headers = {**session_headers(reporter), "Tus-Resumable": "1.0.0"}
    created = requests.post(
        f"{live_server.url}/archive/tus/",
        headers={**headers, "Upload-Length": "100000", "Upload-Metadata": "filename Y2xpcC5tcDQ="},
        timeout=30,
    )
    url = f"{live_server.url}{created.headers['Location']}"
    first_body, second_body = b"A" * 40_000, b"B" * 40_000
    patch = {**headers, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}

    slow = _send_half(live_server.url, urlsplit(url).path, patch, first_body)
    deadline = time.monotonic() + 10
    while upload_at(url).lease is None:  # the server took the upload for the slow request
        assert time.monotonic() < deadline
        time.sleep(0.01)
    second = requests.patch(url, data=second_body, headers=patch, timeout=30)

    assert second.status_code == 423, second.text
    slow.sendall(first_body[len(first_body) // 2 :])
    answer = http.client.HTTPResponse(slow)
    answer.begin()
    assert answer.status == 204 and answer.getheader("Upload-Offset") == "40000"
    slow.close()
    late = requests.patch(url, data=second_body, headers=patch, timeout=30)
    assert late.status_code == 409  # the offset moved on
    assert (folder() / str(upload_at(url).uuid)).read_bytes() == first_body


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite's shared in-memory test database refuses concurrent writers at once (table locks) "
    "where a database file waits for them; the conditional update is the same on both",
)
def test_a_burst_of_patches_for_one_offset_stores_exactly_one(live_server, reporter):
    headers = {**session_headers(reporter), "Tus-Resumable": "1.0.0"}
    created = requests.post(
        f"{live_server.url}/archive/tus/",
        headers={**headers, "Upload-Length": "100000", "Upload-Metadata": "filename Y2xpcC5tcDQ="},
        timeout=30,
    )
    url = f"{live_server.url}{created.headers['Location']}"
    patch = {**headers, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    start = threading.Barrier(6)
    statuses = {}

    def send(letter: bytes):
        start.wait()
        statuses[letter] = requests.patch(url, data=letter * 30_000, headers=patch, timeout=30).status_code

    threads = [
        threading.Thread(target=send, args=(letter,)) for letter in (b"a", b"b", b"c", b"d", b"e", b"f")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [letter for letter, status in statuses.items() if status == 204]
    assert len(winners) == 1, statuses
    assert set(statuses.values()) <= {204, 409, 423}
    assert upload_at(url).offset == 30_000
    assert (folder() / str(upload_at(url).uuid)).read_bytes() == winners[0] * 30_000


# --- S3 ----------------------------------------------------------------------------------------


def test_an_upload_through_tus_lands_in_s3_as_one_object(
    live_server, reporter, s3_storage, settings, tmp_path
):
    settings.TASKS = NO_PROCESSING
    data = photo(seed=12, size=(4000, 3000), quality=95)
    assert len(data) > 8 * 1024 * 1024  # two parts at least
    path = tmp_path / "anh-lon.jpg"
    path.write_bytes(data)
    uploader = tus_client(live_server.url, reporter).uploader(
        str(path), chunk_size=3 * 1024 * 1024, metadata={"filename": "Ảnh lớn.jpg", "filetype": "image/jpeg"}
    )
    for _piece in range(3):
        uploader.upload_chunk()
    upload = upload_at(uploader.url)
    assert len(upload.parts) == 1 and upload.part_size == 8 * 1024 * 1024
    assert [item["Key"] for item in s3_storage.multipart_uploads()] == [upload.storage_name]
    tail = folder() / f"{upload.uuid}.tail-1"
    assert tail.stat().st_size == upload.offset - 8 * 1024 * 1024

    send(uploader)

    image = asset_of(uploader.url, reporter)
    upload.refresh_from_db()
    assert image.file.name == upload.storage_name
    assert s3_storage.keys("archive/uploads/") == [upload.storage_name]  # besides it only the thumbnail
    assert s3_storage.read(upload.storage_name) == data
    assert image.sha256 == sha256(data)
    assert s3_storage.multipart_uploads() == []
    assert list(folder().glob(f"{upload.uuid}*")) == []


# --- The cleanup loop --------------------------------------------------------------------------


def test_the_worker_loop_deletes_expired_uploads(reporter):
    assert "archive.tus.cleanup.run" in settings.NEWSROOM_WORKER_LOOPS
    client = Client()
    client.force_login(reporter)
    created = client.generic(
        "POST",
        "/archive/tus/",
        headers={"Tus-Resumable": "1.0.0", "Upload-Length": "100", "Upload-Metadata": "filename YS5qcGc="},
    )
    upload = upload_at(created["Location"])
    ResumableUpload.objects.filter(pk=upload.pk).update(expires_at=timezone.now())
    stop = threading.Event()

    threads = import_string("archive.tus.cleanup.run")(stop, every=0.05)
    try:
        deadline = time.monotonic() + 20
        while ResumableUpload.objects.filter(pk=upload.pk).exists():
            assert time.monotonic() < deadline, "the loop did not delete the expired upload"
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert not (folder() / str(upload.uuid)).exists()
