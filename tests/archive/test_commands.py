"""archive_import and archive_export on a real folder tree: counts, keywords, refusals, resuming, round trip.

Media processing runs inline where a test needs it (one short WAV, no video), to keep the file fast.
"""

import csv
import hashlib
import io
import json
import math
import os
import re
import signal
import struct
import threading
import wave
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from PIL import Image as PILImage
from PIL import ImageDraw

from archive import services
from archive.management.commands.archive_import import Progress
from archive.models import ArchiveImage, ArchiveMedia, State
from tests.factories import make_user

pytestmark = pytest.mark.django_db

COUNT_LINE = re.compile(r"^(Imported|Would be imported|Already in the archive|Refused|Errors): (\d+)$")
# The tree's files in the order the import walks them (folders and names sorted, hidden ones left out).
WALK_ORDER = (
    "Thể thao/clip.mp4",
    "Thể thao/d.jpg",
    "Thể thao/empty.jpg",
    "Thời sự/a.jpg",
    "Thời sự/b.png",
    "Thời sự/Hà Nội/a-ban-sao.jpg",
    "Thời sự/Hà Nội/c.jpg",
    "am-thanh/sine.wav",
)


def picture(path: Path, *, colour, fmt="JPEG") -> Path:
    """A small picture whose bytes differ from every other one made here."""
    image = PILImage.new("RGB", (160, 100), colour)
    ImageDraw.Draw(image).ellipse((20, 10, 20 + sum(colour) % 100, 90), fill=(255 - colour[0], 200, 40))
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, fmt)
    return path


def sine_wav(path: Path, *, seconds=1.0, rate=22050, frequency=440) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = b"".join(
        struct.pack("<h", int(9000 * math.sin(2 * math.pi * frequency * n / rate)))
        for n in range(int(seconds * rate))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


@pytest.fixture
def tree(tmp_path) -> Path:
    """Five files to import, a copy of one under another name, two the archive refuses, and hidden ones."""
    root = tmp_path / "kho-anh"
    picture(root / "Thời sự" / "a.jpg", colour=(200, 30, 30))
    picture(root / "Thời sự" / "b.png", colour=(30, 200, 30), fmt="PNG")
    picture(root / "Thời sự" / "Hà Nội" / "c.jpg", colour=(30, 30, 200))
    picture(root / "Thể thao" / "d.jpg", colour=(120, 120, 20))
    (root / "Thời sự" / "Hà Nội" / "a-ban-sao.jpg").write_bytes((root / "Thời sự" / "a.jpg").read_bytes())
    picture(root / "Thể thao" / "clip.mp4", colour=(90, 10, 160))  # a JPEG named .mp4
    (root / "Thể thao" / "empty.jpg").write_bytes(b"")
    sine_wav(root / "am-thanh" / "sine.wav")
    picture(root / ".an.jpg", colour=(1, 2, 3))  # hidden file
    picture(root / ".cache" / "x.jpg", colour=(4, 5, 6))  # hidden folder
    return root


def run(command: str, *args, **options) -> tuple[dict, list[str], str]:
    """Run a command in English; return its counts, the lines listing files, and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command(command, *map(str, args), stdout=stdout, stderr=stderr, **options)
    counts, listed = {}, []
    for line in stdout.getvalue().splitlines():
        if match := COUNT_LINE.match(line):
            counts[match[1]] = int(match[2])
        elif line.startswith("  "):
            listed.append(line.strip())
    return counts, listed, stderr.getvalue()


def counts(imported=0, already=0, refused=0, errors=0, *, label="Imported") -> dict:
    return {label: imported, "Already in the archive": already, "Refused": refused, "Errors": errors}


def assets_of(agency) -> list:
    return [*ArchiveImage.objects.filter(agency=agency), *ArchiveMedia.objects.filter(agency=agency)]


def test_import_tags_by_folder_refuses_with_reasons_and_a_second_run_changes_nothing(
    tree, agency, staff, django_capture_on_commit_callbacks
):
    reporter = staff["reporter"]
    with django_capture_on_commit_callbacks(execute=True):  # the ingest runs, as the worker would
        found, refused, _ = run("archive_import", tree, agency=agency.short_name, user=reporter.username)
    assert found == counts(imported=5, already=1, refused=2)
    assert [line.split(": ", 1)[0] for line in refused] == ["Thể thao/clip.mp4", "Thể thao/empty.jpg"]
    assert all(line.split(": ", 1)[1] for line in refused), "every refusal says why"
    assert "JPEG" in refused[0]

    photo = ArchiveImage.objects.get(title="c")
    assert set(photo.tags.names()) == {"Thời sự", "Hà Nội"}
    assert photo.agency == agency and photo.collection == agency.collection
    assert photo.uploaded_by_user == reporter and photo.state == State.READY, photo.failure_reason
    assert set(ArchiveImage.objects.get(title="a").tags.names()) == {"Thời sự"}
    sound = ArchiveMedia.objects.get()
    assert sound.type == "audio" and set(sound.tags.names()) == {"am-thanh"}
    assert sound.state == State.READY, sound.failure_reason
    assert ArchiveImage.objects.count() == 4  # hidden files and folders were left alone

    again, _, _ = run("archive_import", tree, agency=agency.short_name)
    assert again == counts(already=6, refused=2)
    assert ArchiveImage.objects.count() == 4 and ArchiveMedia.objects.count() == 1


def test_dry_run_reports_what_would_happen_and_stores_nothing(tree, agency):
    found, refused, _ = run("archive_import", tree, "--dry-run", agency=agency.short_name)
    assert found == counts(imported=5, already=1, refused=2, label="Would be imported")
    assert len(refused) == 2
    assert not ArchiveImage.objects.exists() and not ArchiveMedia.objects.exists()


def test_an_interrupted_import_run_again_imports_the_rest_without_duplicates(tree, agency, monkeypatch):
    real_ingest, calls = services.ingest_local_file, []

    def interrupted_on_the_third_file(**kwargs):
        calls.append(kwargs["path"])
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_ingest(**kwargs)

    monkeypatch.setattr(services, "ingest_local_file", interrupted_on_the_third_file)
    found, _, _ = run("archive_import", tree, agency=agency.short_name)
    assert found == counts(imported=1, refused=1)  # clip.mp4 refused, d.jpg in, then Ctrl-C
    assert len(calls) == 3

    monkeypatch.setattr(services, "ingest_local_file", real_ingest)
    rest, _, _ = run("archive_import", tree, agency=agency.short_name)
    assert rest == counts(imported=4, already=2, refused=2)
    assert ArchiveImage.objects.count() == 4 and ArchiveMedia.objects.count() == 1
    assert ArchiveImage.objects.values("sha256").distinct().count() == 4


@pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(), reason="signals need the main thread"
)
def test_ctrl_c_finishes_the_current_file_then_stops(tree, agency, monkeypatch):
    real_ingest, calls = services.ingest_local_file, []

    def ctrl_c_during_the_fourth_file(**kwargs):
        calls.append(kwargs["path"])
        if len(calls) == 4:
            os.kill(os.getpid(), signal.SIGINT)  # as the terminal sends it
        return real_ingest(**kwargs)

    monkeypatch.setattr(services, "ingest_local_file", ctrl_c_during_the_fourth_file)
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when the suite runs in the background
    found, _, stderr = run("archive_import", tree, agency=agency.short_name)
    assert found == counts(imported=2, refused=2)  # a.jpg, the file in hand, was finished
    assert [Path(path).relative_to(tree).as_posix() for path in calls] == list(WALK_ORDER[:4])
    assert ArchiveImage.objects.filter(title="a").exists()
    assert "Stopping after the current file" in stderr
    assert signal.getsignal(signal.SIGINT) == before  # given back


def test_export_writes_verified_originals_and_a_manifest_that_imports_into_another_agency(
    tree, agency, other_agency, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run("archive_import", tree, agency=agency.short_name, credit="Báo Hải Dương")
    ArchiveImage.objects.filter(title="c").update(caption="Phố cổ Hà Nội", licence="cc-by", latitude=21.03)
    dest = tmp_path / "xuat"
    _, _, stderr = run("archive_export", dest, "--include-renditions", agency=agency.short_name)
    assert "mismatch" not in stderr

    manifest = json.loads((dest / "manifest.json").read_text(encoding="utf-8"))
    entries = {entry["title"]: entry for entry in manifest["assets"]}
    assert (
        sorted(entries) == sorted(asset.title for asset in assets_of(agency)) == ["a", "b", "c", "d", "sine"]
    )
    for asset in assets_of(agency):
        entry = entries[asset.title]
        written = dest / entry["file"]
        assert entry["file"].startswith(f"{asset.kind}/{asset.pk}-")
        assert entry["sha256"] == asset.sha256 == hashlib.sha256(written.read_bytes()).hexdigest()
        assert entry["agency"] == agency.short_name and entry["credit"] == "Báo Hải Dương"
        assert entry["renditions"] and all((dest / name).is_file() for name in entry["renditions"])
    assert entries["c"]["keywords"] == ["Hà Nội", "Thời sự"] and entries["c"]["mime_type"] == "image/jpeg"
    assert entries["sine"]["kind"] == "audio" and entries["sine"]["duration"] > 0.9
    with open(dest / "manifest.csv", encoding="utf-8-sig", newline="") as table:
        rows = list(csv.DictReader(table))
    assert {row["title"] for row in rows} == set(entries) and "copyright_holder" in rows[0]

    found, refused, _ = run("archive_import", dest, agency=other_agency.short_name)
    assert found == counts(imported=5), refused  # manifests and renditions are not imported as files
    copy = ArchiveImage.objects.get(agency=other_agency, title="c")
    assert (copy.caption, copy.credit, copy.licence, copy.latitude) == (
        "Phố cổ Hà Nội",
        "Báo Hải Dương",
        "cc-by",
        21.03,
    )
    assert set(copy.tags.names()) == {"Thời sự", "Hà Nội"}
    assert copy.sha256 == ArchiveImage.objects.get(agency=agency, title="c").sha256
    assert ArchiveImage.objects.count() == 8 and ArchiveMedia.objects.count() == 2


def test_export_reports_a_file_that_does_not_match_its_sha256(tree, agency, tmp_path):
    run("archive_import", tree, agency=agency.short_name)
    ArchiveImage.objects.filter(title="b").update(sha256="0" * 64)
    stderr = io.StringIO()
    with (
        translation.override("en"),
        pytest.raises(CommandError, match="1 files could not be exported intact"),
    ):
        call_command(
            "archive_export", str(tmp_path / "x"), agency=agency.short_name, kind="image", stderr=stderr
        )
    assert "SHA-256 mismatch" in stderr.getvalue() and "image/" in stderr.getvalue()
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["assets"]) == 4  # the manifest is still written, for the files that are fine


def test_nothing_to_do_is_an_error_with_a_reason(tree, agency, tmp_path):
    outsider = make_user()
    with translation.override("en"):
        with pytest.raises(CommandError, match="No agency has the short name"):
            call_command("archive_import", str(tree), agency="khong-co", stdout=io.StringIO())
        with pytest.raises(CommandError, match="does not exist"):
            call_command("archive_import", str(tmp_path / "nowhere"), agency=agency.short_name)
        with pytest.raises(CommandError, match="not on the staff"):
            call_command("archive_import", str(tree), agency=agency.short_name, user=outsider.username)
        with pytest.raises(CommandError, match="need an owner"):
            call_command("archive_import", str(tree), agency=agency.short_name, sharing="private")


class FakeTerminal(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty

    def write(self, text, style_func=None, ending=None):  # the OutputWrapper signature
        return super().write(text)


@translation.override("en")
def test_progress_is_a_bar_on_a_terminal_and_a_line_per_hundred_files_in_a_log():
    ticks = iter(range(1000))
    terminal = FakeTerminal(tty=True)
    bar = Progress(terminal, 4, clock=lambda: next(ticks))
    for _ in range(2):
        bar.step()
    assert terminal.getvalue().startswith("\r[") and "2/4 files, 50%" in terminal.getvalue()
    assert "files/s" in terminal.getvalue() and "left" in terminal.getvalue()

    log = FakeTerminal(tty=False)
    lines = Progress(log, 250, clock=lambda: next(ticks))
    for _ in range(250):
        lines.step()
    assert log.getvalue().count("\n") == 2 and "\r" not in log.getvalue()
    assert log.getvalue().splitlines()[1].startswith("200/250 files, 80%")
