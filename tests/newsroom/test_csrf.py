"""CSRF: every form and endpoint a signed-in person posts to refuses a request without the token; the three
endpoints exempted take no cookie-based identity, so a cross-site request has nothing to borrow."""

import io
import json

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponseForbidden
from django.test import Client, RequestFactory
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from analytics import collect
from distribution.models import Channel, ChannelKind
from newsroom.models import Role
from tests.analytics.beacon_client import PHONE_UA, pageview
from tests.factories import PASSWORD, make_story, section_of

pytestmark = pytest.mark.django_db


def csrf_failure(request, reason=""):
    """Django's CSRF refusal, marked so a test tells it from a 403 for want of permission."""
    response = HttpResponseForbidden("CSRF")
    response["X-CSRF-Refused"] = reason or "yes"
    return response


@pytest.fixture(autouse=True)
def _marked_refusals(settings):
    settings.CSRF_FAILURE_VIEW = "tests.newsroom.test_csrf.csrf_failure"


@pytest.fixture
def story(agency, staff):
    return make_story(section=section_of(agency), owner=staff[Role.REPORTER], publish=False)


def story_data() -> dict:
    return nested_form_data(
        {
            "title": "Tin từ hiện trường",
            "slug": "tin-tu-hien-truong",
            "sapo": "Tóm tắt.",
            "body": streamfield([]),
            "format": "news",
            "language": "vi",
            "corrections": inline_formset([]),
            "comments": inline_formset([]),
        }
    )


def endpoints(agency, staff, story) -> list[tuple[str, str, object, dict | str]]:
    """(what, URL, who posts, data): the forms and endpoints of the admin, the archive and the filing page;
    JSON endpoints get their data as a string."""
    reporter, editor, manager = staff[Role.REPORTER], staff[Role.EDITOR], staff[Role.MANAGER]
    year = timezone.localdate().year
    upload = {"agency": agency.pk, "sharing": "agency", "licence": "agency", "file": io.BytesIO(b"x")}
    return [
        (
            "admin login",
            reverse("wagtailadmin_login"),
            None,
            {"username": reporter.username, "password": PASSWORD},
        ),
        ("sign out", reverse("wagtailadmin_logout"), editor, {}),
        (
            "new story",
            reverse("wagtailadmin_pages:add", args=["newsroom", "storypage", story.get_parent().pk]),
            reporter,
            story_data(),
        ),
        ("page edit", reverse("wagtailadmin_pages:edit", args=[story.pk]), reporter, story_data()),
        ("document upload", reverse("wagtaildocs:add"), editor, {"title": "Tài liệu"}),
        ("image upload", reverse("wagtailimages:add"), editor, {"title": "Ảnh"}),
        ("archive upload", reverse("archive_upload_file"), reporter, upload),
        ("archive details", reverse("archive_upload_details"), reporter, {"kind": "image", "id": "1"}),
        ("archive S3 upload", reverse("archive_s3_create"), reporter, json.dumps({"agency": agency.pk})),
        ("archive resumable upload", reverse("archive_tus_endpoint"), reporter, {}),
        ("filing: new draft", reverse("newsroom_filing:file"), reporter, "{}"),
        ("filing: update", reverse("newsroom_filing:story", args=[story.pk]), reporter, "{}"),
        ("filing: submit", reverse("newsroom_filing:submit", args=[story.pk]), reporter, "{}"),
        ("2FA set-up", reverse("newsroom_accounts:setup"), reporter, {"code": "123456"}),
        ("2FA code", reverse("newsroom_accounts:verify"), reporter, {"code": "123456"}),
        ("2FA off", reverse("newsroom_accounts:remove"), reporter, {"code": "123456"}),
        ("2FA recovery codes", reverse("newsroom_accounts:recovery_codes"), reporter, {"code": "123456"}),
        ("2FA reset", reverse("newsroom_accounts:reset", args=[reporter.pk]), manager, {}),
        ("API keys", reverse("analytics_tokens"), manager, {"name": "Đối tác"}),
        ("API key revoke", reverse("analytics_token_revoke", args=[1]), manager, {}),
        ("revenue import", reverse("analytics_revenue_import"), manager, {}),
        ("revenue undo", reverse("analytics_revenue_undo", args=[1]), manager, {}),
        ("training import", reverse("analytics_training_import"), manager, {}),
        (
            "indicator declaration",
            reverse("analytics_declare", args=[agency.pk, year, "digital-revenue"]),
            manager,
            {"met": "1"},
        ),
        (
            "maturity self-assessment",
            reverse("analytics_maturity_assessment", args=[agency.pk, year]),
            manager,
            {"action": "start"},
        ),
        ("delivery retry", reverse("distribution_deliveries:retry", args=[1]), editor, {}),
        ("language", reverse("set_language"), None, {"language": "en", "next": "/"}),
    ]


def post(client, url, data, **extra):
    """A form post, or a JSON one (str data) as the archive's and the filing page's scripts send."""
    if isinstance(data, str):
        return client.post(url, data, content_type="application/json", **extra)
    return client.post(url, data, **extra)


def test_every_post_without_the_token_is_refused(agency, staff, story):
    refused, passed = [], []
    for what, url, user, data in endpoints(agency, staff, story):
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        response = post(client, url, data)
        (refused if response.get("X-CSRF-Refused") else passed).append(what)
    assert passed == []
    assert len(refused) == len(endpoints(agency, staff, story))


def test_the_same_posts_with_the_token_get_past_the_check(agency, staff, story):
    """The control: with the token, no endpoint answers with the CSRF refusal (each then judges the request
    on its own terms, which may well be a refusal of another kind)."""
    for what, url, user, data in endpoints(agency, staff, story):
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        token = get_random_string(32)  # the cookie a page with a form would have set, and its token
        client.cookies[django_settings.CSRF_COOKIE_NAME] = token
        if isinstance(data, dict) and isinstance(data.get("file"), io.BytesIO):
            data["file"].seek(0)
        response = post(client, url, data, HTTP_X_CSRFTOKEN=token)
        assert not response.get("X-CSRF-Refused"), what


def test_a_forged_token_is_refused(staff, story):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff[Role.REPORTER])
    client.cookies[django_settings.CSRF_COOKIE_NAME] = get_random_string(32)
    response = client.post(reverse("newsroom_filing:file"), {}, HTTP_X_CSRFTOKEN=get_random_string(32))
    assert response["X-CSRF-Refused"]


def test_wagtails_admin_api_enforces_the_token_itself(agency, staff, story):
    """Wagtail's admin API is exempt from Django's check because Django REST framework makes its own for
    every request signed in by session; its page actions (publish, move, copy…) are refused without it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff[Role.EDITOR_IN_CHIEF])
    response = client.post(
        f"/admin/api/main/pages/{story.pk}/action/publish/", {}, content_type="application/json"
    )
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    story.refresh_from_db()
    assert not story.live


# --- The exemptions, each justified ----------------------------------------------------------------------

# Views exempt from Django's CSRF check, and why a forged cross-site request gains nothing from each.
JUSTIFIED_EXEMPTIONS = {
    # The readership beacon: cookie-less by design (sendBeacon from any reader's page); it reads no session
    # and no cookie, and each event carries a token signed for its page (test below).
    "analytics.collect.collect",
    # Partners' readership figures: signed with the channel's secret (Standard Webhooks), no cookie.
    "analytics.platform_views.receive",
    # The readership API: a bearer key in the Authorization header, never the session; GET only.
    "analytics.api.panel",
    # Wagtail's admin API (Django REST framework): DRF enforces CSRF itself for session-authenticated
    # requests (test above). Images and documents are served by our walled subclasses (newsroom/walls.py).
    "wagtail.admin.api.views.PagesAdminAPIViewSet",
    "newsroom.walls.WalledDocumentsAdminAPIViewSet",
    "newsroom.walls.WalledImagesAdminAPIViewSet",
}


def exempt_views(patterns=None) -> set[str]:
    found = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            found |= exempt_views(pattern.url_patterns)
        elif getattr(pattern.callback, "csrf_exempt", False):
            found.add(f"{pattern.callback.__module__}.{pattern.callback.__name__}")
    return found


def test_no_view_is_exempt_without_a_reason():
    assert exempt_views() == JUSTIFIED_EXEMPTIONS


class Untouchable(dict):
    """Stands in for request.COOKIES: reading it fails the test."""

    def _refuse(self, *args, **kwargs):
        raise AssertionError("the beacon read a cookie")

    __getitem__ = get = __contains__ = __iter__ = keys = items = values = __len__ = _refuse


class NoSession:
    def __getattr__(self, name):
        raise AssertionError(f"the beacon used the session or the user ({name})")


def test_the_beacon_reads_and_sets_no_cookie(agency, staff):
    story = make_story(section=section_of(agency))
    request = RequestFactory().post(
        "/_r/e",
        data=json.dumps(pageview(story)),
        content_type="text/plain;charset=UTF-8",
        HTTP_HOST=agency.site.hostname,
        HTTP_USER_AGENT=PHONE_UA,
        REMOTE_ADDR="203.113.1.10",
    )
    request.COOKIES = Untouchable()
    request.session = request.user = NoSession()
    response = collect.collect(request)
    assert response.status_code == 204
    assert not response.cookies and "Set-Cookie" not in response


def test_the_beacon_works_cross_site_and_gives_no_cookie_back(client, agency, staff):
    """Through the whole stack, from a reader's browser that is signed in to the admin in another tab."""
    story = make_story(section=section_of(agency))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff[Role.EDITOR])
    response = browser.post(
        "/_r/e",
        data=json.dumps(pageview(story)),
        content_type="text/plain;charset=UTF-8",
        HTTP_HOST=agency.site.hostname,
        HTTP_USER_AGENT=PHONE_UA,
        HTTP_ORIGIN="https://other-site.example",
        REMOTE_ADDR="203.113.1.10",
    )
    assert response.status_code == 204 and not response.cookies


def test_the_exempt_partner_endpoints_ignore_the_session(agency, staff):
    channel = Channel.objects.create(
        agency=agency, kind=ChannelKind.WEBHOOK, name="Đối tác", credentials={"secret": "bi-mat-doi-tac"}
    )
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff[Role.MANAGER])
    figures = browser.post(
        reverse("analytics_platform_figures", args=[channel.pk]),
        data=json.dumps({"figures": []}),
        content_type="application/json",
    )
    assert figures.status_code == 401  # unsigned: a signed-in manager's cookie counts for nothing
    panel = browser.get(reverse("analytics_api", args=["overview"]))
    assert panel.status_code == 401 and "Bearer" in panel["WWW-Authenticate"]
