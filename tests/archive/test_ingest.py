"""The ingest end to end: real files in, real FFmpeg, facts and renditions out; failures kept and retried."""

import io
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from archive import media_processing
from archive.inspect import RejectedFile
from archive.models import ArchiveImage, ArchiveMedia, State
from archive.services import ingest_local_file
from archive.tasks import process_asset
from tests.factories import make_user

pytestmark = pytest.mark.django_db
FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture
def reporter(agency):
    return make_user(agency=agency, role="reporter")


@pytest.fixture
def ingest(agency, reporter, django_capture_on_commit_callbacks):
    """Ingest a local file as the reporter, running the queued processing (immediate backend) at commit."""

    def run(path, name=None, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            result = ingest_local_file(
                path=path, original_name=name or Path(path).name, user=reporter, agency=agency, **fields
            )
        result.asset.refresh_from_db()
        return result

    return run


XMP = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/">
<dc:description><rdf:Alt>
<rdf:li xml:lang="x-default">Lễ hội đền Hùng năm 2026</rdf:li></rdf:Alt></dc:description>
<photoshop:Credit>Nguyễn Văn Ảnh</photoshop:Credit><photoshop:City>Hải Dương</photoshop:City>
</rdf:Description></rdf:RDF></x:xmpmeta>"""


def photo_with_exif(path: Path, *, colour=(200, 40, 40)) -> Path:
    picture = PILImage.new("RGB", (1600, 1000), colour)
    exif = PILImage.Exif()
    exif[0x010E] = "Den Hung festival"  # EXIF text is ASCII: cameras write it, XMP carries Vietnamese
    exif[0x013B] = "Nguyen Van Anh"  # Artist
    exif[0x8298] = "Bao Hai Duong"  # Copyright
    exif.get_ifd(0x8769)[0x9003] = "2026:04:18 08:30:00"  # DateTimeOriginal
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif, xmp=XMP.encode(), quality=85)
    path.write_bytes(buffer.getvalue())
    return path


def ffmpeg(*args):
    subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-y", *map(str, args)], check=True, capture_output=True
    )


def test_photo_gets_metadata_prefilled_and_renditions_made(ingest, agency, tmp_path):
    result = ingest(photo_with_exif(tmp_path / "den-hung.jpg"))
    photo = result.asset
    assert not result.duplicate and isinstance(photo, ArchiveImage)
    assert photo.state == State.READY, photo.failure_reason
    assert photo.agency == agency and photo.collection == agency.collection
    assert len(photo.sha256) == 64 and photo.size > 0 and photo.mime_type == "image/jpeg"
    assert photo.caption == "Lễ hội đền Hùng năm 2026"
    assert photo.credit == "Nguyễn Văn Ảnh" and photo.copyright_holder == "Bao Hai Duong"
    assert "Hải Dương" in photo.location
    assert photo.captured_at.year == 2026 and photo.captured_at.month == 4
    specs = set(photo.renditions.values_list("filter_spec", flat=True))
    assert {"width-400|format-webp", "width-1200|format-webp"} <= specs
    webp = photo.renditions.get(filter_spec="width-400|format-webp")
    assert webp.file.name.endswith(".webp") and webp.width == 400


def test_typed_fields_are_not_overwritten_by_metadata(ingest, tmp_path):
    photo = ingest(photo_with_exif(tmp_path / "a.jpg"), caption="Chú thích của phóng viên").asset
    assert photo.caption == "Chú thích của phóng viên"


def test_same_file_again_links_to_the_existing_asset_and_says_so(ingest, tmp_path):
    first = ingest(photo_with_exif(tmp_path / "a.jpg")).asset
    again = ingest(tmp_path / "a.jpg", name="ban-sao.jpg")
    assert again.duplicate and again.asset.pk == first.pk
    assert first.title in again.message
    assert ArchiveImage.objects.count() == 1


def test_refused_file_leaves_nothing_behind(agency, reporter, tmp_path, _media_root):
    fake = tmp_path / "clip.mp4"
    photo_with_exif(fake)  # a JPEG named .mp4
    with pytest.raises(RejectedFile):
        ingest_local_file(path=fake, original_name="clip.mp4", user=reporter, agency=agency)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(RejectedFile) as refused:
        ingest_local_file(path=empty, original_name="empty.jpg", user=reporter, agency=agency)
    assert refused.value.code == "empty"
    assert not ArchiveImage.objects.exists() and not ArchiveMedia.objects.exists()
    assert not [p for p in Path(_media_root).rglob("*") if p.is_file()]


def test_video_gets_facts_poster_mp4_and_hls_ladder(ingest, tmp_path):
    clip = tmp_path / "hien-truong.mov"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25:duration=3",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=3",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", clip,
    )  # fmt: skip
    video = ingest(clip).asset
    assert video.state == State.READY, video.failure_reason
    assert video.type == "video" and (video.width, video.height) == (1280, 720)
    assert abs(video.duration - 3) < 0.3 and "h264" in video.codecs and video.bitrate
    assert video.thumbnail and default_storage.exists(video.thumbnail.name)
    assert video.mp4 and default_storage.exists(video.mp4.name)
    master = default_storage.open(video.hls_playlist).read().decode()
    assert "RESOLUTION=640x360" in master and "RESOLUTION=1280x720" in master
    folder = video.hls_playlist.rsplit("/", 1)[0]
    for line in master.splitlines():
        if line and not line.startswith("#"):
            variant = default_storage.open(f"{folder}/{line}").read().decode()
            segment = next(x for x in variant.splitlines() if x and not x.startswith("#"))
            assert default_storage.exists(f"{folder}/{line.rsplit('/', 1)[0]}/{segment}")


def test_audio_is_normalised_measured_and_drawn(ingest, tmp_path):
    clip = tmp_path / "phong-van.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=330:duration=3", "-af", "volume=-20dB", clip)
    audio = ingest(clip).asset
    assert audio.state == State.READY, audio.failure_reason
    assert audio.type == "audio" and abs(audio.duration - 3) < 0.3
    assert audio.audio_rendition.name.endswith(".m4a")
    assert audio.loudness_lufs is not None and abs(audio.loudness_lufs - (-16)) < 2
    assert len(audio.waveform) > 100 and max(audio.waveform) <= 1


def test_a_failure_retries_and_never_loses_the_original(ingest, tmp_path, monkeypatch, settings):
    settings.ARCHIVE_MAX_ATTEMPTS = 2
    calls = []

    def full_disk(*args, **kwargs):
        calls.append(args)
        raise OSError("No space left on device")

    monkeypatch.setattr(media_processing, "normalise_audio", full_disk)
    clip = tmp_path / "tin.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", clip)
    audio = ingest(clip).asset  # attempt 1 fails: queued again for later
    assert audio.state == State.UPLOADED and "No space left" in audio.failure_reason
    process_asset.call("media", audio.pk)  # attempt 2 is the last
    audio.refresh_from_db()
    assert audio.state == State.FAILED and audio.attempts == 2 and len(calls) == 2
    assert default_storage.exists(audio.file.name)  # the original is still there

    monkeypatch.undo()
    ArchiveMedia.objects.filter(pk=audio.pk).update(state=State.UPLOADED, attempts=0)
    process_asset.call("media", audio.pk)  # once the disk has room, a retry succeeds
    audio.refresh_from_db()
    assert audio.state == State.READY and audio.failure_reason == ""


def test_unreadable_media_fails_at_once_with_the_reason(agency, reporter, tmp_path):
    clip = tmp_path / "hong.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", clip)
    audio = ingest_local_file(path=clip, original_name="hong.wav", user=reporter, agency=agency).asset
    with default_storage.open(audio.file.name, "wb") as broken:  # the stored file is damaged afterwards
        broken.write(b"RIFF\x00\x00\x00\x00WAVEjunk")
    process_asset.call("media", audio.pk)
    audio.refresh_from_db()
    assert audio.state == State.FAILED and audio.failure_reason and audio.attempts == 1
