"""The collect endpoint: what it stores, what it refuses, and that it keeps nothing personal."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation

from analytics import ingest, visitors
from analytics.models import Event, IngestCount, ReferrerClass, Salt
from analytics.store import get_store
from newsroom.models import SectionPage
from tests.factories import make_author, make_story, section_of

from .beacon_client import LAPTOP_UA, PHONE_UA, engagement, pageview, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_salts():
    """Salts are remembered in the process; the database rows of an earlier test were rolled back."""
    visitors._salts.clear()


@pytest.fixture
def story(agency):
    story = make_story(section=section_of(agency), format="video")
    author, second = make_author(agency=agency), make_author(agency=agency)
    story.authors.set([author, second])
    story.save_revision().publish()
    story.lead_author = author
    return story


def stored() -> list[Event]:
    get_store().flush()
    return list(Event.objects.order_by("pk"))


def counts() -> dict[str, int]:
    return dict(IngestCount.objects.values_list("reason", "count"))


def test_a_page_view_and_its_engagement_are_stored_under_the_story(client, agency, story):
    view = pageview(story, referrer="https://www.google.com/search?q=hai+duong", query="?utm_campaign=tet")
    assert post(client, agency, view).status_code == 204
    assert post(client, agency, engagement(view, sequence=1, seconds=15, scroll=40)).status_code == 204
    assert post(client, agency, engagement(view, sequence=2, seconds=7, scroll=35)).status_code == 204

    first, *engagements = stored()
    assert (first.kind, first.agency_id, first.story_id, first.section_id) == (
        "pageview",
        agency.pk,
        story.pk,
        story.section_id,
    )
    assert first.author_id == story.lead_author.pk
    assert first.format == "video"
    assert first.device == "mobile"
    assert (first.referrer_class, first.referrer_host, first.utm_campaign) == ("search", "google.com", "tet")
    assert [(e.engaged_seconds, e.scroll) for e in engagements] == [(15, 40), (7, 35)]
    # Engagement is filed under the page view's source, so engaged time can be read by source.
    assert {(e.referrer_class, e.referrer_host, e.utm_campaign) for e in engagements} == {
        ("search", "google.com", "tet")
    }
    assert {e.visitor for e in [first, *engagements]} == {first.visitor}


def test_section_and_home_pages_count_for_the_agency(client, agency):
    section = section_of(agency)
    assert post(client, agency, pageview(section, agency=agency)).status_code == 204
    assert post(client, agency, pageview(agency.root_page, agency=agency)).status_code == 204
    section_view, home_view = stored()
    assert (section_view.section_id, section_view.story_id) == (section.pk, None)
    assert (home_view.section_id, home_view.story_id, home_view.agency_id) == (None, None, agency.pk)
    assert isinstance(section, SectionPage)


def test_nothing_personal_is_kept_and_no_cookie_is_set(client, agency, story):
    response = post(client, agency, pageview(story), ip="198.51.100.77")
    assert response.status_code == 204
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]
    event = stored()[0]
    values = [str(getattr(event, field.attname)) for field in Event._meta.concrete_fields]
    assert not any("198.51.100.77" in value or "Android" in value for value in values)


def test_one_reader_is_one_visitor_today_and_another_tomorrow(agency):
    site_id = agency.site.pk
    noon = timezone.make_aware(datetime(2026, 11, 20, 12, 0))
    same = [visitors.visitor(user_agent=PHONE_UA, ip="203.113.1.10", site_id=site_id, now=noon) for _ in "ab"]
    other_reader = visitors.visitor(user_agent=LAPTOP_UA, ip="203.113.1.10", site_id=site_id, now=noon)
    next_day = visitors.visitor(
        user_agent=PHONE_UA, ip="203.113.1.10", site_id=site_id, now=noon + timedelta(days=1)
    )
    assert same[0] == same[1]
    assert len({same[0], other_reader, next_day}) == 3


def test_a_visit_across_midnight_keeps_its_visitor(agency):
    site_id = agency.site.pk
    late = timezone.make_aware(datetime(2026, 11, 20, 23, 50))
    reader = {"user_agent": PHONE_UA, "ip": "203.113.1.10", "site_id": site_id}
    before = visitors.visitor(**reader, now=late)
    assert visitors.visitor(**reader, now=late + timedelta(minutes=20)) == before
    # A reader first seen after midnight gets today's number; so does everyone after the first half hour.
    newcomer = visitors.visitor(**{**reader, "ip": "203.113.9.9"}, now=late + timedelta(minutes=20))
    assert newcomer == visitors.number(
        salt=visitors.salt_for(late.date() + timedelta(days=1)), **{**reader, "ip": "203.113.9.9"}
    )
    assert visitors.visitor(**reader, now=late + timedelta(minutes=50)) != before


def test_salts_older_than_two_days_are_deleted(agency):
    now = timezone.make_aware(datetime(2026, 11, 20, 9, 0))
    for days in range(4):
        visitors.salt_for((now - timedelta(days=days)).date())
    assert visitors.delete_old_salts(now=now) == 2
    assert sorted(Salt.objects.values_list("day", flat=True)) == [
        (now - timedelta(days=1)).date(),
        now.date(),
    ]


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/131.0 Safari/537.36",
        "coccocbot-web/1.0 (+http://help.coccoc.com/searchengine)",
        "python-requests/2.32.3",
        "",
    ],
)
def test_bots_are_dropped_and_counted(client, agency, story, user_agent):
    assert post(client, agency, pageview(story), user_agent=user_agent).status_code == 204
    assert stored() == []
    assert counts() == {"bot": 1}


def test_automated_browsers_that_say_so_are_dropped(client, agency, story):
    assert post(client, agency, {**pageview(story), "w": 1}).status_code == 204
    assert stored() == []
    assert counts() == {"bot": 1}


def test_global_privacy_control_is_honoured(client, agency, story):
    assert post(client, agency, pageview(story), HTTP_SEC_GPC="1").status_code == 204
    assert stored() == []
    assert counts() == {"gpc": 1}


def test_a_replayed_event_is_refused(client, agency, story):
    view = pageview(story)
    assert post(client, agency, view).status_code == 204
    assert post(client, agency, view).status_code == 409
    more = engagement(view, sequence=1, seconds=5, scroll=10)
    assert post(client, agency, more).status_code == 204
    assert post(client, agency, more).status_code == 409
    assert len(stored()) == 2
    assert counts() == {"replayed": 2}


def test_an_engagement_without_its_page_view_is_refused(client, agency, story):
    view = pageview(story)
    assert post(client, agency, engagement(view, sequence=1, seconds=5, scroll=10)).status_code == 409
    assert stored() == []
    assert counts() == {"orphan": 1}


def test_forged_events_are_refused(client, agency, other_agency, story):
    draft = make_story(section=section_of(agency), publish=False)
    other_story = make_story(section=section_of(other_agency))
    cases = [
        {**pageview(story), "t": "A" * 16},  # a made-up token
        {**pageview(story), "p": story.pk + 1000},  # a page that does not exist
        pageview(draft, agency=agency),  # a draft, not on the site
    ]
    for payload in cases:
        assert post(client, agency, payload).status_code == 403
    # A story of another agency, with its own valid token, posted to this agency's site.
    assert post(client, agency, pageview(other_story)).status_code == 403
    assert stored() == []
    assert counts() == {"forged": 4}


@pytest.mark.parametrize(
    ("payload", "status", "reason"),
    [
        (b"x" * 5000, 413, "oversized"),
        (b"{not json", 400, "malformed"),
        (b"[1, 2]", 400, "malformed"),
        (b"[" * 2000 + b"]" * 2000, 400, "malformed"),
        (b'{"k": "click"}', 400, "malformed"),
        (b"\xff\xfe\x00", 400, "malformed"),
    ],
)
def test_bad_bodies_are_refused_and_counted(client, agency, payload, status, reason):
    assert post(client, agency, payload).status_code == status
    assert counts() == {reason: 1}
    assert stored() == []


def test_out_of_range_fields_are_refused(client, agency, story):
    view = pageview(story)
    assert post(client, agency, view).status_code == 204
    for bad in [
        engagement(view, sequence=1, seconds=-1, scroll=0),
        engagement(view, sequence=1, seconds=99999, scroll=0),
        engagement(view, sequence=1, seconds=5, scroll=101),
        engagement(view, sequence=0, seconds=5, scroll=1),
        {**engagement(view, sequence=1, seconds=5, scroll=1), "e": 5.5},
        {**engagement(view, sequence=1, seconds=5, scroll=1), "e": True},
        {**pageview(story), "i": "short"},
        {**pageview(story), "r": "x" * 3000},
    ]:
        assert post(client, agency, bad).status_code == 400, bad
    assert len(stored()) == 1


def test_wrong_method_and_content_type(client, agency, story):
    response = client.get("/_r/e", HTTP_HOST=agency.site.hostname)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert (
        post(client, agency, pageview(story), content_type="multipart/form-data; boundary=x").status_code
        == 415
    )
    assert counts() == {"method": 1, "content_type": 1}


def test_each_reader_is_rate_limited(client, agency, story, settings):
    settings.ANALYTICS_RATE_LIMIT_PER_MINUTE = 5
    answers = [post(client, agency, pageview(story)).status_code for _ in range(7)]
    assert answers == [204] * 5 + [429] * 2
    assert post(client, agency, pageview(story), ip="203.113.1.11").status_code == 204
    assert counts() == {"rate_limited": 2}


def test_refusals_are_explained_in_the_readers_language(client, agency, story):
    bad = {**pageview(story), "t": "A" * 16}
    assert post(client, agency, bad).json()["error"] == "Mã trang không khớp với trang."
    with translation.override("en"):
        english = post(client, agency, bad, HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert english == "The page token does not match the page."


def test_the_page_token_is_tied_to_agency_and_page(agency, story):
    token = ingest.page_token(agency.pk, story.pk)
    assert len(token) == 16
    assert token != ingest.page_token(agency.pk, story.pk + 1)
    assert token != ingest.page_token(agency.pk + 1, story.pk)


def test_referrers_are_classed(client, agency, story):
    cases = [
        ("", "", ReferrerClass.DIRECT),
        ("https://www.facebook.com/", "", ReferrerClass.SOCIAL),
        ("", "?utm_source=zalo&utm_medium=social", ReferrerClass.SOCIAL),
        ("https://coccoc.com/search?query=x", "", ReferrerClass.SEARCH),
        ("https://baomoi.com/abc.epi", "", ReferrerClass.PLATFORM),
        ("", "?utm_source=partner&utm_medium=platform", ReferrerClass.PLATFORM),
        (f"http://{agency.site.hostname}/thoi-su/", "", ReferrerClass.INTERNAL),
        ("https://vnexpress.net/", "", ReferrerClass.LINK),
    ]
    for referrer, query, _expected in cases:
        assert post(client, agency, pageview(story, referrer=referrer, query=query)).status_code == 204
    assert [e.referrer_class for e in stored()] == [expected for *_rest, expected in cases]
