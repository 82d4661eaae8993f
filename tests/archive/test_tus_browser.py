"""The vendored tus-js-client in Debian's Chromium against the tus server: a photo in pieces, an upload
stopped and resumed from the URL the client remembered, the archive's answer read from the last PATCH."""

import base64
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from archive.models import ArchiveImage, ResumableUpload
from newsroom.models import Role
from tests.archive.test_tus import photo, sha256
from tests.factories import make_agency, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
TOKEN = "c" * 32
os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API keeps a loop in this thread

# Uploads window.photo (bytes) with tus-js-client; stops after `stopAfter` pieces when asked, and resolves
# with what the last PATCH said (or the error and the server's answer).
UPLOAD = """
([stopAfter, previous]) => new Promise((resolve) => {
  const bytes = Uint8Array.from(atob(window.photoBase64), (c) => c.charCodeAt(0));
  const file = new Blob([bytes], {type: "image/jpeg"});
  let pieces = 0;
  const upload = new tus.Upload(file, {
    endpoint: "/archive/tus/",
    chunkSize: 20000,
    retryDelays: [0, 200, 500],
    headers: {"X-CSRFToken": window.csrfToken},
    metadata: {filename: "anh-hien-truong.jpg", filetype: "image/jpeg", title: "Ảnh hiện trường"},
    onChunkComplete() {
      pieces += 1;
      if (stopAfter && pieces === stopAfter) {
        upload.abort().then(() => resolve({stopped: true, url: upload.url, pieces}));
      }
    },
    onSuccess({lastResponse}) {
      resolve({
        url: upload.url,
        pieces,
        id: lastResponse.getHeader("Archive-Asset-Id"),
        kind: lastResponse.getHeader("Archive-Asset-Kind"),
        duplicate: lastResponse.getHeader("Archive-Asset-Duplicate"),
      });
    },
    onError(error) {
      resolve({error: String(error), body: error.originalResponse ? error.originalResponse.getBody() : null});
    },
  });
  if (!previous) { upload.start(); return; }
  upload.findPreviousUploads().then((found) => {
    if (found.length) upload.resumeFromPreviousUpload(found[0]);
    upload.start();
  });
})
"""


@pytest.fixture
def browser_page(live_server):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Debian's Chromium is not installed at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    agency = make_agency(short_name="baotrinhduyet", name="Báo trình duyệt")
    reporter = make_user(agency=agency, role=Role.REPORTER)
    client = Client()
    client.force_login(reporter)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        context = browser.new_context()
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                },
                {"name": settings.CSRF_COOKIE_NAME, "value": TOKEN, "url": live_server.url},
            ]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/archive/tus/")  # any page of the site's origin
        page.add_script_tag(url="/static/archive/vendor/tus.min.js")
        page.evaluate("(token) => { window.csrfToken = token; }", TOKEN)
        yield page
        browser.close()
        connections.close_all()


def test_tus_js_client_uploads_a_photo_and_reads_the_archives_answer(browser_page):
    data = photo(seed=21, size=(400, 300))
    browser_page.evaluate("(data) => { window.photoBase64 = data; }", base64.b64encode(data).decode())

    result = browser_page.evaluate(UPLOAD, [0, False])

    assert "error" not in result, result
    assert result["pieces"] == -(-len(data) // 20000)
    image = ArchiveImage.objects.get(pk=result["id"])
    assert result["kind"] == "image" and result["duplicate"] == "0"
    assert image.sha256 == sha256(data) and image.title == "Ảnh hiện trường"


def test_tus_js_client_resumes_a_stopped_upload_from_the_url_it_remembered(browser_page):
    data = photo(seed=22, size=(500, 400))
    browser_page.evaluate("(data) => { window.photoBase64 = data; }", base64.b64encode(data).decode())

    stopped = browser_page.evaluate(UPLOAD, [2, False])
    assert stopped["stopped"], stopped
    assert ResumableUpload.objects.get().offset == 40000
    browser_page.reload()  # the tab was reloaded: only the URL in localStorage is left
    browser_page.add_script_tag(url="/static/archive/vendor/tus.min.js")
    browser_page.evaluate(
        "([token, data]) => { window.csrfToken = token; window.photoBase64 = data; }",
        [TOKEN, base64.b64encode(data).decode()],
    )

    resumed = browser_page.evaluate(UPLOAD, [0, True])

    assert "error" not in resumed, resumed
    assert resumed["url"] == stopped["url"]
    assert resumed["pieces"] == -(-(len(data) - 40000) // 20000)  # only what was missing
    assert ResumableUpload.objects.count() == 1
    assert ArchiveImage.objects.get(pk=resumed["id"]).sha256 == sha256(data)
