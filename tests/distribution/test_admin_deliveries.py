"""The delivery log and its failed list: per agency, filtered, newest first, and a retry for failures."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import PageLogEntry

from distribution.models import Delivery, DeliveryAction, DeliveryState
from newsroom.models import Role
from tests.distribution.test_admin_channels import EXTRA, make_channel, outcome, speaks_english
from tests.factories import make_story, make_user, section_of

pytestmark = pytest.mark.django_db

INDEX = reverse("distribution_deliveries:index")
FAILED = reverse("distribution_deliveries:failed")


def make_delivery(channel, *, story=None, state=DeliveryState.FAILED, **fields):
    fields.setdefault("action", DeliveryAction.PUBLISH)
    fields.setdefault("attempts", 8 if state == DeliveryState.FAILED else 0)
    if state == DeliveryState.FAILED:
        fields.setdefault("last_error", "HTTP 400: Zalo từ chối bài viết")
    return Delivery.objects.create(
        story=story,
        story_title=fields.pop("story_title", story.title if story else "Tin đã xoá"),
        channel=channel,
        state=state,
        **fields,
    )


@pytest.fixture
def other_manager(other_agency):
    return make_user(username="soctrang-quanly", agency=other_agency, role=Role.MANAGER)


@pytest.fixture
def failed(agency):
    channel = make_channel(agency)
    story = make_story(section=section_of(agency), publish=False, title="Lũ trên sông Thái Bình")
    return make_delivery(channel, story=story)


EXPECTED = {
    Role.REPORTER: {"index": "refused", "failed": "refused", "retry": "refused"},
    Role.EDITOR: {"index": "shown", "failed": "shown", "retry": "done"},
    Role.EDITOR_IN_CHIEF: {"index": "shown", "failed": "shown", "retry": "done"},
    Role.MANAGER: {"index": "shown", "failed": "shown", "retry": "done"},
    "other_manager": {"index": "shown", "failed": "shown", "retry": "hidden"},
    "anonymous": {"index": "login", "failed": "login", "retry": "login"},
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_role_matrix_of_the_delivery_screens(client, staff, other_manager, failed, who):
    user = {"other_manager": other_manager, "anonymous": None}[who] if who in EXTRA else staff[who]
    if user:
        client.force_login(user)
    seen = {name: outcome(client.get(url)) for name, url in {"index": INDEX, "failed": FAILED}.items()}
    response = client.post(reverse("distribution_deliveries:retry", args=[failed.pk]), {"next": FAILED})
    failed.refresh_from_db()
    seen["retry"] = "done" if failed.state == DeliveryState.PENDING else outcome(response)
    assert seen == EXPECTED[who]
    if who == "other_manager":
        assert failed.story_title not in client.get(INDEX).content.decode()
        assert failed.story_title not in client.get(FAILED).content.decode()


def test_retry_puts_a_failed_delivery_back_in_the_outbox_and_logs_it_on_the_story(client, staff, failed):
    editor = speaks_english(staff[Role.EDITOR])
    client.force_login(editor)
    with translation.override("en"):
        response = client.post(reverse("distribution_deliveries:retry", args=[failed.pk]), {"next": FAILED})
        assert response.status_code == 302 and response["Location"] == FAILED
        failed.refresh_from_db()
        assert (failed.state, failed.attempts, failed.requested_by) == (DeliveryState.PENDING, 0, editor)
        assert failed.next_attempt_at <= timezone.now()
        entry = PageLogEntry.objects.get(page=failed.story, action="distribution.retry")
        assert entry.user == editor and entry.data["channel"] == failed.channel.name
        with translation.override("en"):  # the request activated its own language; read the entry in English
            assert "retried" in entry.message
        assert "will be sent to" in client.get(FAILED).content.decode()


def test_retry_needs_a_post_and_only_retries_failures(client, staff, agency, failed):
    client.force_login(staff[Role.EDITOR])
    url = reverse("distribution_deliveries:retry", args=[failed.pk])
    assert client.get(url).status_code == 405
    delivered = make_delivery(failed.channel, story=failed.story, state=DeliveryState.DELIVERED)
    client.post(reverse("distribution_deliveries:retry", args=[delivered.pk]))
    delivered.refresh_from_db()
    assert delivered.state == DeliveryState.DELIVERED


def test_retry_checks_the_csrf_token(staff, failed):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff[Role.EDITOR])
    response = client.post(reverse("distribution_deliveries:retry", args=[failed.pk]))
    assert response.status_code == 403
    failed.refresh_from_db()
    assert failed.state == DeliveryState.FAILED


def test_the_failed_list_offers_a_retry_button_that_works_with_its_csrf_token(staff, failed):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff[Role.EDITOR])
    html = client.get(FAILED).content.decode()
    action = reverse("distribution_deliveries:retry", args=[failed.pk])
    assert f'action="{action}"' in html
    token = html.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post(action, {"csrfmiddlewaretoken": token, "next": FAILED})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == DeliveryState.PENDING


def test_rows_show_story_channel_state_error_next_attempt_and_post_link(client, staff, agency, failed):
    retrying = make_delivery(
        failed.channel,
        story=failed.story,
        state=DeliveryState.RETRYING,
        action=DeliveryAction.UPDATE,
        attempts=2,
        last_error="HTTP 503",
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )
    make_delivery(
        failed.channel,
        story=failed.story,
        state=DeliveryState.DELIVERED,
        remote_url="https://oa.zalo.me/bai-viet/123",
    )
    client.force_login(speaks_english(staff[Role.EDITOR]))
    with translation.override("en"):
        response = client.get(INDEX)
    html = response.content.decode()
    rows = list(response.context["object_list"])
    assert rows[-1] == failed and rows[1] == retrying  # newest first
    assert reverse("wagtailadmin_pages:edit", args=[failed.story.pk]) in html
    assert "distribution-state--failed" in html and "distribution-state--retrying" in html
    assert "Zalo từ chối bài viết" in html
    assert 'href="https://oa.zalo.me/bai-viet/123"' in html
    assert html.count('class="distribution-retry"') == 1  # only the failed row


def test_filters_by_state_channel_action_date_and_story_title(client, staff, agency, other_agency, failed):
    other_channel = make_channel(agency, "Telegram", kind="telegram")
    old = make_delivery(
        other_channel,
        story_title="Tin cũ về bão",
        state=DeliveryState.DELIVERED,
        action=DeliveryAction.TAKE_DOWN,
        created_at=timezone.now() - timedelta(days=40),
    )
    foreign = make_channel(other_agency, "Kênh Sóc Trăng")
    client.force_login(staff[Role.EDITOR])

    def listed(**query):
        return list(client.get(INDEX, query).context["object_list"])

    assert listed() == [failed, old]
    assert listed(state="failed") == [failed]
    assert listed(channel=other_channel.pk) == [old]
    assert listed(action="take_down") == [old]
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert listed(created_at_from=since) == [failed]
    assert listed(q="sông thái") == [failed]
    offered = client.get(INDEX).context["filters"].form.fields["channel"].queryset
    assert foreign not in offered and other_channel in offered


def test_the_log_is_paginated(client, staff, failed):
    for n in range(35):
        make_delivery(failed.channel, story_title=f"Tin {n}", state=DeliveryState.DELIVERED)
    client.force_login(staff[Role.EDITOR])
    first = client.get(INDEX)
    assert len(first.context["object_list"]) == 30
    assert len(client.get(INDEX, {"p": 2}).context["object_list"]) == 6


def test_the_failed_list_shows_failures_only_and_the_menu_counts_them(client, staff, failed):
    make_delivery(failed.channel, story=failed.story, state=DeliveryState.DELIVERED)
    make_delivery(failed.channel, story_title="Tin hỏng thứ hai")
    client.force_login(speaks_english(staff[Role.EDITOR]))
    with translation.override("en"):
        response = client.get(FAILED)
        assert {row.state for row in response.context["object_list"]} == {DeliveryState.FAILED}
        assert len(response.context["object_list"]) == 2
        assert "Failed (2)" in client.get("/admin/").content.decode()


def test_a_retry_from_filtered_results_comes_back_to_the_filtered_list(client, staff, failed):
    client.force_login(staff[Role.EDITOR])
    results = reverse("distribution_deliveries:failed_results")
    html = client.get(results, {"channel": failed.channel.pk, "_w_filter_fragment": "1"}).content.decode()
    assert f'name="next" value="{FAILED}?channel={failed.channel.pk}"' in html
