"""A reporter files a photo from a phone into the archive, then finds and opens it on a laptop."""

import subprocess
from urllib.parse import urlparse

import imageio_ffmpeg
import pytest
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.models import Site

from archive.models import ArchiveImage, ArchiveMedia, Sharing, State
from archive.services import ingest_local_file
from newsroom.models import Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_newsroom_browser import login
from tests.factories import make_agency, make_image, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "Đồng lúa Hải Dương mùa gặt"


@pytest.fixture
def served_agency(live_server):
    url = urlparse(live_server.url)
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương", hostname=url.hostname, port=url.port)
    Site.objects.filter(pk=agency.site.pk).update(is_default_site=True)
    return agency


@pytest.fixture
def archive_neighbours(served_agency):
    """What else is in the archive: a shared photo of another agency, a failed upload and a clip."""
    other = make_agency(short_name="baosoctrang", name="Báo Sóc Trăng")
    make_image(agency=other, title="Cầu Cần Thơ lúc hoàng hôn", sharing=Sharing.DEPLOYMENT, credit="TTXVN")
    make_image(
        agency=served_agency,
        title="Ảnh hội nghị bị hỏng",
        state=State.FAILED,
        failure_reason="Tệp ảnh bị cắt ngang, không đọc được.",
    )
    ArchiveMedia.objects.create(
        title="Bản tin thời sự 19 giờ",
        type="video",
        file="media/ban-tin.mp4",
        collection=served_agency.collection,
        agency=served_agency,
        state=State.PROCESSING,
        duration=754,
        width=1920,
        height=1080,
        codecs="h264, aac",
    )


def field_photo(path):
    """A photo-like JPEG: a sky, a field and a sun, so thumbnails show something."""
    picture = PILImage.new("RGB", (1200, 800), (120, 180, 230))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 480, 1200, 800), fill=(200, 170, 40))
    for x in range(0, 1200, 40):
        draw.line((x, 480, x + 60, 800), fill=(150, 120, 20), width=6)
    draw.ellipse((900, 80, 1040, 220), fill=(250, 220, 90))
    picture.save(path, "JPEG", quality=85)
    return path


def test_reporter_uploads_a_photo_from_a_phone_and_finds_it(
    live_server, served_agency, archive_neighbours, phone, laptop, tmp_path
):
    reporter = make_user(username="phongvien", agency=served_agency, role=Role.REPORTER)
    photo = field_photo(tmp_path / f"{TITLE}.jpg")

    login(phone, live_server.url, reporter.username)
    phone.goto(live_server.url + "/admin/archive/upload/")
    phone.set_input_files("input[type=file]", str(photo))
    phone.fill("input[name=credit]", "Nguyễn Thu Hà")
    phone.locator(".archive-upload__submit").click()
    item = phone.locator(".archive-upload__item")
    item.and_(phone.locator("[data-state=done]")).wait_for(timeout=30_000)
    assert item.locator("progress").get_attribute("value") == "100"
    assert TITLE in item.inner_text()  # the server's message names the new asset
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    item.scroll_into_view_if_needed()  # the admin scrolls inside its own pane: show the answer
    screenshot(phone, "archive-upload-phone")

    image = ArchiveImage.objects.get(title=TITLE)
    assert (image.credit, image.agency, image.uploaded_by_user) == ("Nguyễn Thu Hà", served_agency, reporter)

    login(laptop, live_server.url, reporter.username)
    laptop.goto(live_server.url + "/admin/archive/?q=hai+duong")  # typed without diacritics
    laptop.get_by_role("link", name=TITLE).wait_for()
    assert "Cầu Cần Thơ" not in laptop.content()
    laptop.goto(live_server.url + "/admin/archive/")
    assert laptop.locator(".archive-state--ready").first.is_visible()
    screenshot(laptop, "archive-list-laptop")

    laptop.get_by_role("link", name=TITLE).click()
    laptop.wait_for_url(f"**/admin/archive/image/{image.pk}/")
    assert laptop.locator(".archive-preview img").evaluate("img => img.naturalWidth") > 0
    assert "Nguyễn Thu Hà" in laptop.content()
    screenshot(laptop, "archive-detail-laptop")


def test_a_video_preview_plays_the_hls_rendition(live_server, served_agency, laptop, tmp_path):
    """Debian's Chromium plays HLS natively (canPlayType answers "maybe"), so no hls.js is needed;
    the MP4 rendition follows as a second <source> for browsers without HLS."""
    clip = tmp_path / "hien-truong.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=2",
         "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(clip)],
        check=True, capture_output=True,
    )  # fmt: skip
    reporter = make_user(username="phongvien", agency=served_agency, role=Role.REPORTER)
    video = ingest_local_file(path=clip, original_name=clip.name, user=reporter, agency=served_agency).asset
    video.refresh_from_db()
    assert video.state == State.READY, video.failure_reason

    login(laptop, live_server.url, reporter.username)
    laptop.goto(f"{live_server.url}/admin/archive/video/{video.pk}/")
    player = laptop.locator(".archive-preview video")
    assert player.evaluate("v => v.canPlayType('application/vnd.apple.mpegurl')") in ("maybe", "probably")
    laptop.wait_for_function(
        "() => document.querySelector('.archive-preview video').readyState >= 1", timeout=20_000
    )
    assert player.evaluate("v => v.currentSrc").endswith(".m3u8")
    assert player.evaluate("v => v.duration") > 1.5
