"""Backups to and from an S3 bucket (moto's standalone server, as the archive's tests use), with the media on
the filesystem or in an S3 bucket of the same service."""

import shutil
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import translation

from newsroom.backups.manifest import Manifest
from newsroom.models import BackupRecord, BackupState, StoryPage
from tests.archive import conftest as archive_fixtures
from tests.archive.conftest import ACCESS_KEY, REGION, SECRET_KEY, S3Bucket, s3_client
from tests.factories import get_page, make_image, make_story, section_of
from tests.newsroom.test_backups import drop_every_table, files_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PREFIX = "newsroom/daily"
# The archive's moto server (one per test process) and its fresh media bucket made the default storage.
s3_server = archive_fixtures.s3_server
s3_storage = archive_fixtures.s3_storage


@pytest.fixture
def backup_bucket(s3_server, settings):
    """A fresh bucket for backups on the moto server, with BACKUP_S3_* pointing at it."""
    bucket = S3Bucket(s3_server, f"backups-{uuid.uuid4().hex[:16]}", s3_client(s3_server))
    bucket.client.create_bucket(Bucket=bucket.bucket)
    settings.BACKUP_S3_ENDPOINT_URL = s3_server
    settings.BACKUP_S3_ACCESS_KEY_ID = ACCESS_KEY
    settings.BACKUP_S3_SECRET_ACCESS_KEY = SECRET_KEY
    settings.BACKUP_S3_REGION = REGION
    yield bucket
    for key in bucket.keys():
        bucket.client.delete_object(Bucket=bucket.bucket, Key=key)
    bucket.client.delete_bucket(Bucket=bucket.bucket)


def backup(bucket: S3Bucket) -> tuple[BackupRecord, Manifest]:
    call_command("backup", to=f"s3://{bucket.bucket}/{PREFIX}")
    record = BackupRecord.objects.order_by("-started_at").first()
    raw = bucket.read(f"{PREFIX}/{record.name}/manifest.json")
    return record, Manifest.from_json(raw, name=record.name)


def test_round_trip_through_an_s3_destination(agency, backup_bucket, client, _media_root):
    image = make_image(agency=agency, title="Cầu Phú Lương")
    image.get_rendition("width-800|format-webp")
    story = make_story(
        section=section_of(agency),
        title="Thông xe cầu Phú Lương",
        lead_image=image,
        body=[("paragraph", "<p>Sáng nay cầu chính thức thông xe.</p>")],
    )
    files = files_in(_media_root)

    record, manifest = backup(backup_bucket)

    assert (
        record.state == BackupState.SUCCEEDED
        and record.destination == f"s3://{backup_bucket.bucket}/{PREFIX}"
    )
    keys = backup_bucket.keys(f"{PREFIX}/")
    assert f"{PREFIX}/{record.name}/{manifest.database_file}" in keys
    assert {entry.sha256 for entry in manifest.media} == {
        key.rsplit("/", 1)[-1] for key in keys if key.startswith(f"{PREFIX}/files/")
    }
    assert {entry.path for entry in manifest.media} == set(files)
    _record, again = backup(backup_bucket)
    assert again.copied_files == 0 and len(again.media) == len(files)

    drop_every_table()
    shutil.rmtree(_media_root)
    with translation.override("en"):
        call_command("restore", record.name, **{"from": f"s3://{backup_bucket.bucket}/{PREFIX}"})

    assert files_in(_media_root) == files
    restored = StoryPage.objects.get(pk=story.pk)
    assert restored.live and restored.title == "Thông xe cầu Phú Lương"
    response = get_page(client, agency, story.url)
    assert response.status_code == 200 and "Sáng nay cầu chính thức thông xe." in response.content.decode()


def test_media_in_s3_are_backed_up_and_restored_within_the_service(s3_storage, backup_bucket):
    photo = default_storage.save("archive/anh/cau.jpg", ContentFile(b"\xff\xd8\xff a photo", name="cau.jpg"))
    clip = default_storage.save("archive/media/tin.mp4", ContentFile(b"\0\0\0 ftyp a clip" * 1000))
    original = {name: s3_storage.read(name) for name in (photo, clip)}

    _record, manifest = backup(backup_bucket)
    assert {entry.path for entry in manifest.media} == {photo, clip}
    stored = {key.rsplit("/", 1)[-1] for key in backup_bucket.keys(f"{PREFIX}/files/")}
    assert stored == {entry.sha256 for entry in manifest.media}

    for key in s3_storage.keys():
        s3_storage.client.delete_object(Bucket=s3_storage.bucket, Key=key)
    with translation.override("en"):
        call_command("restore", manifest.name, **{"from": f"s3://{backup_bucket.bucket}/{PREFIX}"}, yes=True)

    assert {name: s3_storage.read(name) for name in (photo, clip)} == original
    head = s3_storage.client.head_object(Bucket=s3_storage.bucket, Key=photo)
    assert head["ContentType"] == "image/jpeg"  # as django-storages would have written it


def test_a_missing_bucket_is_a_clear_failure(backup_bucket):
    with translation.override("en"), pytest.raises(CommandError, match="could not be taken.*NoSuchBucket"):
        call_command("backup", to="s3://no-such-bucket-here/newsroom")
    assert BackupRecord.objects.get().state == BackupState.FAILED
