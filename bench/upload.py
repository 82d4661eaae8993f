"""Resumable upload (tus) throughput for a 1 GB file, against one plain PUT of the same file, on loopback.

Builds a throw-away database (on the PostgreSQL server of --database-url or $DATABASE_URL, which the bench
creates and drops; SQLite otherwise) and media folder, one agency and a reporter with a session, and a 1 GB
Matroska video of raw frames (FFmpeg writes it in seconds; the archive takes it as a video). Starts daphne as
`manage.py serve` does, on this module's `application`: the project's ASGI application behind a tiny wrapper
that answers PUT /bench/put by streaming the body to a file, passing every other request to Django. It times:

1. one PUT of the whole file: daphne, loopback and the disk, no Django — the floor;
2. tus through tuspy (the reference Python client) for each --chunk-mb piece size: the POST, then one PATCH
   per piece, the last of which also runs the archive's ingest (content check, SHA-256, copy into the media
   storage); that last piece's time is printed apart. The asset's SHA-256 is checked against the file's.

    .venv/bin/python bench/upload.py [--size-mb 1024] [--chunk-mb 64 8] [--database-url postgres://…/postgres]
"""

import argparse
import hashlib
import http.client
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # Run as a script: make the project importable.
    sys.path.insert(0, str(REPO))

PUT_PATH = "/bench/put"
MiB = 1024 * 1024
FRAME = (1280, 720)  # raw YUV 4:2:0 frames of 1.3 MB each
_django_application = None


# --- The server side: the project's ASGI application with a plain PUT beside it -------------------


async def application(scope, receive, send):
    """PUT /bench/put streams its body to $BENCH_PUT_FILE; everything else goes to Django."""
    if scope["type"] == "http" and scope["method"] == "PUT" and scope["path"] == PUT_PATH:
        await _put(receive, send)
        return
    global _django_application
    if _django_application is None:
        from newsroom.asgi import application as django_application

        _django_application = django_application
    await _django_application(scope, receive, send)


async def _put(receive, send) -> None:
    size = 0
    with open(os.environ["BENCH_PUT_FILE"], "wb") as out:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            out.write(message.get("body", b""))
            size += len(message.get("body", b""))
            if not message.get("more_body"):
                break
    headers = [(b"x-bytes", str(size).encode())]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


# --- The bench ---------------------------------------------------------------------------------


def main() -> int:
    options = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="upload-bench-"))
    database = None
    try:
        database = setup_django(workdir, options)
        headers = make_reporter()
        source = make_video(workdir / "ban-tin.mkv", options.size_mb * MiB)
        digest = sha256_of(source)
        os.environ["BENCH_PUT_FILE"] = str(workdir / "put.bin")
        with daphne(workdir) as port:
            put_seconds = time_put(port, source)
            if sha256_of(workdir / "put.bin") != digest:
                sys.exit("The PUT stored other bytes than were sent.")
            (workdir / "put.bin").unlink()
            runs = [time_tus(port, source, digest, headers, chunk * MiB) for chunk in options.chunk_mb]
        report(source, put_seconds, runs, options, database)
    finally:
        if database:
            from bench.distribution import drop_database

            drop_database(database)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the file in MiB (1024)")
    parser.add_argument(
        "--chunk-mb", type=int, nargs="+", default=[64, 8], help="tus piece sizes in MiB to time (64 8)"
    )
    environment = os.environ.get("DATABASE_URL", "")
    parser.add_argument(
        "--database-url",
        default=environment if environment.startswith("postgres") else None,
        help="a PostgreSQL server (default: $DATABASE_URL if it is one); the bench makes its own database",
    )
    return parser.parse_args()


def setup_django(workdir: Path, options, **extra_env: str) -> str | None:
    """Django in this process and the server's, on the same throw-away database and media folder, with
    `extra_env` set for both."""
    from bench.public_pages import DROPPED_ENV

    for name in DROPPED_ENV:
        os.environ.pop(name, None)
    database = None
    if options.database_url:
        from bench.distribution import create_database

        database = create_database(options.database_url)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),  # the same in both processes: sessions are checked with it
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database or f"sqlite:///{workdir / 'db.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_ROOT=str(workdir / "static"),
        LOG_LEVEL="WARNING",
        **extra_env,
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return database


def make_reporter() -> dict:
    """A reporter of a new agency, logged in: the headers a browser sends to the tus server."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from newsroom.models import Role
    from newsroom.services import AgencyData, add_staff, create_agency

    data = AgencyData(
        name="Báo đo tải lên", short_name="baodotailen", kind="newspaper", hostname="bench.localhost"
    )
    agency = create_agency(data=data)
    user = get_user_model().objects.create_user(username="phong-vien-do", password=secrets.token_urlsafe(16))
    add_staff(agency=agency, user=user, role=Role.REPORTER)
    client = Client()
    client.force_login(user)
    token = secrets.token_hex(16)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={token}",
        "X-CSRFToken": token,
    }


def make_video(path: Path, size: int) -> Path:
    """A Matroska file of raw video frames, `size` bytes or a frame more."""
    import imageio_ffmpeg

    frame_bytes = FRAME[0] * FRAME[1] * 3 // 2
    frames = -(-size // frame_bytes)
    started = time.monotonic()
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi"]
        + ["-i", f"testsrc2=size={FRAME[0]}x{FRAME[1]}:rate=25", "-frames:v", str(frames)]
        + ["-c:v", "rawvideo", "-pix_fmt", "yuv420p", "-write_crc32", "0", "-y", str(path)],
        check=True,
    )
    seconds = time.monotonic() - started
    print(f"Made a {path.stat().st_size / MiB:.0f} MiB video of {frames} raw frames in {seconds:.1f} s")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(8 * MiB):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def daphne(
    workdir: Path,
    *,
    app: str = "bench.upload:application",
    port: int | None = None,
    ready: tuple[str, str, int] = ("OPTIONS", "/archive/tus/", 204),
):
    """daphne serving `app` on a loopback port (free, unless given), as `manage.py serve` runs it; yields the
    port once a `ready` request (method, path, status) is answered, so no timing holds Django's start-up."""
    from bench.public_pages import PYTHON, free_port

    port = port or free_port()
    log_path = workdir / "daphne.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app],
            cwd=REPO,
            env=dict(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_ready(port, process, log_path, ready)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_ready(port: int, process, log_path: Path, ready: tuple[str, str, int]) -> None:
    method, path, status = ready
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request(method, path)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == status:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"daphne did not start:\n{log_path.read_text()[-3000:]}")


def time_put(port: int, source: Path) -> float:
    size = source.stat().st_size
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600, blocksize=MiB)
    started = time.perf_counter()
    with source.open("rb") as body:
        connection.request("PUT", PUT_PATH, body=body, headers={"Content-Length": str(size)})
        response = connection.getresponse()
        response.read()
    seconds = time.perf_counter() - started
    connection.close()
    if response.status != 204 or response.getheader("x-bytes") != str(size):
        sys.exit(f"PUT answered {response.status} after {response.getheader('x-bytes')} bytes")
    return seconds


def time_tus(port: int, source: Path, digest: str, headers: dict, chunk: int) -> dict:
    """One tus upload of `source` in `chunk`-byte pieces; the asset it became is deleted afterwards, so the
    next run is not answered as a duplicate."""
    from tusclient.client import TusClient

    from archive.models import ArchiveMedia, ResumableUpload

    client = TusClient(f"http://127.0.0.1:{port}/archive/tus/", headers=headers)
    started = time.perf_counter()
    uploader = client.uploader(
        str(source), chunk_size=chunk, metadata={"filename": source.name, "filetype": "video/x-matroska"}
    )
    uploader.set_url(uploader.create_url())
    pieces = []
    while uploader.offset < uploader.stop_at:
        piece_started = time.perf_counter()
        uploader.upload_chunk()
        pieces.append(time.perf_counter() - piece_started)
    seconds = time.perf_counter() - started
    upload = ResumableUpload.objects.get(uuid=uploader.url.rsplit("/", 1)[-1])
    if upload.state != "done" or upload.media.sha256 != digest:
        sys.exit(f"The tus upload ended {upload.state} {upload.error}; the archive did not get the file")
    asset = ArchiveMedia.objects.get(pk=upload.media_id)
    asset.file.delete(save=False)
    asset.delete()
    return {"chunk": chunk, "seconds": seconds, "pieces": pieces}


def report(source: Path, put_seconds: float, runs: list[dict], options, database) -> None:
    from bench.public_pages import machine

    size = source.stat().st_size
    megabytes = size / MiB
    print()
    print(f"Upload of a {megabytes:.0f} MiB file over loopback: one client, one daphne, production settings")
    print(f"Database: {'PostgreSQL' if database else 'SQLite'}; media on the local disk")
    print(f"Machine: {machine()}")
    header = f"{'how':<34} {'seconds':>8} {'MiB/s':>8} {'pieces':>7} {'last piece s':>13}"
    print(header)
    print("-" * len(header))
    print(
        f"{'single PUT (no Django)':<34} {put_seconds:>8.1f} {megabytes / put_seconds:>8.1f} {1:>7} {'-':>13}"
    )
    for run in runs:
        label = f"tus, {run['chunk'] // MiB} MiB pieces (tuspy)"
        last = run["pieces"][-1]
        print(
            f"{label:<34} {run['seconds']:>8.1f} {megabytes / run['seconds']:>8.1f} "
            f"{len(run['pieces']):>7} {last:>13.1f}"
        )
    print(
        "tus times run from the POST to the last PATCH's answer; the last piece includes the archive's "
        "ingest of the whole file (content check, SHA-256, copy into media storage)."
    )


if __name__ == "__main__":
    sys.exit(main())
