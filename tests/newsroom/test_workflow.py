"""The default workflow, through the admin as staff use it: reporter → editor → editor-in-chief."""

import pytest
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from newsroom.models import Role, StoryPage
from tests.factories import section_of

pytestmark = pytest.mark.django_db


def story_form(**overrides):
    data = {
        "title": "Hải Dương đẩy mạnh chuyển đổi số báo chí",
        "slug": "hai-duong-chuyen-doi-so",
        "kicker": "Chuyển đổi số",
        "sapo": "Tỉnh đặt mục tiêu 100% cơ quan báo chí đưa nội dung lên nền tảng số vào năm 2030.",
        "body": streamfield([("paragraph", rich_text("<p>Nội dung chính của tin.</p>"))]),
        "format": "news",
        "language": "vi",
        "tags": "chuyển đổi số",
        "corrections": inline_formset([]),
        "comments": inline_formset([]),
        "seo_title": "",
        "search_description": "",
        "canonical_url": "",
    }
    data.update(overrides)
    return nested_form_data(data)


def add_url(section):
    return reverse("wagtailadmin_pages:add", args=["newsroom", "storypage", section.pk])


def create_as(client, user, section, **overrides):
    client.force_login(user)
    response = client.post(add_url(section), story_form(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return StoryPage.objects.get(slug=overrides.get("slug", "hai-duong-chuyen-doi-so"))


def test_draft_saves_without_sapo_but_submission_requires_it(client, agency, staff):
    section = section_of(agency)
    story = create_as(client, staff[Role.REPORTER], section, sapo="")
    assert not story.live and story.sapo == ""
    edit = reverse("wagtailadmin_pages:edit", args=[story.pk])
    response = client.post(edit, story_form(sapo="", **{"action-submit": "Submit"}))
    assert response.status_code == 200  # the form comes back with the error
    assert not WorkflowState.objects.filter(object_id=str(story.pk)).exists()


def test_reporter_cannot_publish(client, agency, staff):
    section = section_of(agency)
    client.force_login(staff[Role.REPORTER])
    client.post(add_url(section), story_form(**{"action-publish": "Publish"}))
    story = StoryPage.objects.get(slug="hai-duong-chuyen-doi-so")
    assert not story.live


def workflow_action(client, user, story, action, comment=""):
    client.force_login(user)
    task_state = TaskState.objects.get(workflow_state__object_id=str(story.pk), status="in_progress")
    url = reverse("wagtailadmin_pages:workflow_action", args=[story.pk, action, task_state.pk])
    response = client.post(url, {"comment": comment} if comment else {})
    assert response.status_code in (200, 302), response.content.decode()[:500]
    return task_state


def test_submit_review_reject_resubmit_and_two_approvals_publish(client, agency, staff):
    section = section_of(agency)
    story = create_as(client, staff[Role.REPORTER], section, **{"action-submit": "Submit"})
    state = WorkflowState.objects.get(object_id=str(story.pk))
    assert state.status == "in_progress"
    assert state.current_task_state.task.specific.groups.get() == agency.group_for(Role.EDITOR)

    # The editor-in-chief cannot act on the editor's step; the editor rejects with a comment.
    client.force_login(staff[Role.EDITOR_IN_CHIEF])
    task_state = TaskState.objects.get(workflow_state=state, status="in_progress")
    url = reverse("wagtailadmin_pages:workflow_action", args=[story.pk, "reject", task_state.pk])
    client.post(url, {"comment": "không phải tôi"})
    task_state.refresh_from_db()
    assert task_state.status == "in_progress"

    workflow_action(client, staff[Role.EDITOR], story, "reject", comment="Cần thêm nguồn trích dẫn.")
    state.refresh_from_db()
    assert state.status == "needs_changes"
    client.force_login(staff[Role.REPORTER])
    page = client.get(reverse("wagtailadmin_pages:edit", args=[story.pk])).content.decode()
    assert "Cần thêm nguồn trích dẫn." in page

    # Resubmit, then the editor approves and the editor-in-chief approves, which publishes.
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[story.pk]),
        story_form(**{"action-restart-workflow": "Resubmit"}),
    )
    assert response.status_code == 302
    workflow_action(client, staff[Role.EDITOR], story, "approve")
    story.refresh_from_db()
    assert not story.live
    workflow_action(client, staff[Role.EDITOR_IN_CHIEF], story, "approve")
    story.refresh_from_db()
    assert story.live
    # Resubmitting closed the rejected run and started a fresh one, which is the one approved.
    assert WorkflowState.objects.get(pk=state.pk).status == "cancelled"
    assert WorkflowState.objects.filter(object_id=str(story.pk)).latest("created_at").status == "approved"


def test_editor_in_chief_publishes_and_schedules_directly(client, agency, staff):
    from datetime import timedelta

    from django.utils import timezone

    section = section_of(agency)
    client.force_login(staff[Role.EDITOR_IN_CHIEF])
    go_live = timezone.localtime(timezone.now() + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    client.post(add_url(section), story_form(go_live_at=go_live, **{"action-publish": "Publish"}))
    story = StoryPage.objects.get(slug="hai-duong-chuyen-doi-so")
    assert not story.live
    assert story.scheduled_revision is not None
