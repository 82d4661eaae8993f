"""Two-factor sign-in (newsroom/accounts): enforced per agency, the code after the password through the real
sign-in form, codes computed with django-otp's own TOTP, and the staff endpoints that refuse a session still
owing its code. Set-up, removal and the manager's reset are in test_accounts_manage.py."""

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.http import Http404
from django.test import Client, RequestFactory
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from archive.media_serving import serve_media
from newsroom.accounts import two_factor
from newsroom.models import AuditEntry, Role
from tests.analytics.test_realtime import socket_for as readership_socket_for
from tests.factories import PASSWORD, make_user
from tests.newsroom.test_live_events import socket_for

LOGIN = "/admin/login/"
VERIFY = "/admin/two-factor/verify/"
SETUP = "/admin/two-factor/setup/"
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
AJAX = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}
RECOVERY_CODES = ["abcd2345", "efgh6723", "ijkl4567"]

# Wholly transactional (the sockets need committed rows): under xdist a file that mixes kinds would leave
# the database flushed for the files after it.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def sign_in(client, user, *, password=PASSWORD, address="127.0.0.1", next="/admin/"):
    """The password step, through Wagtail's real sign-in form."""
    data = {"username": user.username, "password": password, "next": next}
    return client.post(LOGIN, data, REMOTE_ADDR=address, **ENGLISH)


def enrol(user) -> TOTPDevice:
    """An authenticator app and recovery codes for `user`, as the set-up leaves them."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    codes = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=codes, token=token) for token in RECOVERY_CODES])
    return device


def code_for(device_or_key, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or so many 30-second steps later), by RFC 6238."""
    key = device_or_key if isinstance(device_or_key, bytes) else device_or_key.bin_key
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enter_code(client, code, *, address="127.0.0.1", next="/admin/"):
    return client.post(VERIFY, {"code": code, "next": next}, REMOTE_ADDR=address, **ENGLISH)


def actions(**filters) -> list[str]:
    return list(AuditEntry.objects.filter(**filters).order_by("pk").values_list("action", flat=True))


def allow_next_try(device) -> None:
    """Move the last wrong code's time back past django-otp's pause, instead of sleeping."""
    device.refresh_from_db()
    device.throttling_failure_timestamp -= timedelta(minutes=5)
    device.save(update_fields=["throttling_failure_timestamp"])


@pytest.fixture
def strict_agency(agency):
    agency.require_two_factor = True
    agency.save()
    return agency


# --- who must -----------------------------------------------------------------------------------------
def test_required_where_the_agency_enforces_it_and_not_elsewhere(client, strict_agency, other_agency):
    reporter = make_user(username="hd-pv", agency=strict_agency, role=Role.REPORTER)
    elsewhere = make_user(username="st-pv", agency=other_agency, role=Role.REPORTER)
    both = make_user(username="ca-hai", agency=other_agency, role=Role.EDITOR)
    strict_agency.group_for(Role.EDITOR).user_set.add(both)

    assert list(two_factor.enforced_agencies()) == [strict_agency]
    assert two_factor.required_for(reporter) and two_factor.required_for(both)
    assert not two_factor.required_for(elsewhere)

    # Staff of the agency that does not require it go straight in after the password.
    assert sign_in(client, elsewhere)["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200

    # Staff of the one that does, with no authenticator yet, are sent to set one up, from every admin page.
    other = Client()
    assert sign_in(other, reporter)["Location"] == "/admin/"
    for path in ("/admin/", "/admin/account/", "/admin/images/", "/admin/two-factor/"):
        response = other.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{SETUP}?next="), path
    page = other.get(SETUP, **ENGLISH)
    assert page.status_code == 200
    assert "Two-factor sign-in is required by Báo Hải Dương" in page.content.decode()


def test_superusers_by_setting(client, settings):
    admin = make_user(username="quantri", is_superuser=True, is_staff=True)
    settings.TWO_FACTOR_REQUIRED_FOR_SUPERUSERS = False
    sign_in(client, admin)
    assert client.get("/admin/").status_code == 200
    client.logout()

    settings.TWO_FACTOR_REQUIRED_FOR_SUPERUSERS = True
    assert two_factor.required_for(admin)
    sign_in(client, admin)
    assert client.get("/admin/")["Location"].startswith(SETUP)


def test_someone_who_set_it_up_themselves_is_asked_too(client, agency):
    editor = make_user(agency=agency, role=Role.EDITOR)
    device = enrol(editor)
    assert not two_factor.required_for(editor) and two_factor.needs_second_factor(editor)

    assert sign_in(client, editor)["Location"] == "/admin/"
    response = client.get("/admin/account/")
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2Faccount%2F"
    page = client.get(response["Location"], **ENGLISH).content.decode()
    assert "type the 6-digit code it shows for" in page

    answer = enter_code(client, code_for(device), next="/admin/account/")
    assert answer.status_code == 302 and answer["Location"] == "/admin/account/"
    assert client.get("/admin/account/").status_code == 200
    assert actions(user=editor) == ["auth.login", "2fa.verified"]
    assert AuditEntry.objects.get(user=editor, action="auth.login").data == {"second_factor": "pending"}


# --- the code -----------------------------------------------------------------------------------------
def test_wrong_and_replayed_codes_are_refused(client, agency):
    reporter = make_user(agency=agency, role=Role.REPORTER)
    device = enrol(reporter)
    sign_in(client, reporter)

    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    refused = enter_code(client, wrong)
    assert refused.status_code == 200
    assert "That code is not right, or it has been used already." in refused.content.decode()
    # Right after a wrong one, django-otp makes the device wait before it takes another.
    too_soon = enter_code(client, code_for(device))
    assert "Too many wrong codes in a row: wait 1 second," in too_soon.content.decode()
    assert client.get("/admin/").status_code == 302

    allow_next_try(device)
    code = code_for(device)
    assert enter_code(client, code).status_code == 302
    assert client.get("/admin/").status_code == 200

    # Signed out and in again, the same code is not taken twice; the app's next code is.
    client.logout()
    sign_in(client, reporter)
    replayed = enter_code(client, code)
    assert "has been used already" in replayed.content.decode()
    allow_next_try(device)
    assert enter_code(client, code_for(device, steps_ahead=1)).status_code == 302
    assert client.get("/admin/").status_code == 200
    assert actions(user=reporter, action__startswith="2fa.") == [
        "2fa.failed",
        "2fa.failed",
        "2fa.verified",
        "2fa.failed",
        "2fa.verified",
    ]


def test_a_recovery_code_works_once(client, agency):
    editor = make_user(agency=agency, role=Role.EDITOR)
    enrol(editor)
    sign_in(client, editor)
    page = client.get(f"{VERIFY}?recovery=1&next=/admin/", **ENGLISH).content.decode()
    assert "Type one of the recovery codes" in page and 'inputmode="numeric"' not in page

    assert enter_code(client, "ABCD-2345").status_code == 302  # as printed, in capitals: still the code
    home = client.get("/admin/", **ENGLISH)
    assert home.status_code == 200 and "You have 2 recovery codes left" in home.content.decode()
    entry = AuditEntry.objects.get(user=editor, action="2fa.recovery_used")
    assert entry.data == {"recovery_codes_left": 2}

    client.logout()
    sign_in(client, editor)
    assert "has been used already" in enter_code(client, "abcd2345").content.decode()
    assert client.get("/admin/").status_code == 302


def test_the_next_address_must_stay_on_this_site(client, agency):
    editor = make_user(agency=agency, role=Role.EDITOR)
    device = enrol(editor)
    sign_in(client, editor)
    assert enter_code(client, code_for(device), next="https://evil.example/")["Location"] == "/admin/"


# --- staff endpoints outside the admin's pages --------------------------------------------------------
def test_staff_endpoints_refuse_a_session_that_owes_its_code(client, settings, strict_agency):
    reporter = make_user(agency=strict_agency, role=Role.REPORTER)
    device = enrol(reporter)
    sign_in(client, reporter)

    desk = client.get("/admin/filing/api/desk/", **AJAX, **ENGLISH)
    assert desk.status_code == 403
    assert desk.json() == {"error": "Confirm your sign-in with your two-factor code first, in the admin."}
    upload = client.post(
        "/archive/tus/",
        content_type="",
        HTTP_TUS_RESUMABLE="1.0.0",
        HTTP_UPLOAD_LENGTH="10",
        HTTP_UPLOAD_METADATA="filename YS5qcGc=",
        **ENGLISH,
    )
    assert upload.status_code == 403 and "two-factor code" in upload.json()["error"]

    # Originals in the media folder (served by Django with `make run`) are for staff who passed it.
    Path(settings.MEDIA_ROOT, "original_images").mkdir()
    Path(settings.MEDIA_ROOT, "original_images", "anh.jpg").write_bytes(b"JPEG")
    original = RequestFactory().get("/media/original_images/anh.jpg")
    original.user, original.session = reporter, client.session
    with pytest.raises(Http404):
        serve_media(original, "original_images/anh.jpg", document_root=settings.MEDIA_ROOT)

    enter_code(client, code_for(device))
    assert client.get("/admin/filing/api/desk/", **AJAX).status_code == 200
    original.session = client.session
    served = serve_media(original, "original_images/anh.jpg", document_root=settings.MEDIA_ROOT)
    assert served.status_code == 200


def test_the_staff_sockets_refuse_a_session_that_owes_its_code(strict_agency):
    editor = make_user(agency=strict_agency, role=Role.EDITOR)
    device = enrol(editor)
    client = Client()
    sign_in(client, editor)

    def connect(path: str) -> tuple[bool, int | None]:
        cookie = f"sessionid={client.cookies['sessionid'].value}"  # a verified sign-in gets a new key

        async def scenario():
            socket = readership_socket_for(cookie) if path == "readership" else socket_for(cookie)
            connected, code = await socket.connect()
            await socket.disconnect()
            return connected, code

        return async_to_sync(scenario)()

    assert connect("newsroom") == (False, 4403)
    assert connect("readership") == (False, 4403)
    enter_code(client, code_for(device))
    assert connect("newsroom")[0] is True
    assert connect("readership")[0] is True


def test_the_verified_session_key_changes(client, agency):
    editor = make_user(agency=agency, role=Role.EDITOR)
    device = enrol(editor)
    sign_in(client, editor)
    before = client.cookies["sessionid"].value
    enter_code(client, code_for(device))
    assert client.cookies["sessionid"].value != before


def test_agency_edit_form_turns_enforcement_on(client, agency):
    admin = make_user(username="quantri", is_superuser=True, is_staff=True)
    client.force_login(admin)
    url = f"/admin/agencies/edit/{agency.pk}/"
    page = client.get(url).content.decode()
    assert re.search(r'name="require_two_factor"', page)
    data = {
        "name": agency.name,
        "kind": agency.kind,
        "licence_number": "",
        "governing_body": "",
        "province": "",
        "language": "vi",
        "require_two_factor": "on",
    }
    assert client.post(url, data).status_code == 302
    agency.refresh_from_db()
    assert agency.require_two_factor
