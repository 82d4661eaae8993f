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


@pytest.fixture
def phone(chromium):
    context = chromium.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def laptop(chromium):
    context = chromium.new_context(viewport={"width": 1366, "height": 850}, locale="vi-VN")
    yield context.new_page()
    context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
