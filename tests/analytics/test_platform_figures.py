"""Platform figures: a partner's signed report back (POST /_r/platform/<id>/) and record_figures itself."""

import base64
import json
import time
import uuid
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import rollups
from analytics.models import Dimension, IngestCount, Period, PlatformFigure, Rollup
from analytics.platforms import FigureRefused, record_figures
from distribution.adapters.webhook import signature
from distribution.models import Channel, ChannelKind, Publication
from tests.factories import make_story, section_of

pytestmark = pytest.mark.django_db

SECRET = "whsec_" + base64.b64encode(b"bi-mat-cua-doi-tac-32-byte-dai!!").decode()


@pytest.fixture
def partner(agency):
    """A partner webhook channel of `agency` with two of the agency's stories delivered to it."""
    channel = Channel.objects.create(
        agency=agency, kind=ChannelKind.WEBHOOK, name="Đối tác tin tức", credentials={"secret": SECRET}
    )
    stories = [make_story(section=section_of(agency)) for _ in range(2)]
    for n, story in enumerate(stories, start=1):
        Publication.objects.create(
            story=story,
            story_title=story.title,
            channel=channel,
            remote_id=f"doi-tac-{n}",
            remote_url=f"https://doitac.example.vn/bai/{n}",
        )
    channel.stories = stories
    return channel


def days_ago(n: int):
    return timezone.localdate() - timedelta(days=n)


def post(
    client, channel_id, payload=None, *, body=None, msg_id=None, timestamp=None, secret=SECRET, sign=None
):
    """POST a report signed the Standard Webhooks way, as the partner would."""
    body = body if body is not None else json.dumps(payload).encode()
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    timestamp = int(time.time()) if timestamp is None else timestamp
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign if sign is not None else signature(secret, msg_id, timestamp, body),
    }
    url = reverse("analytics_platform_figures", args=[channel_id])
    # The answer speaks the request's language (English here; Vietnamese is the default).
    headers.setdefault("accept-language", "en")
    return client.post(url, data=body, content_type="application/json", headers=headers)


def counted(reason: str) -> int:
    row = IngestCount.objects.filter(day=timezone.localdate(), reason=reason).first()
    return row.count if row else 0


def test_a_signed_report_is_stored_and_a_later_one_replaces_it(client, partner):
    first, second = partner.stories
    day = days_ago(1).isoformat()
    answer = post(
        client,
        partner.pk,
        {
            "figures": [
                {"id": "doi-tac-1", "date": day, "views": 120, "visitors": 90, "engaged_seconds": 3600},
                {"url": "https://doitac.example.vn/bai/2", "date": day, "views": 7},
            ]
        },
    )
    assert answer.status_code == 200 and answer.json() == {"accepted": 2}
    stored = {figure.remote_id: figure for figure in PlatformFigure.objects.all()}
    assert set(stored) == {"doi-tac-1", "doi-tac-2"}  # a figure named by URL is kept under the remote id
    one = stored["doi-tac-1"]
    assert (one.story_id, one.day.isoformat(), one.views, one.visitors, one.engaged_seconds, one.source) == (
        first.pk,
        day,
        120,
        90,
        3600,
        "webhook",
    )
    assert (stored["doi-tac-2"].story_id, stored["doi-tac-2"].visitors) == (second.pk, None)

    answer = post(client, partner.pk, {"figures": [{"id": "doi-tac-1", "date": day, "views": 150}]})
    assert answer.status_code == 200
    assert PlatformFigure.objects.count() == 2
    replaced = PlatformFigure.objects.get(remote_id="doi-tac-1")
    assert (replaced.views, replaced.visitors, replaced.engaged_seconds) == (150, None, None)


def test_figures_for_an_earlier_day_reach_that_days_rollups(client, partner):
    rollups.refresh()  # the watermark is now; without mark_dirty an earlier day would never be recomputed
    story = partner.stories[0]
    day = days_ago(3)
    answer = post(
        client,
        partner.pk,
        {
            "figures": [
                {
                    "id": "doi-tac-1",
                    "date": day.isoformat(),
                    "views": 40,
                    "visitors": 30,
                    "engaged_seconds": 900,
                }
            ]
        },
    )
    assert answer.status_code == 200
    rollups.refresh()
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    rows = {
        (row.dimension, row.key): (row.pageviews, row.visitors, row.engaged_seconds)
        for row in Rollup.objects.filter(period=Period.DAY, start=start, agency=partner.agency)
    }
    assert rows == {
        (Dimension.TOTAL, ""): (40, 30, 900),
        (Dimension.CHANNEL, f"ch{partner.pk}"): (40, 30, 900),
        (Dimension.STORY, str(story.pk)): (40, 30, 900),
    }


@pytest.mark.parametrize(
    "tamper",
    [
        "wrong secret",
        "body changed",
        "no signature",
        "two signatures both wrong",
        "old",
        "future",
        "bad stamp",
    ],
)
def test_a_report_not_signed_by_the_partner_is_refused_and_counted(client, partner, tamper):
    payload = {"figures": [{"id": "doi-tac-1", "date": days_ago(1).isoformat(), "views": 5}]}
    body = json.dumps(payload).encode()
    now = int(time.time())
    kwargs = {
        "wrong secret": {"secret": "whsec_" + base64.b64encode(b"khong-phai-bi-mat-cua-doi-tac!!!").decode()},
        "body changed": {"sign": signature(SECRET, "msg_1", now, body + b" ")},
        "no signature": {"sign": ""},
        "two signatures both wrong": {"sign": "v1,AAAA v1,BBBB"},
        "old": {"timestamp": now - 301},
        "future": {"timestamp": now + 301},
        "bad stamp": {"timestamp": "soon", "sign": signature(SECRET, "msg_1", now, body)},
    }[tamper]
    kwargs.setdefault("timestamp", now)
    with translation.override("en"):
        answer = post(client, partner.pk, body=body, msg_id="msg_1", **kwargs)
    assert answer.status_code == 401
    assert answer.json()["error"]
    assert counted("platform_signature") == 1
    assert not PlatformFigure.objects.exists()


def test_a_report_signed_a_few_minutes_ago_is_still_taken(client, partner):
    payload = {"figures": [{"id": "doi-tac-1", "date": days_ago(1).isoformat(), "views": 5}]}
    assert post(client, partner.pk, payload, timestamp=int(time.time()) - 240).status_code == 200


def test_any_of_several_signatures_may_match(client, partner):
    payload = {"figures": [{"id": "doi-tac-1", "date": days_ago(1).isoformat(), "views": 5}]}
    body = json.dumps(payload).encode()
    now = int(time.time())
    good = signature(SECRET, "msg_rotating", now, body)
    answer = post(client, partner.pk, body=body, msg_id="msg_rotating", timestamp=now, sign=f"v1,AAAA {good}")
    assert answer.status_code == 200


def test_a_message_id_seen_before_is_refused_as_a_replay(client, partner):
    payload = {"figures": [{"id": "doi-tac-1", "date": days_ago(1).isoformat(), "views": 5}]}
    assert post(client, partner.pk, payload, msg_id="msg_once").status_code == 200
    with translation.override("en"):
        again = post(
            client,
            partner.pk,
            {**payload, "figures": [{**payload["figures"][0], "views": 999}]},
            msg_id="msg_once",
        )
    assert again.status_code == 409 and "already received" in again.json()["error"]
    assert counted("platform_replay") == 1
    assert PlatformFigure.objects.get().views == 5


def test_a_refused_report_does_not_use_up_its_message_id(client, partner):
    payload = {"figures": [{"id": "khong-co", "date": days_ago(1).isoformat(), "views": 5}]}
    assert post(client, partner.pk, payload, msg_id="msg_retry").status_code == 400
    assert post(client, partner.pk, payload, msg_id="msg_retry").status_code == 400  # not 409
    assert counted("platform_replay") == 0 and counted("platform_malformed") == 2


@pytest.mark.parametrize("which", ["unknown", "disabled", "zalo"])
def test_only_an_enabled_partner_channel_takes_reports(client, partner, agency, which):
    if which == "unknown":
        channel_id = partner.pk + 1000
    elif which == "disabled":
        Channel.objects.filter(pk=partner.pk).update(enabled=False)
        channel_id = partner.pk
    else:
        zalo = Channel.objects.create(
            agency=agency, kind=ChannelKind.ZALO, name="Zalo OA", credentials={"secret": SECRET}
        )
        channel_id = zalo.pk
    payload = {"figures": [{"id": "doi-tac-1", "date": days_ago(1).isoformat(), "views": 5}]}
    answer = post(client, channel_id, payload)
    assert answer.status_code == 404 and answer.json()["error"]
    assert counted("platform_channel") == 1
    assert not PlatformFigure.objects.exists()


def test_a_channel_without_a_secret_verifies_nothing(client, partner):
    Channel.objects.filter(pk=partner.pk).update(credentials={})
    payload = {"figures": [{"id": "doi-tac-1", "date": days_ago(1).isoformat(), "views": 5}]}
    assert post(client, partner.pk, payload).status_code == 401
    assert not PlatformFigure.objects.exists()


def test_only_post(client, partner):
    answer = client.get(reverse("analytics_platform_figures", args=[partner.pk]))
    assert answer.status_code == 405 and answer["Allow"] == "POST"
    assert counted("platform_method") == 1


def test_too_large_reports_are_refused(client, partner):
    filler = {
        "figures": [{"id": "doi-tac-1", "date": days_ago(1).isoformat(), "views": 5, "note": "x" * 270_000}]
    }
    assert post(client, partner.pk, filler).status_code == 413
    many = {"figures": [{"id": "doi-tac-1", "date": days_ago(1).isoformat(), "views": 5}] * 1001}
    assert post(client, partner.pk, many).status_code == 413
    assert counted("platform_oversized") == 2
    assert not PlatformFigure.objects.exists()


def bad_item(**change):
    item = {
        "id": "doi-tac-2",
        "date": days_ago(1).isoformat(),
        "views": 10,
        "visitors": 5,
        "engaged_seconds": 60,
    }
    item.update(change)
    return {key: value for key, value in item.items() if value is not KEEP_OUT}


KEEP_OUT = object()


@pytest.mark.parametrize(
    "item, words",
    [
        ("not an object", "must be an object"),
        (bad_item(id=KEEP_OUT), "names no publication"),
        (bad_item(id=""), "“id” must be text"),
        (bad_item(id="x" * 256), "“id” must be text"),
        (bad_item(id="doi-tac-\x001"), "“id” must be text"),
        (bad_item(id="doi-tac-\ud8001"), "“id” must be text"),
        (bad_item(id="khong-co-tren-kenh"), "no publication on this channel has the id"),
        (bad_item(id=KEEP_OUT, url="https://doitac.example.vn/bai/99"), "has the address"),
        (bad_item(date=KEEP_OUT), "YYYY-MM-DD"),
        (bad_item(date="2024-13-01"), "YYYY-MM-DD"),
        (bad_item(date="20240101"), "YYYY-MM-DD"),
        (bad_item(date=20240101), "YYYY-MM-DD"),
        (bad_item(date=(timezone.localdate() + timedelta(days=1)).isoformat()), "in the future"),
        (bad_item(date=days_ago(91).isoformat()), "older than the 90 days kept"),
        (bad_item(views=KEEP_OUT), "“views” must be"),
        (bad_item(views=-1), "“views” must be"),
        (bad_item(views=True), "“views” must be"),
        (bad_item(views=1.5), "“views” must be"),
        (bad_item(views="10"), "“views” must be"),
        (bad_item(views=10**9 + 1), "“views” must be"),
        (bad_item(visitors=11), "“visitors” must be"),
        (bad_item(visitors=-1), "“visitors” must be"),
        (bad_item(engaged_seconds=10 * 86_400 + 1), "“engaged_seconds” must be"),
        (bad_item(engaged_seconds="60"), "“engaged_seconds” must be"),
    ],
)
def test_a_bad_item_refuses_the_whole_report_naming_the_item(client, partner, settings, item, words):
    settings.ANALYTICS_RAW_RETENTION_DAYS = 90
    good = {"id": "doi-tac-1", "date": days_ago(1).isoformat(), "views": 3}
    with translation.override("en"):
        answer = post(client, partner.pk, {"figures": [good, item]})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error.startswith("Item 1") and words in error, error
    assert counted("platform_malformed") == 1
    assert not PlatformFigure.objects.exists()  # the good item 0 neither: all or nothing


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b"[]", b'{"figures": {}}', b'{"figures": []}', b'{"figuur": [1]}', b"null"],
)
def test_a_report_of_the_wrong_shape_is_refused(client, partner, body):
    with translation.override("en"):
        answer = post(client, partner.pk, body=body)
    assert answer.status_code == 400 and answer.json()["error"]
    assert counted("platform_malformed") == 1


FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
items = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "url": json_values,
        "date": json_values | st.dates().map(str),
        "views": json_values,
        "visitors": json_values,
        "engaged_seconds": json_values,
    },
)


@FUZZ
@given(payload=json_values | st.fixed_dictionaries({"figures": st.lists(items | json_values, max_size=5)}))
def test_signed_garbage_never_errors_and_is_never_stored(client, partner, payload):
    answer = post(client, partner.pk, payload)
    assert answer.status_code in (400, 413), answer.content
    assert not PlatformFigure.objects.exists()


def test_record_figures_keeps_the_last_of_two_items_for_the_same_day(partner):
    day = days_ago(2)
    accepted = record_figures(
        channel=partner,
        items=[
            {"id": "doi-tac-1", "date": day, "views": 1},
            {"url": "https://doitac.example.vn/bai/1", "date": day.isoformat(), "views": 2},
        ],
        source="webhook",
    )
    assert accepted == 2
    assert list(PlatformFigure.objects.values_list("remote_id", "views")) == [("doi-tac-1", 2)]


def test_figures_of_a_publication_whose_story_is_gone_still_count_for_the_channel(partner):
    Publication.objects.filter(remote_id="doi-tac-2").update(story=None)
    record_figures(
        channel=partner, items=[{"id": "doi-tac-2", "date": days_ago(1), "views": 4}], source="webhook"
    )
    figure = PlatformFigure.objects.get()
    assert (figure.remote_id, figure.story_id, figure.views) == ("doi-tac-2", None, 4)


def test_record_figures_refusal_names_the_item(partner):
    with translation.override("en"), pytest.raises(FigureRefused) as refused:
        record_figures(
            channel=partner,
            items=[{"id": "doi-tac-1", "date": days_ago(1), "views": 1}, {"id": "doi-tac-1", "views": 1}],
            source="webhook",
        )
    assert refused.value.index == 1 and refused.value.text.startswith("Item 1")
    assert not PlatformFigure.objects.exists()


def test_figures_of_another_channel_are_not_found(partner, agency):
    other = Channel.objects.create(agency=agency, kind=ChannelKind.WEBHOOK, name="Đối tác khác")
    with pytest.raises(FigureRefused):
        record_figures(
            channel=other, items=[{"id": "doi-tac-1", "date": days_ago(1), "views": 1}], source="webhook"
        )
