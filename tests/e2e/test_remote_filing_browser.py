"""The whole remote-filing path in real Chromium, served over ASGI: a reporter on a phone files a story with a
photo over a slow link, the network drops in the middle of the upload and comes back, the draft and the
upload complete by themselves, and the editor's open board shows the filed story without a reload."""

import hashlib
import io
import random
import time
from urllib.parse import urlparse

import pytest
from PIL import Image
from wagtail.models import Site

from archive.models import ResumableUpload
from newsroom.models import Role, StoryPage
from tests.e2e.conftest import LAPTOP, PHONE, screenshot
from tests.factories import PASSWORD, make_agency, make_user, section_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HEADLINE = "Nông dân Thanh Hà thu hoạch vải sớm"
SLOW_UPLINK = 400 * 1024  # bytes per second: a weak mobile connection, so the cut lands mid-upload


@pytest.fixture
def newsroom(asgi_live_server):
    url = urlparse(asgi_live_server.url)
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương", hostname=url.hostname, port=url.port)
    Site.objects.filter(pk=agency.site.pk).update(is_default_site=True)
    reporter = make_user(username="phongvien", agency=agency, role=Role.REPORTER)
    reporter.first_name, reporter.last_name = "Trần Minh", "Đức"
    reporter.save()
    return {
        "agency": agency,
        "section": section_of(agency),
        "reporter": reporter,
        "editor": make_user(username="bientap", agency=agency, role=Role.EDITOR),
    }


def field_photo() -> bytes:
    """A ~5 MB JPEG (noise does not compress): several of the filing view's 2 MB upload chunks, and several
    seconds on the slow link."""
    rng = random.Random(348)
    picture = Image.frombytes("RGB", (2400, 1800), rng.randbytes(2400 * 1800 * 3))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def log_in(page, base_url, username, then):
    page.goto(f"{base_url}/admin/login/?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{then}")


def wait_for_stored_bytes(user, timeout=30.0) -> ResumableUpload:
    """The user's upload once the server has part of it (not yet all)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        upload = ResumableUpload.objects.filter(user=user).first()
        if upload and upload.offset > 0:
            assert upload.offset < upload.length, "the upload finished before the network could be cut"
            return upload
        time.sleep(0.05)
    raise AssertionError("no part of the upload reached the server")


def progress(page) -> float:
    return float(page.get_attribute("[data-upload-progress]", "value") or 0)


def test_reporter_files_through_a_dropped_connection_and_the_board_shows_it_live(
    asgi_live_server, newsroom, chromium
):
    base = asgi_live_server.url
    # Two people, two browsers: the editor's laptop and the reporter's phone.
    editor_context, phone_context = chromium.new_context(**LAPTOP), chromium.new_context(**PHONE)
    board, phone = editor_context.new_page(), phone_context.new_page()
    errors = []
    for page in (board, phone):
        page.on("pageerror", lambda error: errors.append(str(error)))

    # The editor's board is open, and live, before anything is filed.
    log_in(board, base, "bientap", "/admin/board/")
    board.wait_for_selector('[data-board-live][data-state="live"]')
    board.evaluate("window.openedOnce = true")  # gone if the page reloads

    # The reporter, on a slow uplink, writes the story and picks a photo from the gallery.
    log_in(phone, base, "phongvien", "/admin/filing/")
    phone.wait_for_selector("body[data-filing-ready=true]")
    network = phone_context.new_cdp_session(phone)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 80, "downloadThroughput": 1_000_000, "uploadThroughput": SLOW_UPLINK},
    )
    phone.click("[data-filing-new]")
    phone.fill("[data-filing-headline]", HEADLINE)
    phone.fill("[data-filing-sapo]", "Vải thiều chín sớm, thương lái về tận vườn thu mua.")
    phone.fill("[data-filing-text]", "Sáng nay, các nhà vườn ở Thanh Hà bắt đầu thu hoạch.")
    photo = field_photo()
    phone.set_input_files(
        "[data-filing-files]", files=[{"name": "vai-thieu.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )

    # Mid-upload, once the server holds the first chunk, the network goes.
    upload = wait_for_stored_bytes(newsroom["reporter"])
    phone_context.set_offline(True)
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    phone.wait_for_selector('[data-filing-status="offline"]')
    cut_at = progress(phone)
    upload.refresh_from_db()
    assert 0 < upload.offset < upload.length == len(photo)  # part of the photo is on the server, not all
    phone.fill(
        "[data-filing-text]",
        "Sáng nay, các nhà vườn ở Thanh Hà bắt đầu thu hoạch.\n\nGiá vải cao hơn năm ngoái.",
    )
    screenshot(phone, "remote-filing-offline-phone")
    assert cut_at < 100

    # It comes back: the upload goes on from where the server stopped, and the draft syncs.
    phone_context.set_offline(False)
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 80, "downloadThroughput": 1_000_000, "uploadThroughput": SLOW_UPLINK},
    )
    phone.wait_for_selector("[data-upload-state=done]", timeout=60_000)
    phone.wait_for_selector('[data-filing-status="synced"]', timeout=30_000)
    story = StoryPage.objects.get(title=HEADLINE)
    assert story.lead_image is not None
    with story.lead_image.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == hashlib.sha256(photo).hexdigest()
    assert "Giá vải cao hơn năm ngoái." in str(story.get_latest_revision_as_object().body)
    screenshot(phone, "remote-filing-back-online-phone")

    # Sent to the desk; the editor's board shows it without a reload.
    phone.click("[data-filing-submit]")
    phone.wait_for_selector("[data-filing-view=sent]:not([hidden])", timeout=20_000)
    assert StoryPage.objects.get(pk=story.pk).workflow_in_progress
    card = board.locator("[data-column] [data-story]", has_text=HEADLINE)
    card.first.wait_for(timeout=15_000)
    assert board.evaluate("window.openedOnce === true")
    screenshot(phone, "remote-filing-sent-phone")
    screenshot(board, "remote-filing-board-laptop")
    assert not errors, errors
    editor_context.close()
    phone_context.close()
