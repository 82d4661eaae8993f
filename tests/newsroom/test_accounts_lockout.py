"""Lockout after repeated failed sign-ins (django-axes, newsroom/accounts/lockout.py), through the real
sign-in form: counted by account and address together, refused codes counting too, and the cool-off ended by
moving the recorded attempts back in time rather than by sleeping."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client
from django.utils import timezone

from newsroom.models import AuditEntry, Role
from tests.factories import make_user
from tests.newsroom.test_accounts_two_factor import (
    AJAX,
    ENGLISH,
    allow_next_try,
    code_for,
    enrol,
    enter_code,
    sign_in,
)

pytestmark = pytest.mark.django_db

WRONG = "Khong-phai-mat-khau-1"


def move_failures_back(minutes: int) -> None:
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def wrong_code(device) -> str:
    return f"{(int(code_for(device)) + 500_000) % 1_000_000:06d}"


def test_locked_out_after_the_limit_even_with_the_right_password_until_the_cool_off_ends(client, agency):
    editor = make_user(agency=agency, role=Role.EDITOR)
    for attempt in range(4):
        refused = sign_in(client, editor, password=WRONG)
        assert refused.status_code == 200, attempt  # the sign-in form again, with its error
    locked = sign_in(client, editor, password=WRONG)
    assert locked.status_code == 429

    last_failure = AccessAttempt.objects.get().attempt_time
    until = timezone.localtime(last_failure + timedelta(minutes=15))
    page = locked.content.decode()
    assert f"Try again after {until:%H:%M}." in page and "Sign-in locked" in page
    assert 890 <= int(locked["Retry-After"]) <= 900

    # The right password changes nothing while locked, nor does it push the end of the lockout back.
    assert sign_in(client, editor).status_code == 429
    assert not signed_in(client)
    assert AccessAttempt.objects.get().attempt_time == last_failure

    failed = AuditEntry.objects.filter(action="auth.login_failed", username=editor.username, agency=agency)
    assert failed.count() == 6
    assert [entry.data for entry in failed.order_by("pk")][-2:] == [{}, {"locked_out": True}]
    lockout = AuditEntry.objects.get(action="auth.locked_out")
    assert (lockout.username, lockout.agency, lockout.ip_address) == (editor.username, agency, "127.0.0.1")
    assert lockout.data == {"failures": 5, "minutes": 15}

    move_failures_back(16)
    assert sign_in(client, editor)["Location"] == "/admin/"
    assert signed_in(client)
    assert not AccessAttempt.objects.exists()  # a complete sign-in forgets the failures


def test_one_account_from_one_address_only(settings, agency):
    """Reporters behind one carrier-grade NAT address, and an editor somebody tries to lock out."""
    settings.LOGIN_FAILURE_LIMIT = 2
    editor = make_user(agency=agency, role=Role.EDITOR)
    reporter = make_user(agency=agency, role=Role.REPORTER)
    attacker = Client()
    assert sign_in(attacker, editor, password=WRONG, address="10.0.0.1").status_code == 200
    assert sign_in(attacker, editor, password=WRONG, address="10.0.0.1").status_code == 429

    colleague = Client()  # a colleague on the same mobile network's address
    assert sign_in(colleague, reporter, address="10.0.0.1")["Location"] == "/admin/"
    at_the_desk = Client()  # the editor from the newsroom
    assert sign_in(at_the_desk, editor, address="203.0.113.7")["Location"] == "/admin/"
    assert signed_in(at_the_desk)

    script = attacker.post(
        "/admin/login/",
        {"username": editor.username, "password": WRONG},
        REMOTE_ADDR="10.0.0.1",
        **AJAX,
        **ENGLISH,
    )
    assert script.status_code == 429
    assert script.json()["error"].startswith("Too many failed sign-ins") and script.json()["retry_after"] > 0


def test_wrong_codes_count_as_failed_sign_ins_and_sign_the_person_out(client, agency):
    reporter = make_user(agency=agency, role=Role.REPORTER)
    device = enrol(reporter)
    sign_in(client, reporter)
    for attempt in range(4):
        assert enter_code(client, wrong_code(device)).status_code == 200, attempt
        allow_next_try(device)
    locked = enter_code(client, wrong_code(device))
    assert locked.status_code == 429 and "Try again after" in locked.content.decode()
    assert client.get("/admin/")["Location"].startswith("/admin/login/")  # signed out

    assert sign_in(client, reporter).status_code == 429
    actions = list(AuditEntry.objects.filter(username=reporter.username).values_list("action", flat=True))
    assert actions.count("2fa.failed") == 5 and actions.count("auth.locked_out") == 1


def test_the_right_password_alone_does_not_forget_wrong_codes(client, agency):
    """Someone with the password but not the phone gets five guesses in all, not five per sign-in."""
    reporter = make_user(agency=agency, role=Role.REPORTER)
    device = enrol(reporter)
    sign_in(client, reporter)
    for _ in range(3):
        enter_code(client, wrong_code(device))
        allow_next_try(device)
    client.logout()

    assert sign_in(client, reporter)["Location"] == "/admin/"
    assert enter_code(client, wrong_code(device)).status_code == 200
    allow_next_try(device)
    assert enter_code(client, wrong_code(device)).status_code == 429


def test_the_code_forgets_the_failures(client, agency):
    reporter = make_user(agency=agency, role=Role.REPORTER)
    device = enrol(reporter)
    sign_in(client, reporter, password=WRONG)
    sign_in(client, reporter)
    enter_code(client, wrong_code(device))
    assert AccessAttempt.objects.get().failures_since_start == 2
    allow_next_try(device)
    assert enter_code(client, code_for(device)).status_code == 302
    assert not AccessAttempt.objects.exists()
