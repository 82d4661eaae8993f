"""The story editor's Distribution tab: the agency's channels, ticks saved at once, and previews."""

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import PageLogEntry

from distribution.models import StoryChannelChoice
from newsroom.models import Role, StoryPage
from tests.distribution.test_admin_channels import EXTRA, make_channel, outcome, speaks_english
from tests.distribution.test_admin_deliveries import make_delivery
from tests.factories import make_story, make_user, section_of

pytestmark = pytest.mark.django_db
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def other_manager(other_agency):
    return make_user(username="soctrang-quanly", agency=other_agency, role=Role.MANAGER)


@pytest.fixture
def story(agency):
    return make_story(section=section_of(agency), publish=False, title="Hải Dương mở hội vải thiều")


@pytest.fixture
def channels(agency, other_agency):
    return {
        "zalo": make_channel(agency, "Zalo Báo Hải Dương", settings={"app_id": "4318"}),
        "video": make_channel(agency, "Kênh video", kind="telegram", formats=["video"]),
        "off": make_channel(agency, "Kênh đã tắt", kind="mastodon", enabled=False),
        "foreign": make_channel(other_agency, "Kênh Sóc Trăng"),
    }


def edit_page(client, story):
    return client.get(reverse("wagtailadmin_pages:edit", args=[story.pk]))


def choose(client, story, channel, selected, **extra):
    url = reverse("distribution_story_channels", args=[story.pk])
    return client.post(url, {"channel": channel.pk, "selected": "1" if selected else "0"}, **extra)


def test_the_editor_has_a_distribution_tab_with_the_agencys_enabled_channels(client, staff, story, channels):
    client.force_login(speaks_english(staff[Role.EDITOR]))
    with translation.override("en"):
        response = edit_page(client, story)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Distribution" in html and "distribution/js/story-channels.js" in html
    assert "Zalo Báo Hải Dương" in html and "Kênh video" in html
    assert "Kênh đã tắt" not in html and "Kênh Sóc Trăng" not in html
    boxes = {
        channel: html.split(f'value="{channel.pk}" data-distribution-choice')[1].split(">")[0]
        for channel in (channels["zalo"], channels["video"])
    }
    assert "checked" in boxes[channels["zalo"]]  # the rules send a news story there
    assert "checked" not in boxes[channels["video"]]  # only video stories go there
    assert reverse("distribution_story_preview", args=[story.pk, channels["zalo"].pk]) in html


def test_the_latest_delivery_and_the_post_link_are_shown(client, staff, story, channels):
    make_delivery(channels["zalo"], story=story, remote_url="", last_error="HTTP 400: ảnh bìa quá nhỏ")
    client.force_login(staff[Role.EDITOR])
    html = edit_page(client, story).content.decode()
    assert "distribution-state--failed" in html and "ảnh bìa quá nhỏ" in html
    from distribution.models import Publication

    Publication.objects.create(
        story=story,
        story_title=story.title,
        channel=channels["zalo"],
        remote_id="77",
        remote_url="https://oa.zalo.me/77",
    )
    assert 'href="https://oa.zalo.me/77"' in edit_page(client, story).content.decode()


def test_a_new_story_says_channels_come_after_the_first_save(client, staff, agency, channels):
    client.force_login(speaks_english(staff[Role.REPORTER]))
    url = reverse("wagtailadmin_pages:add", args=["newsroom", "storypage", section_of(agency).pk])
    with translation.override("en"):
        html = client.get(url).content.decode()
    assert "Channels can be chosen after the story is saved for the first time." in html
    assert "data-distribution-choice" not in html


def test_a_tick_is_stored_logged_and_shown_after_reload(client, staff, story, channels):
    editor = staff[Role.EDITOR]
    client.force_login(editor)
    response = choose(client, story, channels["zalo"], False, **XHR)
    assert response.status_code == 200 and response.json()["selected"] is False
    choice = StoryChannelChoice.objects.get(story=story, channel=channels["zalo"])
    assert (choice.selected, choice.chosen_by) == (False, editor)
    entry = PageLogEntry.objects.get(page=story, action="distribution.channel_choice")
    assert entry.data == {
        "channel": "Zalo Báo Hải Dương",
        "channel_id": channels["zalo"].pk,
        "selected": False,
    }

    html = edit_page(client, story).content.decode()
    box = html.split(f'value="{channels["zalo"].pk}" data-distribution-choice')[1].split(">")[0]
    assert "checked" not in box

    assert choose(client, story, channels["video"], True, **XHR).status_code == 200
    assert StoryChannelChoice.objects.get(story=story, channel=channels["video"]).selected


def test_a_channel_of_another_agency_is_refused(client, staff, story, channels):
    client.force_login(staff[Role.EDITOR])
    response = choose(client, story, channels["foreign"], True, **XHR)
    assert response.status_code == 404 and "error" in response.json()
    assert not StoryChannelChoice.objects.exists()


def test_saving_the_story_leaves_the_choices_alone(client, staff, story, channels):
    """The panel's checkboxes have no name: the page form never submits them."""
    client.force_login(staff[Role.EDITOR])
    html = edit_page(client, story).content.decode()
    box = html.split(f'value="{channels["zalo"].pk}" data-distribution-choice')[0].rsplit("<input", 1)[1]
    assert "name=" not in box


STORY_URLS = ("choose", "preview")
EXPECTED = {
    Role.REPORTER: dict.fromkeys(STORY_URLS, "refused"),  # not the story's owner: may not edit it
    Role.EDITOR: dict.fromkeys(STORY_URLS, "shown"),
    Role.EDITOR_IN_CHIEF: dict.fromkeys(STORY_URLS, "shown"),
    Role.MANAGER: dict.fromkeys(STORY_URLS, "refused"),  # managers do not edit stories
    "other_manager": dict.fromkeys(STORY_URLS, "hidden"),
    "anonymous": dict.fromkeys(STORY_URLS, "login"),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_role_matrix_of_the_story_views(client, staff, other_manager, story, channels, who):
    user = {"other_manager": other_manager, "anonymous": None}[who] if who in EXTRA else staff[who]
    if user:
        client.force_login(user)
    seen = {
        "choose": outcome(choose(client, story, channels["zalo"], False)),
        "preview": outcome(
            client.get(reverse("distribution_story_preview", args=[story.pk, channels["zalo"].pk]))
        ),
    }
    assert seen == EXPECTED[who]
    assert StoryChannelChoice.objects.exists() == (seen["choose"] == "shown")


def test_a_reporter_chooses_channels_for_their_own_draft(client, staff, agency, channels):
    reporter = staff[Role.REPORTER]
    draft = make_story(section=section_of(agency), publish=False, owner=reporter)
    client.force_login(reporter)
    assert choose(client, draft, channels["zalo"], False, **XHR).status_code == 200


def test_a_refusal_answers_403_to_the_panels_script(client, staff, story, channels):
    client.force_login(staff[Role.MANAGER])
    assert choose(client, story, channels["zalo"], False, **XHR).status_code == 403


def test_preview_shows_the_post_as_the_channel_renders_it_and_the_payload(client, staff, story, channels):
    story.sapo = "Vải thiều Thanh Hà vào mùa <ngọt>."
    story.save_revision()  # the preview follows the latest saved revision, published or not
    client.force_login(speaks_english(staff[Role.EDITOR]))
    with translation.override("en"):
        response = client.get(reverse("distribution_story_preview", args=[story.pk, channels["zalo"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<iframe" in html and 'sandbox="allow-same-origin"' in html
    srcdoc = html.split('srcdoc="')[1].split('"')[0]  # the whole post, escaped into one attribute
    assert "&lt;article class=&quot;zalo-preview&quot;&gt;" in srcdoc
    assert "&lt;h1&gt;Hải Dương mở hội vải thiều&lt;/h1&gt;" in srcdoc
    assert "&amp;lt;ngọt&amp;gt;" in srcdoc  # escaped by the adapter, then again into the attribute
    assert "<details" in html and "&quot;description&quot;" in html  # the raw payload JSON
    foreign = reverse("distribution_story_preview", args=[story.pk, channels["foreign"].pk])
    assert client.get(foreign).status_code == 404


def test_the_editor_tabs_come_from_a_hook_newsroom_does_not_import():
    handler = StoryPage.get_edit_handler()
    headings = [str(tab.heading) for tab in handler.children]
    with translation.override("en"):
        assert [str(tab.heading) for tab in handler.children][-1] == "Distribution"
    assert len(headings) == 4
    assert StoryPage.get_edit_handler() is handler  # still cached
