"""An editor's newsroom board in a real browser, served over ASGI: it updates itself, without a reload,
as stories are submitted, approved, published and opened by colleagues; toasts tell what happened."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from wagtail.models import Site

from newsroom.models import Assignment, Role
from tests.e2e.conftest import off_the_browser_thread, screenshot
from tests.factories import PASSWORD, make_agency, make_story, make_user, section_of
from tests.newsroom.test_board import approve, open_in_editor, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
WAIT = 10_000  # ms: events cross the channel layer and the board refetches after a short settle


@pytest.fixture
def newsroom(asgi_live_server):
    url = urlparse(asgi_live_server.url)
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương", hostname=url.hostname, port=url.port)
    Site.objects.filter(pk=agency.site.pk).update(is_default_site=True)
    people = {}
    for role, first, last in [
        (Role.REPORTER, "Nguyễn Văn", "A"),
        (Role.EDITOR, "Trần Thị", "B"),
        (Role.EDITOR_IN_CHIEF, "Lê Văn", "C"),
    ]:
        user = people[role] = make_user(username=f"hd-{role}", agency=agency, role=role)
        user.first_name, user.last_name = first, last
        user.save()
    section = section_of(agency)
    story = make_story(section=section, publish=False, owner=people[Role.REPORTER], title="Lũ sông Thái Bình")
    make_story(section=section, owner=people[Role.REPORTER], title="Khai mạc hội chợ xuân")
    Assignment.objects.create(
        agency=agency,
        title="Phỏng vấn chủ tịch tỉnh",
        reporter=people[Role.REPORTER],
        assigned_by=people[Role.EDITOR],
        deadline=timezone.now() - timedelta(hours=1),
        section=section,
    )
    return {"agency": agency, "story": story, **people}


def login(page, base_url, user):
    page.goto(f"{base_url}/admin/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def card_in(page, column, title):
    return page.locator(f'[data-column="{column}"] .nr-card', has_text=title)


def test_editors_board_updates_itself_as_the_story_moves(asgi_live_server, newsroom, laptop):
    base, story = asgi_live_server.url, newsroom["story"]
    reporter, editor, chief = newsroom[Role.REPORTER], newsroom[Role.EDITOR], newsroom[Role.EDITOR_IN_CHIEF]
    login(laptop, base, editor)
    laptop.goto(f"{base}/admin/board/")
    laptop.wait_for_selector('[data-board-live][data-state="live"]', timeout=WAIT)
    assert card_in(laptop, "filed", "Lũ sông Thái Bình").is_visible()
    assert card_in(laptop, "published", "Khai mạc hội chợ xuân").is_visible()
    overdue = laptop.locator("[data-assignment][data-overdue]")
    assert overdue.count() == 1 and "Phỏng vấn chủ tịch tỉnh" in overdue.inner_text()
    assert overdue.locator(".nr-badge--overdue").evaluate("e => getComputedStyle(e).backgroundColor") != ""
    laptop.evaluate("window.sameDocument = true")  # gone if the page reloads
    screenshot(laptop, "board-laptop")

    # The reporter sends the story to the desk: it moves to "in review", and a toast says who did it.
    off_the_browser_thread(submit, story, reporter)
    card_in(laptop, "in_review", "Lũ sông Thái Bình").wait_for(timeout=WAIT)
    assert card_in(laptop, "filed", "Lũ sông Thái Bình").count() == 0
    toast = laptop.locator('[data-toast="story.submitted"]')
    toast.wait_for(timeout=WAIT)
    assert "Nguyễn Văn A" in toast.inner_text() and "Lũ sông Thái Bình" in toast.inner_text()
    assert toast.locator("a").get_attribute("href") == f"/admin/pages/{story.pk}/edit/"
    assert laptop.locator("[data-toasts]").get_attribute("aria-live") == "polite"
    screenshot(laptop, "board-submitted-toast")

    # The editor-in-chief opens it: the card says so.
    off_the_browser_thread(open_in_editor, story, chief)
    laptop.locator(f'[data-story="{story.pk}"] [data-editors]', has_text="Lê Văn C").wait_for(timeout=WAIT)

    # Approved by the editor (in this browser: no toast for one's own action), then published by the chief.
    off_the_browser_thread(approve, story, editor)
    card_in(laptop, "approved", "Lũ sông Thái Bình").wait_for(timeout=WAIT)
    off_the_browser_thread(approve, story, chief)
    card_in(laptop, "published", "Lũ sông Thái Bình").wait_for(timeout=WAIT)
    laptop.locator('[data-toast="story.published"]').wait_for(timeout=WAIT)
    assert laptop.locator('[data-toast="story.approved"]').count() == 0
    assert laptop.evaluate("window.sameDocument") is True
    screenshot(laptop, "board-published")

    # Toasts can be dismissed.
    laptop.locator('[data-toast="story.published"] .nr-toast__close').click()
    laptop.locator('[data-toast="story.published"]').wait_for(state="detached", timeout=WAIT)


def test_the_board_reconnects_when_the_socket_drops(asgi_live_server, newsroom, laptop):
    base, story = asgi_live_server.url, newsroom["story"]
    login(laptop, base, newsroom[Role.EDITOR])
    laptop.goto(f"{base}/admin/board/")
    laptop.wait_for_selector('[data-board-live][data-state="live"]', timeout=WAIT)
    # The network goes and takes the socket with it (the browser's offline mode spares open sockets).
    laptop.context.set_offline(True)
    laptop.evaluate("window.NewsroomLive.socket.close(4000)")
    laptop.wait_for_selector('[data-board-live][data-state="reconnecting"]', timeout=WAIT)
    # While the socket is down the story moves; once back, the board catches up by itself.
    off_the_browser_thread(submit, story, newsroom[Role.REPORTER])
    laptop.context.set_offline(False)
    laptop.wait_for_selector('[data-board-live][data-state="live"]', timeout=20_000)
    card_in(laptop, "in_review", "Lũ sông Thái Bình").wait_for(timeout=WAIT)


def test_board_on_a_phone(asgi_live_server, newsroom, phone):
    base = asgi_live_server.url
    login(phone, base, newsroom[Role.EDITOR])
    phone.goto(f"{base}/admin/board/")
    phone.wait_for_selector('[data-board-live][data-state="live"]', timeout=WAIT)
    # The columns scroll sideways inside the board; the page itself is never wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert card_in(phone, "filed", "Lũ sông Thái Bình").is_visible()
    screenshot(phone, "board-phone")
