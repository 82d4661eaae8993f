"""Every live newsroom event reaches its agency's staff over the real websocket, and nobody else's.

Transactional: events leave after the commit, through the configured channel layer (Redis in CI).
"""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import Comment

from newsroom.models import Role
from tests.factories import make_story, make_user, section_of
from tests.newsroom.test_board import approve, assign, open_in_editor, reject, schedule, submit
from tests.newsroom.test_live_events import session_cookie, socket_for

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def events_after(action, listeners: dict, *, quiet: float = 0.7) -> dict[str, list[dict]]:
    """What each listener's socket receives after `action` runs (in a thread, as a view would run it)."""
    cookies = {name: session_cookie(user) for name, user in listeners.items()}

    async def scenario():
        sockets = {}
        for name, cookie in cookies.items():
            socket = socket_for(cookie)
            connected, _ = await socket.connect()
            assert connected, name
            sockets[name] = socket
        await database_sync_to_async(action)()
        received = {}
        for name, socket in sockets.items():
            received[name] = []
            # receive_nothing() waits without consuming; a timed-out receive would end the socket.
            while not await socket.receive_nothing(timeout=quiet):
                received[name].append(await socket.receive_json_from())
            await socket.disconnect()
        return received

    return async_to_sync(scenario)()


@pytest.fixture
def people(agency, other_agency, staff):
    return {
        "reporter": staff[Role.REPORTER],
        "editor": staff[Role.EDITOR],
        "chief": staff[Role.EDITOR_IN_CHIEF],
        "outsider": make_user(username="bt-soctrang", agency=other_agency, role=Role.EDITOR),
    }


@pytest.fixture
def draft(agency, people):
    return make_story(
        section=section_of(agency), publish=False, owner=people["reporter"], title="Lũ sông Thái Bình"
    )


def types(events):
    return [event["type"] for event in events]


def name(user):
    return f"Thử {user.username}"


def test_filing_sends_one_filed_event_not_a_submitted_one_too(agency, people, draft):
    def file_story():
        with transaction.atomic():  # as the filing service does: logged and sent to the desk together
            log(instance=draft, action="newsroom.story_filed", user=people["reporter"])
            submit(draft, people["reporter"])

    got = events_after(file_story, people)
    assert types(got["editor"]) == ["story.filed"] and got["outsider"] == []
    event = got["editor"][0]
    assert (
        event["story"] == draft.pk and event["title"] == "Lũ sông Thái Bình" and event["agency"] == agency.pk
    )
    assert event["by"] == name(people["reporter"]) and event["by_id"] == people["reporter"].pk
    assert event["status"] == "in_review" and event["edit_url"] == f"/admin/pages/{draft.pk}/edit/"
    assert event["section"] == section_of(agency).title and timezone.datetime.fromisoformat(event["at"])
    assert "mine" not in event and got["reporter"][0]["mine"] is True  # no toast for your own action


def test_submitted_approved_rejected_resubmitted_and_published(people, draft):
    got = events_after(lambda: submit(draft, people["reporter"]), people)
    assert types(got["chief"]) == ["story.submitted"] and got["chief"][0]["status"] == "in_review"

    got = events_after(lambda: approve(draft, people["editor"]), people)
    assert types(got["chief"]) == ["story.approved"] and got["chief"][0]["status"] == "approved"
    assert got["reporter"][0]["for_me"] is True and "for_me" not in got["chief"][0]

    got = events_after(lambda: reject(draft, people["chief"], comment="Cần thêm nguồn"), people)
    assert types(got["editor"]) == ["story.rejected"]
    assert got["editor"][0]["comment"] == "Cần thêm nguồn" and got["editor"][0]["status"] == "filed"

    def resubmit():
        draft.refresh_from_db()
        draft.current_workflow_state.resume(user=people["reporter"])

    got = events_after(resubmit, people)
    assert types(got["editor"]) == ["story.submitted"]

    # The last approval publishes: one event, the publication.
    got = events_after(lambda: approve(draft, people["chief"]), people)
    assert types(got["editor"]) == ["story.published"] and got["editor"][0]["status"] == "published"
    assert got["editor"][0]["by"] == name(people["chief"])
    assert all(events == [] for events in [got["outsider"]])


def test_scheduled(people, draft):
    got = events_after(lambda: schedule(draft, people["chief"], hours=5), people)
    assert types(got["editor"]) == ["story.scheduled"] and got["outsider"] == []
    event = got["editor"][0]
    assert event["status"] == "scheduled"
    go_live_at = timezone.datetime.fromisoformat(event["go_live_at"])
    assert timedelta(hours=4) < go_live_at - timezone.now() < timedelta(hours=6)


def test_comment_added(people, draft):
    def comment():
        note = Comment.objects.create(
            page=draft, user=people["editor"], text="Kiểm tra lại số liệu", contentpath="title"
        )
        note.log_create(user=people["editor"])

    got = events_after(comment, people)
    assert types(got["chief"]) == ["comment.added"] and got["outsider"] == []
    assert got["chief"][0]["comment"] == "Kiểm tra lại số liệu" and got["reporter"][0]["for_me"] is True


def test_assignment_created_reaches_the_agency_and_is_for_the_reporter(agency, people):
    got = events_after(
        lambda: assign(agency, people["reporter"], title="Họp báo UBND", by=people["editor"]), people
    )
    assert types(got["chief"]) == ["assignment.created"] and got["outsider"] == []
    event = got["chief"][0]
    assert event["title"] == "Họp báo UBND" and event["reporter"] == name(people["reporter"])
    assert event["by"] == name(people["editor"]) and event["edit_url"].startswith("/admin/assignments/")
    assert got["reporter"][0]["for_me"] is True and got["editor"][0]["mine"] is True


def test_presence_when_a_story_is_opened_and_left_not_on_pings(people, draft):
    session = {}

    def open_story():
        session["it"] = open_in_editor(draft, people["editor"])

    got = events_after(open_story, people)
    assert types(got["chief"]) == ["presence"] and got["outsider"] == []
    assert got["chief"][0]["editing"] is True and got["chief"][0]["by"] == name(people["editor"])

    def ping():
        session["it"].last_seen_at = timezone.now()
        session["it"].is_editing = True
        session["it"].save()

    assert events_after(ping, people)["chief"] == []

    got = events_after(lambda: session["it"].delete(), people)
    assert types(got["chief"]) == ["presence"] and got["chief"][0]["editing"] is False


def test_nothing_is_sent_for_a_rolled_back_transaction(people, draft):
    def changed_mind():
        with pytest.raises(RuntimeError), transaction.atomic():
            submit(draft, people["reporter"])
            raise RuntimeError("rolled back")

    assert events_after(changed_mind, people, quiet=0.5)["editor"] == []


def test_taken_off_the_site_and_withdrawn_from_review(agency, people, draft):
    live = make_story(section=section_of(agency), owner=people["reporter"], title="Tin đã đăng")
    got = events_after(lambda: live.unpublish(user=people["chief"]), people)
    assert types(got["editor"]) == ["story.unpublished"] and got["editor"][0]["status"] == "filed"

    submit(draft, people["reporter"])

    def withdraw():
        draft.refresh_from_db()
        draft.current_workflow_state.cancel(user=people["reporter"])

    got = events_after(withdraw, people)
    assert types(got["editor"]) == ["story.withdrawn"] and got["editor"][0]["status"] == "filed"
    assert got["outsider"] == []
