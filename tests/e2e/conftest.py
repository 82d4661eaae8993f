"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser)."""

import os
import shutil
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
# Playwright's sync API runs an event loop in this thread; the ORM calls in test bodies are still plain sync.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium():
    # Per test, not per session: Playwright's sync API keeps an event loop in this thread while it
    # runs, and Django code that calls async_to_sync (channel events on publish) must not meet it.
    if not Path(CHROMIUM).exists():
        reason = (
            f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium); "
            "browser tests skipped"
        )
        if os.environ.get("CHROMIUM_REQUIRED"):
            pytest.fail(reason)
        print(f"\nSKIP: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
        # Inside sync_playwright() the thread runs in Playwright's own contextvars context, so
        # ORM calls made meanwhile opened a connection that Django's teardown, back in the
        # outer context, never sees. Close it here, or PostgreSQL cannot drop the test database.
        connections.close_all()


# Browser contexts of the two screens the newsroom works on.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}
LAPTOP = {"viewport": {"width": 1366, "height": 850}, "locale": "vi-VN"}


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(**PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def laptop(chromium):
    context = chromium.new_context(**LAPTOP)
    yield context.new_page()
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class AsgiLiveServer:
    """The project's ASGI application (HTTP and websockets) served by uvicorn from a thread of this process,
    so it shares the test database and the in-memory channel layer with the test."""

    def __init__(self):
        import socket

        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None
        self.thread = None

    def start(self):
        import threading
        import time

        import uvicorn
        from asgiref.sync import sync_to_async

        from newsroom.asgi import application

        async def app(scope, receive, send):
            # Django runs sync code on one thread for the whole server; give it the test's connections once,
            # as Django's LiveServerThread does, so an in-memory SQLite test database is the same one.
            if not self.shared:
                await sync_to_async(self.share_connections, thread_sensitive=True)()
            await application(scope, receive, send)

        self.shared = False
        self.connections = {alias: conn for alias, conn in connections_for_sharing().items()}
        config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="websockets-sansio")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("The ASGI test server did not start.")
            time.sleep(0.02)

    def share_connections(self):
        for alias, conn in self.connections.items():
            connections[alias] = conn
        self.shared = True

    def stop(self):
        from asgiref.sync import SyncToAsync

        self.server.should_exit = True
        self.thread.join(timeout=10)
        # The server's Django thread keeps its own connections; PostgreSQL cannot drop a database in use.
        SyncToAsync.single_thread_executor.submit(close_unshared_connections, self.connections).result()
        end_leftover_sessions()
        for conn in self.connections.values():
            conn.dec_thread_sharing()


def close_unshared_connections(shared: dict) -> None:
    for conn in connections.all(initialized_only=True):
        if conn.alias not in shared:
            conn.close()


def end_leftover_sessions() -> None:
    """End the PostgreSQL sessions of requests the browser cut off (going offline mid-upload): their
    threads died with a connection open, and the test database cannot be dropped while one is."""
    for conn in connections.all():
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


def connections_for_sharing() -> dict:
    """In-memory SQLite connections, marked shareable (other databases need no sharing)."""
    shared = {}
    for conn in connections.all():
        if conn.vendor == "sqlite" and conn.is_in_memory_db():
            conn.inc_thread_sharing()
            shared[conn.alias] = conn
    return shared


@pytest.fixture
def asgi_live_server(transactional_db, settings):
    server = AsgiLiveServer()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    server.start()
    yield server
    server.stop()


def off_the_browser_thread(function, *args, **kwargs):
    """Run `function` in a thread of its own and return its result.

    Code that tells the live newsroom (publishing, filing) calls async_to_sync, which cannot run in the
    thread where Playwright keeps its event loop. The thread's database connections are closed after.
    """
    from concurrent.futures import ThreadPoolExecutor

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()
