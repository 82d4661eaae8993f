"""The full-page cache in front of the public sites."""

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory

from newsroom.middleware import PageCacheMiddleware
from tests.conftest import clear_own_keys
from tests.factories import get_page, make_story, make_user, section_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60
    clear_own_keys(caches["pages"])
    yield caches["pages"]
    clear_own_keys(caches["pages"])


def test_second_request_is_served_from_the_cache_without_queries(client, agency, django_assert_num_queries):
    story = make_story(section=section_of(agency), title="Tin nóng")

    miss = get_page(client, agency, "/")
    with django_assert_num_queries(0):
        hit = get_page(client, agency, "/")

    assert miss.status_code == hit.status_code == 200
    assert miss["X-Cache"] == "MISS" and hit["X-Cache"] == "HIT"
    assert hit.content == miss.content and story.title in hit.content.decode()
    assert hit["Content-Type"] == miss["Content-Type"]


def test_head_shares_the_get_entry(client, agency):
    get_page(client, agency, "/")

    response = client.head("/", HTTP_HOST=agency.site.hostname, SERVER_PORT=str(agency.site.port))

    assert response.status_code == 200 and response["X-Cache"] == "HIT"


def test_cache_is_off_when_page_cache_seconds_is_zero(client, settings, agency):
    settings.PAGE_CACHE_SECONDS = 0

    get_page(client, agency, "/")
    response = get_page(client, agency, "/")

    assert "X-Cache" not in response


def test_entries_are_kept_apart_by_host_path_query_and_language(client, agency, other_agency):
    section = section_of(agency)
    get_page(client, agency, "/")

    assert get_page(client, other_agency, "/")["X-Cache"] == "MISS"
    assert get_page(client, agency, section.url)["X-Cache"] == "MISS"
    assert get_page(client, agency, "/", data={"page": 1})["X-Cache"] == "MISS"
    assert get_page(client, agency, "/", HTTP_ACCEPT_LANGUAGE="en")["X-Cache"] == "MISS"
    assert get_page(client, agency, "/")["X-Cache"] == "HIT"


def test_entries_are_kept_apart_by_port(client, agency):
    site = agency.site
    get_page(client, agency, "/")

    other_port = client.get("/", HTTP_HOST=site.hostname, SERVER_PORT="8080")

    assert other_port["X-Cache"] == "MISS"


def test_publishing_clears_the_cache(client, agency):
    section = section_of(agency)
    get_page(client, agency, "/")
    assert get_page(client, agency, "/")["X-Cache"] == "HIT"

    story = make_story(section=section, title="Tin vừa đăng")

    response = get_page(client, agency, "/")
    assert response["X-Cache"] == "MISS" and story.title in response.content.decode()


def test_unpublishing_clears_the_cache(client, agency):
    story = make_story(section=section_of(agency), title="Tin sẽ gỡ")
    assert story.title in get_page(client, agency, "/").content.decode()

    story.unpublish()

    response = get_page(client, agency, "/")
    assert response["X-Cache"] == "MISS" and story.title not in response.content.decode()


def test_signed_in_staff_are_never_served_or_stored(client, agency):
    get_page(client, agency, "/")
    client.force_login(make_user())

    first = get_page(client, agency, "/")
    second = get_page(client, agency, "/")

    assert "X-Cache" not in first and "X-Cache" not in second


def test_a_session_cookie_bypasses_the_cache(client, agency, settings):
    get_page(client, agency, "/")
    client.cookies[settings.SESSION_COOKIE_NAME] = "anything"

    assert "X-Cache" not in get_page(client, agency, "/")


def test_admin_and_documents_are_never_cached(client, agency):
    for path in ("/admin/login/", "/documents/1/x.pdf"):
        get_page(client, agency, path)
        assert "X-Cache" not in get_page(client, agency, path), path


def test_errors_are_not_stored(client, agency):
    assert get_page(client, agency, "/khong-co-trang-nay/").status_code == 404
    assert get_page(client, agency, "/khong-co-trang-nay/")["X-Cache"] == "MISS"


def test_responses_that_set_cookies_or_are_private_are_not_stored(page_cache):
    def with_cookie(request):
        response = HttpResponse("xin chào")
        response.set_cookie("theo-doi", "1")
        return response

    def private(request):
        return HttpResponse("riêng", headers={"Cache-Control": "private"})

    for view in (with_cookie, private):
        middleware = PageCacheMiddleware(view)
        request = RequestFactory().get("/trang/")
        assert middleware(request)["X-Cache"] == "MISS"
        assert middleware(RequestFactory().get("/trang/"))["X-Cache"] == "MISS", view.__name__
