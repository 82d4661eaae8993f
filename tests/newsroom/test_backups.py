"""`manage.py backup` and `manage.py restore` (newsroom/backups/): the whole newsroom there and back.

Every test runs in real transactions: pg_dump reads the database from another process, and restore replaces
it underneath Django. serialized_rollback gives the next test Wagtail's root page and collection back.
"""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Sum
from django.utils import translation

from analytics.models import Dimension, Event, Period, Rollup
from archive.models import ArchiveImage, ArchiveMedia, ArchiveRendition, State
from archive.services import ingest_local_file
from distribution import outbox
from distribution.models import Channel, Delivery, DeliveryState, Publication
from newsroom.backups import BackupError, latest_successful
from newsroom.models import AuditEntry, BackupRecord, BackupState, StoryPage
from tests.analytics.conftest import at_noon, insert_and_refresh, story_records
from tests.distribution.standins import STANDINS
from tests.factories import get_page, image_file, make_story, make_user, section_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


# --- helpers ------------------------------------------------------------------------------------------------
def files_in(folder) -> dict[str, str]:
    """Every file under `folder`, by relative path, with the SHA-256 of its bytes."""
    root = Path(folder)
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def drop_every_table() -> None:
    """Leave the database as a new server's: no table at all."""
    with connection.cursor() as cursor:
        tables = [connection.ops.quote_name(name) for name in connection.introspection.table_names(cursor)]
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP TABLE {', '.join(tables)} CASCADE")
        else:
            cursor.execute("PRAGMA foreign_keys = OFF")
            for table in tables:  # IF EXISTS: dropping a full-text table drops its shadow tables with it
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute("PRAGMA foreign_keys = ON")
    assert connection.introspection.table_names() == []


def backup(destination, **options) -> BackupRecord:
    call_command("backup", to=str(destination), **options)
    return BackupRecord.objects.order_by("-started_at").first()


def restore(name, source, **options) -> str:
    with translation.override("en"):
        call_command("restore", name, **{"from": str(source)}, **options)
    return name


# --- the newsroom to back up --------------------------------------------------------------------------------
@pytest.fixture
def webhook():
    with STANDINS["webhook"]() as standin:
        yield standin


@pytest.fixture
def newsroom(agency, webhook, tmp_path, django_capture_on_commit_callbacks):
    """An agency with a published story (body, lead image, audio), its image with renditions and its audio
    with a normalised rendition, a channel the story was delivered to, and a week of readership."""
    reporter = make_user(agency=agency, role="reporter")
    photo = tmp_path / "cau-phu-luong.jpg"
    photo.write_bytes(image_file(width=1600, height=900).file.getvalue())
    clip = tmp_path / "phong-van.wav"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-y", "-f", "lavfi",
         "-i", "sine=frequency=330:duration=2", "-af", "volume=-20dB", str(clip)],
        check=True, capture_output=True,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        image = ingest_local_file(path=photo, original_name=photo.name, user=reporter, agency=agency).asset
        audio = ingest_local_file(path=clip, original_name=clip.name, user=reporter, agency=agency).asset
    image.refresh_from_db()
    audio.refresh_from_db()
    assert image.state == State.READY and audio.state == State.READY, (
        image.failure_reason,
        audio.failure_reason,
    )
    config = webhook.channel_config()
    Channel.objects.create(
        agency=agency, kind="webhook", name="Đối tác", base_url=config["base_url"],
        settings=config["settings"], credentials=config["credentials"],
    )  # fmt: skip
    story = make_story(
        section=section_of(agency),
        title="Thông xe cầu Phú Lương",
        sapo="Cây cầu nối hai bờ sông Thái Bình.",
        lead_image=image,
        body=[
            ("paragraph", "<p>Sáng nay cầu Phú Lương chính thức thông xe.</p>"),
            ("heading", "Tiến độ"),
            ("image", {"image": image, "caption": "Cầu lúc bình minh", "credit": "Minh Anh"}),
            ("audio", {"audio": audio, "caption": "Phỏng vấn chủ đầu tư"}),
        ],
    )
    assert outbox.drain(worker="test") == 1
    insert_and_refresh(
        [
            *story_records(story, at=at_noon(3), views=7, visitors=5, engaged_seconds=40, scroll=60),
            *story_records(story, at=at_noon(1), views=4, engaged_seconds=20, device="desktop"),
        ]
    )
    return story


def readership(agency_id) -> dict:
    rows = Rollup.objects.filter(agency_id=agency_id, period=Period.DAY, dimension=Dimension.TOTAL)
    return rows.aggregate(Sum("pageviews"), Sum("visitors"), Sum("engaged_seconds"))


def snapshot(story, media_root) -> dict:
    """What must survive a backup and restore, read from the database and the media folder."""
    return {
        "story": StoryPage.objects.filter(pk=story.pk).values("title", "sapo", "live", "url_path").get(),
        "body": list(StoryPage.objects.get(pk=story.pk).body.raw_data),
        "images": list(ArchiveImage.objects.values_list("pk", "file", "sha256", "state").order_by("pk")),
        "renditions": sorted(ArchiveRendition.objects.values_list("filter_spec", "file")),
        "media": list(
            ArchiveMedia.objects.values_list("pk", "file", "sha256", "audio_rendition", "waveform").order_by(
                "pk"
            )
        ),
        "deliveries": list(
            Delivery.objects.values_list("pk", "state", "remote_id", "remote_url").order_by("pk")
        ),
        "publications": list(Publication.objects.values_list("remote_id", "status")),
        "credentials": [channel.credentials for channel in Channel.objects.order_by("pk")],
        "events": Event.objects.count(),
        "readership": readership(story.agency_id),
        "files": files_in(media_root),
    }


# --- the round trip -----------------------------------------------------------------------------------------
def test_round_trip_brings_back_stories_assets_deliveries_and_readership(
    newsroom, client, tmp_path, _media_root
):
    before = snapshot(newsroom, _media_root)
    assert before["deliveries"][0][1] == DeliveryState.DELIVERED and before["deliveries"][0][2]
    assert before["readership"]["pageviews__sum"] == 11 and before["events"] > 11
    assert len(before["renditions"]) >= 4 and before["media"][0][3]  # image renditions, normalised audio
    # Every file the database names is in the media folder (and so in the backup).
    named = [row[1] for row in before["images"] + before["media"]] + [row[1] for row in before["renditions"]]
    assert set(named) <= set(before["files"])

    record = backup(tmp_path / "backups")
    assert record.state == BackupState.SUCCEEDED and record.media_files == len(before["files"])
    assert AuditEntry.objects.filter(action="backup.created", object_id=str(record.pk)).exists()

    drop_every_table()
    shutil.rmtree(_media_root)
    restore(record.name, tmp_path / "backups")

    assert snapshot(newsroom, _media_root) == before
    response = get_page(client, newsroom.agency, newsroom.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Thông xe cầu Phú Lương" in page and "Sáng nay cầu Phú Lương chính thức thông xe." in page
    assert "format-webp" in page
    # The restored backup's own record says succeeded, though the dump holds it still running.
    restored = BackupRecord.objects.get(name=record.name)
    assert restored.state == BackupState.SUCCEEDED and restored.manifest_sha256 == record.manifest_sha256
    assert latest_successful() == restored
    assert AuditEntry.objects.filter(action="backup.restored", object_repr__startswith=record.name).exists()


def test_records_of_later_backups_are_written_back(agency, tmp_path):
    first = backup(tmp_path / "backups")
    second = backup(tmp_path / "backups")
    restore(first.name, tmp_path / "backups", yes=True)
    states = dict(BackupRecord.objects.values_list("name", "state"))
    assert states == {first.name: BackupState.SUCCEEDED, second.name: BackupState.SUCCEEDED}
    assert latest_successful().name == second.name


# --- refusals -----------------------------------------------------------------------------------------------
def test_restore_into_a_database_with_data_needs_yes(agency, tmp_path):
    record = backup(tmp_path / "backups")
    later = make_story(section=section_of(agency), title="Tin viết sau bản sao lưu")

    with pytest.raises(CommandError, match="--yes"):
        restore(record.name, tmp_path / "backups")
    assert StoryPage.objects.filter(pk=later.pk).exists()

    restore(record.name, tmp_path / "backups", yes=True)
    assert not StoryPage.objects.filter(pk=later.pk).exists()


@pytest.mark.parametrize("damage", ["dump", "media file", "missing media file"])
def test_a_corrupt_backup_is_refused_before_anything_is_touched(agency, tmp_path, damage, settings):
    image_path = Path(settings.MEDIA_ROOT) / "images" / "anh.jpg"
    image_path.parent.mkdir(parents=True)
    image_path.write_bytes(b"\xff\xd8 the photo")
    record = backup(tmp_path / "backups")
    folder = tmp_path / "backups"
    sha256 = hashlib.sha256(b"\xff\xd8 the photo").hexdigest()
    kept = folder / "files" / sha256[:2] / sha256
    if damage == "dump":
        dump = next((folder / record.name).glob("database.*"))
        dump.write_bytes(dump.read_bytes()[:-10] + b"0123456789")
    elif damage == "media file":
        kept.write_bytes(b"\xff\xd8 another photo")
    else:
        kept.unlink()
    later = make_story(section=section_of(agency), title="Tin viết sau bản sao lưu")
    image_path.write_bytes(b"changed since")

    with pytest.raises(CommandError, match="damaged") as refused:
        restore(record.name, folder, yes=True)

    assert ("database." if damage == "dump" else "images/anh.jpg") in str(refused.value)
    assert StoryPage.objects.filter(pk=later.pk).exists()
    assert image_path.read_bytes() == b"changed since"
    assert not AuditEntry.objects.filter(action="backup.restored").exists()


def test_an_unknown_backup_name_lists_the_ones_there(agency, tmp_path):
    record = backup(tmp_path / "backups")
    with pytest.raises(CommandError, match=f"no complete backup 2020.*{record.name}"):
        restore("20200101-000000", tmp_path / "backups")


@pytest.mark.parametrize(
    "change, refusal",
    [
        (
            {"migrations": [["newsroom", "9999_from_a_later_version"]]},
            "newer version.*9999_from_a_later_version",
        ),
        ({"database_engine": "oracle"}, "holds a oracle database; this deployment runs"),
    ],
)
def test_a_backup_this_deployment_cannot_run_is_refused(agency, tmp_path, change, refusal):
    record = backup(tmp_path / "backups")
    manifest = tmp_path / "backups" / record.name / "manifest.json"
    data = json.loads(manifest.read_text())
    for key, value in change.items():
        data[key] = data[key] + value if isinstance(value, list) else value
    manifest.write_text(json.dumps(data))

    with pytest.raises(CommandError, match=refusal):
        restore(record.name, tmp_path / "backups", yes=True)
    assert not AuditEntry.objects.filter(action="backup.restored").exists()


def test_a_failed_backup_is_recorded_with_its_reason_and_leaves_nothing(agency, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the destination's folder should be")
    with pytest.raises(CommandError):
        call_command("backup", to=str(blocker / "backups"))
    record = BackupRecord.objects.get()
    assert record.state == BackupState.FAILED and record.error and record.finished_at
    assert latest_successful() is None
    assert not AuditEntry.objects.filter(action="backup.created").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump is PostgreSQL's")
def test_missing_pg_dump_is_a_clear_failure(agency, tmp_path, settings):
    settings.BACKUP_PG_BINDIR = str(tmp_path)  # no pg_dump here
    with translation.override("en"), pytest.raises(CommandError, match="pg_dump was not found"):
        call_command("backup", to=str(tmp_path / "backups"))
    record = BackupRecord.objects.get()
    assert record.state == BackupState.FAILED and "pg_dump was not found" in record.error
    assert not (tmp_path / "backups" / record.name).exists()


def test_a_destination_inside_the_media_folder_is_refused(agency, settings):
    with translation.override("en"), pytest.raises(CommandError, match="inside the media folder"):
        call_command("backup", to=str(Path(settings.MEDIA_ROOT) / "backups"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_restore is PostgreSQL's")
def test_a_dump_pg_restore_cannot_finish_leaves_the_database_as_it_was(agency, tmp_path):
    from newsroom.backups import database

    record = backup(tmp_path / "backups")
    dump = tmp_path / "backups" / record.name / "database.pgdump"
    truncated = tmp_path / "truncated.pgdump"
    truncated.write_bytes(dump.read_bytes()[: dump.stat().st_size * 2 // 3])
    later = make_story(section=section_of(agency), title="Tin viết sau bản sao lưu")

    with translation.override("en"), pytest.raises(BackupError, match="left as it was"):
        database.restore(truncated, dump_version=None)

    assert StoryPage.objects.filter(pk=later.pk).exists()
    assert BackupRecord.objects.filter(pk=record.pk, state=BackupState.SUCCEEDED).exists()
