"""/metrics (newsroom/metrics.py): who may read it, request counts by route, and the database's figures,
each read back through prometheus_client's own text parser."""

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from distribution.models import Channel, Delivery, DeliveryState
from newsroom.models import BackupRecord, BackupState, WorkerHeartbeat
from newsroom.tasks import publish_scheduled
from tests.factories import get_page

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TOKEN = "c2b4e6f8a0-metrics-token"


def scrape(client, **extra) -> dict[str, list]:
    """Every sample of a scrape, by family name (as the parser names them: counters without _total)."""
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    families = text_string_to_metric_families(response.content.decode())
    return {family.name: family.samples for family in families}


def value(families, family: str, sample: str | None = None, **labels) -> float | None:
    """The value of the sample named `sample` (default: the family's name) with exactly these labels."""
    for candidate in families.get(family, []):
        if candidate.name == (sample or family) and candidate.labels == labels:
            return candidate.value
    return None


def test_metrics_answer_local_requests_and_a_bearer_token_only(client, settings):
    assert client.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    outsider = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics", **outsider).status_code == 404
    # Through a reverse proxy on this machine the address is the proxy's: never enough.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 404
    # No token set: a bearer is refused, not compared with "".
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", **outsider).status_code == 403

    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **outsider).status_code == 200
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer guessed", HTTP_ACCEPT_LANGUAGE="en", **outsider)
    assert wrong.status_code == 403
    assert wrong.content.decode() == "The metrics token is not valid."
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}", **outsider).status_code == 403

    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "2001:db8::1"]
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="2001:db8::1").status_code == 200
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is no longer listed
    assert client.get("/metrics", REMOTE_ADDR="10.20.30.40", HTTP_X_REAL_IP="10.20.30.40").status_code == 404


def test_requests_are_counted_by_route_and_status_class_never_by_path(client, agency):
    before = scrape(client)
    catalog = {"method": "GET", "route": "javascript-catalog", "status": "2xx"}
    missing = {"method": "GET", "route": "wagtail_serve", "status": "4xx"}
    assert client.get("/jsi18n/").status_code == 200
    assert client.get("/jsi18n/").status_code == 200
    assert get_page(client, agency, "/no-such-story-7f3a9c/").status_code == 404
    assert client.generic("BREW", "/jsi18n/").status_code == 405

    after = scrape(client)
    requests = "newsroom_http_requests"
    assert (
        value(after, requests, f"{requests}_total", **catalog)
        == (value(before, requests, f"{requests}_total", **catalog) or 0) + 2
    )
    assert (
        value(after, requests, f"{requests}_total", **missing)
        == (value(before, requests, f"{requests}_total", **missing) or 0) + 1
    )
    assert value(
        after, requests, f"{requests}_total", method="other", route="javascript-catalog", status="4xx"
    )
    latency = "newsroom_http_request_duration_seconds"
    assert value(after, latency, f"{latency}_count", route="javascript-catalog") >= 3
    label_values = {v for samples in after.values() for sample in samples for v in sample.labels.values()}
    assert not any("7f3a9c" in label for label in label_values)


def test_deliveries_by_state_and_channel_kind_match_the_database(client, agency):
    zalo = Channel.objects.create(agency=agency, name="Zalo OA", kind="zalo")
    telegram = Channel.objects.create(agency=agency, name="Kênh Telegram", kind="telegram")
    made = [
        (zalo, DeliveryState.DELIVERED),
        (zalo, DeliveryState.DELIVERED),
        (zalo, DeliveryState.FAILED),
        (telegram, DeliveryState.RETRYING),
        (telegram, DeliveryState.PENDING),
        (telegram, DeliveryState.PENDING),
        (telegram, DeliveryState.PENDING),
    ]
    for channel, state in made:
        Delivery.objects.create(story_title="Tin", channel=channel, action="publish", state=state)

    families = scrape(client)
    for kind in ("zalo", "telegram", "facebook"):
        for state in DeliveryState.values:
            expected = Delivery.objects.filter(channel__kind=kind, state=state).count()
            assert value(families, "newsroom_deliveries", state=state, channel_kind=kind) == expected
    assert value(families, "newsroom_deliveries", state="pending", channel_kind="telegram") == 3
    assert value(families, "newsroom_metrics_database_up") == 1


def test_readership_ingest_refusals_are_counted_by_reason(client):
    from analytics.models import IngestCount

    yesterday = timezone.localdate() - timedelta(days=1)
    IngestCount.objects.create(day=date(2026, 1, 5), reason="malformed", count=4)
    IngestCount.objects.create(day=yesterday, reason="malformed", count=2)
    IngestCount.objects.create(day=yesterday, reason="rate_limited", count=7)
    # And one refused for real by the beacon's endpoint.
    assert client.post("/_r/e", data="{not json", content_type="text/plain").status_code == 400

    families = scrape(client)
    rejected = "newsroom_readership_ingest_rejected"
    assert value(families, rejected, f"{rejected}_total", reason="malformed") == 7
    assert value(families, rejected, f"{rejected}_total", reason="rate_limited") == 7


def test_task_queue_depth_by_state_and_the_oldest_ready_tasks_age(client, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DB_TASKS
    waiting = publish_scheduled.enqueue()
    DBTaskResult.objects.filter(pk=waiting.id).update(enqueued_at=timezone.now() - timedelta(seconds=90))
    publish_scheduled.enqueue()
    publish_scheduled.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    for status in ("RUNNING", "FAILED", "SUCCESSFUL", "SUCCESSFUL"):
        DBTaskResult.objects.filter(pk=publish_scheduled.enqueue().id).update(status=status)

    families = scrape(client)
    depth = {
        state: value(families, "newsroom_tasks", state=state)
        for state in ("ready", "scheduled", "running", "failed", "successful")
    }
    assert depth == {"ready": 2, "scheduled": 1, "running": 1, "failed": 1, "successful": 2}
    assert 90 <= value(families, "newsroom_task_oldest_ready_age_seconds") < 150


def test_worker_heartbeat_and_last_successful_backup(client, settings):
    families = scrape(client)
    assert value(families, "newsroom_workers") == 0
    assert value(families, "newsroom_worker_heartbeat_age_seconds") is None
    assert value(families, "newsroom_backup_last_success_timestamp_seconds") == 0

    now = timezone.now()
    for seconds_ago in (30, settings.HEALTH_WORKER_STALE_SECONDS + 60):
        moment = now - timedelta(seconds=seconds_ago)
        WorkerHeartbeat.objects.create(
            worker_id=f"worker-{seconds_ago}",
            host="worker",
            pid=seconds_ago,
            started_at=moment,
            beat_at=moment,
        )
    succeeded = now - timedelta(hours=5)
    BackupRecord.objects.create(
        started_at=succeeded - timedelta(minutes=3),
        finished_at=succeeded,
        state=BackupState.SUCCEEDED,
        destination="/var/backups/newsroom",
        name="20261124-0300",
    )
    BackupRecord.objects.create(
        started_at=now - timedelta(hours=1),
        finished_at=now,
        state=BackupState.FAILED,
        destination="/var/backups/newsroom",
        name="20261124-0700",
    )

    families = scrape(client)
    assert value(families, "newsroom_workers") == 1
    assert 30 <= value(families, "newsroom_worker_heartbeat_age_seconds") < 60
    assert value(families, "newsroom_backup_last_success_timestamp_seconds") == pytest.approx(
        succeeded.timestamp(), abs=0.001
    )


SERVE_REQUESTS = """
import sys, django
django.setup()
from django.test import Client
client = Client()
for _ in range(int(sys.argv[1])):
    client.get("/jsi18n/", HTTP_HOST="localhost")
"""


def test_several_processes_add_up_in_multiprocess_mode(client, settings, tmp_path):
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {
        key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "ANALYTICS_BUFFER_URL"}
    }
    env.update(
        PROMETHEUS_MULTIPROC_DIR=str(folder),
        DJANGO_SETTINGS_MODULE="newsroom.settings.test",
        # A database of their own that nothing else uses: these processes only answer /jsi18n/.
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", SERVE_REQUESTS, str(count)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for count in (3, 2)
    ]
    for process in processes:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output.decode(errors="replace")
    assert len(list(folder.glob("*.db"))) >= 2  # one file set per process

    settings.PROMETHEUS_MULTIPROC_DIR = str(folder)
    families = scrape(client)
    requests = "newsroom_http_requests"
    served = sum(
        sample.value
        for sample in families[requests]
        if sample.name == f"{requests}_total" and sample.labels["route"] == "javascript-catalog"
    )
    assert served == 5
    latency = "newsroom_http_request_duration_seconds"
    assert value(families, latency, f"{latency}_count", route="javascript-catalog") == 5
    # The database's figures are there too, read by the process that answered.
    assert value(families, "newsroom_metrics_database_up") == 1
