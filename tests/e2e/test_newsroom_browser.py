"""A reader on a phone, and a reporter and editors in the admin, in a real browser."""

import re
from urllib.parse import urlparse

import pytest
from wagtail.models import Site

from newsroom.models import Role
from tests.e2e.conftest import screenshot
from tests.factories import PASSWORD, make_agency, make_story, make_user, section_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def served_agency(live_server):
    """An agency whose Site is the live server's host and port, so pages resolve to it."""
    url = urlparse(live_server.url)
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương", hostname=url.hostname, port=url.port)
    Site.objects.filter(pk=agency.site.pk).update(is_default_site=True)
    return agency


@pytest.fixture
def stories(served_agency):
    section = section_of(served_agency)
    make_story(
        section=section,
        title="Hải Dương tăng tốc chuyển đổi số báo chí",
        sapo="Tỉnh đặt mục tiêu 100% cơ quan báo chí đưa nội dung lên nền tảng số vào năm 2030.",
    )
    make_story(section=section, title="Mùa vải thiều Thanh Hà", sapo="Nông dân thu hoạch vải sớm.")


def test_reader_on_a_phone_reads_and_searches_without_diacritics(live_server, stories, phone):
    phone.goto(live_server.url + "/")
    assert "Báo Hải Dương" in phone.title() or "Báo Hải Dương" in phone.content()
    assert phone.get_by_text("Hải Dương tăng tốc chuyển đổi số báo chí").first.is_visible()
    # Nothing wider than the phone's screen.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "public-home-phone")

    phone.get_by_text("Hải Dương tăng tốc chuyển đổi số báo chí").first.click()
    phone.wait_for_load_state()
    assert phone.locator("h1").first.inner_text().strip() == "Hải Dương tăng tốc chuyển đổi số báo chí"
    screenshot(phone, "public-story-phone")

    phone.goto(live_server.url + "/tim-kiem/?q=chuyen+doi+so")
    content = phone.content()
    assert "Hải Dương tăng tốc chuyển đổi số báo chí" in content
    assert "Mùa vải thiều Thanh Hà" not in content
    screenshot(phone, "public-search-phone")


def login(page, base_url, username):
    page.goto(base_url + "/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + "/admin/")


@pytest.fixture
def newsroom_staff(served_agency):
    return {
        "reporter": make_user(username="phongvien", agency=served_agency, role=Role.REPORTER),
        "editor": make_user(username="bientap", agency=served_agency, role=Role.EDITOR),
        "section": section_of(served_agency),
    }


def test_reporter_files_a_draft_and_submits_it_editor_sees_it(live_server, newsroom_staff, laptop):
    reporter, section = newsroom_staff["reporter"], newsroom_staff["section"]

    login(laptop, live_server.url, reporter.username)
    screenshot(laptop, "admin-dashboard-reporter")
    laptop.goto(f"{live_server.url}/admin/pages/add/newsroom/storypage/{section.pk}/")
    laptop.fill("#id_title", "Phóng viên gửi bài từ hiện trường")
    laptop.press("#id_title", "Tab")  # the slug follows the headline when it loses focus
    laptop.fill("#id_sapo", "Bài viết thử nghiệm gửi từ trình duyệt.")
    screenshot(laptop, "admin-story-editor")
    # Save the draft, then submit it to the agency's workflow.
    laptop.get_by_role("button", name=re.compile("Lưu nháp|Save draft")).click()
    laptop.wait_for_url("**/edit/")
    from newsroom.models import StoryPage

    story = StoryPage.objects.get(title="Phóng viên gửi bài từ hiện trường")
    assert not story.live

    laptop.locator("[data-w-dropdown-target='toggle']").last.click()
    laptop.locator("button[name='action-submit']").click()
    laptop.wait_for_load_state()
    from wagtail.models import WorkflowState

    assert WorkflowState.objects.filter(object_id=str(story.pk), status="in_progress").exists()

    laptop.context.clear_cookies()
    login(laptop, live_server.url, "bientap")
    assert "Phóng viên gửi bài từ hiện trường" in laptop.content()  # "awaiting your review" panel
    screenshot(laptop, "admin-dashboard-editor-review")
