"""How fast a published story reaches its channels, and how fast the outbox drains a backlog.

Builds a throw-away database (PostgreSQL when --database-url is given, which the bench creates and drops;
SQLite otherwise), one agency with five channels — Zalo, a partner webhook, Facebook, Telegram, Mastodon —
each pointing at its local stand-in (tests/distribution/standins.py, no faults injected: this measures our
side), and runs the real worker (`manage.py distribution_worker`) as a separate process.

1. Latency: publishes stories one at a time, a fixed gap apart, through Wagtail's publish action, and
   measures from the moment publish returned (the transaction committed) to each delivery's delivered_at.
   Prints p50 and p95 over every (story, channel) delivery.
2. Drain: with the worker stopped, publishes N stories (N × 5 deliveries waiting), starts the worker and
   times until no delivery is open. Prints the time and deliveries per second.

    .venv/bin/python bench/distribution.py [--stories 1000] [--latency-stories 100] [--threads 8]
        [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--redis-url redis://127.0.0.1:6379/0]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # Run as a script: make the project importable.
    sys.path.insert(0, str(REPO))

from bench.public_pages import DROPPED_ENV, machine  # noqa: E402

KINDS = ("zalo", "webhook", "facebook", "telegram", "mastodon")


def main() -> int:
    options = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="distribution-bench-"))
    database = None
    try:
        database = setup_django(workdir, options)
        from tests.distribution.standins import STANDINS

        standins = {kind: STANDINS[kind]().start() for kind in KINDS}
        agency, sections = make_agency_with_channels(standins)
        make_story(sections, 0)  # warm-up: imports, caches, the first rendition
        latencies = measure_latency(sections, options)
        drain_seconds = measure_drain(sections, options)
        check(standins, options)
        report(latencies, drain_seconds, options, database)
        for standin in standins.values():
            standin.stop()
    finally:
        if database:
            drop_database(database)
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=1000, help="stories in the drained backlog (1000)")
    parser.add_argument("--latency-stories", type=int, default=100, help="stories timed one by one (100)")
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between timed publications")
    parser.add_argument("--threads", type=int, default=8, help="worker threads (8)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL; the bench makes its own database")
    parser.add_argument("--redis-url", help="Redis, for waking the worker across processes")
    return parser.parse_args()


def setup_django(workdir: Path, options) -> str | None:
    for name in DROPPED_ENV:
        os.environ.pop(name, None)
    database = None
    if options.database_url:
        database = create_database(options.database_url)
        database_url = database
    else:
        database_url = f"sqlite:///{workdir / 'db.sqlite3'}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings.dev",
        DEBUG="0",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(workdir / "media"),
        LOG_LEVEL="WARNING",
    )
    if options.redis_url:
        os.environ["REDIS_URL"] = options.redis_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return database


def create_database(server_url: str) -> str:
    import psycopg

    name = f"newsroom_bench_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def drop_database(database_url: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_agency_with_channels(standins):
    from distribution.models import DOMESTIC_KINDS, Channel
    from newsroom.models import SectionPage
    from newsroom.services import AgencyData, create_agency

    agency = create_agency(
        data=AgencyData(
            name="Báo đo tốc độ", short_name="baodotocdo", kind="newspaper", hostname="bench.localhost"
        )
    )
    for kind, standin in standins.items():
        config = standin.channel_config()
        Channel.objects.create(
            agency=agency,
            kind=kind,
            name=kind,
            domestic=kind in DOMESTIC_KINDS,
            base_url=config["base_url"],
            settings=config["settings"],
            credentials=config["credentials"],
        )
    return agency, list(SectionPage.objects.child_of(agency.root_page))


def make_story(sections, number: int):
    from newsroom.models import StoryPage

    story = StoryPage(
        title=f"Tin đo tốc độ số {number}",
        sapo="Chuyển đổi số báo chí: nội dung sản xuất một lần, phân phối trên mọi nền tảng.",
        live=False,
    )
    sections[number % len(sections)].add_child(instance=story)
    story.save_revision().publish()
    return story


def start_worker(options) -> subprocess.Popen:
    """The worker process, returned once it says it is delivering (Django's start-up is not timed)."""
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "distribution_worker", "--threads", str(options.threads)],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        text=True,
    )
    worker.stdout.readline()
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    worker.terminate()
    worker.wait(timeout=60)


def wait_until_settled(timeout: float = 1800) -> None:
    from distribution.models import Delivery

    deadline = time.monotonic() + timeout
    while Delivery.objects.open().exists():
        if time.monotonic() > deadline:
            raise SystemExit("Deliveries still open after the timeout")
        time.sleep(0.05)


def measure_latency(sections, options) -> list[float]:
    from distribution.models import Delivery, DeliveryState

    wait_until_settled_with_worker(options)
    worker = start_worker(options)
    published = {}
    try:
        for number in range(1, options.latency_stories + 1):
            story = make_story(sections, number)
            published[story.pk] = time.time()
            time.sleep(options.gap)
        wait_until_settled()
    finally:
        stop_worker(worker)
    latencies = []
    for story_id, delivered_at in Delivery.objects.filter(
        story_id__in=published, state=DeliveryState.DELIVERED
    ).values_list("story_id", "delivered_at"):
        latencies.append(delivered_at.timestamp() - published[story_id])
    return latencies


def wait_until_settled_with_worker(options) -> None:
    """Deliver the warm-up story before timing anything."""
    worker = start_worker(options)
    try:
        wait_until_settled()
    finally:
        stop_worker(worker)


def measure_drain(sections, options) -> float:
    started = time.monotonic()
    first = 10_000
    for number in range(first, first + options.stories):
        make_story(sections, number)
    print(
        f"Published {options.stories} stories for the backlog in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    worker = start_worker(options)
    started = time.monotonic()
    try:
        wait_until_settled()
        return time.monotonic() - started
    finally:
        stop_worker(worker)


def check(standins, options) -> None:
    from distribution.models import Delivery, DeliveryState

    expected = (1 + options.latency_stories + options.stories) * len(KINDS)
    delivered = Delivery.objects.filter(state=DeliveryState.DELIVERED).count()
    posts = sum(standin.posts for standin in standins.values())
    violations = sum(len(standin.violations) for standin in standins.values())
    if delivered != expected or violations:
        raise SystemExit(
            f"Expected {expected} delivered, got {delivered}; {violations} request shape violations"
        )
    print(f"Checked: {delivered} deliveries delivered, {posts} posts held by the stand-ins, 0 violations")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(latencies, drain_seconds, options, database) -> None:
    deliveries = options.stories * len(KINDS)
    print()
    print(f"Distribution: one agency, {len(KINDS)} channels ({', '.join(KINDS)}) at local stand-ins")
    print(
        f"Database: {'PostgreSQL' if database else 'SQLite'}; worker: one `distribution_worker` process, "
        f"{options.threads} threads; wake-ups: "
        + ("Redis pub/sub" if options.redis_url else "polling every 0.5 s")
    )
    print(f"Machine: {machine()}")
    print(
        f"Publish → delivered, {len(latencies)} deliveries of {options.latency_stories} stories: "
        f"p50 {statistics.median(latencies) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms"
    )
    print(
        f"Drain {options.stories} stories × {len(KINDS)} channels = {deliveries} deliveries: "
        f"{drain_seconds:.1f} s ({deliveries / drain_seconds:.0f} deliveries/s)"
    )


if __name__ == "__main__":
    sys.exit(main())
