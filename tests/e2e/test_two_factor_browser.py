"""Two-factor sign-in in a real browser: a reporter sets it up from their account page (the secret read off
the page, the code computed here by RFC 6238), signs out, and signs in again with password and code."""

from base64 import b32decode
from urllib.parse import urlparse

import pytest
from wagtail.models import Site

from newsroom.accounts import two_factor
from newsroom.models import AuditEntry, Role
from tests.e2e.conftest import screenshot
from tests.factories import PASSWORD, make_agency, make_user
from tests.newsroom.test_accounts_two_factor import code_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def reporter(asgi_live_server):
    url = urlparse(asgi_live_server.url)
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương", hostname=url.hostname, port=url.port)
    Site.objects.filter(pk=agency.site.pk).update(is_default_site=True)
    return make_user(username="hd-phongvien", agency=agency, role=Role.REPORTER)


def sign_in_with_password(page, base_url, user):
    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.login-form button[type=submit]")


def test_set_up_sign_out_and_sign_in_with_the_code(asgi_live_server, reporter, laptop):
    base = asgi_live_server.url
    page = laptop
    sign_in_with_password(page, base, reporter)
    page.wait_for_url(f"{base}/admin/")

    # Account → More actions → Two-factor sign-in → Set up.
    page.goto(f"{base}/admin/account/")
    page.click("#tab-label-actions")
    page.click('a[href="/admin/two-factor/"]')
    page.wait_for_url(f"{base}/admin/two-factor/")
    page.click('a[href="/admin/two-factor/setup/"]')
    page.wait_for_url(f"{base}/admin/two-factor/setup/")
    assert page.locator(".nr-accounts__qr svg").is_visible()
    screenshot(page, "two-factor-setup")

    secret = page.get_attribute("[data-secret]", "data-secret")
    shown = page.inner_text(".nr-accounts__secret").replace(" ", "")
    assert shown == secret
    page.fill("input[name=code]", code_for(b32decode(secret)))
    page.click("form.login-form button[type=submit]")
    codes = page.locator(".nr-accounts__codes code")
    codes.first.wait_for()
    assert codes.count() == 10
    page.click(".nr-accounts__aside a.button")
    page.wait_for_url(f"{base}/admin/")
    assert two_factor.has_authenticator(reporter)

    # Signing out through the admin's own menu.
    page.click(".sidebar-footer__account")
    page.click('.sidebar-footer form[action="/admin/logout/"] button, button:has-text("Đăng xuất")')
    page.wait_for_url(f"{base}/admin/login/")

    sign_in_with_password(page, base, reporter)
    page.wait_for_url(f"{base}/admin/two-factor/verify/**")
    assert page.locator("input[name=code]").get_attribute("autocomplete") == "one-time-code"
    screenshot(page, "two-factor-verify")
    # The app's next code: the one used for the set-up is never accepted twice.
    page.fill("input[name=code]", code_for(two_factor.authenticator(reporter), steps_ahead=1))
    page.click("form.login-form button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    assert page.locator(".sidebar-footer__account").is_visible()

    actions = list(AuditEntry.objects.filter(user=reporter).order_by("pk").values_list("action", flat=True))
    assert actions == ["auth.login", "2fa.enrolled", "auth.logout", "auth.login", "2fa.verified"]
