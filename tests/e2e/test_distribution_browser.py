"""A manager adds the agency's Zalo account; an editor chooses a story's channels, previews it on Zalo and
retries a failed delivery."""

from urllib.parse import urlparse

import pytest
from wagtail.models import Site

from distribution.adapters import adapter_class
from distribution.models import Channel, Delivery, DeliveryAction, DeliveryState, StoryChannelChoice
from newsroom.models import Role
from tests.e2e.conftest import screenshot
from tests.e2e.test_newsroom_browser import login
from tests.factories import make_agency, make_story, make_user, section_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ACCESS_TOKEN = "zalo-oa-access-7c1e0b9a8d2f4e6a9b3c5d7e"
TITLE = "Hải Dương mở hội vải thiều Thanh Hà"


@pytest.fixture
def served_agency(live_server):
    url = urlparse(live_server.url)
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương", hostname=url.hostname, port=url.port)
    Site.objects.filter(pk=agency.site.pk).update(is_default_site=True)
    return agency


@pytest.fixture
def story(served_agency):
    # Published before the browser starts: publishing tells the live newsroom through async_to_sync, which
    # must not run in the thread where Playwright keeps its event loop.
    return make_story(
        section=section_of(served_agency),
        title=TITLE,
        sapo="Vải thiều Thanh Hà vào vụ, nông dân phấn khởi vì được mùa, được giá.",
    )


def screenshot_whole(page, name):
    """The admin scrolls inside its own pane, so a full-page picture is one window: grow the window."""
    height = page.evaluate("Math.max(...Array.from(document.querySelectorAll('*'), e => e.scrollHeight))")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(height, 4000)})
    screenshot(page, name)
    page.set_viewport_size(size)


def open_distribution_tab(page):
    """The editor's Distribution tab, found by what it holds (its label follows the user's language)."""
    panel = page.locator("[role=tabpanel]", has=page.locator("[data-distribution-story]"))
    page.locator(f'[role=tab][href="#{panel.get_attribute("id")}"]').click()
    panel.locator("[data-distribution-story]").wait_for()
    return panel


def test_manager_adds_a_zalo_channel_and_an_editor_distributes_a_story(
    live_server, served_agency, story, laptop
):
    manager = make_user(username="quanly", agency=served_agency, role=Role.MANAGER)
    editor = make_user(username="bientap", agency=served_agency, role=Role.EDITOR)

    # The manager adds the agency's Zalo Official Account.
    login(laptop, live_server.url, manager.username)
    laptop.goto(live_server.url + "/admin/distribution/channels/new/")
    domestic = laptop.locator("input[name=domestic]")
    laptop.select_option("select[name=kind]", "telegram")
    assert laptop.locator('[data-platform="telegram"]').is_visible()
    assert not laptop.locator('[data-platform="zalo"]').is_visible()
    assert not domestic.is_checked()  # Telegram is a foreign platform
    laptop.select_option("select[name=kind]", "zalo")
    assert domestic.is_checked() and not laptop.locator('[data-platform="telegram"]').is_visible()
    laptop.fill("input[name=name]", "Báo Hải Dương trên Zalo")
    laptop.fill("input[name=platform__zalo__setting__app_id]", "4318772")
    laptop.fill("input[name=platform__zalo__credential__access_token]", ACCESS_TOKEN)
    laptop.fill("input[name=platform__zalo__credential__refresh_token]", "zalo-refresh-0a1b2c3d4e5f")
    laptop.fill("input[name=platform__zalo__credential__secret_key]", "zalo-app-secret-9z8y7x")
    assert set(adapter_class("zalo").credential_fields) == {"access_token", "refresh_token", "secret_key"}
    screenshot_whole(laptop, "distribution-channel-form")
    laptop.locator("#w-editor-form footer button[type=submit]").first.click()
    laptop.wait_for_url("**/admin/distribution/channels/")
    assert "Báo Hải Dương trên Zalo" in laptop.content()
    assert ACCESS_TOKEN not in laptop.content()
    screenshot(laptop, "distribution-channels-list")

    channel = Channel.objects.get(name="Báo Hải Dương trên Zalo")
    assert (channel.kind, channel.domestic, channel.credentials["access_token"]) == (
        "zalo",
        True,
        ACCESS_TOKEN,
    )

    # The story went out to the channel, and the platform refused it.
    Delivery.objects.create(
        story=story,
        story_title=story.title,
        revision=story.live_revision,
        channel=channel,
        action=DeliveryAction.PUBLISH,
        state=DeliveryState.FAILED,
        attempts=8,
        last_error="Zalo cần ảnh bìa: hãy chọn ảnh đại diện cho tin.",
    )

    # The editor opens the story: the channel is ticked by its rules; unticking and ticking are kept.
    laptop.context.clear_cookies()  # the manager leaves; the editor signs in on the same laptop
    login(laptop, live_server.url, editor.username)
    edit_url = f"{live_server.url}/admin/pages/{story.pk}/edit/"
    laptop.goto(edit_url)
    panel = open_distribution_tab(laptop)
    box = panel.locator(f'input[data-distribution-choice][value="{channel.pk}"]')
    assert box.is_checked()
    assert panel.locator(".distribution-state--failed").is_visible()
    box.uncheck()
    panel.locator('[data-distribution-status][data-state="saved"]').wait_for()
    screenshot(laptop, "distribution-story-panel")
    assert not StoryChannelChoice.objects.get(story=story, channel=channel).selected

    # Nothing unsaved in the page form (a leave-page warning would stop the reload): the tick went alone.
    dialogs = []
    laptop.on("dialog", lambda dialog: dialogs.append(dialog.type) or dialog.accept())
    laptop.evaluate("window.beforeReload = true")
    laptop.reload()
    assert laptop.evaluate("window.beforeReload === undefined") and dialogs == []
    panel = open_distribution_tab(laptop)
    box = panel.locator(f'input[data-distribution-choice][value="{channel.pk}"]')
    assert not box.is_checked()
    box.check()
    panel.locator('[data-distribution-status][data-state="saved"]').wait_for()
    laptop.reload()
    panel = open_distribution_tab(laptop)
    assert panel.locator(f'input[data-distribution-choice][value="{channel.pk}"]').is_checked()

    # The preview opens in a new tab: the post as Zalo will show it, and the payload.
    with laptop.context.expect_page() as opened:
        panel.locator("[data-distribution-preview]").first.click()
    preview = opened.value
    preview.wait_for_load_state()
    frame = preview.frame_locator("[data-distribution-preview-frame]")
    assert frame.locator("h1").inner_text() == TITLE
    preview.locator(".distribution-payload summary").click()
    assert (
        '"title": "Hải Dương mở hội vải thiều Thanh Hà"'
        in preview.locator(".distribution-payload pre").inner_text()
    )
    screenshot(preview, "distribution-preview")
    preview.close()

    # The failed list shows the refusal; the editor retries it.
    laptop.goto(live_server.url + "/admin/distribution/deliveries/failed/")
    row = laptop.locator("tr", has_text=TITLE)
    assert "Zalo cần ảnh bìa" in row.inner_text()
    screenshot(laptop, "distribution-failed-list")
    row.locator(".distribution-retry button").click()
    laptop.wait_for_url("**/admin/distribution/deliveries/failed/")
    message = laptop.locator(".messages .success")
    message.wait_for()
    assert TITLE in message.inner_text()
    assert laptop.locator("tr", has_text=TITLE).count() == 0
    laptop.evaluate("Promise.all(document.getAnimations().map(animation => animation.finished))")
    screenshot(laptop, "distribution-failed-retried")
    delivery = Delivery.objects.get(story=story)
    assert (delivery.state, delivery.attempts, delivery.requested_by) == (DeliveryState.PENDING, 0, editor)

    laptop.goto(live_server.url + "/admin/distribution/deliveries/")
    assert laptop.locator("tr", has_text=TITLE).locator(".distribution-state--pending").is_visible()
    screenshot(laptop, "distribution-deliveries-log")
