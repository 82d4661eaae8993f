"""A reporter files from a phone: offline and back, a conflict with the desk, a photo sent by tus."""

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from wagtail.rich_text import RichText

from newsroom.models import Assignment, AssignmentState, Role, StoryPage
from tests.e2e.conftest import screenshot
from tests.factories import PASSWORD, make_agency, make_story, make_user, section_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STATUS = "[data-filing-status]"


@pytest.fixture
def newsroom(db):
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương")
    return {
        "agency": agency,
        "reporter": make_user(username="phongvien", agency=agency, role=Role.REPORTER),
        "editor": make_user(username="bientap", agency=agency, role=Role.EDITOR),
        "section": section_of(agency),
    }


def open_filing(page, base_url, username):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(base_url + "/admin/login/?next=/admin/filing/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/admin/filing/")
    page.wait_for_selector("body[data-filing-ready=true]")
    return errors


def shot(page, name):
    # From the top: the sticky bar and status line would otherwise sit mid-way down a full-page capture.
    page.evaluate("window.scrollTo(0, 0)")
    return screenshot(page, name)


def wait_status(page, state, timeout=20000):
    page.wait_for_selector(f'{STATUS}[data-filing-status="{state}"]', timeout=timeout)
    return page.locator(STATUS).inner_text()


@pytest.fixture
def assignment(newsroom):
    # Made before the browser starts: saving one sends a live event through async_to_sync, which cannot
    # run in the thread where Playwright's event loop runs.
    return Assignment.objects.create(
        agency=newsroom["agency"],
        section=newsroom["section"],
        title="Mưa lớn ở Thanh Hà: thiệt hại và sơ tán",
        brief="Ảnh hiện trường, phỏng vấn chính quyền xã. Khoảng 600 chữ.",
        reporter=newsroom["reporter"],
        assigned_by=newsroom["editor"],
        deadline=timezone.now() - timedelta(minutes=30),
    )


def test_reporter_writes_goes_offline_keeps_writing_and_the_draft_syncs_when_back(
    live_server, newsroom, assignment, phone
):
    errors = open_filing(phone, live_server.url, "phongvien")
    card = phone.locator(f"[data-assignment='{assignment.pk}']")
    assert card.locator("[data-slot=overdue]").is_visible()  # flagged: the deadline has passed
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # nothing wider than the phone
    shot(phone, "filing-desk-phone")

    card.locator("[data-slot=start]").click()
    phone.wait_for_selector("[data-filing-headline]")
    assert phone.locator("[data-filing-assignment]").is_visible()
    phone.fill("[data-filing-headline]", "Mưa lớn gây ngập ở Thanh Hà")
    phone.fill("[data-filing-sapo]", "Mưa kéo dài từ đêm qua khiến nhiều tuyến đường ngập sâu.")
    phone.locator("[data-filing-text]").press_sequentially("Nước lên nhanh từ 3 giờ sáng.")
    phone.fill("[data-filing-location]", "Thanh Hà, Hải Dương")
    phone.context.grant_permissions(["geolocation"])
    phone.context.set_geolocation({"latitude": 20.90123, "longitude": 106.43456, "accuracy": 12})
    phone.click("[data-filing-locate]")
    phone.wait_for_function(
        "() => document.querySelector('[data-filing-coordinates]').textContent.includes('106')"
    )
    assert "Đã lưu" in wait_status(phone, "synced") or "Saved" in phone.locator(STATUS).inner_text()
    story = StoryPage.objects.get(title="Mưa lớn gây ngập ở Thanh Hà")
    assert story.owner == newsroom["reporter"] and story.location == "Thanh Hà, Hải Dương"
    assert (story.latitude, story.longitude) == (20.90123, 106.43456)
    assert Assignment.objects.get(pk=assignment.pk).story_id == story.pk
    shot(phone, "filing-editor-synced-phone")

    phone.context.set_offline(True)
    text = phone.locator("[data-filing-text]")
    text.press("End")
    text.press_sequentially("\n\nĐến trưa, nhiều hộ dân phải sơ tán.")
    wait_status(phone, "offline")
    shot(phone, "filing-editor-offline-phone")
    # Saved on the device: a reload (from the service worker's copy) still has every word.
    phone.wait_for_timeout(3500)  # past the autosave's debounce: it tried, and kept the draft queued
    assert "sơ tán" not in str(StoryPage.objects.get(pk=story.pk).body)
    assert phone.evaluate(
        "navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller !== null)"
    )
    phone.reload()
    phone.wait_for_selector("body[data-filing-ready=true]")
    assert "sơ tán" in phone.input_value("[data-filing-text]")
    wait_status(phone, "offline")

    phone.context.set_offline(False)
    wait_status(phone, "synced", timeout=30000)
    body = str(StoryPage.objects.get(pk=story.pk).body)
    assert "Nước lên nhanh từ 3 giờ sáng." in body and "Đến trưa, nhiều hộ dân phải sơ tán." in body
    shot(phone, "filing-editor-back-online-phone")

    phone.click("[data-filing-submit]")
    phone.wait_for_selector("[data-filing-view=sent]:not([hidden])", timeout=20000)
    story = StoryPage.objects.get(pk=story.pk)
    assert story.workflow_in_progress
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.FILED and assignment.filed_at is not None
    shot(phone, "filing-sent-phone")
    assert not errors, errors


def test_a_story_changed_by_the_desk_shows_both_versions_and_keeps_both(live_server, newsroom, phone):
    errors = open_filing(phone, live_server.url, "phongvien")
    phone.click("[data-filing-new]")
    phone.fill("[data-filing-headline]", "Lễ hội vải thiều Thanh Hà")
    phone.fill("[data-filing-text]", "Bản đầu của phóng viên.")
    wait_status(phone, "synced")
    story = StoryPage.objects.get(title="Lễ hội vải thiều Thanh Hà")

    # The editor rewrites the headline in the meantime.
    page = story.get_latest_revision_as_object()
    page.title = "Khai mạc lễ hội vải thiều Thanh Hà"
    page.save_revision(user=newsroom["editor"], clean=False)  # a draft, as the editor saves it
    page.save()

    phone.fill("[data-filing-text]", "Bản đầu của phóng viên.\n\nThêm đoạn viết sau.")
    wait_status(phone, "conflict")
    conflict = phone.locator("[data-filing-conflict]")
    assert conflict.is_visible()
    assert "Thêm đoạn viết sau." in phone.locator("[data-filing-version=mine]").inner_text()
    theirs = phone.locator("[data-filing-version=theirs]").inner_text()
    assert "Khai mạc lễ hội vải thiều Thanh Hà" in theirs and newsroom["editor"].get_full_name() in theirs
    shot(phone, "filing-conflict-phone")
    assert (
        StoryPage.objects.get(pk=story.pk).title == "Khai mạc lễ hội vải thiều Thanh Hà"
    )  # nothing overwritten

    phone.click("[data-filing-keep-both]")
    wait_status(phone, "synced")
    stories = StoryPage.objects.filter(owner=newsroom["reporter"]).order_by("pk")
    assert [s.title for s in stories] == ["Khai mạc lễ hội vải thiều Thanh Hà", "Lễ hội vải thiều Thanh Hà"]
    assert "Thêm đoạn viết sau." in str(stories[1].body) and "Thêm đoạn viết sau." not in str(stories[0].body)
    assert not errors, errors


def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 60)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_photo_from_the_gallery_uploads_and_becomes_the_lead_image(live_server, newsroom, phone):
    errors = open_filing(phone, live_server.url, "phongvien")
    if not phone.evaluate("Boolean(window.tus && window.tus.isSupported)"):
        pytest.skip("tus-js-client is not vendored yet (archive/static/archive/vendor/tus.min.js)")
    phone.click("[data-filing-new]")
    phone.fill("[data-filing-headline]", "Ảnh từ hiện trường")
    phone.set_input_files(
        "[data-filing-files]",
        files=[{"name": "hien-truong.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()}],
    )
    phone.wait_for_selector("[data-upload-state=done]", timeout=30000)
    assert re.search(r"100", phone.get_attribute("[data-upload-progress]", "value") or "")
    wait_status(phone, "synced")
    story = StoryPage.objects.get(title="Ảnh từ hiện trường")
    assert story.lead_image is not None and story.body[-1].block_type == "image"
    shot(phone, "filing-upload-phone")
    assert not errors, errors


@pytest.fixture
def admin_draft(newsroom):
    """A draft the reporter began in the full editor, with no filing id."""
    return make_story(
        section=newsroom["section"],
        publish=False,
        owner=newsroom["reporter"],
        title="Bản nháp viết trong trang quản trị",
        body=[("paragraph", RichText("<p>Đoạn mở đầu.</p>"))],
    )


def test_on_a_laptop_the_drafts_list_and_the_two_versions_sit_side_by_side(
    live_server, newsroom, admin_draft, laptop
):
    errors = open_filing(laptop, live_server.url, "phongvien")
    # A draft from the server is continued here and saved back to the same story.
    laptop.locator(f"[data-story-id='{admin_draft.pk}'] [data-slot=continue]").click()
    laptop.wait_for_selector("[data-filing-view=editor]:not([hidden])")
    assert laptop.input_value("[data-filing-text]") == "Đoạn mở đầu."
    laptop.locator("[data-filing-text]").press("End")
    laptop.locator("[data-filing-text]").press_sequentially("\n\nĐoạn viết tiếp từ trang nộp bài.")
    wait_status(laptop, "local")  # on the device for the autosave's few seconds, then on the server
    wait_status(laptop, "synced")
    assert "Đoạn viết tiếp từ trang nộp bài." in str(StoryPage.objects.get(pk=admin_draft.pk).body)
    laptop.click("[data-filing-back]")

    laptop.click("[data-filing-new]")
    laptop.fill("[data-filing-headline]", "Hội nghị chuyển đổi số báo chí tỉnh")
    laptop.fill("[data-filing-text]", "Sáng nay, hội nghị khai mạc tại Hải Dương.")
    wait_status(laptop, "synced")
    story = StoryPage.objects.get(title="Hội nghị chuyển đổi số báo chí tỉnh")
    page = story.get_latest_revision_as_object()
    page.sapo = "Biên tập viên thêm sapo."
    page.save_revision(user=newsroom["editor"], clean=False)
    page.save()
    laptop.fill("[data-filing-desk-note]", "Có thêm ảnh tối nay.")
    wait_status(laptop, "conflict")
    mine = laptop.locator("[data-filing-version=mine]").bounding_box()
    theirs = laptop.locator("[data-filing-version=theirs]").bounding_box()
    assert mine["y"] == theirs["y"] and theirs["x"] > mine["x"] + mine["width"]  # side by side
    shot(laptop, "filing-conflict-laptop")

    laptop.click("[data-filing-keep-mine]")
    wait_status(laptop, "synced")
    saved = StoryPage.objects.get(pk=story.pk)
    assert saved.desk_note == "Có thêm ảnh tối nay." and saved.revisions.count() == 3
    laptop.click("[data-filing-back]")
    laptop.wait_for_selector("[data-filing-drafts] [data-filing-id]")
    shot(laptop, "filing-desk-laptop")
    assert not errors, errors
