"""Structured logs (newsroom/logs.py): one JSON access line per request, the request id in the response and
in every record written for it, and a failure's traceback in one JSON field."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import include, path

from newsroom.logs import JsonFormatter, RequestContextFilter
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def explode(request):
    logging.getLogger("newsroom.filing").warning("About to fail for %s", request.path)
    raise RuntimeError("Máy in bị kẹt giấy")


# This module is also the URLconf of the tests that need a view that fails.
urlpatterns = [path("test-explode/", explode), path("", include("newsroom.urls"))]


@pytest.fixture
def json_log():
    """Records written from here on, as the production handler formats them, parsed back from JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)

    def records(logger: str | None = None) -> list[dict]:
        lines = stream.getvalue().splitlines()
        parsed = [json.loads(line) for line in lines]  # every line is one whole JSON object
        return [record for record in parsed if logger is None or record["logger"] == logger]

    yield records
    root.removeHandler(handler)


def test_a_request_writes_one_json_access_line_and_echoes_its_request_id(client, json_log):
    response = client.get("/jsi18n/", HTTP_X_REQUEST_ID="edge-7f3a9c21-4b")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "edge-7f3a9c21-4b"

    (line,) = [record for record in json_log("newsroom.access") if record["request_id"] == "edge-7f3a9c21-4b"]
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00") and "T" in line["time"]
    assert (line["method"], line["path"], line["route"], line["status"]) == (
        "GET",
        "/jsi18n/",
        "javascript-catalog",
        200,
    )
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] is None
    assert line["message"].startswith("GET /jsi18n/ 200 ")


def test_the_access_line_names_the_signed_in_user(client, json_log):
    editor = make_user(is_superuser=True, is_staff=True)
    client.force_login(editor)
    response = client.get("/admin/")
    assert response.status_code == 200
    (line,) = [r for r in json_log("newsroom.access") if r["request_id"] == response["X-Request-ID"]]
    assert (line["user_id"], line["route"]) == (editor.pk, "wagtailadmin_home")


@pytest.mark.parametrize(
    "sent",
    ["", "short", "two words here", "line\nbreak-injected-id", "<script>alert(1)</script>", "x" * 200],
)
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(client, json_log, sent):
    response = client.get("/jsi18n/", HTTP_X_REQUEST_ID=sent)
    request_id = response["X-Request-ID"]
    assert request_id != sent
    assert len(request_id) == 32 and int(request_id, 16) >= 0
    assert [r["request_id"] for r in json_log("newsroom.access")] == [request_id]


def test_probes_are_logged_at_debug_when_they_succeed(client, json_log):
    assert client.get("/metrics").status_code == 200
    assert json_log("newsroom.access") == []  # below the root's INFO
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 404
    assert [r["status"] for r in json_log("newsroom.access")] == [404]


@pytest.mark.urls(__name__)
def test_an_exception_is_logged_as_json_with_its_traceback_and_request_id(json_log):
    client = Client(raise_request_exception=False)
    response = client.get("/test-explode/", HTTP_X_REQUEST_ID="lb-0042-explode")
    assert response.status_code == 500
    assert response["X-Request-ID"] == "lb-0042-explode"

    records = [record for record in json_log() if record["request_id"] == "lb-0042-explode"]
    # What the view logged, what Django logged of the failure, and the access line: one request id.
    assert [record["logger"] for record in records] == [
        "newsroom.filing",
        "django.request",
        "newsroom.access",
    ]
    error = records[1]
    assert error["level"] == "ERROR"
    assert error["exception"].startswith("Traceback (most recent call last):")
    assert 'in explode\n    raise RuntimeError("Máy in bị kẹt giấy")' in error["exception"]
    assert error["exception"].endswith("RuntimeError: Máy in bị kẹt giấy")
    assert error["status_code"] == 500
    assert "request" not in error  # its repr would carry the query string
    assert records[2]["status"] == 500


def test_records_outside_a_request_carry_no_request_id(json_log):
    logging.getLogger("newsroom.worker").warning("Hàng đợi trống")
    (record,) = json_log("newsroom.worker")
    assert (record["message"], record["request_id"], record["level"]) == ("Hàng đợi trống", "-", "WARNING")


LOG_TWO_RECORDS = """
import logging, django
django.setup()
log = logging.getLogger("newsroom.check")
log.info("Tin đã đăng")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("Could not count")
"""


def run_settings(tmp_path, module: str, **env) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in {"LOG_FORMAT", "REDIS_URL"}}
    environment.update(
        DJANGO_SETTINGS_MODULE=module,
        SECRET_KEY="a-production-secret-for-this-test-only-0123456789",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", LOG_TWO_RECORDS],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_logs_one_json_object_a_line_by_default(tmp_path):
    done = run_settings(tmp_path, "newsroom.settings.production")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines()]  # every line: one whole object
    info, failure = [record for record in records if record["logger"] == "newsroom.check"]
    assert (info["level"], info["logger"], info["message"], info["request_id"]) == (
        "INFO",
        "newsroom.check",
        "Tin đã đăng",
        "-",
    )
    assert failure["level"] == "ERROR" and failure["message"] == "Could not count"
    assert failure["exception"].endswith("ZeroDivisionError: division by zero")
    assert "Tin đã đăng" in done.stderr  # Vietnamese as it is, not \\u escapes


def test_log_format_text_and_a_wrong_log_format(tmp_path):
    done = run_settings(tmp_path, "newsroom.settings.production", LOG_FORMAT="text")
    assert done.returncode == 0, done.stderr
    assert " INFO newsroom.check [-] Tin đã đăng\n" in done.stderr
    assert "ZeroDivisionError: division by zero" in done.stderr

    done = run_settings(tmp_path, "newsroom.settings.dev", LOG_FORMAT="xml")
    assert done.returncode != 0
    assert "LOG_FORMAT must be one of text, json, not 'xml'." in done.stderr
