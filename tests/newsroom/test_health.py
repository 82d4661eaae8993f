"""/healthz (newsroom/health.py) against real components: the test database, Redis (a throwaway redis-server
that is frozen and then killed), the default storage (a folder, an unwritable one, a moto S3 bucket), an
Elasticsearch stand-in speaking its HTTP API, and the worker's heartbeat written by a real
`manage.py newsroom_worker` process."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from newsroom.health import check_storage, run_checks
from newsroom.management.commands.newsroom_worker import BEAT_SECONDS
from newsroom.models import WorkerHeartbeat
from newsroom.tasks import publish_scheduled
from tests.archive.conftest import s3_server, s3_storage  # noqa: F401 (fixtures)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
REDIS_SERVER = Path("/usr/bin/redis-server")
# The heartbeat and task rows must be committed for the checks' own threads (own connections) to see them.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Wholly transactional: under xdist a file that mixes kinds would leave the database flushed for the next.
pytestmark = transactional


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthz(client) -> tuple[int, dict]:
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response.status_code, response.json()


def beat(seconds_ago: float = 0) -> WorkerHeartbeat:
    moment = timezone.now() - timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(
        worker_id=f"worker-host:{int(seconds_ago)}",
        host="worker-host",
        pid=4242,
        started_at=moment,
        beat_at=moment,
    )


@pytest.fixture(autouse=True)
def _roomy_time_box(settings):
    """A busy test machine can take seconds to open a connection or import a client: checks get room
    enough, except in the tests of the time box itself."""
    settings.HEALTH_CHECK_TIMEOUT_SECONDS = 10


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = DB_TASKS
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects


def test_everything_up_answers_200_with_each_checks_state_and_latency(client, db_tasks):
    beat()
    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    body = response.json()
    expected = {"database", "channel_layer", "storage", "worker"} | (
        {"redis"} if settings.REDIS_URL else set()
    )
    assert body["status"] == "ok"
    assert set(body["checks"]) == expected
    for check in body["checks"].values():
        assert check["state"] == "ok" and "reason" not in check
        assert 0 <= check["latency_ms"] < settings.HEALTH_CHECK_TIMEOUT_SECONDS * 1000
    # For load balancers: never cached, no cookie; and nothing about the machines behind it.
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert not response.cookies
    text = response.content.decode()
    assert "127.0.0.1" not in text and "redis://" not in text and "postgres" not in text
    assert client.post("/healthz").status_code == 405


def test_a_check_that_hangs_is_reported_as_timed_out_at_the_deadline(settings):
    settings.HEALTH_CHECK_TIMEOUT_SECONDS = 0.5
    started = time.monotonic()
    results = run_checks({"stuck": lambda: time.sleep(5), "quick": lambda: None})
    assert time.monotonic() - started < 1.5
    assert (results["stuck"].state, results["stuck"].reason) == ("fail", "timed out")
    assert results["quick"].state == "ok"


@pytest.fixture
def throwaway_redis():
    """A redis-server of this test's own on a free port, stopped at the end whatever state it is left in."""
    if not REDIS_SERVER.exists():
        pytest.skip(f"{REDIS_SERVER} is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield process, f"redis://127.0.0.1:{port}/0"
    process.send_signal(signal.SIGCONT)
    process.kill()
    process.wait()


def test_a_frozen_then_stopped_redis_is_reported_within_the_time_box(client, settings, throwaway_redis):
    process, url = throwaway_redis
    settings.REDIS_URL = url
    status, body = healthz(client)
    assert (status, body["checks"]["redis"]["state"]) == (200, "ok"), body
    settings.HEALTH_CHECK_TIMEOUT_SECONDS = 1

    # Frozen: the port still accepts connections but nothing answers; PING must not hang the probe.
    process.send_signal(signal.SIGSTOP)
    started = time.monotonic()
    status, body = healthz(client)
    assert time.monotonic() - started < 2
    assert status == 503 and body["status"] == "fail"
    assert (body["checks"]["redis"]["state"], body["checks"]["redis"]["reason"]) == ("fail", "timed out")

    process.send_signal(signal.SIGCONT)
    process.kill()
    process.wait()
    started = time.monotonic()
    status, body = healthz(client)
    assert time.monotonic() - started < 2
    assert status == 503
    assert (body["checks"]["redis"]["state"], body["checks"]["redis"]["reason"]) == ("fail", "unreachable")


def test_redis_on_a_closed_port_is_reported(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.HEALTH_CHECK_TIMEOUT_SECONDS = 1
    started = time.monotonic()
    status, body = healthz(client)
    assert time.monotonic() - started < 2
    assert status == 503
    assert (body["checks"]["redis"]["state"], body["checks"]["redis"]["reason"]) == ("fail", "unreachable")


def test_a_worker_whose_heartbeat_went_silent_is_reported(client, db_tasks, settings):
    status, body = healthz(client)
    assert status == 503
    assert body["checks"]["worker"]["reason"] == "no worker has reported"

    beat(seconds_ago=settings.HEALTH_WORKER_STALE_SECONDS + 30)
    status, body = healthz(client)
    assert status == 503 and body["status"] == "fail"
    assert body["checks"]["worker"]["state"] == "fail"
    assert body["checks"]["worker"]["reason"].startswith("no heartbeat for ")
    assert all(check["state"] == "ok" for name, check in body["checks"].items() if name != "worker")

    beat(seconds_ago=2)  # a second worker, alive: the freshest heartbeat counts
    status, body = healthz(client)
    assert (status, body["checks"]["worker"]["state"]) == (200, "ok")


def test_a_ready_task_waiting_past_the_limit_fails_the_worker_check(client, db_tasks, settings):
    beat()
    lag = settings.HEALTH_QUEUE_LAG_SECONDS
    # Scheduled for later, however long ago it was queued: not waiting.
    later = publish_scheduled.using(run_after=timezone.now() + timedelta(hours=1)).enqueue()
    db_tasks.filter(pk=later.id).update(enqueued_at=timezone.now() - timedelta(days=1))
    # Queued a moment ago: not waiting long.
    publish_scheduled.enqueue()
    assert healthz(client)[0] == 200

    # Due for longer than the limit: the worker is not keeping up.
    overdue = publish_scheduled.using(run_after=timezone.now() - timedelta(seconds=lag + 60)).enqueue()
    status, body = healthz(client)
    assert status == 503
    assert body["checks"]["worker"]["reason"].startswith("a ready task has waited ")
    waited = int(body["checks"]["worker"]["reason"].split()[-2])
    assert lag + 60 <= waited < lag + 120

    db_tasks.filter(pk=overdue.id).update(status="SUCCESSFUL")
    # Queued long ago without a run_after, never picked up.
    stuck = publish_scheduled.enqueue()
    db_tasks.filter(pk=stuck.id).update(enqueued_at=timezone.now() - timedelta(seconds=lag + 5))
    status, body = healthz(client)
    assert status == 503 and "a ready task has waited" in body["checks"]["worker"]["reason"]


def test_an_unwritable_media_root_fails_the_storage_check(client, settings, tmp_path):
    # Root writes anywhere, so the folder is made impossible instead: its parent is a file.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.MEDIA_ROOT = str(blocker / "media")
    status, body = healthz(client)
    assert status == 503
    assert body["checks"]["storage"] == {
        "state": "fail",
        "latency_ms": body["checks"]["storage"]["latency_ms"],
        "reason": "not writable",
    }


def test_the_storage_probe_is_written_read_and_deleted_on_s3(s3_storage):  # noqa: F811 (the fixture)
    results = run_checks({"storage": check_storage})
    assert results["storage"].state == "ok", results
    assert s3_storage.keys() == []


def test_the_storage_probe_leaves_nothing_in_media_root(_media_root):
    assert run_checks({"storage": check_storage})["storage"].state == "ok"
    assert list(Path(_media_root).iterdir()) == []


class Elasticsearch:
    """A stand-in for Elasticsearch 8's cluster health API, with the product header its client checks."""

    def __init__(self, status: str):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps({"cluster_name": "newsroom", "status": stand_in.status}).encode()
                code = 200 if self.path.startswith("/_cluster/health") else 404
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Elastic-Product", "Elasticsearch")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.status = status
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_elasticsearch_is_checked_when_configured(client, settings):
    status, body = healthz(client)
    assert "elasticsearch" not in body["checks"]

    search = Elasticsearch("yellow")
    try:
        settings.ELASTICSEARCH_URL = search.url
        status, body = healthz(client)
        assert body["checks"]["elasticsearch"]["state"] == "ok", body

        search.status = "red"
        status, body = healthz(client)
        assert status == 503
        assert body["checks"]["elasticsearch"]["reason"] == "cluster status red"
    finally:
        search.close()
    status, body = healthz(client)
    assert body["checks"]["elasticsearch"]["reason"] == "unreachable"


# --- The real worker process --------------------------------------------------------------------------


@pytest.fixture
def shared_database(tmp_path):
    """A DATABASE_URL another process can open holding this test's database, and a function returning the
    heartbeat rows that process wrote there. SQLite's test database lives in this process's memory, so it
    is copied to a file first."""
    table = WorkerHeartbeat._meta.db_table
    sql = f"SELECT worker_id, pid, beat_at FROM {table}"
    if connection.vendor == "sqlite":
        path = tmp_path / "worker.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(path) as copy:
            connection.connection.backup(copy)
        copy.close()

        def heartbeats():
            with sqlite3.connect(path, timeout=10) as reader:
                rows = reader.execute(sql).fetchall()
            reader.close()
            return rows

        return f"sqlite:///{path}", heartbeats
    db = connection.settings_dict
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    url = f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    def heartbeats():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    return url, heartbeats


def output(log) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")


def wait_for(condition, seconds: float, process: subprocess.Popen, log):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process.poll() is not None:
            break
        time.sleep(0.2)
    pytest.fail(f"Gave up waiting on the worker (exit {process.poll()}):\n{output(log)}")


@pytest.mark.services
def test_a_running_worker_beats_and_removes_its_heartbeat_on_a_clean_exit(shared_database, tmp_path):
    url, heartbeats = shared_database
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "ANALYTICS_BUFFER_URL", "ELASTICSEARCH_URL", "S3_BUCKET"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings.dev",
        DEBUG="0",
        DATABASE_URL=url,
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    command = [sys.executable, "manage.py", "newsroom_worker", "--no-reload", "--no-startup-delay"]
    log = tempfile.TemporaryFile()
    worker = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:

        def own_rows():
            return [row for row in heartbeats() if row[1] == worker.pid]

        # Generous: a loaded test machine may take a minute to start Django.
        (worker_id, _pid, first_beat), *others = wait_for(own_rows, 120, worker, log)
        assert not others
        assert worker_id == f"{socket.gethostname()}:{worker.pid}"
        wait_for(lambda: own_rows() and own_rows()[0][2] != first_beat, BEAT_SECONDS * 6, worker, log)

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0, output(log)
        assert own_rows() == [], output(log)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        log.close()
