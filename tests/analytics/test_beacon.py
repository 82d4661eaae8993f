"""The readership beacon on the public pages: where its <script> is, what it says, and the script itself."""

import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory
from django.urls import reverse
from wagtail.models import Page

from analytics.ingest import page_token
from analytics.models import Event
from analytics.store import get_store
from analytics.templatetags.analytics_tags import beacon_for
from newsroom.models import Role
from tests.factories import get_page, make_story, make_user, section_of

from .beacon_client import LAPTOP_UA, PHONE_UA, post

pytestmark = pytest.mark.django_db

SCRIPT = Path(finders.find("readers/r.js"))


class ScriptTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "script" and dict(attrs).get("src", "").endswith("/readers/r.js"):
            self.found.append(dict(attrs))


def beacons(response) -> list[dict]:
    parser = ScriptTags()
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def story(agency):
    return make_story(section=section_of(agency), title="Khánh thành cầu Hàn mới")


def test_a_story_carries_the_beacon_with_its_page_token(client, agency, story):
    response = get_page(client, agency, story.url)

    assert response.status_code == 200
    (beacon,) = beacons(response)
    assert beacon["src"] == "/static/readers/r.js"
    assert "defer" in beacon and "async" not in beacon
    assert beacon["data-page"] == str(story.pk)
    assert beacon["data-token"] == page_token(agency.pk, story.pk)
    assert beacon["data-endpoint"] == reverse("analytics_collect") == "/_r/e"
    # The script it names is served, as is.
    script = client.get(beacon["src"])
    assert script.status_code == 200
    assert b"".join(script.streaming_content if script.streaming else [script.content]) == SCRIPT.read_bytes()


def test_the_front_page_and_sections_carry_it_too_but_not_a_missing_page(client, agency):
    home, section = agency.root_page, section_of(agency)

    for page in (home, section):
        (beacon,) = beacons(get_page(client, agency, page.url))
        assert beacon["data-page"] == str(page.pk)
        assert beacon["data-token"] == page_token(agency.pk, page.pk)
    missing = get_page(client, agency, "/khong-co-trang-nay/")
    assert missing.status_code == 404
    assert beacons(missing) == []


def test_what_the_page_says_is_what_collect_accepts(client, agency, story):
    (beacon,) = beacons(get_page(client, agency, story.url))
    view = {
        "k": "pv",
        "p": int(beacon["data-page"]),
        "t": beacon["data-token"],
        "i": "beacon-view-000001",
        "s": 0,
        "r": "https://www.google.com/",
        "u": "",
    }
    assert post(client, agency, view).status_code == 204
    engagement = {"k": "en", "p": view["p"], "t": view["t"], "i": view["i"], "s": 1, "e": 12, "d": 55}
    assert post(client, agency, json.dumps(engagement)).status_code == 204

    get_store().flush()
    events = list(Event.objects.order_by("pk").values_list("kind", "story_id", "section_id", "agency_id"))
    assert events == [
        ("pageview", story.pk, story.section_id, agency.pk),
        ("engagement", story.pk, story.section_id, agency.pk),
    ]


def test_the_tag_is_the_same_for_every_reader(client, agency, story, settings):
    """Cached pages are served to everyone: nothing in the tag may depend on who asked."""
    settings.PAGE_CACHE_SECONDS = 300
    first = get_page(client, agency, story.url, HTTP_USER_AGENT=PHONE_UA, REMOTE_ADDR="203.113.1.10")
    again = get_page(
        client,
        agency,
        story.url,
        HTTP_USER_AGENT=LAPTOP_UA,
        REMOTE_ADDR="14.160.2.20",
        HTTP_REFERER="https://www.facebook.com/",
    )
    assert (first["X-Cache"], again["X-Cache"]) == ("MISS", "HIT")
    settings.PAGE_CACHE_SECONDS = 0
    uncached = get_page(client, agency, story.url, HTTP_USER_AGENT=LAPTOP_UA, REMOTE_ADDR="14.160.2.21")
    assert beacons(first) == beacons(again) == beacons(uncached)
    assert len(beacons(uncached)) == 1


def test_no_beacon_in_previews(agency, story):
    """Editors previewing a story are not readers (Wagtail marks the request `is_preview`)."""
    draft = make_story(section=section_of(agency), publish=False, title="Bản nháp chưa đăng")

    for page in (story, draft):
        response = page.specific.make_preview_request()
        assert response.status_code == 200
        assert page.title in response.content.decode()
        assert beacons(response) == []


def test_no_beacon_in_the_admin(client, agency, story, staff):
    client.force_login(staff[Role.EDITOR])
    for url in (
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_pages:edit", args=[story.pk]),
        reverse("wagtailadmin_explore", args=[story.get_parent().pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"readers/r.js" not in response.content


def test_only_live_pages_of_the_serving_agency_get_a_beacon(rf: RequestFactory, agency, other_agency, story):
    request = rf.get(story.url)
    elsewhere = make_story(section=section_of(other_agency))
    draft = make_story(section=section_of(agency), publish=False)

    assert beacon_for(request=request, page=story, agency=agency) == {
        "page_id": story.pk,
        "token": page_token(agency.pk, story.pk),
    }
    assert beacon_for(request=request, page=elsewhere, agency=agency) is None
    assert beacon_for(request=request, page=draft, agency=agency) is None
    assert beacon_for(request=request, page=story, agency=None) is None
    assert beacon_for(request=request, page=None, agency=agency) is None
    assert beacon_for(request=request, page=Page.get_first_root_node(), agency=agency) is None
    assert beacon_for(request=None, page=story, agency=agency) is None
    request.is_preview = True
    assert beacon_for(request=request, page=story, agency=agency) is None
    assert beacon_for(request=rf.get("/admin/pages/"), page=story, agency=agency) is None


def test_a_staff_member_reading_the_site_gets_the_same_beacon(client, agency, story):
    client.force_login(make_user(username="doc-gia-noi-bo", agency=agency, role=Role.REPORTER))
    (beacon,) = beacons(get_page(client, agency, story.url))
    assert beacon["data-token"] == page_token(agency.pk, story.pk)


def test_the_script_is_small_and_keeps_nothing_on_the_readers_device():
    source = SCRIPT.read_text()
    assert len(gzip.compress(source.encode(), compresslevel=9)) < 2048
    code = re.sub(r"/\*.*?\*/|//[^\n]*", "", source, flags=re.S)  # what runs, without the comments
    for forbidden in ("cookie", "localStorage", "sessionStorage", "indexedDB", "caches.open", "import("):
        assert forbidden not in code, forbidden
    # Nothing from elsewhere: the only address it talks to is the page's own data-endpoint.
    assert re.findall(r"https?:|//[a-z]", code) == []
    assert "tag.dataset.endpoint" in code
    # Plain ES2017: no optional chaining, nullish coalescing or catch without a binding.
    assert "?." not in code and "??" not in code and "catch {" not in code
