"""Open redirects: every view that takes the address to go to from the request (`next`) stays on this site.

The addresses below are what browsers read as another site: absolute URLs, scheme-relative ones, and the
backslash, whitespace and userinfo tricks that slip past a naive "starts with /" check.
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse

from newsroom.models import Role
from tests.distribution.test_admin_channels import make_channel
from tests.distribution.test_admin_deliveries import make_delivery
from tests.factories import PASSWORD, make_story, section_of

pytestmark = pytest.mark.django_db

HOST = "testserver"
OFF_SITE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "\\/evil.example/",
    " //evil.example/",
    "/\t/evil.example/",
    "https:evil.example",
    "https://testserver@evil.example/",
    "javascript:alert(document.domain)//",
    "data:text/html,<script>alert(1)</script>",
]


def lands_on(location: str) -> tuple[str, str]:
    """(scheme, host) a browser on this site goes to for a Location header: it strips leading spaces and
    control characters, drops tabs and newlines, reads a backslash as a slash and extra slashes as two
    (WHATWG URL standard)."""
    cleaned = location.lstrip("".join(chr(n) for n in range(33)))
    cleaned = cleaned.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    # In http(s) URLs, any number of slashes before the host counts as two ("///evil.example").
    cleaned = re.sub(r"^((?:https?:)?)/{2,}", r"\1//", cleaned, flags=re.IGNORECASE)
    target = urlsplit(urljoin(f"http://{HOST}/admin/login/", cleaned))
    return target.scheme, target.hostname or ""


def assert_stays(response) -> None:
    assert response.status_code in (301, 302, 303), response.status_code
    scheme, host = lands_on(response["Location"])
    assert (scheme, host) in {("http", HOST), ("https", HOST)}, response["Location"]


def test_the_check_itself_sees_every_address_as_off_site():
    for url in OFF_SITE:
        assert lands_on(url) != ("http", HOST), url
    assert lands_on("/admin/pages/") == ("http", HOST)


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_admin_login_ignores_an_off_site_next(client, staff, target):
    response = client.post(
        reverse("wagtailadmin_login"),
        {"username": staff[Role.REPORTER].username, "password": PASSWORD, "next": target},
    )
    assert_stays(response)
    assert response.wsgi_request.user.is_authenticated  # it signed in; only the destination was refused


def test_the_admin_login_follows_a_next_on_this_site(client, staff):
    response = client.post(
        reverse("wagtailadmin_login"),
        {"username": staff[Role.REPORTER].username, "password": PASSWORD, "next": "/admin/pages/"},
    )
    assert response["Location"] == "/admin/pages/"


def test_the_login_form_keeps_next_as_an_inert_value(client):
    page = client.get(reverse("wagtailadmin_login"), {"next": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)</script>" not in page


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_ignores_an_off_site_next(client, target):
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert_stays(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_ignores_an_off_site_referer(client, target):
    response = client.post(reverse("set_language"), {"language": "en"}, HTTP_REFERER=target)
    assert_stays(response)


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_two_factor_steps_ignore_an_off_site_next(client, staff, target):
    client.force_login(staff[Role.REPORTER])  # no authenticator: the code step sends them straight on
    assert_stays(client.get(reverse("newsroom_accounts:verify"), {"next": target}))


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_delivery_retry_ignores_an_off_site_next(client, agency, staff, target):
    delivery = make_delivery(
        make_channel(agency), story=make_story(section=section_of(agency), publish=False)
    )
    client.force_login(staff[Role.EDITOR])
    response = client.post(reverse("distribution_deliveries:retry", args=[delivery.pk]), {"next": target})
    assert_stays(response)
    assert response["Location"] == reverse("distribution_deliveries:failed")


@pytest.mark.parametrize("target", OFF_SITE)
def test_signing_out_ignores_an_off_site_next(client, staff, target):
    client.force_login(staff[Role.EDITOR])
    assert_stays(client.post(reverse("wagtailadmin_logout"), {"next": target}))
