"""The readership beacon in a real browser: a reader opens a story, reads, scrolls and leaves; what is stored.

Playwright's Chromium says it is automated (navigator.webdriver, a HeadlessChrome user agent), which ingest
drops as a bot; the readers here are given an ordinary Chrome user agent and have navigator.webdriver hidden,
as a person's browser would. The plain headless browser is checked to be dropped.
"""

import json
import time
from urllib.parse import urlparse

import pytest
from django.db import OperationalError
from django.db.models import Sum
from wagtail.models import Site

from analytics.ingest import page_token
from analytics.models import Event, EventKind, IngestCount
from analytics.store import get_store
from tests.e2e.conftest import CHROMIUM, LAPTOP, PHONE
from tests.factories import make_agency, make_author, make_story, section_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

DESKTOP_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
HIDE_WEBDRIVER = (
    "Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => false, configurable: true});"
)
ASK_GPC = "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true});"


@pytest.fixture
def story(live_server):
    """A long published story on the live server's site."""
    url = urlparse(live_server.url)
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương", hostname=url.hostname, port=url.port)
    Site.objects.filter(pk=agency.site.pk).update(is_default_site=True)
    paragraph = (
        "<p>Người dân phường Trần Phú đã cùng chính quyền tháo dỡ các công trình lấn chiếm vỉa hè, "
        "trả lại lối đi cho người đi bộ dọc hai bên tuyến phố chính của thành phố.</p>"
    )
    story = make_story(
        section=section_of(agency),
        title="Phố đi bộ mới bên sông Thái Bình",
        body=[("paragraph", paragraph)] * 60,  # several screens long, on a laptop as on a phone
    )
    story.authors.set([make_author(agency=agency, name="Nguyễn Minh An")])
    story.save_revision().publish()
    return story


@pytest.fixture
def launch(story, chromium):
    """Start Debian's Chromium as a person's browser: `launch(user_agent)` gives a browser whose every
    request carries that user agent, including the beacon's last events, which Chromium sends after the
    page is gone and without the user agent a Playwright context sets. Started after the story is
    published: publishing tells the live newsroom through async_to_sync, which cannot run in this thread
    while Playwright's event loop does."""
    started = []

    def start(user_agent: str | None):
        args = [*CHROMIUM_ARGS, *([f"--user-agent={user_agent}"] if user_agent else [])]
        browser = chromium.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
        started.append(browser)
        return browser

    yield start
    for browser in started:
        browser.close()


def reader(launch, screen: dict, *, user_agent: str | None, scripts=(HIDE_WEBDRIVER,)):
    """A browser tab with the given screen and user agent; returns it and the beacon events it sends
    while the page lives (those sent as it goes away reach the server but not Playwright's request log)."""
    context = launch(user_agent).new_context(**screen, **({"user_agent": user_agent} if user_agent else {}))
    for script in scripts:
        context.add_init_script(script)
    sent = []
    context.on(
        "request",
        lambda request: request.url.endswith("/_r/e") and sent.append(json.loads(request.post_data)),
    )
    return context, context.new_page(), sent


def scroll_to_the_bottom(page):
    for _ in range(40):
        page.mouse.wheel(0, 1200)
        page.wait_for_timeout(100)
        if page.evaluate("scrollY + innerHeight >= document.documentElement.scrollHeight - 2"):
            return
    raise AssertionError("The story would not scroll to its end.")


def stored(story, *, until, timeout: float = 15) -> list[Event]:
    """The story's stored events once `until(events)` holds (ingest may buffer them in Redis first)."""
    deadline = time.monotonic() + timeout
    events = []
    while True:
        get_store().flush()
        try:
            events = list(Event.objects.filter(page_id=story.pk).order_by("occurred_at", "pk"))
        except OperationalError as error:
            # SQLite's shared in-memory test database locks a table while the live server's thread writes
            # to it, and a reader meets the lock at once rather than waiting: look again.
            if "locked" not in str(error):
                raise
        else:
            if until(events):
                return events
        if time.monotonic() > deadline:
            return events
        time.sleep(0.2)


def wait_for(page, condition, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("The beacon did not send what was expected in time.")
        page.wait_for_timeout(100)


@pytest.mark.parametrize(
    ("screen", "user_agent", "device"),
    [(LAPTOP, DESKTOP_CHROME, "desktop"), (PHONE, ANDROID_CHROME, "mobile")],
    ids=["laptop", "phone"],
)
def test_a_reader_opens_a_story_reads_scrolls_and_leaves(
    live_server, story, launch, screen, user_agent, device
):
    context, page, sent = reader(launch, screen, user_agent=user_agent)
    page.goto(live_server.url + story.url)
    assert page.evaluate("document.documentElement.scrollHeight > 3 * innerHeight")
    page.wait_for_timeout(3500)  # reading the top of the story
    scroll_to_the_bottom(page)
    page.wait_for_timeout(1000)
    page.goto("about:blank")  # leaving: the beacon reports on pagehide

    events = stored(story, until=lambda events: sum(e.scroll for e in events) >= 90)
    context.close()
    views = [e for e in events if e.kind == EventKind.PAGEVIEW]
    engagements = [e for e in events if e.kind == EventKind.ENGAGEMENT]
    assert len(views) == 1 and len(engagements) >= 1
    assert sum(e.engaged_seconds for e in engagements) >= 2
    assert 90 <= sum(e.scroll for e in engagements) <= 100
    (view,) = views
    assert (view.story_id, view.section_id, view.agency_id) == (story.pk, story.section_id, story.agency_id)
    assert view.author_id == story.authors.get().pk
    assert (view.device, view.referrer_class, view.channel) == (device, "direct", "web")
    assert {e.view for e in events} == {view.view} and {e.visitor for e in events} == {view.visitor}

    # On the wire, while the page lived: the page view, sequence 0, no referrer, no campaign, not automated.
    assert sent == [
        {
            "p": story.pk,
            "t": page_token(story.agency_id, story.pk),
            "i": view.view,
            "k": "pv",
            "s": 0,
            "r": "",
            "u": "",
        }
    ]


def test_without_send_beacon_fetch_keepalive_carries_the_events(live_server, story, launch):
    no_beacon = "delete Navigator.prototype.sendBeacon;"
    context, page, sent = reader(
        launch, LAPTOP, user_agent=DESKTOP_CHROME, scripts=(HIDE_WEBDRIVER, no_beacon)
    )
    page.goto(live_server.url + story.url)
    assert page.evaluate("typeof navigator.sendBeacon") == "undefined"
    page.wait_for_timeout(2500)
    scroll_to_the_bottom(page)
    page.goto("about:blank")

    events = stored(story, until=lambda events: sum(e.scroll for e in events) >= 90)
    context.close()
    assert [e.kind for e in events] == ["pageview", "engagement"]
    assert events[1].engaged_seconds >= 2 and events[1].scroll >= 90
    assert sent[0]["k"] == "pv"


def test_engaged_time_counts_only_while_the_reader_is_active(live_server, story, launch):
    """With the page's clock under the test's control: a report every 30 engaged seconds, none while idle."""
    context, page, sent = reader(launch, LAPTOP, user_agent=DESKTOP_CHROME)
    page.clock.install()
    page.goto(live_server.url + story.url)
    wait_for(page, lambda: len(sent) == 1)
    for step in range(3):  # half a minute of reading, moving the pointer now and then
        page.mouse.move(200 + 40 * step, 300)
        page.clock.run_for(10_000)
    page.clock.run_for(1_000)
    wait_for(page, lambda: len(sent) == 2)
    assert sent[1]["s"] == 1 and 29 <= sent[1]["e"] <= 31

    page.clock.run_for(150_000)  # the reader walked away from the screen
    page.wait_for_timeout(1000)
    assert len(sent) == 2, "nothing new to report while nobody reads"
    page.goto("about:blank")
    events = stored(story, until=lambda events: len(events) == 3)
    context.close()

    assert [e.kind for e in events] == ["pageview", "engagement", "engagement"]
    assert events[1].engaged_seconds == sent[1]["e"]
    # Engaged until 30 s after the last movement (about 50 s in all), though the tab was open three minutes.
    assert 48 <= events[1].engaged_seconds + events[2].engaged_seconds <= 52


def test_a_reader_asking_for_global_privacy_control_sends_nothing(live_server, story, launch):
    context, page, sent = reader(launch, LAPTOP, user_agent=DESKTOP_CHROME, scripts=(HIDE_WEBDRIVER, ASK_GPC))
    page.goto(live_server.url + story.url)
    assert page.evaluate("navigator.globalPrivacyControl") is True
    assert page.locator("script[src$='/readers/r.js']").count() == 1  # the script is there, and keeps quiet
    page.wait_for_timeout(2000)
    scroll_to_the_bottom(page)
    page.goto("about:blank")
    page.wait_for_timeout(1500)
    context.close()

    assert sent == []
    assert stored(story, until=bool, timeout=1) == []


def test_a_plain_headless_browser_is_dropped_as_a_bot(live_server, story, launch):
    context, page, sent = reader(launch, LAPTOP, user_agent=None, scripts=())
    page.goto(live_server.url + story.url)
    assert "HeadlessChrome" in page.evaluate("navigator.userAgent") and page.evaluate("navigator.webdriver")
    page.wait_for_timeout(2000)
    scroll_to_the_bottom(page)
    page.goto("about:blank")

    def bots():
        return IngestCount.objects.filter(reason="bot").aggregate(n=Sum("count"))["n"] or 0

    # The browser stays open until the server has both: closing it at once could cut off the last beacon.
    deadline = time.monotonic() + 15
    while bots() < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    context.close()

    # The page view while the page lived, and its engagement as it went away: both sent, both dropped.
    (view,) = sent
    assert view["k"] == "pv" and view["w"] == 1
    assert bots() == 2
    assert stored(story, until=bool, timeout=1) == []
