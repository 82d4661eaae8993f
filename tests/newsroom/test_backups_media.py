"""The media half of backups in a folder: files kept once by content, pruning, listing, the latest one."""

import hashlib
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone, translation

from newsroom.backups import latest_successful
from newsroom.backups.manifest import Manifest
from newsroom.backups.media import LocalStore
from newsroom.models import AuditEntry, BackupRecord, BackupState

# Real transactions: a backup refuses to run inside one (the dump could not see what it holds).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def backup(folder: Path, **options) -> Manifest:
    call_command("backup", to=str(folder), **options)
    name = BackupRecord.objects.order_by("-started_at").first().name
    return Manifest.from_json((folder / name / "manifest.json").read_bytes(), name=name)


def objects(folder: Path) -> dict[str, tuple[int, int]]:
    """The media files a destination holds, by SHA-256, with their inode and change time."""
    return {path.name: (path.stat().st_ino, path.stat().st_mtime_ns) for path in folder.glob("files/*/*")}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_next_backup_copies_only_new_and_changed_files(tmp_path, monkeypatch):
    folder = tmp_path / "backups"
    default_storage.save("images/cau.jpg", ContentFile(b"the bridge"))
    default_storage.save("documents/ke-hoach.pdf", ContentFile(b"the plan"))
    default_storage.save("images/ban-sao.jpg", ContentFile(b"the bridge"))  # same content, another name

    first = backup(folder)
    assert (first.copied_files, len(first.media)) == (2, 3)
    assert {entry.path: entry.sha256 for entry in first.media} == {
        "images/cau.jpg": sha(b"the bridge"),
        "documents/ke-hoach.pdf": sha(b"the plan"),
        "images/ban-sao.jpg": sha(b"the bridge"),
    }
    stored = objects(folder)
    assert set(stored) == {sha(b"the bridge"), sha(b"the plan")}

    opened = []
    real_open = LocalStore.open
    monkeypatch.setattr(LocalStore, "open", lambda store, path: opened.append(path) or real_open(store, path))
    second = backup(folder)
    assert second.name != first.name  # two backups in one second are told apart
    assert (second.copied_files, second.copied_bytes) == (0, 0)
    assert opened == []  # unchanged files: the previous manifest's hashes, not a single read
    assert objects(folder) == stored
    assert [(e.path, e.sha256) for e in second.media] == [(e.path, e.sha256) for e in first.media]

    with default_storage.open("documents/ke-hoach.pdf", "wb") as changed:
        changed.write(b"the plan, second version")
    default_storage.save("audio/phong-van.m4a", ContentFile(b"an interview"))
    third = backup(folder)
    assert (third.copied_files, third.copied_bytes) == (
        2,
        len(b"the plan, second version") + len(b"an interview"),
    )
    assert sorted(opened) == sorted(["audio/phong-van.m4a", "documents/ke-hoach.pdf"] * 2)  # hashed, copied
    assert {name: stored[name] for name in stored} == {name: objects(folder)[name] for name in stored}
    assert set(objects(folder)) == set(stored) | {sha(b"the plan, second version"), sha(b"an interview")}
    entry = AuditEntry.objects.filter(action="backup.created").order_by("-pk").first()
    assert entry.data["copied_files"] == 2 and entry.data["media_files"] == 4


def test_keep_removes_older_backups_and_the_files_only_they_listed(tmp_path):
    folder = tmp_path / "backups"
    default_storage.save("kept.jpg", ContentFile(b"in every backup"))
    default_storage.save("gone.jpg", ContentFile(b"only in the first"))
    oldest = backup(folder)
    default_storage.delete("gone.jpg")
    default_storage.save("second.jpg", ContentFile(b"from the second on"))
    middle = backup(folder)
    default_storage.save("third.jpg", ContentFile(b"in the third"))

    newest = backup(folder, keep=2)

    assert sorted(path.name for path in folder.iterdir() if path.name != "files") == [
        middle.name,
        newest.name,
    ]
    assert set(objects(folder)) == {sha(b"in every backup"), sha(b"from the second on"), sha(b"in the third")}
    assert oldest.name not in [path.name for path in folder.iterdir()]


def test_keep_spares_files_while_another_backup_is_under_way_and_removes_crashed_runs(tmp_path):
    folder = tmp_path / "backups"
    default_storage.save("gone.jpg", ContentFile(b"only in the first"))
    backup(folder)
    default_storage.delete("gone.jpg")
    under_way = folder / "20300101-000000"
    under_way.mkdir()
    (under_way / "started.json").write_text(json.dumps({"started_at": timezone.now().isoformat()}))

    backup(folder, keep=1)
    assert sha(b"only in the first") in objects(folder)  # the run under way may list it
    assert under_way.exists()

    long_ago = timezone.now() - timedelta(days=2)
    (under_way / "started.json").write_text(json.dumps({"started_at": long_ago.isoformat()}))
    not_a_backup = folder / "notes"
    not_a_backup.mkdir()
    backup(folder, keep=1)
    assert sha(b"only in the first") not in objects(folder)
    assert not under_way.exists()
    assert not_a_backup.exists()  # a folder the backups did not make is none of their business


def test_list_shows_complete_damaged_and_unfinished_backups(tmp_path):
    folder = tmp_path / "backups"
    default_storage.save("anh.jpg", ContentFile(b"a photo"))
    first = backup(folder)
    second = backup(folder)
    (folder / second.name / "manifest.json").write_text("{not json")
    (folder / "20300101-000000").mkdir()
    (folder / "20300101-000000" / "started.json").write_text("{}")

    output = io.StringIO()
    with translation.override("en"):
        call_command("backup", to=str(folder), list=True, stdout=output)

    lines = output.getvalue().splitlines()
    assert lines[0].startswith(f"{first.name}  ") and "1 media file (" in lines[0]
    assert lines[1] == f"{second.name}  damaged: its manifest cannot be read"
    assert lines[2].startswith("20300101-000000  unfinished")
    empty = io.StringIO()
    with translation.override("en"):
        call_command("backup", to=str(tmp_path / "nothing-here"), list=True, stdout=empty)
    assert empty.getvalue().startswith("No backups in")


def test_latest_successful_is_the_newest_backup_that_finished():
    assert latest_successful() is None
    now = timezone.now()

    def record(name, state, hours_ago):
        moment = now - timedelta(hours=hours_ago)
        return BackupRecord.objects.create(
            name=name, state=state, started_at=moment, finished_at=moment, destination="/var/backups/newsroom"
        )

    record("old", BackupState.SUCCEEDED, 48)
    good = record("yesterday", BackupState.SUCCEEDED, 24)
    record("failed", BackupState.FAILED, 2)
    BackupRecord.objects.create(name="running", started_at=now, destination="/var/backups/newsroom")

    assert latest_successful() == good
