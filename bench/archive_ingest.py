"""How many photos per second the archive takes in, renditions included; then the video transcode figures.

Photo half: builds a throw-away SQLite database and media folder (migrate, one agency), generates N
distinct 3000x2000 JPEG photos with EXIF (noise over gradients, so they compress like real photos, not
like flat colour), then times archive.services.ingest_local_file for each one with the immediate task
backend, so each timing holds everything the worker would do too: content check, SHA-256, storing the
original, EXIF read and the five renditions the public site asks for. Prints photos per second and the
per-photo p50/p95, with the machine. One photo is ingested first as a warm-up and not counted (imports,
caches).

Video half: runs bench/archive_ingest_transcode.py (FFmpeg transcoding) as a subprocess and prints its
output, so one command gives both figures.

    .venv/bin/python bench/archive_ingest.py [--photos 100] [--transcode-seconds 60] [--no-transcode] [--keep]
"""

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # Run as a script: make the project importable.
    sys.path.insert(0, str(REPO))

from bench.public_pages import DROPPED_ENV, machine  # noqa: E402

TRANSCODE_BENCH = REPO / "bench" / "archive_ingest_transcode.py"
PHOTO_SIZE = (3000, 2000)
JPEG_QUALITY = 90  # what cameras and phones typically hand over
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def main() -> int:
    options = parse_args()
    original_env = dict(os.environ)
    workdir = Path(tempfile.mkdtemp(prefix="archive-ingest-bench-"))
    try:
        setup_django(workdir)
        photos = make_photos(workdir / "photos", options.photos + 1)
        timings, outcome = ingest_photos(photos)
        report(photos[1:], timings, outcome)
    finally:
        if options.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if not options.no_transcode:
        run_transcode_bench(original_env, options.transcode_seconds)
    return 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=100, help="photos to ingest (default 100)")
    parser.add_argument(
        "--transcode-seconds", type=float, help="clip length for the transcode bench (its default: 60)"
    )
    parser.add_argument("--no-transcode", action="store_true", help="skip the video transcode bench")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args()


def setup_django(workdir: Path) -> None:
    """Django in this process, on a database and media folder of its own: the bench measures this machine
    alone, and tasks run at once so each ingest's timing includes its processing."""
    for name in DROPPED_ENV:
        os.environ.pop(name, None)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings.dev",
        DEBUG="0",  # DEBUG keeps every SQL query in memory: slower, and not how the worker runs
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        MEDIA_ROOT=str(workdir / "media"),
        LOG_LEVEL="WARNING",
    )
    import django
    from django.conf import settings

    settings.TASKS = IMMEDIATE_TASKS
    django.setup()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrate: {time.monotonic() - started:.1f} s", flush=True)


def make_agency():
    from newsroom.services import AgencyData, create_agency

    data = AgencyData(
        name="Báo đo tốc độ", short_name="baodotocdo", kind="newspaper", hostname="bench.localhost"
    )
    return create_agency(data=data)


def make_photos(folder: Path, count: int) -> list[Path]:
    started = time.monotonic()
    folder.mkdir(parents=True)
    photos = [make_photo(folder / f"anh-{index:04d}.jpg", index) for index in range(count)]
    print(
        f"Generated {count} photos of {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} in {time.monotonic() - started:.1f} s"
    )
    return photos


def make_photo(path: Path, index: int) -> Path:
    """A photo-like JPEG: random noise (a new draw each time, so every file differs) over gradients, so it
    compresses to a camera-like few megabytes instead of a few kilobytes, with the EXIF a camera writes."""
    from PIL import Image, ImageChops

    size = PHOTO_SIZE
    noise = Image.effect_noise(size, 28)
    linear = Image.linear_gradient("L").rotate(index * 37 % 360).resize(size, Image.Resampling.BILINEAR)
    radial = Image.radial_gradient("L").resize(size, Image.Resampling.BILINEAR)
    channels = (
        ImageChops.add(linear, noise, scale=2.0),
        ImageChops.add(radial, noise, scale=2.0, offset=index % 64),
        ImageChops.blend(linear, radial, 0.5),
    )
    picture = Image.merge("RGB", channels)
    exif = Image.Exif()
    exif[0x010E] = f"Ảnh đo tốc độ số {index}"  # ImageDescription
    exif[0x013B] = "Phóng viên ảnh"  # Artist
    exif[0x8298] = "Báo đo tốc độ"  # Copyright
    exif[0x010F], exif[0x0110] = "Canon", "EOS R6"  # Make, Model
    exif.get_ifd(0x8769)[0x9003] = f"2026:04:{1 + index % 28:02d} 08:30:00"  # DateTimeOriginal
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=JPEG_QUALITY, exif=exif)
    path.write_bytes(buffer.getvalue())
    return path


def ingest_photos(photos: list[Path]) -> tuple[list[tuple[float, float]], dict]:
    """(seconds in all, of which EXIF and renditions) per photo but the first (the warm-up), and what
    became of the photos."""
    from archive.models import ArchiveImage, State
    from archive.services import ingest_local_file

    agency = make_agency()
    timings, duplicates, processing = [], 0, []
    with timed_processing(processing):
        for photo in photos:
            processing.append(0.0)
            started = time.perf_counter()
            result = ingest_local_file(path=photo, original_name=photo.name, user=None, agency=agency)
            timings.append((time.perf_counter() - started, processing[-1]))
            duplicates += result.duplicate
    images = ArchiveImage.objects.filter(agency=agency)
    outcome = {
        "ready": images.filter(state=State.READY).count(),
        "not ready": images.exclude(state=State.READY).count(),
        "duplicates": duplicates,
        "renditions": sum(image.renditions.count() for image in images),
    }
    return timings[1:], outcome


@contextmanager
def timed_processing(spent: list[float]):
    """Add the time archive.tasks.process_image takes (EXIF read, renditions) to spent[-1]: it shows how
    much of an ingest is the renditions and how much the check, hash, copy and database work."""
    from archive import tasks

    original = tasks.process_image

    def timed(asset, path):
        started = time.perf_counter()
        try:
            return original(asset, path)
        finally:
            spent[-1] += time.perf_counter() - started

    tasks.process_image = timed
    try:
        yield
    finally:
        tasks.process_image = original


def report(photos: list[Path], timings: list[tuple[float, float]], outcome: dict) -> None:
    from archive.tasks import IMAGE_RENDITIONS

    total = sum(whole for whole, _ in timings)
    whole_ms = sorted(whole * 1000 for whole, _ in timings)
    renditions_ms = sorted(part * 1000 for _, part in timings)
    rest_ms = sorted((whole - part) * 1000 for whole, part in timings)
    average_mb = statistics.mean(photo.stat().st_size for photo in photos) / 1e6
    print()
    print("Archive ingest of photos, renditions included (immediate task backend, SQLite, local disk)")
    print(f"Machine: {machine()}")
    print(
        f"Photos: {len(photos)} distinct {PHOTO_SIZE[0]}x{PHOTO_SIZE[1]} JPEG (quality {JPEG_QUALITY}, "
        f"EXIF), {average_mb:.1f} MB on average; one more ingested first as a warm-up, not counted"
    )
    print(f"Renditions per photo: {', '.join(IMAGE_RENDITIONS)}")
    print(
        f"Result: {outcome['ready']} ready, {outcome['not ready']} not ready, "
        f"{outcome['duplicates']} taken as duplicates, {outcome['renditions']} renditions made"
    )
    print(
        f"Photos per second: {len(timings) / total:.2f} "
        f"({len(timings)} photos in {total:.1f} s, one after another in one process)"
    )
    print(f"{'per photo, ms':<44} {'p50':>6} {'p95':>6} {'max':>6}")
    for label, values in (
        ("whole ingest", whole_ms),
        ("  EXIF read and renditions (process_image)", renditions_ms),
        ("  the rest: check, SHA-256, store, database", rest_ms),
    ):
        print(
            f"{label:<44} {percentile(values, 0.5):>6.0f} {percentile(values, 0.95):>6.0f} {values[-1]:>6.0f}"
        )


def percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_transcode_bench(env: dict, seconds: float | None) -> None:
    """The video half, in its own process with the caller's environment: it needs no database."""
    print()
    if not TRANSCODE_BENCH.exists():
        print(f"{TRANSCODE_BENCH.relative_to(REPO)} is missing: no video transcode figures.")
        return
    command = [sys.executable, str(TRANSCODE_BENCH)]
    if seconds:
        command += ["--seconds", f"{seconds:g}"]
    print(f"$ python {TRANSCODE_BENCH.relative_to(REPO)} {' '.join(command[2:])}".rstrip(), flush=True)
    done = subprocess.run(command, cwd=REPO, env=env, check=False)
    if done.returncode:
        print(f"{TRANSCODE_BENCH.name} ended with status {done.returncode}.")


if __name__ == "__main__":
    sys.exit(main())
