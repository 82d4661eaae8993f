"""The Content Security Policy in Chromium: a story full of hostile text opens no dialog and breaks no rule,
the admin's busiest screens and the filing page work under their policies without a single "Refused to …",
and script slipped into a page is refused by the browser itself."""

import io
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.test import Client
from PIL import Image as PILImage
from wagtail.models import Site

from newsroom.demo import cast
from newsroom.models import Role, SectionPage, StoryPage
from tests.e2e.conftest import LAPTOP, PHONE, screenshot
from tests.factories import make_agency, make_user
from tests.newsroom.test_documents import real_pdf
from tests.newsroom.test_xss import hostile_newsroom

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Run in every document before its own scripts (Playwright injects it past the page's policy).
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.effectiveDirective} refused ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""
POLICY_WORDS = ("Content Security Policy", "Refused to", "Permissions-Policy", "Permissions policy")
ENGLISH_LAPTOP = {**LAPTOP, "locale": "en-US"}


class Watch:
    """What the browser refused or complained of on a page: CSP and Permissions-Policy messages, violation
    events, uncaught script errors, and any dialog (which a payload's alert() would open)."""

    def __init__(self, page):
        self.page = page
        self.messages: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        page.on("dialog", self._dialog)

    def _console(self, message):
        if any(word in message.text for word in POLICY_WORDS):
            self.messages.append(f"{self.page.url}: {message.text}")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def violations(self) -> list[str]:
        return self.page.evaluate("window.__violations || []")

    def assert_clean(self, where: str) -> None:
        problems = self.messages + self.violations() + self.errors + self.dialogs
        assert problems == [], f"{where}: {problems}"


def jpeg_file(path: Path, colour=(30, 120, 60)) -> Path:
    buffer = io.BytesIO()
    PILImage.new("RGB", (640, 400), colour).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def login(page, base_url, username, password=cast.DEMO_PASSWORD):
    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


# --- A hostile story on the public site ---------------------------------------------------------------------


@pytest.fixture
def hostile_site(live_server):
    url = urlparse(live_server.url)
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương", hostname=url.hostname, port=url.port)
    Site.objects.filter(pk=agency.site.pk).update(is_default_site=True)
    editor = make_user(username="tongbientap", agency=agency, role=Role.EDITOR_IN_CHIEF)
    return hostile_newsroom(Client(), agency, editor=editor)


def test_a_story_full_of_hostile_text_runs_nothing(live_server, hostile_site, chromium):
    context = chromium.new_context(**LAPTOP)
    # The story embeds a YouTube player; a stand-in answers for YouTube, as this machine may be offline.
    context.route("https://www.youtube.com/**", lambda route: route.fulfill(body="<p>YouTube</p>"))
    page = context.new_page()
    watch = Watch(page)
    page.goto(live_server.url + hostile_site["story"].url)
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").first.inner_text().startswith("XSS-title\"'><img src=x onerror=alert(1)>")
    assert page.frame_locator("figure.embed iframe").locator("p").inner_text() == "YouTube"  # frame-src
    page.mouse.wheel(0, 4000)  # lazy images and the rest of the body
    page.wait_for_timeout(500)
    screenshot(page, "xss-story")
    watch.assert_clean("hostile story")

    for path in ("/", hostile_site["section"].url, f"/tac-gia/{hostile_site['author'].slug}/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        watch.assert_clean(path)
    page.goto(
        live_server.url + "/tim-kiem/?q=XSS-query'><img src=x onerror=alert(1)><script>alert(1)</script>"
    )
    watch.assert_clean("search")

    # The policy, not only escaping: a script put into the page is refused by the browser.
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.__ran = true";
                   document.body.append(s); }"""
    )
    assert page.evaluate("window.__ran") is None
    assert any(line.startswith("script-src-elem refused inline") for line in watch.violations())
    context.close()


# --- The admin and the filing page --------------------------------------------------------------------------


@pytest.fixture
def demo(asgi_live_server):
    """The demo newsroom, its first agency answering on the live server's address."""
    call_command("seed_demo", stories=8, verbosity=0)
    call_command("seed_readership", days=14, verbosity=0)
    call_command("seed_transformation", verbosity=0)
    url = urlparse(asgi_live_server.url)
    first = cast.AGENCIES[0]
    Site.objects.filter(hostname=first.hostname, port=first.port).update(
        hostname=url.hostname, port=url.port, is_default_site=True
    )
    return asgi_live_server


def test_the_page_editor_works_under_the_admin_policy(demo, chromium, tmp_path):
    context = chromium.new_context(**ENGLISH_LAPTOP)
    page = context.new_page()
    watch = Watch(page)
    base = demo.url
    login(page, base, "baohaiduong.tongbientap")
    watch.assert_clean("dashboard")

    section = SectionPage.objects.filter(slug="thoi-su").first() or SectionPage.objects.first()
    page.goto(f"{base}/admin/pages/add/newsroom/storypage/{section.pk}/")
    page.fill("#id_title", "Tin kiểm tra chính sách bảo mật")
    page.fill("#id_sapo", "Tóm tắt của tin kiểm tra.")
    # A correction: Wagtail's InlinePanel and its date picker are inline scripts.
    page.locator("#id_corrections-ADD").click()
    page.locator("input[name='corrections-0-date']").click()
    page.locator(".xdsoft_datetimepicker:visible .xdsoft_today").first.click()
    page.fill("textarea[name='corrections-0-note']", "Sửa tên nhân vật.")
    # The lead image through the image chooser's modal.
    page.locator("#id_lead_image-chooser [data-chooser-action-choose]").first.click()
    page.locator(".modal [data-chooser-modal-choice]").first.click()
    page.locator(".modal").first.wait_for(state="hidden")
    # A text block in the body.
    page.locator("[data-streamfield-stream-container] button[title='Insert a block']").first.click()
    page.get_by_role("option", name="Text").first.click()
    page.locator("[data-streamfield-stream-container] [contenteditable=true]").first.fill(
        "Đoạn văn đầu tiên."
    )
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url("**/edit/")
    story = StoryPage.objects.get(title="Tin kiểm tra chính sách bảo mật")
    assert story.lead_image_id and story.get_latest_revision_as_object().corrections.count() == 1
    watch.assert_clean("new story")

    # The preview panel frames the story inside the admin.
    page.locator("[data-side-panel-toggle='preview']").click()
    preview = page.frame_locator("#w-preview-iframe")
    assert "Tin kiểm tra chính sách bảo mật" in preview.locator("h1").first.inner_text()
    screenshot(page, "csp-admin-editor")
    watch.assert_clean("preview")

    # Markup slipped into an admin page stays inert: event attributes are refused even here.
    page.evaluate("""() => document.body.insertAdjacentHTML("beforeend",
                     '<img src="/nowhere.png" onerror="window.__ran = true">')""")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__ran") is None
    assert any(line.startswith("script-src-attr refused inline") for line in watch.violations())
    context.close()


def test_uploads_and_panels_work_under_the_admin_policy(demo, chromium, tmp_path):
    context = chromium.new_context(**ENGLISH_LAPTOP)
    page = context.new_page()
    watch = Watch(page)
    base = demo.url
    login(page, base, "baohaiduong.tongbientap")

    page.goto(f"{base}/admin/archive/upload/")
    page.set_input_files("input[type=file]", str(jpeg_file(tmp_path / "le-hoi.jpg")))
    page.locator(".archive-upload__submit").click()
    page.locator(".archive-upload__item a").first.wait_for()
    watch.assert_clean("archive upload")

    page.goto(f"{base}/admin/images/multiple/add/")
    page.set_input_files("#fileupload", str(jpeg_file(tmp_path / "cho-phien.jpg", (200, 90, 40))))
    page.locator("#upload-list form").first.wait_for()
    watch.assert_clean("image upload")

    pdf = tmp_path / "bao-cao.pdf"
    pdf.write_bytes(real_pdf())
    page.goto(f"{base}/admin/documents/multiple/add/")
    page.set_input_files("#fileupload", str(pdf))
    page.locator("#upload-list form").first.wait_for()
    watch.assert_clean("document upload")

    page.goto(f"{base}/admin/media/video/add/")
    page.wait_for_load_state("networkidle")
    watch.assert_clean("media upload")

    page.goto(f"{base}/admin/board/")
    page.locator("[data-board-live][data-state='live']").wait_for(timeout=15_000)  # its websocket
    watch.assert_clean("newsroom board")

    context.clear_cookies()
    login(page, base, "baohaiduong.quanly")
    for path in ("/admin/readership/", "/admin/transformation/", "/admin/two-factor/setup/"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        watch.assert_clean(path)
    screenshot(page, "csp-admin-transformation")
    context.close()


def test_the_filing_page_works_on_a_phone_under_its_strict_policy(demo, chromium, tmp_path):
    context = chromium.new_context(
        **PHONE, permissions=["geolocation"], geolocation={"latitude": 20.94, "longitude": 106.33}
    )
    page = context.new_page()
    watch = Watch(page)
    login(page, demo.url, "baohaiduong.phongvien")
    page.goto(f"{demo.url}/admin/filing/")
    page.locator("[data-filing-new]").click()
    page.fill("[data-filing-headline]", "Nước lên nhanh ở Thanh Hà")
    page.set_input_files("[data-filing-files]", str(jpeg_file(tmp_path / "nuoc-len.jpg")))
    page.locator(".filing-attachment__preview img").first.wait_for()  # a blob: preview
    page.locator("[data-filing-locate]").click()
    page.locator("[data-filing-coordinates]").filter(has_text=re.compile(r"20[.,]94")).wait_for()
    page.wait_for_load_state("networkidle")
    screenshot(page, "csp-filing-phone")
    watch.assert_clean("filing page")
    context.close()
