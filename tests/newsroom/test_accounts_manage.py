"""Two-factor sign-in's own pages (newsroom/accounts/views.py): set-up with the QR code and the secret, the
recovery codes shown once, new codes and removal each needing a current code, and an agency manager's reset of
a colleague who lost their phone, walled to their own agency."""

import re
from base64 import b32decode

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.accounts import two_factor
from newsroom.models import AuditEntry, Role
from tests.factories import make_user
from tests.newsroom.test_accounts_two_factor import (
    ENGLISH,
    RECOVERY_CODES,
    SETUP,
    allow_next_try,
    code_for,
    enrol,
    enter_code,
    sign_in,
)

pytestmark = pytest.mark.django_db

MANAGE = "/admin/two-factor/"


def verified_client(user, device) -> Client:
    client = Client()
    sign_in(client, user)
    assert enter_code(client, code_for(device)).status_code == 302
    return client


def codes_on(page: str) -> list[str]:
    return re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", page)


def test_the_account_page_offers_two_factor_sign_in(client, agency):
    client.force_login(make_user(agency=agency, role=Role.REPORTER))
    page = client.get("/admin/account/", **ENGLISH).content.decode()
    assert f'href="{MANAGE}"' in page and "Two-factor sign-in" in page


def test_set_up_with_the_secret_then_the_codes_are_shown_once(client, agency):
    agency.require_two_factor = True
    agency.save()
    reporter = make_user(agency=agency, role=Role.REPORTER)
    sign_in(client, reporter)

    page = client.get(f"{SETUP}?next=/admin/images/", **ENGLISH)
    assert "no-store" in page["Cache-Control"]  # the secret is kept by no cache (every admin page)
    html = page.content.decode()
    assert "<svg" in html and 'class="segno"' in html
    secret = re.search(r'data-secret="([A-Z2-7]+)"', html).group(1)
    key = b32decode(secret)
    # A reload shows the same secret: the QR code already scanned stays good.
    assert secret in client.get(SETUP).content.decode()
    pending = TOTPDevice.objects.get(user=reporter)
    assert pending.bin_key == key and not pending.confirmed and "otpauth://" not in html

    wrong = client.post(SETUP, {"code": "000000"}, **ENGLISH)
    assert "That code is not right" in wrong.content.decode()
    assert client.get("/admin/images/")["Location"].startswith(SETUP)

    allow_next_try(pending)
    done = client.post(SETUP, {"code": code_for(key), "next": "/admin/images/"}, **ENGLISH)
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    shown = codes_on(done.content.decode())
    assert len(shown) == 10 and len(set(shown)) == 10
    assert sorted(
        StaticToken.objects.filter(device__user=reporter).values_list("token", flat=True)
    ) == sorted(code.replace("-", "") for code in shown)
    assert 'href="/admin/images/"' in done.content.decode()
    # The set-up confirmed this sign-in: the admin opens, and the codes are not shown again.
    assert client.get("/admin/images/").status_code == 200
    assert TOTPDevice.objects.get(user=reporter).confirmed
    assert client.get(SETUP)["Location"] == MANAGE
    assert not codes_on(client.get(MANAGE, **ENGLISH).content.decode())
    assert AuditEntry.objects.filter(user=reporter, action="2fa.enrolled", agency=agency).count() == 1


def test_new_recovery_codes_need_a_current_code(agency):
    editor = make_user(agency=agency, role=Role.EDITOR)
    device = enrol(editor)
    client = verified_client(editor, device)
    page = client.get(MANAGE, **ENGLISH).content.decode()
    assert "You have 3 recovery codes left." in page

    refused = client.post("/admin/two-factor/recovery-codes/", {"renew-code": "123456"}, **ENGLISH)
    assert refused.status_code == 200 and "That code is not right" in refused.content.decode()
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(RECOVERY_CODES)

    # A recovery code proves it is them as well; the new codes replace every old one.
    renewed = client.post("/admin/two-factor/recovery-codes/", {"renew-code": RECOVERY_CODES[0]}, **ENGLISH)
    shown = codes_on(renewed.content.decode())
    assert len(shown) == 10
    assert not StaticToken.objects.filter(token__in=RECOVERY_CODES).exists()
    assert "2fa.recovery_codes_renewed" in AuditEntry.objects.filter(user=editor).values_list(
        "action", flat=True
    )


def test_turning_it_off_needs_a_current_code_and_where_required_leads_back_to_set_up(agency):
    editor = make_user(agency=agency, role=Role.EDITOR)
    device = enrol(editor)
    client = verified_client(editor, device)

    refused = client.post("/admin/two-factor/remove/", {"remove-code": "000000"}, **ENGLISH)
    assert "That code is not right" in refused.content.decode()
    assert two_factor.has_authenticator(editor)

    allow_next_try(device)
    removed = client.post("/admin/two-factor/remove/", {"remove-code": code_for(device, steps_ahead=1)})
    assert removed["Location"] == MANAGE
    assert not two_factor.has_authenticator(editor) and two_factor.recovery_codes_left(editor) == 0
    assert AuditEntry.objects.filter(user=editor, action="2fa.removed").exists()
    # Not required of them: the admin goes on with the password alone.
    assert client.get("/admin/").status_code == 200

    # Where the agency requires it, removal is how one moves to a new phone: the set-up comes next.
    agency.require_two_factor = True
    agency.save()
    assert client.get("/admin/")["Location"].startswith(SETUP)


# --- the manager's reset ----------------------------------------------------------------------------------
@pytest.fixture
def lost_phones(agency, other_agency):
    """People who lost their phone: a reporter of the manager's agency, one of the other agency, someone in
    both, and a superuser; each with an authenticator."""
    people = {
        "own": make_user(username="hd-pv", agency=agency, role=Role.REPORTER),
        "other": make_user(username="st-pv", agency=other_agency, role=Role.REPORTER),
        "both": make_user(username="hai-noi", agency=agency, role=Role.EDITOR),
        "superuser": make_user(username="quantri", is_superuser=True, is_staff=True),
    }
    other_agency.group_for(Role.EDITOR).user_set.add(people["both"])
    for person in people.values():
        enrol(person)
    return people


def test_a_manager_resets_their_own_agencys_staff_and_nobody_else(client, agency, lost_phones, staff):
    manager = staff[Role.MANAGER]
    client.force_login(manager)
    own = lost_phones["own"]

    listing = client.get("/admin/users/", **ENGLISH).content.decode()
    assert f'href="/admin/two-factor/reset/{own.pk}/"' in listing
    assert f"/admin/two-factor/reset/{lost_phones['both'].pk}/" not in listing

    page = client.get(f"/admin/two-factor/reset/{own.pk}/", **ENGLISH)
    assert page.status_code == 200 and "make sure it is really them asking" in page.content.decode()
    assert client.post(f"/admin/two-factor/reset/{own.pk}/")["Location"] == "/admin/users/"
    assert not two_factor.has_authenticator(own) and two_factor.recovery_codes_left(own) == 0
    entry = AuditEntry.objects.get(action="2fa.removed")
    assert (entry.user, entry.agency, entry.object_id) == (manager, agency, str(own.pk))
    assert entry.data == {"reset_for": own.username}

    # Another agency's staff, someone who also works for another agency, a superuser: as if absent.
    for name in ("other", "both", "superuser"):
        person = lost_phones[name]
        assert client.get(f"/admin/two-factor/reset/{person.pk}/").status_code == 404, name
        assert client.post(f"/admin/two-factor/reset/{person.pk}/").status_code == 404, name
        assert two_factor.has_authenticator(person), name


def test_only_a_manager_or_a_superuser_may_reset(agency, lost_phones, staff):
    own = lost_phones["own"]
    for role in (Role.EDITOR, Role.EDITOR_IN_CHIEF):
        assert not two_factor.may_reset(staff[role], own)
    assert two_factor.may_reset(staff[Role.MANAGER], own)

    admin = lost_phones["superuser"]
    client = verified_client(admin, TOTPDevice.objects.get(user=admin))
    assert client.post(f"/admin/two-factor/reset/{lost_phones['other'].pk}/")["Location"] == "/admin/users/"
    assert not two_factor.has_authenticator(lost_phones["other"])
