"""Audit entries written where things happen: each state change of a delivery (distribution/audit.py, from
the outbox) and each download of the agency's data (the readership, revenue and yearly-report exports, the
archive export command), with who, for which agency, and what."""

import base64
import io

import httpx
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from distribution import outbox
from distribution.models import Channel, Delivery, DeliveryState
from newsroom.audit.describe import describe
from newsroom.models import AuditEntry, Role
from newsroom.services import create_oversight_body
from tests.distribution.standins import STANDINS, Fault
from tests.factories import make_image, make_story, make_user, section_of

pytestmark = pytest.mark.django_db


def entries(action: str, **filters) -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(action=action, **filters).select_related("agency", "user").order_by("pk")
    )


# --- deliveries --------------------------------------------------------------------------------------------
@pytest.fixture
def webhook():
    with STANDINS["webhook"]() as standin:
        yield standin


@pytest.fixture
def http():
    with httpx.Client(timeout=httpx.Timeout(2.0, connect=1.0), follow_redirects=False) as client:
        yield client


def partner(agency, standin, name="Đối tác", **credentials) -> Channel:
    config = standin.channel_config()
    return Channel.objects.create(
        agency=agency,
        kind="webhook",
        name=name,
        base_url=config["base_url"],
        credentials={**config["credentials"], **credentials},
    )


def test_each_state_change_of_a_delivery_is_one_entry_for_the_channels_agency(
    agency, other_agency, staff, webhook, http
):
    partner(agency, webhook)
    reporter = staff[Role.REPORTER]
    story = make_story(section=section_of(agency), owner=reporter, title="Lũ sông Thái Bình")
    webhook.script(Fault.ERROR)
    outbox.drain(client=http)
    Delivery.objects.update(next_attempt_at=timezone.now())
    outbox.drain(client=http)

    queued, retrying, delivered = entries("delivery.changed")
    assert [e.data["state"] for e in (queued, retrying, delivered)] == ["pending", "retrying", "delivered"]
    assert [e.data["attempt"] for e in (queued, retrying, delivered)] == [0, 1, 2]
    assert {e.agency for e in (queued, retrying, delivered)} == {agency}
    assert queued.user == reporter and retrying.user is None  # published by the reporter; then the worker
    assert retrying.data["error"] and "error" not in delivered.data
    delivery = Delivery.objects.get(story=story)
    assert {(e.object_type, e.object_id) for e in (queued, delivered)} == {
        ("distribution.delivery", str(delivery.pk))
    }
    with translation.override("en"):
        told = describe("delivery.changed", retrying.data)
    assert told.startswith("Publish “Lũ sông Thái Bình” → Đối tác: Retrying (attempt 1): ")


def test_a_failure_and_the_editors_retry_are_entries_with_the_editor_and_address(
    client, agency, staff, webhook, http
):
    wrong = "whsec_" + base64.b64encode(b"not-the-partners-key-0123456789ab").decode()
    partner(agency, webhook, secret=wrong)
    make_story(section=section_of(agency), owner=staff[Role.REPORTER])
    outbox.drain(client=http)
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED

    editor = staff[Role.EDITOR]
    client.force_login(editor)
    response = client.post(
        reverse("distribution_deliveries:retry", args=[delivery.pk]), REMOTE_ADDR="192.0.2.44"
    )

    assert response.status_code == 302
    states = [(e.data["state"], e.user, e.ip_address) for e in entries("delivery.changed")]
    assert states == [
        ("pending", staff[Role.REPORTER], None),
        ("failed", None, None),
        ("pending", editor, "192.0.2.44"),
    ]


def test_unpublishing_cancels_what_never_went_out_each_an_entry(agency, staff, webhook):
    partner(agency, webhook)
    story = make_story(section=section_of(agency), owner=staff[Role.REPORTER])
    story.title = "Bản sửa"
    story.save_revision(user=staff[Role.EDITOR]).publish()  # an update, waiting behind the publication
    story.unpublish(user=staff[Role.EDITOR_IN_CHIEF])

    written = entries("delivery.changed")
    states = [(e.data["action"], e.data["state"]) for e in written]
    assert states == [
        ("publish", "pending"),
        ("update", "pending"),
        ("publish", "cancelled"),  # never tried, so never landed: no takedown to send
        ("update", "cancelled"),
    ]
    assert {e.data["error"] for e in written[2:]} == {gettext("Cancelled: the story was unpublished.")}
    assert {e.agency for e in written} == {agency}


def test_the_worker_pays_one_insert_per_delivery_and_no_lookup(agency, staff, webhook, http):
    partner(agency, webhook)
    make_story(section=section_of(agency), owner=staff[Role.REPORTER])
    [delivery] = outbox.claim(worker="thu")
    assert "agency" in delivery.channel._state.fields_cache  # claimed with its agency: no lookup to write
    with CaptureQueriesContext(connection) as captured:
        outbox.process(delivery, client=http)
    audit = [query["sql"] for query in captured if "newsroom_auditentry" in query["sql"]]
    assert len(audit) == 1 and audit[0].lstrip().upper().startswith("INSERT")


# --- exports -----------------------------------------------------------------------------------------------
def test_a_readership_export_is_recorded_with_panel_and_period(client, agency, staff):
    manager = staff[Role.MANAGER]
    client.force_login(manager)
    response = client.get(
        reverse("analytics_readership_export", args=["stories"]),
        {"from": "2026-04-01", "to": "2026-04-30"},
        REMOTE_ADDR="192.0.2.10",
    )
    assert response.status_code == 200
    [entry] = entries("export.downloaded")
    assert (entry.agency, entry.user, entry.ip_address) == (agency, manager, "192.0.2.10")
    assert entry.data == {
        "export": "readership",
        "panel": "stories",
        "format": "csv",
        "from": "2026-04-01",
        "to": "2026-04-30",
    }


def test_a_revenue_export_is_recorded_with_its_year(client, agency, staff):
    client.force_login(staff[Role.MANAGER])
    assert client.get(reverse("analytics_revenue_export"), {"year": "2025"}).status_code == 200
    [entry] = entries("export.downloaded")
    assert entry.agency == agency and entry.data == {"export": "revenue", "format": "csv", "year": 2025}


def test_a_yearly_report_download_is_recorded_for_each_agency_it_covers(client, agency, other_agency):
    body = create_oversight_body(name="Sở TT&TT", kind="province", agencies=[agency, other_agency])
    officer = make_user(username="so.tttt")
    officer.groups.add(body.group)
    client.force_login(officer)
    url = reverse("analytics_strategy_report", kwargs={"body_id": body.pk, "year": "2025", "fmt": "csv"})
    assert client.get(url).status_code == 200
    written = entries("export.downloaded")
    assert {entry.agency for entry in written} == {agency, other_agency}
    assert all(entry.user == officer and entry.object_repr == body.name for entry in written)
    assert written[0].data == {"export": "strategy_report", "format": "csv", "year": 2025, "body": body.name}


def test_the_archive_export_command_is_recorded_with_the_machine_account(agency, tmp_path):
    make_image(agency=agency, title="Ảnh lũ")
    call_command(
        "archive_export", str(tmp_path / "xuat"), "--agency", agency.short_name, stdout=io.StringIO()
    )
    [entry] = entries("export.downloaded")
    assert entry.agency == agency and entry.user is None
    assert entry.data["export"] == "archive" and entry.data["assets"] == 1
    assert entry.data["destination"] == str((tmp_path / "xuat").resolve()) and "@" in entry.data["run_by"]
