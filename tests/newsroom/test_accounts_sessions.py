"""Session expiry (newsroom/accounts/sessions.py): idle and absolute, audited, a translated message on the
sign-in page and 401 JSON for scripts; a reporter's autosave is activity, a page's own pings are not. The
clock is "moved" by setting the session's times back."""

import pytest
from django.conf import settings

from newsroom.accounts.sessions import ACTIVE_AT, SIGNED_IN_AT
from newsroom.models import AuditEntry, Role
from tests.factories import make_story, make_user
from tests.newsroom.test_accounts_two_factor import AJAX, ENGLISH
from tests.newsroom.test_filing import draft_json, post

pytestmark = pytest.mark.django_db

MINUTE = 60


def set_back(client, key: str, seconds: int) -> None:
    session = client.session
    session[key] -= seconds
    session.save()


@pytest.fixture
def reporter_signed_in(client, agency):
    reporter = make_user(agency=agency, role=Role.REPORTER)
    client.force_login(reporter)
    assert client.get("/admin/").status_code == 200
    return reporter


def test_an_idle_session_ends_with_a_message_on_the_sign_in_page(client, reporter_signed_in, agency):
    set_back(client, ACTIVE_AT, 61 * MINUTE)
    response = client.get("/admin/images/", **ENGLISH)
    assert response.status_code == 302 and response["Location"] == "/admin/login/?next=/admin/images/"
    page = client.get(response["Location"], **ENGLISH).content.decode()
    assert "You were signed out after 60 minutes without activity. Sign in again." in page

    assert client.get("/admin/")["Location"].startswith("/admin/login/")
    entry = AuditEntry.objects.get(action="auth.session_expired")
    assert (entry.user, entry.agency, entry.data) == (reporter_signed_in, agency, {"reason": "idle"})
    assert not AuditEntry.objects.filter(action="auth.logout").exists()


def test_scripts_get_401_json(client, reporter_signed_in):
    set_back(client, ACTIVE_AT, 61 * MINUTE)
    response = client.get("/admin/filing/api/desk/", **AJAX, **ENGLISH)
    assert response.status_code == 401
    assert response.json() == {
        "error": "You were signed out after 60 minutes without activity. Sign in again."
    }


def test_a_reporters_autosave_is_activity(client, reporter_signed_in, section):
    set_back(client, ACTIVE_AT, 50 * MINUTE)
    assert post(client, "/admin/filing/api/stories/", draft_json(section)).status_code == 201
    set_back(client, ACTIVE_AT, 50 * MINUTE)  # fifty minutes after the autosave, not a hundred
    assert client.get("/admin/").status_code == 200


def test_a_pages_own_refresh_and_presence_pings_are_not_activity(client, agency, section, staff):
    editor = staff[Role.EDITOR]
    client.force_login(editor)
    set_back(client, ACTIVE_AT, 50 * MINUTE)
    before = client.session[ACTIVE_AT]
    assert client.get("/admin/board/columns/").status_code == 200
    story = make_story(section=section, publish=False, owner=editor)
    ping = f"/admin/editing-sessions/ping/wagtailcore/page/{story.pk}/0/"
    assert client.post(ping).status_code == 200
    assert client.session[ACTIVE_AT] == before

    # A ping that reports unsaved changes is someone's work in progress.
    assert client.post(ping, {"is_editing": "1"}).status_code == 200
    assert client.session[ACTIVE_AT] > before


def test_a_session_ends_after_its_absolute_age_however_busy(client, reporter_signed_in):
    set_back(client, SIGNED_IN_AT, settings.SESSION_COOKIE_AGE + MINUTE)
    response = client.get("/admin/", **ENGLISH)
    assert response["Location"] == "/admin/login/?next=/admin/"
    assert "a session lasts at most 12 hours" in client.get(response["Location"], **ENGLISH).content.decode()
    assert AuditEntry.objects.get(action="auth.session_expired").data == {"reason": "absolute"}


def test_idle_expiry_can_be_turned_off(client, settings, reporter_signed_in):
    settings.SESSION_IDLE_MINUTES = 0
    set_back(client, ACTIVE_AT, 10 * 60 * MINUTE)
    assert client.get("/admin/").status_code == 200


def test_a_public_page_is_served_as_to_any_reader(client, reporter_signed_in, agency):
    set_back(client, ACTIVE_AT, 61 * MINUTE)
    site = agency.site
    response = client.get("/", HTTP_HOST=site.hostname, SERVER_PORT=str(site.port))
    assert response.status_code == 200
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_a_form_sent_after_expiry_does_not_come_back_to_a_post_only_address(client, reporter_signed_in):
    set_back(client, ACTIVE_AT, 61 * MINUTE)
    assert client.post("/admin/logout/")["Location"] == "/admin/login/"
