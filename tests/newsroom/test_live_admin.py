"""The live newsroom in the admin: the socket and toasts script on every page, its words translated on the
server, and the story editor telling each editor who else has the story open."""

import json
import re

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.admin.models import EditingSession

from newsroom.board import agency_board
from newsroom.models import Role
from tests.factories import make_story, section_of
from tests.newsroom.test_board import in_english

pytestmark = pytest.mark.django_db


def live_config(page: str) -> dict:
    found = re.search(r'<script id="newsroom-live-config" type="application/json">(.*?)</script>', page, re.S)
    assert found, "no live config on the page"
    return json.loads(found.group(1))


@pytest.mark.parametrize("url_name", ["wagtailadmin_home", "newsroom_board", "wagtailadmin_explore_root"])
def test_every_admin_page_carries_the_socket_and_toasts(client, agency, staff, url_name):
    client.force_login(staff[Role.REPORTER])
    page = client.get(reverse(url_name), follow=True).content.decode()
    assert "newsroom/live/socket.js" in page and "newsroom/live/toasts.js" in page
    assert "newsroom/live/live.css" in page
    assert page.count("newsroom/live/socket.js") == 1  # one socket per tab, the board's included


def test_toast_words_come_translated_from_the_server(client, agency, staff):
    client.force_login(in_english(staff[Role.EDITOR]))
    config = live_config(client.get(reverse("wagtailadmin_home")).content.decode())
    with translation.override("en"):
        assert config["messages"]["story.filed"] == "%(by)s filed “%(title)s”"
        assert config["dismiss"] == "Dismiss"
    expected = {
        "story.filed",
        "story.submitted",
        "story.approved",
        "story.rejected",
        "story.published",
        "story.scheduled",
        "comment.added",
        "assignment.created",
        "delivery.failed",
    }
    assert expected <= set(config["messages"])
    assert config["story_url"] == reverse("wagtailadmin_pages:edit", args=[0])


def test_the_login_page_opens_no_socket(client, agency):
    page = client.get(reverse("wagtailadmin_login")).content.decode()
    # The script is there (Wagtail gives hooks no request) but opens nothing without the admin's sidebar.
    assert "data-wagtail-sidebar" not in page


def test_the_editor_shows_who_else_has_the_story_open(client, agency, staff):
    story = make_story(
        section=section_of(agency), publish=False, owner=staff[Role.REPORTER], title="Đang sửa"
    )
    edit = reverse("wagtailadmin_pages:edit", args=[story.pk])

    client.force_login(staff[Role.EDITOR])
    assert client.get(edit).status_code == 200
    editor_session = EditingSession.objects.get(user=staff[Role.EDITOR])

    client.force_login(staff[Role.EDITOR_IN_CHIEF])
    page = client.get(edit).content.decode()
    assert 'data-controller="w-swap w-action w-session"' in page  # Wagtail's presence module is on
    chief_session = EditingSession.objects.get(user=staff[Role.EDITOR_IN_CHIEF])
    ping = reverse(
        "wagtailadmin_editing_sessions:ping", args=["wagtailcore", "page", story.pk, chief_session.pk]
    )
    answer = client.post(ping, {"is_editing": "1"}).json()
    assert [other["user"] for other in answer["other_sessions"]] == [f"Thử {staff[Role.EDITOR].username}"]
    assert f"Thử {staff[Role.EDITOR].username}" in answer["html"]

    # The board shows both, the one with unsaved changes as editing.
    card = agency_board(agency=agency).columns[0].cards[0]
    assert card.title == "Đang sửa"
    assert {(e["name"], e["editing"]) for e in card.editors} == {
        (f"Thử {staff[Role.EDITOR].username}", False),
        (f"Thử {staff[Role.EDITOR_IN_CHIEF].username}", True),
    }
    assert editor_session.pk != chief_session.pk
