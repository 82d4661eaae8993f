"""Readership analytics: ingest throughput, and the panels' query times over ten million events.

1. Ingest. daphne serves this module's `application` (the project's ASGI application, production settings)
   with two bare endpoints beside it: GET /bench/asgi-204 answered by a few lines of ASGI, and
   GET /bench/django-204 by a Django view that returns 204 through the same middleware as the beacon's.
   wrk (Debian's package) posts beacon events to /_r/e for --seconds with --connections connections: every
   request a new page view or an engagement of the view before it, each with its own view id, as browsers
   send them; then it loads the two bare endpoints the same way. Events reach the database directly, or
   through Redis when --redis-url is given. The bench checks that every accepted event was stored.
2. Panels (PostgreSQL only). --events reader events (10 million) over 30 days, two agencies, 200 stories,
   generated in SQL into the daily partitions; times the first full rollup and an incremental one, then runs
   every panel query (overview, each breakdown, real-time) --runs times and prints p50 and p95.

    .venv/bin/python bench/analytics.py [--database-url postgres://…/postgres] [--redis-url redis://…]
        [--seconds 10] [--connections 32] [--events 10000000] [--skip-ingest] [--skip-panels]
"""

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # Run as a script: make the project importable.
    sys.path.insert(0, str(REPO))

_django_application = None

WRK_SCRIPT = r"""
local counter = 0
local agent = "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
  .. "Chrome/131.0.0.0 Mobile Safari/537.36"
local prefix = ""
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  -- args[3] is new for every run: view ids never meet those of an earlier run still remembered in Redis.
  prefix = string.format("%st%02dx", args[3], id)
  page, token = args[1], args[2]
end
-- Odd requests open view n; even ones send the engagement of view n - 64, long answered by then (a browser
-- sends its first engagement 30 s after the page view, never before it is answered).
request = function()
  counter = counter + 1
  local n = math.floor((counter + 1) / 2)
  if counter % 2 == 0 then n = n - 64 end
  local view = string.format("%s%08d", prefix, n)
  local body
  if counter % 2 == 1 or n < 1 then
    body = string.format('{"k":"pv","p":%s,"t":"%s","i":"%s","s":0,"r":"https://www.google.com/","u":""}',
      page, token, view)
  else
    body = string.format('{"k":"en","p":%s,"t":"%s","i":"%s","s":1,"e":12,"d":40}', page, token, view)
  end
  local headers = {["Content-Type"] = "text/plain;charset=UTF-8", ["User-Agent"] = agent}
  return wrk.format("POST", "/_r/e", headers, body)
end
done = function(summary, latency, requests)
  local statuses = {}
  io.write(string.format("BENCH %d %d %d %d\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(95)))
end
"""
WRK_GET_SCRIPT = r"""
done = function(summary, latency, requests)
  io.write(string.format("BENCH %d %d %d %d\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(95)))
end
"""


# --- The server side ---------------------------------------------------------------------------------


async def application(scope, receive, send):
    """/bench/asgi-204 answered here; everything else (with /bench/django-204) by Django."""
    if scope["type"] == "http" and scope["path"] == "/bench/asgi-204":
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    global _django_application
    if _django_application is None:
        from newsroom.asgi import application as django_application  # sets Django up: import it first

        from django.http import HttpResponse  # isort: skip
        from django.urls import path  # isort: skip

        from newsroom import urls  # isort: skip

        urls.urlpatterns.insert(0, path("bench/django-204", lambda request: HttpResponse(status=204)))
        _django_application = django_application
    await _django_application(scope, receive, send)


# --- The bench -----------------------------------------------------------------------------------------


def main() -> int:
    options = parse_args()
    from bench.public_pages import free_port
    from bench.upload import setup_django

    with tempfile.TemporaryDirectory(prefix="bench-analytics-") as folder:
        workdir = Path(folder)
        port = free_port()
        database = setup_django(
            workdir,
            options,
            ANALYTICS_RATE_LIMIT_PER_MINUTE=str(10**9),
            # Database connections kept between requests, as a production deployment sets.
            DATABASE_CONN_MAX_AGE="60",
            REDIS_URL=options.redis_url,
            ANALYTICS_BUFFER_KEY=f"bench-analytics-{os.getpid()}",
            CHANNEL_LAYER_PREFIX=f"bench-analytics-{os.getpid()}",
        )
        try:
            print(f"Machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
            kind = "PostgreSQL" if database else "SQLite"
            print(f"Database: {kind}; buffer: {options.redis_url or 'none'}")
            if not options.skip_ingest:
                bench_ingest(workdir, port, options)
            if not options.skip_panels:
                if database:
                    bench_panels(options)
                else:
                    print("Panels: skipped (they are measured on PostgreSQL: pass --database-url)")
        finally:
            from django.db import connections

            connections.close_all()
            if database:
                from bench.distribution import drop_database

                drop_database(database)
    return 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    environment = os.environ.get("DATABASE_URL", "")
    parser.add_argument(
        "--database-url",
        default=environment if environment.startswith("postgres") else None,
        help="a PostgreSQL server (default: $DATABASE_URL if it is one); the bench makes its own database",
    )
    parser.add_argument("--redis-url", default="", help="buffer events in this Redis, as production does")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--skip-ingest", action="store_true")
    parser.add_argument("--skip-panels", action="store_true")
    return parser.parse_args()


def make_story(port: int):
    from analytics.ingest import page_token
    from newsroom.models import SectionPage
    from tests.factories import make_agency, make_story

    agency = make_agency(short_name="bench", hostname="127.0.0.1", port=port)
    story = make_story(section=SectionPage.objects.child_of(agency.root_page).first())
    return agency, story, page_token(agency.pk, story.pk)


def wrk(workdir: Path, url: str, script: str, options, *args) -> dict:
    script_path = workdir / "bench.lua"
    script_path.write_text(script)
    command = ["wrk", "-t2", f"-c{options.connections}", f"-d{options.seconds}s", "-s", str(script_path), url]
    output = subprocess.run([*command, "--", *args], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    requests, bad_status, socket_errors, p95_us = (int(n) for n in line.split()[1:])
    return {
        "requests": requests,
        "bad": bad_status,
        "socket_errors": socket_errors,
        "rps": requests / options.seconds,
        "p95_ms": p95_us / 1000,
    }


def bench_ingest(workdir: Path, port: int, options) -> None:
    from analytics.models import Event, IngestCount
    from analytics.store import get_store
    from bench.upload import daphne

    agency, story, token = make_story(port)
    base = f"http://127.0.0.1:{port}"
    beacon_args = (str(story.pk), token, secrets.token_hex(3))
    ready = ("GET", "/bench/django-204", 204)
    with daphne(workdir, app="bench.analytics:application", port=port, ready=ready):
        wrk(workdir, f"{base}/bench/django-204", WRK_GET_SCRIPT, options)  # warm-up
        rows = [
            ("bare ASGI 204", wrk(workdir, f"{base}/bench/asgi-204", WRK_GET_SCRIPT, options)),
            ("bare Django 204", wrk(workdir, f"{base}/bench/django-204", WRK_GET_SCRIPT, options)),
            ("beacon events", wrk(workdir, f"{base}/_r/e", WRK_SCRIPT, options, *beacon_args)),
        ]
    get_store().flush()
    stored = Event.objects.count()
    refused = dict(IngestCount.objects.values_list("reason", "count"))
    print(
        f"\nIngest: daphne (one process), wrk -t2 -c{options.connections} -d{options.seconds}s on loopback, "
        "page views and engagements alternating"
    )
    print(f"{'endpoint':<18}{'requests/s':>12}{'p95 ms':>10}{'non-2xx':>10}")
    for name, row in rows:
        print(f"{name:<18}{row['rps']:>12.0f}{row['p95_ms']:>10.1f}{row['bad']:>10}")
    beacon = rows[-1][1]
    accepted = beacon["requests"] - beacon["bad"] - beacon["socket_errors"]
    print(f"stored events: {stored}; answered 204: {accepted}; refused: {refused or 'none'}")
    print(f"beacon / bare Django: {beacon['rps'] / rows[1][1]['rps']:.0%}")


GENERATE = """
INSERT INTO analytics_event (occurred_at, kind, agency_id, page_id, story_id, section_id, author_id, format,
    channel, visitor, view, referrer_class, referrer_host, utm_source, utm_medium, utm_campaign, device,
    engaged_seconds, scroll)
SELECT %(now)s - (random() * interval '30 days'),
       CASE WHEN g %% 3 = 0 THEN 'engagement' ELSE 'pageview' END,
       a.agency_id, s.story_id, s.story_id, s.section_id, NULL, s.format, 'web',
       (random() * 2000000)::bigint, md5(g::text), r.class, r.host,
       '', '', CASE WHEN g %% 20 = 0 THEN 'tet-2027' ELSE '' END,
       (ARRAY['mobile', 'mobile', 'desktop', 'tablet'])[1 + g %% 4],
       CASE WHEN g %% 3 = 0 THEN (random() * 60)::int ELSE 0 END,
       CASE WHEN g %% 3 = 0 THEN (random() * 40)::int ELSE 0 END
FROM generate_series(1, %(count)s) AS g
CROSS JOIN LATERAL (SELECT (%(agencies)s)[1 + g %% 2] AS agency_id) AS a
CROSS JOIN LATERAL (
    SELECT (%(stories)s)[1 + (g / 2) %% %(per_agency)s + (g %% 2) * %(per_agency)s] AS story_id,
           (%(sections)s)[1 + (g / 2) %% %(per_agency)s + (g %% 2) * %(per_agency)s] AS section_id,
           (ARRAY['news', 'news', 'video', 'longform', 'photo'])[1 + g %% 5] AS format
) AS s
CROSS JOIN LATERAL (
    SELECT (ARRAY['search', 'social', 'direct', 'internal', 'platform', 'link'])[1 + (g / 7) %% 6]
               AS class,
           (ARRAY['google.com', 'facebook.com', '', '', 'baomoi.com', 'vnexpress.net'])[1 + (g / 7) %% 6]
               AS host
) AS r
"""


def bench_panels(options) -> None:
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from analytics import panels, rollups
    from analytics.store import get_store
    from newsroom.models import SectionPage
    from tests.factories import make_agency, make_story

    now = timezone.now()
    per_agency = 100
    agencies = [make_agency(short_name=f"panel{n}") for n in (1, 2)]
    stories = []
    for agency in agencies:
        sections = list(SectionPage.objects.child_of(agency.root_page))
        stories += [make_story(section=sections[n % len(sections)]) for n in range(per_agency)]
    get_store().ensure_partitions((now - timedelta(days=31)).date(), (now + timedelta(days=1)).date())
    started = time.monotonic()
    batch = 1_000_000
    with connection.cursor() as cursor:
        for offset in range(0, options.events, batch):
            cursor.execute(
                GENERATE,
                {
                    "now": now,
                    "count": min(batch, options.events - offset),
                    "agencies": [a.pk for a in agencies],
                    "stories": [s.pk for s in stories],
                    "sections": [s.section_id for s in stories],
                    "per_agency": per_agency,
                },
            )
        cursor.execute("ANALYZE analytics_event")
    generated = time.monotonic() - started
    print(
        f"\nPanels: {options.events:,} events over 30 days, 2 agencies, {len(stories)} stories "
        f"(generated in {generated:.0f} s)"
    )
    started = time.monotonic()
    written = rollups.refresh(now=now)
    print(
        f"first rollup of all 30 days: {time.monotonic() - started:.1f} s "
        f"({written['hour']:,} hourly and {written['day']:,} daily rows)"
    )
    started = time.monotonic()
    rollups.refresh(now=now + timedelta(minutes=1))
    print(f"a worker's refresh (this hour and today again): {time.monotonic() - started:.1f} s")

    user = get_user_model().objects.create_superuser("bench-panels", "bench@example.vn", "x")
    scope = panels.scope_for(user)
    period = panels.Range.last(30, today=timezone.localdate(now))
    queries = {"overview": lambda: panels.overview(scope=scope, period=period)}
    for name in panels.BREAKDOWNS:
        queries[name] = lambda name=name: panels.breakdown(scope=scope, period=period, name=name, limit=10)
    queries["realtime"] = lambda: panels.realtime(scope=scope, now=now)
    print(f"{'panel query':<16}{'p50 ms':>10}{'p95 ms':>10}   ({options.runs} runs, 30 days, 2 agencies)")
    for name, query in queries.items():
        times = []
        for _ in range(options.runs):
            started = time.perf_counter()
            query()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        print(f"{name:<16}{statistics.median(times):>10.1f}{p95:>10.1f}")


if __name__ == "__main__":
    sys.exit(main())
