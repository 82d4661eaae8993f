"""Web hardening (newsroom/hardening.py and the production settings): the Content Security Policy and the
security headers on every response, `check --deploy`, and uploads to the archive checked by content."""

import io
import json
import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from PIL import Image as PILImage

from archive.models import ArchiveImage, ArchiveMedia
from newsroom.hardening import SecurityHeadersMiddleware, policy_for
from newsroom.models import Role
from tests.factories import get_page, make_author, make_story, section_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent.parent


def policy(response, header="Content-Security-Policy") -> dict[str, list[str]]:
    """A CSP header as {directive: [sources]}."""
    directives = {}
    for part in response[header].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.fixture
def story(agency):
    story = make_story(section=section_of(agency), title="Hải Dương chuyển đổi số")
    story.authors.add(make_author(agency=agency, name="Nguyễn Thu Hà"))
    return story


# --- The public sites' policy ------------------------------------------------------------------------------


def test_public_pages_get_the_strict_policy(client, agency, story):
    csp = policy(get_page(client, agency, story.url))
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'self'"]
    assert csp["connect-src"] == ["'self'"]  # the readership beacon posts here
    assert {"'self'", "data:", "blob:"} <= set(csp["img-src"]) and csp["media-src"] == csp["img-src"]
    assert {"https://www.youtube.com", "https://www.facebook.com"} <= set(csp["frame-src"])
    assert "report-uri" not in csp and "upgrade-insecure-requests" not in csp


@pytest.mark.parametrize(
    "path", ["/", "/tac-gia/{author}/", "/tim-kiem/?q=s%E1%BB%91", "/rss.xml", "/_missing/"]
)
def test_every_public_response_carries_the_policy(client, agency, story, path):
    author = story.authors.get()
    response = get_page(client, agency, path.format(author=author.slug))
    assert policy(response)["script-src"] == ["'self'"]


class Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.scripts = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))


@pytest.mark.parametrize("path", ["/", "{section}", "{story}", "/tim-kiem/?q=tin"])
def test_public_pages_run_no_inline_script(client, agency, story, path):
    """Every <script> is a file of ours or data (JSON-LD); an inline script would need the request's nonce."""
    response = get_page(client, agency, path.format(section=story.section.url, story=story.url))
    parser = Scripts()
    parser.feed(response.content.decode())
    assert parser.scripts
    for script in parser.scripts:
        assert script.get("src", "").startswith("/static/") or script.get("type") == "application/ld+json"


def test_an_inline_script_gets_a_fresh_nonce_for_each_request(agency):
    def page(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}">start()</script>')

    middleware = SecurityHeadersMiddleware(page)
    nonces = []
    for _ in range(2):
        response = middleware(RequestFactory().get("/", HTTP_HOST=agency.site.hostname))
        nonce = re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)
        assert policy(response)["script-src"] == ["'self'", f"'nonce-{nonce}'"]
        nonces.append(nonce)
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 22


def test_media_from_the_s3_storage_and_a_cdn_are_allowed(settings, agency):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "toasoan", "custom_domain": "media.baohaiduong.vn"},
        },
    }
    settings.NEWSROOM_CSP_MEDIA_HOSTS = ["https://cdn.baohaiduong.vn"]
    settings.STATIC_URL = "https://static.baohaiduong.vn/static/"
    public = policy_for(RequestFactory().get("/"))
    for directive in ("img-src", "media-src"):
        assert {
            "https://media.baohaiduong.vn",
            "https://cdn.baohaiduong.vn",
            "https://static.baohaiduong.vn",
        } <= set(public[directive])
    assert public["connect-src"] == ["'self'"]


def test_the_admin_may_upload_straight_to_the_s3_endpoint(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "toasoan", "endpoint_url": "https://s3.hcm.example.vn:9000"},
        },
    }
    admin = policy_for(RequestFactory().get("/admin/archive/upload/"))
    assert {"https://s3.hcm.example.vn:9000", "https://toasoan.s3.hcm.example.vn:9000"} <= set(
        admin["connect-src"]
    )
    assert "https://s3.hcm.example.vn:9000" in admin["img-src"]


def test_report_only_and_the_report_address(client, settings, agency, story):
    settings.NEWSROOM_CSP_REPORT_ONLY = True
    settings.NEWSROOM_CSP_REPORT_URI = "https://csp.baohaiduong.vn/report"
    response = get_page(client, agency, story.url)
    assert "Content-Security-Policy" not in response
    csp = policy(response, "Content-Security-Policy-Report-Only")
    assert csp["script-src"] == ["'self'"] and csp["report-uri"] == ["https://csp.baohaiduong.vn/report"]

    settings.NEWSROOM_CSP_REPORT_ONLY = False
    response = get_page(client, agency, story.url)
    assert "Content-Security-Policy-Report-Only" not in response
    assert policy(response)["report-uri"] == ["https://csp.baohaiduong.vn/report"]


def test_https_requests_upgrade_old_http_links(client, agency, story):
    response = get_page(client, agency, story.url, secure=True)
    assert "upgrade-insecure-requests" in policy(response)


def test_cached_pages_carry_the_headers_too(client, settings, agency, story):
    settings.PAGE_CACHE_SECONDS = 60
    get_page(client, agency, story.url)
    hit = get_page(client, agency, story.url)
    assert hit["X-Cache"] == "HIT"
    assert policy(hit)["script-src"] == ["'self'"]
    assert hit["Permissions-Policy"].startswith("camera=()")


# --- The admin's and the filing page's policies ------------------------------------------------------------


def test_the_admin_allows_wagtails_inline_scripts_and_nothing_from_elsewhere(client, staff):
    client.force_login(staff[Role.EDITOR])
    csp = policy(client.get(reverse("wagtailadmin_home")))
    assert csp["script-src"] == ["'self'", "'unsafe-inline'"]
    assert not any(
        source.startswith("'nonce-") for source in csp["script-src"]
    )  # it would void unsafe-inline
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"] and csp["frame-ancestors"] == ["'self'"]
    assert "'self'" in csp["frame-src"]  # the editor's preview panel


def test_the_login_page_is_under_the_admin_policy(client):
    assert policy(client.get(reverse("wagtailadmin_login")))["object-src"] == ["'none'"]


def test_the_filing_page_is_as_strict_as_the_public_sites(client, staff):
    client.force_login(staff[Role.REPORTER])
    response = client.get(reverse("newsroom_filing:page"))
    assert response.status_code == 200
    csp = policy(response)
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert "blob:" in csp["img-src"]  # previews of photos not sent yet
    assert csp["worker-src"] == ["'self'"] and csp["frame-src"] == ["'none'"]


# --- Security headers --------------------------------------------------------------------------------------


def test_security_headers_on_public_pages(client, agency, story):
    response = get_page(client, agency, story.url)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    features = dict(item.split("=") for item in response["Permissions-Policy"].split(", "))
    assert features["camera"] == features["microphone"] == features["geolocation"] == "()"


def test_only_the_filing_page_may_ask_for_the_reporters_position(client, staff):
    client.force_login(staff[Role.REPORTER])
    filing = client.get(reverse("newsroom_filing:page"))["Permissions-Policy"]
    assert "geolocation=(self)" in filing
    assert "camera=()" in filing and "microphone=()" in filing  # photos come through <input capture>
    assert "geolocation=()" in client.get(reverse("wagtailadmin_home"))["Permissions-Policy"]


def test_wagtails_preview_may_still_be_framed_by_the_editor(client, staff, story):
    client.force_login(staff[Role.EDITOR])
    response = client.get(reverse("wagtailadmin_pages:preview_on_edit", args=[story.pk]))
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert policy(response)["frame-ancestors"] == ["'self'"]


# --- Production settings -----------------------------------------------------------------------------------


def production_env(**extra) -> dict:
    """The environment of a production process: its essentials only, nothing of this test run's."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "newsroom.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "baohaiduong.vn,testserver",
        "CSRF_TRUSTED_ORIGINS": "https://baohaiduong.vn",
        **extra,
    }


def test_check_deploy_is_clean_with_the_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


PROBE = """
import json
import django

django.setup()
from django.conf import settings
from django.middleware.security import SecurityMiddleware
from django.test import Client, RequestFactory

client = Client()
secure = client.get("/jsi18n/", secure=True, HTTP_HOST="baohaiduong.vn")
plain = client.get("/jsi18n/", HTTP_HOST="baohaiduong.vn")
security = SecurityMiddleware(lambda request: None)
probes = [security.process_request(RequestFactory().get(path)) for path in ("/healthz", "/metrics")]
print(json.dumps({
    "hsts": secure.get("Strict-Transport-Security"),
    "csp": secure.get("Content-Security-Policy"),
    "plain": [plain.status_code, plain.get("Location")],
    "probes_redirected": [probe is not None for probe in probes],
    "cookies_secure": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
}))
"""


def test_production_sends_hsts_and_redirects_plain_http():
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "upgrade-insecure-requests" in answer["csp"]
    assert answer["plain"] == [301, "https://baohaiduong.vn/jsi18n/"]
    assert answer["probes_redirected"] == [False, False]  # the load balancer and Prometheus talk plain HTTP
    assert answer["cookies_secure"] == [True, True]


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "Set SECRET_KEY" in result.stderr


# --- Archive uploads are checked by content ----------------------------------------------------------------

SCRIPTED_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><rect width="9"/></svg>'
)


def jpeg() -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def named(data: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("anh.jpg", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "not supported"),
        ("anh.png", SCRIPTED_SVG, "event attribute"),
        ("logo.svg", SCRIPTED_SVG.replace(b"<rect", b"<script>alert(1)</script><rect"), "event attribute"),
        ("clip.mp4", b"MZ\x90\x00" + b"\x00" * 4096, "not supported"),
        ("podcast.mp3", b"alert(document.cookie);" * 50, "not supported"),
        ("anh.jpg", jpeg()[:20] + b"<html><script>alert(1)</script></html>" * 20, "damaged"),
    ],
    ids=[
        "html-as-jpeg",
        "svg-as-png",
        "svg-with-script",
        "program-as-video",
        "script-as-audio",
        "jpeg-html-polyglot",
    ],
)
def test_the_archive_refuses_disguised_files(client, agency, staff, name, data, says):
    client.force_login(staff[Role.REPORTER])
    response = client.post(
        reverse("archive_upload_file"),
        {
            "agency": agency.pk,
            "sharing": "agency",
            "licence": "agency",
            "credit": "",
            "file": named(data, name),
        },
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert says in response.json()["error"]
    assert not ArchiveImage.objects.exists() and not ArchiveMedia.objects.exists()


def test_wagtails_image_form_refuses_a_web_page_named_like_a_photo(client, agency, staff):
    client.force_login(staff[Role.EDITOR])
    response = client.post(
        reverse("wagtailimages:add"),
        {
            "title": "Ảnh",
            "collection": agency.collection_id,
            "file": named(b"<html><body onload=alert(1)></body></html>", "anh.jpg"),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and not ArchiveImage.objects.exists()
    assert "errorlist" in response.content.decode() or "error-message" in response.content.decode()
