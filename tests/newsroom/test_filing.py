"""The reporter's filing view: its services and JSON API, through Django's test client."""

import json
import uuid
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.models import PageLogEntry, WorkflowState
from wagtailmedia.models import get_media_model

from newsroom.filing.drafts import StoryDraft, draft_of
from newsroom.filing.services import FilingConflict, FilingData, file_story, submit_story, update_story
from newsroom.models import Assignment, AssignmentState, Role, StoryPage
from tests.factories import make_image, make_story, make_user, section_of

pytestmark = pytest.mark.django_db

API = "/admin/filing/api/stories/"
AJAX = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def draft_json(section, **fields):
    data = {
        "filing_id": str(uuid.uuid4()),
        "base_revision": None,
        "section": section.pk,
        "title": "Mưa lớn gây ngập ở Thanh Hà",
        "sapo": "Mưa lớn kéo dài từ đêm qua khiến nhiều tuyến đường ở huyện Thanh Hà ngập sâu.",
        "text": "Đoạn thứ nhất.\nCùng đoạn, dòng hai.\n\nĐoạn thứ hai.",
        "assets": [],
        "location": "Thanh Hà, Hải Dương",
        "latitude": 20.9,
        "longitude": 106.43,
        "desk_note": "Ảnh sẽ gửi thêm tối nay.",
    }
    data.update(fields)
    return data


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **AJAX, **headers)


def test_create_makes_a_draft_with_paragraphs_media_and_a_revision(
    reporter_client, reporter, agency, section
):
    photo = make_image(agency=agency, title="Ngập ở Thanh Hà", uploaded_by_user=reporter)
    data = draft_json(section, assets=[{"id": photo.pk, "kind": "image", "caption": "Nước lên nhanh"}])
    response = post(reporter_client, API, data)

    assert response.status_code == 201, response.content
    payload = response.json()["story"]
    story = StoryPage.objects.get(pk=payload["id"])
    assert str(story.filing_id) == data["filing_id"] and story.owner == reporter
    assert not story.live and story.section == section and story.agency == agency
    assert story.slug == "mua-lon-gay-ngap-o-thanh-ha"
    assert [block.block_type for block in story.body] == ["paragraph", "paragraph", "image"]
    assert story.body[0].value.source == "<p>Đoạn thứ nhất.<br/>Cùng đoạn, dòng hai.</p>"
    assert story.lead_image == photo and story.body[2].value["caption"] == "Nước lên nhanh"
    assert (story.location, story.latitude, story.longitude) == ("Thanh Hà, Hải Dương", 20.9, 106.43)
    assert story.desk_note == "Ảnh sẽ gửi thêm tối nay."
    assert payload["revision"] == story.latest_revision_id
    assert payload["text"] == data["text"] and payload["status"] == "draft" and payload["editable"]
    assert payload["assets"][0]["id"] == photo.pk and payload["assets"][0]["thumbnail"]


def test_create_is_idempotent_by_filing_id(reporter_client, section):
    data = draft_json(section)
    first = post(reporter_client, API, data)
    again = post(reporter_client, API, data)

    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["saved"] is False
    assert StoryPage.objects.filter(filing_id=data["filing_id"]).count() == 1
    story = StoryPage.objects.get(filing_id=data["filing_id"])
    assert story.revisions.count() == 1


def test_update_saves_a_new_revision_based_on_the_latest(reporter_client, section):
    data = draft_json(section)
    story = post(reporter_client, API, data).json()["story"]
    data.update(base_revision=story["revision"], text="Bản sửa.\n\nThêm một đoạn.")
    response = post(reporter_client, f"{API}{story['id']}/", data)

    assert response.status_code == 200 and response.json()["saved"] is True
    saved = StoryPage.objects.get(pk=story["id"])
    assert saved.revisions.count() == 2 and saved.latest_revision_id == response.json()["story"]["revision"]
    assert [b.value.source for b in saved.body] == ["<p>Bản sửa.</p>", "<p>Thêm một đoạn.</p>"]


def test_stale_base_revision_answers_409_with_the_server_version_and_changes_nothing(
    reporter_client, reporter, staff, section
):
    data = draft_json(section)
    story = post(reporter_client, API, data).json()["story"]
    page = StoryPage.objects.get(pk=story["id"])
    # An editor changes the story in the meantime.
    editor = staff[Role.EDITOR]
    page.sapo = "Sapo biên tập viên viết lại."
    page.save_revision(user=editor)
    page.save()

    data.update(base_revision=story["revision"], text="Phóng viên viết tiếp.")
    response = post(reporter_client, f"{API}{story['id']}/", data)

    assert response.status_code == 409
    body = response.json()
    assert body["error"] and body["story"]["sapo"] == "Sapo biên tập viên viết lại."
    assert body["story"]["changed_by"] == editor.get_full_name()
    page.refresh_from_db()
    assert page.revisions.count() == 2 and page.sapo == "Sapo biên tập viên viết lại."
    assert "Phóng viên viết tiếp." not in str(page.body)
    # "Keep mine": saved again on top of the server's revision.
    data["base_revision"] = body["story"]["revision"]
    assert post(reporter_client, f"{API}{story['id']}/", data).status_code == 200
    page.refresh_from_db()
    assert "Phóng viên viết tiếp." in str(page.body)


def test_keep_both_makes_a_second_draft(reporter_client, reporter, staff, section):
    data = draft_json(section)
    story = post(reporter_client, API, data).json()["story"]
    page = StoryPage.objects.get(pk=story["id"])
    page.title = "Tít do biên tập viên sửa"
    page.save_revision(user=staff[Role.EDITOR])
    page.save()
    mine = dict(data, base_revision=story["revision"], text="Bản của phóng viên.")
    assert post(reporter_client, f"{API}{story['id']}/", mine).status_code == 409

    # The page keeps theirs and files mine under a new filing id.
    copy = dict(mine, filing_id=str(uuid.uuid4()), base_revision=None)
    response = post(reporter_client, API, copy)

    assert response.status_code == 201
    stories = StoryPage.objects.filter(owner=reporter).order_by("pk")
    assert stories.count() == 2
    assert stories[0].title == "Tít do biên tập viên sửa" and "Bản của phóng viên." not in str(
        stories[0].body
    )
    assert "Bản của phóng viên." in str(stories[1].body) and stories[1].slug != stories[0].slug


def test_service_conflict_is_typed(reporter, staff, section):
    draft = StoryDraft(section_id=section.pk, title="Tin gốc", text="Một.")
    result = file_story(user=reporter, data=FilingData(filing_id=uuid.uuid4(), draft=draft))
    base = result.story.latest_revision_id
    update_story(
        user=reporter,
        story_id=result.story.pk,
        data=FilingData(
            filing_id=None,
            draft=StoryDraft(section_id=section.pk, title="Tin gốc", text="Hai."),
            base_revision=base,
        ),
    )
    with pytest.raises(FilingConflict) as raised:
        update_story(
            user=reporter,
            story_id=result.story.pk,
            data=FilingData(
                filing_id=None,
                draft=StoryDraft(section_id=section.pk, title="Tin gốc", text="Ba."),
                base_revision=base,
            ),
        )
    assert raised.value.status == 409 and raised.value.story.pk == result.story.pk


def test_submit_starts_the_agency_workflow_logs_filed_once_and_files_the_assignment(
    reporter_client, reporter, staff, agency, section
):
    assignment = Assignment.objects.create(
        agency=agency,
        section=section,
        title="Ngập lụt ở Thanh Hà",
        reporter=reporter,
        assigned_by=staff[Role.EDITOR],
        deadline=timezone.now() + timedelta(hours=3),
    )
    data = draft_json(section, assignment=assignment.pk)
    story = post(reporter_client, API, data).json()["story"]
    assignment.refresh_from_db()
    assert assignment.story_id == story["id"] and assignment.state == AssignmentState.OPEN

    response = post(
        reporter_client, f"{API}{story['id']}/submit/", dict(data, base_revision=story["revision"])
    )

    assert response.status_code == 200, response.content
    assert response.json()["story"]["status"] == "in_review"
    state = WorkflowState.objects.get(object_id=str(story["id"]))
    assert state.status == "in_progress" and state.workflow.name.startswith(agency.short_name)
    assert state.current_task_state.task.specific.groups.get() == agency.group_for(Role.EDITOR)
    filed = PageLogEntry.objects.filter(page_id=story["id"], action="newsroom.story_filed")
    assert filed.count() == 1 and filed.get().user == reporter
    assert PageLogEntry.objects.filter(page_id=story["id"], action="wagtail.workflow.start").exists()
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.FILED and assignment.filed_at is not None

    # With the desk now: no more changes from the field, and no second submission.
    again = post(
        reporter_client, f"{API}{story['id']}/", dict(data, base_revision=story["revision"], text="Sửa")
    )
    assert again.status_code == 423
    assert post(reporter_client, f"{API}{story['id']}/submit/", {}).status_code == 423


def test_resubmitting_after_changes_requested_resumes_without_a_second_filed_entry(reporter, staff, section):
    draft = StoryDraft(section_id=section.pk, title="Tin cần sửa", sapo="Tóm tắt.", text="Một.")
    story = file_story(user=reporter, data=FilingData(filing_id=uuid.uuid4(), draft=draft)).story
    submit_story(user=reporter, story_id=story.pk)
    task_state = WorkflowState.objects.get(object_id=str(story.pk)).current_task_state
    task_state.task.specific.on_action(task_state, staff[Role.EDITOR], "reject")
    story.refresh_from_db()

    fixed = StoryDraft(section_id=section.pk, title="Tin cần sửa", sapo="Tóm tắt.", text="Một, đã sửa.")
    submit_story(
        user=reporter,
        story_id=story.pk,
        data=FilingData(filing_id=None, draft=fixed, base_revision=story.latest_revision_id),
    )
    assert WorkflowState.objects.get(object_id=str(story.pk)).status == "in_progress"
    assert PageLogEntry.objects.filter(page=story, action="newsroom.story_filed").count() == 1


def test_submit_needs_a_sapo_and_says_so_in_english(reporter_client, section):
    data = draft_json(section, sapo="")
    story = post(reporter_client, API, data).json()["story"]
    response = post(
        reporter_client,
        f"{API}{story['id']}/submit/",
        dict(data, base_revision=story["revision"]),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["sapo"] == [
        "Write the sapo, two or three sentences, before sending to the desk."
    ]
    assert not WorkflowState.objects.filter(object_id=str(story["id"])).exists()


def test_validation_errors_are_translated_to_the_users_language(reporter_client, section):
    bad = draft_json(section, title="  ", latitude=91)
    english = post(reporter_client, API, bad, HTTP_ACCEPT_LANGUAGE="en").json()
    vietnamese = post(reporter_client, API, bad, HTTP_ACCEPT_LANGUAGE="vi").json()

    assert english["fields"]["title"] == ["Give the story a headline."]
    assert english["error"] in english["fields"]["title"] + english["fields"]["latitude"]
    assert english["fields"]["latitude"] == ["Ensure this value is less than or equal to 90."]
    assert vietnamese["fields"]["latitude"] != english["fields"]["latitude"]  # Django's Vietnamese catalogue
    assert not StoryPage.objects.exists()


def test_another_agencys_reporter_gets_404(client, agency, other_agency, reporter, section):
    outsider = make_user(username="pv-soctrang", agency=other_agency, role=Role.REPORTER)
    client.force_login(reporter)
    data = draft_json(section)
    story = post(client, API, data).json()["story"]

    client.force_login(outsider)
    assert post(client, API, draft_json(section)).status_code == 404  # not their section
    assert client.get(f"{API}{story['id']}/", **AJAX).status_code == 404
    assert (
        post(client, f"{API}{story['id']}/", dict(data, base_revision=story["revision"])).status_code == 404
    )
    assert post(client, f"{API}{story['id']}/submit/", {}).status_code == 404
    # Reusing the reporter's filing id does not reach their story either.
    theirs = dict(data, section=section_of(other_agency).pk)
    assert post(client, API, theirs).status_code == 404
    assert StoryPage.objects.count() == 1


def test_a_colleagues_story_is_not_reachable(client, agency, reporter, section):
    colleague = make_user(username="pv-khac", agency=agency, role=Role.REPORTER)
    story = make_story(section=section, publish=False, owner=colleague)
    client.force_login(reporter)
    assert client.get(f"{API}{story.pk}/", **AJAX).status_code == 404


def test_anonymous_is_refused(client, section):
    assert post(client, API, draft_json(section)).status_code == 403
    assert client.get("/admin/filing/").status_code == 302


def test_someone_elses_assets_are_refused(reporter_client, reporter, agency, other_agency, section):
    colleague = make_user(username="pv-rieng", agency=agency, role=Role.REPORTER)
    private = make_image(agency=agency, title="Ảnh riêng", uploaded_by_user=colleague, sharing="private")
    foreign = make_image(agency=other_agency, title="Ảnh báo khác")
    own_audio = get_media_model().objects.create(
        title="Phỏng vấn",
        file=ContentFile(b"ID3", name="phong-van.mp3"),
        type="audio",
        collection=agency.collection,
        agency=agency,
        uploaded_by_user=reporter,
    )
    for refused in ({"id": private.pk, "kind": "image"}, {"id": foreign.pk, "kind": "image"}):
        response = post(
            reporter_client, API, draft_json(section, assets=[refused]), HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 400
        assert response.json()["fields"]["assets"][0].startswith("You may not use these files")
    # The wrong kind for an id is refused too; the reporter's own audio is fine and becomes the lead media.
    assert (
        post(
            reporter_client, API, draft_json(section, assets=[{"id": own_audio.pk, "kind": "video"}])
        ).status_code
        == 400
    )
    response = post(reporter_client, API, draft_json(section, assets=[{"id": own_audio.pk, "kind": "audio"}]))
    assert response.status_code == 201
    story = StoryPage.objects.get(pk=response.json()["story"]["id"])
    assert story.lead_media == own_audio and story.body[-1].block_type == "audio"
    assert StoryPage.objects.count() == 1


def test_a_story_laid_out_in_the_editor_is_left_to_the_editor(reporter_client, reporter, section):
    story = make_story(section=section, publish=False, owner=reporter, body=[("heading", "Tiêu đề phụ")])
    payload = reporter_client.get(f"{API}{story.pk}/", **AJAX).json()["story"]
    assert payload["representable"] is False and payload["editable"] is False
    data = draft_json(section, base_revision=payload["revision"], title=story.title)
    assert post(reporter_client, f"{API}{story.pk}/", data).status_code == 423


def test_moving_to_another_section_of_the_agency(reporter_client, agency, section):
    data = draft_json(section)
    story = post(reporter_client, API, data).json()["story"]
    other = section_of(agency, 2)
    response = post(
        reporter_client, f"{API}{story['id']}/", dict(data, base_revision=story["revision"], section=other.pk)
    )
    assert response.status_code == 200
    assert StoryPage.objects.get(pk=story["id"]).get_parent().pk == other.pk
    assert response.json()["story"]["section"] == other.pk


def test_draft_round_trip_of_the_simple_form(reporter, section):
    draft = StoryDraft(section_id=section.pk, title="Tin", text="Một\nhai\n\nBa")
    story = file_story(user=reporter, data=FilingData(filing_id=uuid.uuid4(), draft=draft)).story
    assert draft_of(story.get_latest_revision_as_object()) == draft
