"""The filing view's page, service worker, lists and admin menu item; Wagtail's own autosave for stories."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from newsroom.models import Assignment, AssignmentState, Role
from tests.factories import make_story
from tests.newsroom.test_filing import AJAX, API, draft_json, post

pytestmark = pytest.mark.django_db


def test_desk_lists_open_assignments_and_drafts_with_their_status(
    reporter_client, reporter, staff, agency, section
):
    Assignment.objects.create(
        agency=agency, title="Quá hạn rồi", reporter=reporter, deadline=timezone.now() - timedelta(hours=1)
    )
    Assignment.objects.create(
        agency=agency,
        title="Đã huỷ",
        reporter=reporter,
        deadline=timezone.now(),
        state=AssignmentState.CANCELLED,
    )
    Assignment.objects.create(
        agency=agency, title="Của người khác", reporter=staff[Role.EDITOR], deadline=timezone.now()
    )
    draft = post(reporter_client, API, draft_json(section)).json()["story"]
    sent = post(reporter_client, API, draft_json(section, title="Đã gửi")).json()["story"]
    submitted = post(reporter_client, f"{API}{sent['id']}/submit/", {})
    assert submitted.status_code == 200, submitted.content
    make_story(section=section, publish=True, owner=reporter, title="Đã đăng")

    desk = reporter_client.get("/admin/filing/api/desk/", **AJAX).json()
    assert [a["title"] for a in desk["assignments"]] == ["Quá hạn rồi"]
    assert desk["assignments"][0]["overdue"] is True
    statuses = {d["id"]: d["status"] for d in desk["drafts"]}
    assert statuses == {draft["id"]: "draft", sent["id"]: "in_review"}
    assert [s["id"] for s in desk["sections"]][0] == section.pk


def test_the_page_is_a_light_standalone_page_with_its_hooks_and_texts(reporter_client):
    response = reporter_client.get("/admin/filing/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        '<html lang="en">' in html
        and "Send to the desk" in html
        and '"synced_at": "Saved to the server at' in html
    )
    assert (
        '<html lang="vi">'
        in reporter_client.get("/admin/filing/", HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    )
    assert "wagtailadmin/js" not in html  # not the admin's chrome
    for hook in ("data-filing-headline", "data-filing-files", "data-filing-status", "data-filing-submit"):
        assert hook in html
    assert 'id="filing-texts"' in html and 'id="filing-config"' in html and 'id="filing-desk"' in html
    assert 'capture="environment"' in html and 'accept="image/*,video/*,audio/*"' in html


def test_the_service_worker_is_served_with_its_scope(reporter_client):
    response = reporter_client.get("/admin/filing/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/admin/filing/"
    assert "/static/newsroom/filing/filing.js" in response.content.decode()


def test_menu_item_for_staff_who_file(client, reporter, staff):
    client.force_login(reporter)
    assert "File a story" in client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(staff[Role.MANAGER])  # no page permissions: nothing to file
    assert "File a story" not in client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_wagtails_autosave_is_on_in_the_story_editor(client, reporter, section):
    story = make_story(section=section, publish=False, owner=reporter)
    client.force_login(reporter)
    html = client.get(reverse("wagtailadmin_pages:edit", args=[story.pk])).content.decode()
    assert re.search(r'data-controller="[^"]*\bw-autosave\b', html)  # the edit form's controller
    interval = re.search(r'data-w-autosave-interval-value="(\d+)"', html)
    assert interval and int(interval.group(1)) > 0
