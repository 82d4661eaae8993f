"""Requests per second of the public site under the production ASGI server, page cache off and on.

Builds a throw-away SQLite database with the demo (or reuses one), starts daphne with the production
settings on a free loopback port, loads agency 1's home, a section and a story page with concurrent
keep-alive clients for a fixed time, then does it again with the page cache on, and prints a table.

    .venv/bin/python bench/public_pages.py [--duration 10] [--concurrency 8] [--reuse-db db.sqlite3]
"""

import argparse
import http.client
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ASGI_APP = "newsroom.asgi:application"
CACHE_ON_SECONDS = 300
# Environment that would send the benchmark to other services; it measures one machine on its own.
DROPPED_ENV = ("DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "S3_BUCKET", "PAGE_CACHE_SECONDS")

FIND_PAGES = """
import json
from newsroom.models import Agency, SectionPage, StoryPage
# The server listens on a port of its own, so Wagtail serves 127.0.0.1's default site: agency 1.
agency = Agency.objects.select_related("site").order_by("-site__is_default_site", "pk").first()
stories = StoryPage.objects.live().filter(agency=agency)
sections = SectionPage.objects.live().child_of(agency.root_page)
section = max(sections, key=lambda s: stories.filter(section=s).count())
story = stories.filter(section=section).order_by("-first_published_at").first()
print(json.dumps({
    "agency": agency.name,
    "host": f"{agency.site.hostname}:{agency.site.port}",
    "stories": StoryPage.objects.live().count(),
    "pages": [["home", "/"], ["section", section.get_url_parts()[2]], ["story", story.get_url_parts()[2]]],
}))
"""


@dataclass
class Result:
    requests: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    cache: Counter = field(default_factory=Counter)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def main() -> int:
    options = parse_args()
    # A plain SIGTERM would skip the clean-up below and leave daphne running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    workdir = Path(tempfile.mkdtemp(prefix="tsht-bench-"))
    database = Path(options.reuse_db).resolve() if options.reuse_db else workdir / "db.sqlite3"
    env = {key: value for key, value in os.environ.items() if key not in DROPPED_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{database}",
        MEDIA_ROOT=str(Path(options.media_root).resolve() if options.media_root else workdir / "media"),
        STATIC_ROOT=str(workdir / "static"),
        LOG_LEVEL="WARNING",
    )
    try:
        if not options.reuse_db:
            manage(env, "migrate", "--noinput", "-v0")
            started = time.monotonic()
            manage(env, "seed_demo", f"--stories={options.stories}")
            seconds = time.monotonic() - started
            print(f"seed_demo --stories={options.stories}: {seconds:.1f} s, Django start-up included")
        manage(env, "collectstatic", "--noinput", "-v0")
        site = json.loads(manage(env, "shell", "-v0", "-c", FIND_PAGES).strip().splitlines()[-1])
        results = {}
        for cache_seconds in (0, CACHE_ON_SECONDS):
            with Server(env={**env, "PAGE_CACHE_SECONDS": str(cache_seconds)}, workdir=workdir) as server:
                for name, path in site["pages"]:
                    warm(server.port, site["host"], path, seconds=options.warmup)
                    results[name, cache_seconds] = load(
                        server.port, site["host"], path, seconds=options.duration, clients=options.concurrency
                    )
        report(site, results, options)
    finally:
        if options.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds of load per page (default 10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per page (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive clients at once (default 8)")
    parser.add_argument("--stories", type=int, default=220, help="stories to seed (default 220)")
    parser.add_argument("--reuse-db", metavar="PATH", help="an existing SQLite database, used as it is")
    parser.add_argument("--media-root", metavar="DIR", help="the media folder that goes with --reuse-db")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args()


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"manage.py {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """daphne with the production settings on a free loopback port, stopped on leaving the block."""

    def __init__(self, *, env: dict, workdir: Path):
        self.env, self.port = env, free_port()
        self.log_path = workdir / f"daphne-{self.port}.log"

    def __enter__(self):
        self.log = self.log_path.open("w")
        command = [PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), ASGI_APP]
        self.process = subprocess.Popen(
            command, cwd=REPO, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        sys.exit(f"daphne did not start:\n{self.log_path.read_text()[-3000:]}")

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def get(connection: http.client.HTTPConnection, host: str, path: str) -> tuple[int, str]:
    connection.request("GET", path, headers={"Host": host, "Accept-Encoding": "identity"})
    response = connection.getresponse()
    response.read()
    return response.status, response.getheader("X-Cache", "")


def warm(port: int, host: str, path: str, *, seconds: float) -> None:
    """Sequential requests first: renditions get made, caches filled, connections opened."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    deadline = time.monotonic() + seconds
    try:
        while True:
            get(connection, host, path)
            if time.monotonic() >= deadline:
                break
    finally:
        connection.close()


def load(port: int, host: str, path: str, *, seconds: float, clients: int) -> Result:
    result, lock, stop = Result(), threading.Lock(), threading.Event()
    start = time.monotonic()
    deadline = start + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies, statuses, cache = [], Counter(), Counter()
        try:
            while time.monotonic() < deadline and not stop.is_set():
                sent = time.perf_counter()
                try:
                    status, hit = get(connection, host, path)
                except (OSError, http.client.HTTPException):
                    connection.close()
                    status, hit = 0, ""
                latencies.append(time.perf_counter() - sent)
                statuses[status] += 1
                cache[hit or "-"] += 1
        finally:
            connection.close()
            with lock:
                result.latencies += latencies
                result.statuses.update(statuses)
                result.cache.update(cache)

    # Daemon threads with a stop flag: an interrupted run ends at once instead of at the deadline.
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    finally:
        stop.set()
    result.seconds = time.monotonic() - start
    result.requests = sum(count for status, count in result.statuses.items() if status == 200)
    return result


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    system = f"{platform.system()} {platform.release()}"
    return f"{cpus} CPUs (nproc), {model}, Python {platform.python_version()}, {system}"


def report(site: dict, results: dict, options) -> None:
    print()
    print(f"Public pages of {site['agency']} ({site['stories']} live stories in all agencies)")
    print("Server: one daphne process, production settings, SQLite, local-memory cache")
    print(f"Machine: {machine()}")
    print(
        f"Load: {options.concurrency} keep-alive clients in one Python process on the same machine, "
        f"{options.duration:g} s per page after {options.warmup:g} s warm-up; rps counts 200 responses only"
    )
    header = (
        f"{'page':<8} {'cache off rps':>13} {'p50 ms':>7} {'p95 ms':>7} {'cache on rps':>13} {'p50 ms':>7} "
        f"{'p95 ms':>7} {'speed-up':>8}  {'X-Cache (on)':<18} path"
    )
    print(header)
    print("-" * len(header))
    for name, path in site["pages"]:
        off, on = results[name, 0], results[name, CACHE_ON_SECONDS]
        speedup = f"{on.rps / off.rps:.1f}x" if off.rps else "-"
        hits = ", ".join(f"{key} {count}" for key, count in on.cache.most_common())
        print(
            f"{name:<8} {off.rps:>13.1f} {off.percentile(0.5):>7.1f} {off.percentile(0.95):>7.1f} "
            f"{on.rps:>13.1f} {on.percentile(0.5):>7.1f} {on.percentile(0.95):>7.1f} "
            f"{speedup:>8}  {hits:<18} {path}"
        )
    errors = {
        f"{name} (cache {'on' if seconds else 'off'})": dict(result.statuses)
        for (name, seconds), result in results.items()
        if set(result.statuses) - {200}
    }
    if errors:
        print(f"Responses other than 200: {errors}")


if __name__ == "__main__":
    sys.exit(main())
