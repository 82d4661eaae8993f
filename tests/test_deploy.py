"""The production deployment (deploy/): every file parses, runs real commands with real options and names only
settings the project reads; systemd accepts the units and the web unit serves. nginx: test_deploy_nginx.py."""

from __future__ import annotations

import ast
import configparser
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest
import yaml
from daphne.cli import CommandLineInterface
from daphne.utils import import_by_path
from django.conf import settings
from django.core.management import get_commands, load_command_class
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
INSTALL = "/opt/newsroom"  # where deploy/README.md puts the code
SETTINGS_FILES = ("newsroom/settings/base.py", "newsroom/settings/production.py")
# Read by something other than our settings: Django itself, and boto3 for CloudFront's keys.
OTHER_VARIABLES = {"DJANGO_SETTINGS_MODULE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
PRODUCTION_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
UNITS = sorted(path.name for path in (DEPLOY / "systemd").glob("newsroom*.*") if path.suffix != ".conf")


# --- The environment ------------------------------------------------------------------------------------


def settings_variables() -> set[str]:
    """Every variable the settings read (ENV.get, ENV[…], env_bool, env_list), and DATABASE_URL, which
    dj_database_url reads for them."""
    names = {"DATABASE_URL"}
    for name in SETTINGS_FILES:
        for node in ast.walk(ast.parse((ROOT / name).read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in {"ENV.get", "env_bool", "env_list"}:
                name_node = node.args[0]
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "ENV":
                name_node = node.slice
            else:
                continue
            if isinstance(name_node, ast.Constant):  # not the helpers' own `ENV.get(name)`
                names.add(name_node.value)
    return names


def env_lines(*, commented: bool) -> dict[str, str]:
    """deploy/env.example's assignments, quotes removed as systemd does; with `commented`, the "#NAME=…"
    lines (a default shown, not set) too."""
    pattern = re.compile(r"^(#)?([A-Z][A-Z0-9_]*)=(.*)$")
    found = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        match = pattern.match(line)
        if match and (commented or not match[1]):
            value = match[3]
            if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            found[match[2]] = value
    return found


def test_env_example_lists_every_variable_the_settings_read():
    assert len(settings_variables()) > 60
    missing = settings_variables() - set(env_lines(commented=True))
    assert not missing, f"document these in deploy/env.example: {sorted(missing)}"


def test_env_example_names_nothing_the_settings_do_not_read():
    unknown = set(env_lines(commented=True)) - settings_variables() - OTHER_VARIABLES
    assert not unknown, f"nothing reads these: {sorted(unknown)}"


def test_production_settings_import_with_the_example_environment():
    env = {"PATH": os.environ["PATH"], **env_lines(commented=False)}
    assert env["DJANGO_SETTINGS_MODULE"] == "newsroom.settings.production"
    code = (
        "import django; django.setup(); from django.conf import settings as s; import json; print(json.dumps("
        "[s.DEBUG, s.SECURE_PROXY_SSL_HEADER, s.ANALYTICS_TRUST_X_FORWARDED_FOR, s.STATIC_ROOT.as_posix(),"
        " s.STORAGES['default']['BACKEND'], s.PROMETHEUS_MULTIPROC_DIR]))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == [
        False,
        ["HTTP_X_FORWARDED_PROTO", "https"],
        True,
        "/var/lib/newsroom/static",
        "storages.backends.s3.S3Storage",
        "/run/newsroom/metrics",
    ]
    # What newsroom-release.service runs first.
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --- Commands -------------------------------------------------------------------------------------------


def check_command(argv: list[str]) -> None:
    """Fail unless `argv` runs something real with options it accepts: a manage.py command, daphne serving
    our application, or a program that exists."""
    program = Path(argv[0]).name
    if program.startswith("python") and argv[1:2] == ["manage.py"]:
        name, *options = argv[2:]
        assert name in get_commands(), f"manage.py has no command {name}"
        # The options as production reads them: tests run tasks at once, production on the database queue.
        with override_settings(TASKS=PRODUCTION_TASKS):
            command = load_command_class(get_commands()[name], name)
            command.create_parser("manage.py", name).parse_args(options)
    elif program == "daphne":
        parsed = CommandLineInterface().parser.parse_args(argv[1:])
        assert import_by_path(parsed.application) is not None
    elif program == "sh":
        assert argv[1] == "-c"
        for command in argv[2].split("&&"):
            check_command(shlex.split(command))
    else:
        assert Path(argv[0]).is_absolute() and os.access(argv[0], os.X_OK), f"{argv[0]} cannot run"


def local(argv: list[str]) -> list[str]:
    """A unit's command line with the install folder's virtualenv replaced by this one."""
    prefix = f"{INSTALL}/.venv/bin/"
    return [str(VENV_BIN / arg.removeprefix(prefix)) if arg.startswith(prefix) else arg for arg in argv]


def exec_starts(unit: str) -> list[list[str]]:
    text = (DEPLOY / "systemd" / unit).read_text()
    return [shlex.split(line.replace("%i", "8001")) for line in re.findall(r"^ExecStart=(.+)$", text, re.M)]


# --- systemd --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit", UNITS)
def test_each_unit_parses_and_runs_a_real_command(unit):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.read(DEPLOY / "systemd" / unit, encoding="utf-8")
    assert parser["Unit"]["Description"]
    if unit.endswith(".timer"):
        assert (DEPLOY / "systemd" / unit.replace(".timer", ".service")).exists()
        assert parser["Install"]["WantedBy"] == "timers.target"
    if not unit.endswith(".service"):
        return
    service = parser["Service"]
    assert service["User"] == "newsroom" and service["WorkingDirectory"] == INSTALL
    assert service["EnvironmentFile"] == "/etc/newsroom/newsroom.env"
    assert exec_starts(unit)
    for argv in exec_starts(unit):
        check_command(local(argv))


def test_the_backup_timer_runs_the_backup_command():
    assert exec_starts("newsroom-backup.service") == [[f"{INSTALL}/.venv/bin/python", "manage.py", "backup"]]


def test_systemd_accepts_the_units(tmp_path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed: the units are checked by configparser only")
    (tmp_path / "newsroom.env").write_text("")
    for unit in UNITS:
        text = (DEPLOY / "systemd" / unit).read_text()
        text = text.replace(f"{INSTALL}/.venv/bin", str(VENV_BIN)).replace(INSTALL, str(ROOT))
        text = text.replace("/etc/newsroom/newsroom.env", str(tmp_path / "newsroom.env"))
        (tmp_path / unit.replace("@.", "@1.")).write_text(text)
    names = [str(tmp_path / unit.replace("@.", "@1.")) for unit in UNITS]
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", *names], capture_output=True, text=True)
    assert done.returncode == 0 and not done.stdout + done.stderr, done.stdout + done.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_web_units_command_serves_http():
    """newsroom-web@.service's ExecStart, run as it is (on a free port), answers HTTP."""
    [argv] = exec_starts("newsroom-web@.service")
    port = free_port()
    argv = [arg.replace("8001", str(port)) for arg in local(argv)]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings.test"}
    server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                url = f"http://127.0.0.1:{port}/static/newsroom/site.css"
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.status == 200 and b"{" in response.read()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "daphne did not answer within a minute"
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- Docker ---------------------------------------------------------------------------------------------

APP_SERVICES = ("release", "web", "worker")


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_the_whole_stack_from_the_dockerfile():
    services = compose()["services"]
    assert {"postgres", "redis", "seaweedfs", "elasticsearch", "web", "worker", "nginx"} <= set(services)
    for name in APP_SERVICES:
        build = services[name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} waits for a service that does not exist: {dependency}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source
            else:
                assert source in compose()["volumes"], source


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_commands_and_environment_are_real(name):
    service = compose()["services"][name]
    check_command(service["command"])
    unknown = set(service["environment"]) - settings_variables() - OTHER_VARIABLES
    assert not unknown, f"nothing reads these: {sorted(unknown)}"


def test_compose_storage_credentials_agree():
    stack = compose()
    app = stack["services"]["web"]["environment"]
    identities = json.loads(stack["configs"]["seaweedfs-s3"]["content"])["identities"]
    [newsroom] = [identity for identity in identities if identity["name"] == "newsroom"]
    assert newsroom["credentials"] == [
        {"accessKey": app["S3_ACCESS_KEY_ID"], "secretKey": app["S3_SECRET_ACCESS_KEY"]}
    ]
    assert app["S3_BUCKET"] in stack["services"]["s3-bucket"]["command"][0]
    host = app["S3_ENDPOINT_URL"].split("//")[1].split(":")[0]
    assert host in stack["services"]["seaweedfs"]["networks"]["default"]["aliases"]


def test_dockerfile_builds_what_the_project_needs():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    python = re.search(r"^FROM python:(\d+\.\d+)", dockerfile, re.M)[1]
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert required == f">={python}"
    # pg_dump must be at least the server's version.
    postgres = compose()["services"]["postgres"]["image"].split(":")[1].split("-")[0]
    assert f"postgresql-client-{postgres}" in dockerfile
    check_command(json.loads(re.search(r"^CMD (.+)$", dockerfile, re.M)[1]))
    for source in re.findall(r"^COPY (\S+) ", dockerfile, re.M):
        assert (ROOT / source).exists()
