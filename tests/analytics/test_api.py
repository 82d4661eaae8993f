"""The readership JSON API: bearer keys, the owner's agencies, dates, and every panel's figures."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.models import ApiToken
from newsroom.models import Role
from newsroom.services import create_oversight_body
from tests.analytics.conftest import at_noon
from tests.factories import make_story, make_user, section_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def week():
    today = timezone.localdate()
    return {"from": (today - timedelta(days=7)).isoformat(), "to": (today - timedelta(days=1)).isoformat()}


@pytest.fixture
def read(agency, other_agency, events):
    """`agency`'s story read 6 times this week (3 days ago, 4 readers, 20 s and 40 % each) and twice the week
    before; `other_agency`'s story 5 times this week."""
    story = make_story(section=section_of(agency), title="Giá vải thiều tăng")
    events(
        story,
        at=at_noon(3),
        views=6,
        visitors=4,
        engaged_seconds=20,
        scroll=40,
        referrer_class="social",
        referrer_host="facebook.com",
    )
    events(story, at=at_noon(9), views=2)
    events(make_story(section=section_of(other_agency), title="Lúa mùa Sóc Trăng"), at=at_noon(2), views=5)
    return story


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def api(panel: str) -> str:
    return reverse("analytics_api", args=[panel])


def test_keys_are_required_and_checked(client, agency, week):
    user = make_user(agency=agency, role=Role.MANAGER)
    token, key = ApiToken.issue(user=user, name="Bảng tính")
    for headers in ({}, bearer("nr_not-a-key"), {"HTTP_AUTHORIZATION": f"Token {key}"}, bearer("")):
        response = client.get(api("overview"), week, HTTP_ACCEPT_LANGUAGE="en", **headers)
        assert response.status_code == 401
        assert response.json() == {"error": "Send a valid API key: Authorization: Bearer <key>."}
        assert response["WWW-Authenticate"].startswith("Bearer")
    response = client.get(api("overview"), week, **bearer(key))
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    token.refresh_from_db()
    assert token.last_used_at is not None

    token.revoke()
    assert client.get(api("overview"), week, **bearer(key)).status_code == 401
    _token, other_key = ApiToken.issue(user=user, name="Khác")
    user.is_active = False
    user.save()
    assert client.get(api("overview"), week, **bearer(other_key)).status_code == 401


def test_a_session_is_not_a_key(client, agency, week):
    client.force_login(make_user(agency=agency, role=Role.MANAGER))
    assert client.get(api("overview"), week).status_code == 401


def test_errors_are_json_and_translated(client, agency, other_agency, week):
    _token, key = ApiToken.issue(user=make_user(agency=agency, role=Role.EDITOR), name="k")
    cases = [
        (
            api("overview"),
            {"from": "2026-02-30", "to": "2026-03-01"},
            400,
            "“2026-02-30” is not a date; write it as YYYY-MM-DD.",
        ),
        (
            api("overview"),
            {"from": "2026-03-02", "to": "2026-03-01"},
            400,
            "The start date is after the end date.",
        ),
        (
            api("overview"),
            {"from": "2023-01-01", "to": "2026-03-01"},
            400,
            "The range is longer than two years; choose a shorter one.",
        ),
        (
            api("overview"),
            {**week, "agency": other_agency.pk},
            404,
            f"There is no agency {other_agency.pk} among yours.",
        ),
        (api("overview"), {**week, "agency": "999999"}, 404, "There is no agency 999999 among yours."),
        (api("visitors-by-moon"), week, 404, "There is no panel “visitors-by-moon”."),
    ]
    for url, params, status, message in cases:
        response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="en", **bearer(key))
        assert (response.status_code, response.json()) == (status, {"error": message})
        assert response["Content-Type"] == "application/json"
    posted = client.post(api("overview"), {}, HTTP_ACCEPT_LANGUAGE="en", **bearer(key))
    assert posted.status_code == 405 and posted.json() == {"error": "Only GET is allowed."}
    # Vietnamese by default: the answer is in the language the request asks for.
    vietnamese = client.get(
        api("overview"), {"from": "x", "to": "y"}, HTTP_ACCEPT_LANGUAGE="vi", **bearer(key)
    )
    assert vietnamese.status_code == 400 and vietnamese["Content-Language"] == "vi"


def test_an_owner_who_sees_no_agency_is_refused(client, agency, week):
    _token, key = ApiToken.issue(user=make_user(username="khong-toa-soan"), name="k")
    response = client.get(api("overview"), week, HTTP_ACCEPT_LANGUAGE="en", **bearer(key))
    assert response.status_code == 403 and response.json() == {
        "error": "You work for no agency and oversee none."
    }


def test_overview_and_daily_figures(client, agency, other_agency, read, week):
    _token, key = ApiToken.issue(user=make_user(agency=agency, role=Role.REPORTER), name="k")
    data = client.get(api("overview"), week, **bearer(key)).json()
    assert data["panel"] == "overview" and (data["from"], data["to"]) == (week["from"], week["to"])
    assert data["agencies"] == [{"id": agency.pk, "name": agency.name}]
    (row,) = data["rows"]
    assert row == {
        "agency_id": agency.pk,
        "agency": agency.name,
        "pageviews": 6,
        "visitors": 4,
        "engaged_seconds_per_view": 20.0,
        "scroll_depth": 40.0,
        "previous_pageviews": 2,
        "previous_visitors": 2,
        "previous_engaged_seconds_per_view": 0.0,
        "previous_scroll_depth": 0.0,
        "pageviews_change": 200.0,
        "visitors_change": 100.0,
        "engaged_seconds_per_view_change": None,
        "scroll_depth_change": None,
    }
    assert "total" not in data
    daily = client.get(api("daily"), week, **bearer(key)).json()["rows"]
    assert len(daily) == 7 and sum(day["pageviews"] for day in daily) == 6
    three_days_ago = (timezone.localdate() - timedelta(days=3)).isoformat()
    assert [day for day in daily if day["pageviews"]] == [
        {
            "date": three_days_ago,
            "pageviews": 6,
            "visitors": 4,
            "engaged_seconds_per_view": 20.0,
            "scroll_depth": 40.0,
        }
    ]


def test_breakdown_panels(client, agency, read, week):
    _token, key = ApiToken.issue(user=make_user(agency=agency, role=Role.EDITOR), name="k")
    stories = client.get(api("stories"), week, **bearer(key)).json()["rows"]
    assert stories == [
        {
            "key": str(read.pk),
            "label": "Giá vải thiều tăng",
            "pageviews": 6,
            "visitors": 4,
            "engaged_seconds_per_view": 20.0,
            "scroll_depth": 40.0,
            "url": read.get_full_url(),
            "admin_url": f"http://testserver/admin/pages/{read.pk}/edit/",
        }
    ]
    referrers = client.get(api("referrers"), week, HTTP_ACCEPT_LANGUAGE="en", **bearer(key)).json()["rows"]
    assert [(r["label"], r["pageviews"]) for r in referrers] == [("facebook.com", 6)]
    # Engagement events carry their page view's source, so referrers have engaged time and scroll too.
    assert set(referrers[0]) == {
        "key",
        "label",
        "pageviews",
        "visitors",
        "engaged_seconds_per_view",
        "scroll_depth",
    }
    sources = client.get(api("sources"), week, HTTP_ACCEPT_LANGUAGE="en", **bearer(key)).json()["rows"]
    assert [(r["key"], r["label"], r["pageviews"]) for r in sources] == [("social", "Social", 6)]
    channels = client.get(api("channels"), week, HTTP_ACCEPT_LANGUAGE="en", **bearer(key)).json()["rows"]
    assert [(r["key"], r["label"], r["pageviews"]) for r in channels] == [("web", "The agency's website", 6)]
    for panel in ("sections", "authors", "formats", "campaigns", "devices"):
        assert client.get(api(panel), week, **bearer(key)).status_code == 200


def test_oversight_key_reads_each_agency_and_the_total(client, agency, other_agency, read, week):
    body = create_oversight_body(name="Sở TT&TT", kind="province", agencies=[agency, other_agency])
    inspector = make_user(username="thanh-tra")
    inspector.groups.add(body.group)
    _token, key = ApiToken.issue(user=inspector, name="k")
    data = client.get(api("overview"), week, HTTP_ACCEPT_LANGUAGE="en", **bearer(key)).json()
    assert {row["agency"]: row["pageviews"] for row in data["rows"]} == {agency.name: 6, other_agency.name: 5}
    assert data["total"]["pageviews"] == 11 and data["total"]["agency"] == "Total"
    narrowed = client.get(api("stories"), {**week, "agency": other_agency.pk}, **bearer(key)).json()
    assert [row["label"] for row in narrowed["rows"]] == ["Lúa mùa Sóc Trăng"]
    assert narrowed["agencies"] == [{"id": other_agency.pk, "name": other_agency.name}]


def test_realtime_and_production_panels(client, agency, events, week):
    story = make_story(section=section_of(agency), title="Bão số 3 đổ bộ")
    events(story, at=timezone.now() - timedelta(minutes=2), views=3, visitors=2)
    events(story, at=timezone.now() - timedelta(minutes=8), views=4)
    _token, key = ApiToken.issue(user=make_user(agency=agency, role=Role.EDITOR), name="k")
    live = client.get(api("realtime"), **bearer(key)).json()
    assert live["type"] == "realtime" and live["total"] == 2 and live["readers"] == {str(agency.pk): 2}
    assert live["stories"] == [
        {"id": story.pk, "title": "Bão số 3 đổ bộ", "agency_id": agency.pk, "readers": 2}
    ]
    today = timezone.localdate().isoformat()
    production = client.get(api("production"), {"from": today, "to": today}, **bearer(key)).json()
    assert production["published"] == 1
    assert production["by_section"] == [
        {"section_id": story.section_id, "title": section_of(agency).title, "stories": 1}
    ]
    assert set(production["filing_to_publication"]) == {"count", "median_minutes", "p90_minutes"}
