"""The newsroom board: each story in its column, open assignments with the overdue flagged, who is editing
what, in a fixed number of queries; and its admin pages."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.admin.models import EditingSession
from wagtail.models import Page
from wagtail.users.models import UserProfile

from newsroom.board import APPROVED, FILED, IN_REVIEW, PUBLISHED, SCHEDULED, agency_board, column_of
from newsroom.models import Assignment, AssignmentState, Role, StoryPage
from tests.factories import make_story, make_user, section_of

pytestmark = pytest.mark.django_db


# The steps of the default workflow, as the admin's buttons take them (helpers shared with the live tests).
def submit(story, user):
    story.get_workflow().start(story, user)


def approve(story, user, comment=""):
    story.refresh_from_db()
    story.current_workflow_task_state.approve(user=user, comment=comment)


def reject(story, user, comment=""):
    story.refresh_from_db()
    story.current_workflow_task_state.reject(user=user, comment=comment)


def schedule(story, user, *, hours=3):
    story.go_live_at = timezone.now() + timedelta(hours=hours)
    story.save_revision(user=user).publish(user=user)


def open_in_editor(story, user, *, seconds_ago=0, editing=False):
    return EditingSession.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(Page),
        object_id=str(story.pk),
        last_seen_at=timezone.now() - timedelta(seconds=seconds_ago),
        is_editing=editing,
    )


def assign(agency, reporter, *, title="Phỏng vấn chủ tịch tỉnh", hours=4, by=None, **fields):
    return Assignment.objects.create(
        agency=agency,
        title=title,
        reporter=reporter,
        assigned_by=by,
        deadline=timezone.now() + timedelta(hours=hours),
        **fields,
    )


def in_english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def columns_of(board) -> dict[str, list[str]]:
    return {column.key: [card.title for card in column.cards] for column in board.columns}


@pytest.fixture
def newsroom(agency, other_agency, staff):
    """One story in each state, and one of another agency's that must show nowhere."""
    section = section_of(agency)
    reporter = staff[Role.REPORTER]
    stories = {
        "draft": make_story(section=section, publish=False, owner=reporter, title="Bản nháp"),
        "review": make_story(section=section, publish=False, owner=reporter, title="Đang duyệt"),
        "approved": make_story(section=section, publish=False, owner=reporter, title="Đã duyệt"),
        "sent_back": make_story(section=section, publish=False, owner=reporter, title="Trả lại"),
        "scheduled": make_story(section=section, publish=False, owner=reporter, title="Hẹn giờ"),
        "published": make_story(section=section, owner=reporter, title="Vừa đăng"),
        "old": make_story(section=section, owner=reporter, title="Đăng hôm trước"),
    }
    for key in ("review", "approved", "sent_back"):
        submit(stories[key], reporter)
    approve(stories["approved"], staff[Role.EDITOR])
    reject(stories["sent_back"], staff[Role.EDITOR], comment="Thiếu nguồn")
    schedule(stories["scheduled"], staff[Role.EDITOR_IN_CHIEF])
    StoryPage.objects.filter(pk=stories["old"].pk).update(
        last_published_at=timezone.now() - timedelta(days=2)
    )
    make_story(section=section_of(other_agency), publish=False, title="Tin tòa soạn khác")
    return stories


def test_each_story_is_in_its_column_and_only_the_agencys(agency, newsroom):
    columns = columns_of(agency_board(agency=agency))
    assert columns == {
        FILED: ["Trả lại", "Bản nháp"],
        IN_REVIEW: ["Đang duyệt"],
        APPROVED: ["Đã duyệt"],
        SCHEDULED: ["Hẹn giờ"],
        PUBLISHED: ["Vừa đăng"],
    }
    for key, column in [("draft", FILED), ("review", IN_REVIEW), ("approved", APPROVED)]:
        assert column_of(newsroom[key].pk) == column
    assert column_of(newsroom["old"].pk) is None


def test_cards_carry_what_they_show(agency, newsroom, staff):
    board = agency_board(agency=agency)
    cards = {card.title: card for column in board.columns for card in column.cards}
    assert cards["Hẹn giờ"].scheduled_at > timezone.now()
    editor_step, chief_step = (task.name for task in newsroom["review"].get_workflow().tasks.order_by("pk"))
    assert cards["Đang duyệt"].task_name == editor_step.removeprefix(f"{agency.short_name}: ")
    assert cards["Đã duyệt"].task_name == chief_step.removeprefix(f"{agency.short_name}: ")
    assert cards["Trả lại"].needs_changes and not cards["Bản nháp"].needs_changes
    assert cards["Bản nháp"].owner == staff[Role.REPORTER]
    assert cards["Bản nháp"].section.title == section_of(agency).title


def test_board_queries_do_not_grow_with_stories(agency, newsroom, staff, django_assert_num_queries):
    for card in [newsroom["draft"], newsroom["review"], newsroom["published"]]:
        open_in_editor(card, staff[Role.EDITOR])
    assign(agency, staff[Role.REPORTER])
    # One query per column, one for the assignments, one for who is editing.
    with django_assert_num_queries(7):
        board = agency_board(agency=agency)
        [card.editors for column in board.columns for card in column.cards]
        [(a.reporter, a.section, a.overdue) for a in board.assignments]
    section = section_of(agency)
    for n in range(12):
        story = make_story(section=section, publish=n % 2 == 0, owner=staff[Role.REPORTER], title=f"Tin {n}")
        open_in_editor(story, staff[Role.EDITOR])
        assign(agency, staff[Role.REPORTER], title=f"Việc {n}", section=section)
    with django_assert_num_queries(7):
        board = agency_board(agency=agency)
        [(card.editors, card.owner, card.section) for column in board.columns for card in column.cards]
        [(a.reporter, a.section, a.overdue) for a in board.assignments]


def test_a_long_column_says_how_many_more(agency, staff, monkeypatch):
    monkeypatch.setattr("newsroom.board.COLUMN_LIMIT", 3)
    for n in range(5):
        make_story(section=section_of(agency), publish=False, title=f"Nháp {n}")
    filed = agency_board(agency=agency).columns[0]
    assert filed.key == FILED and len(filed.cards) == 3 and filed.total == 5 and filed.more == 2
    assert [card.title for card in filed.cards] == ["Nháp 4", "Nháp 3", "Nháp 2"]  # newest first


def test_who_is_editing_now_shows_on_the_card(agency, newsroom, staff):
    open_in_editor(newsroom["review"], staff[Role.EDITOR], editing=True)
    open_in_editor(newsroom["review"], staff[Role.EDITOR])  # a second tab: still one person
    open_in_editor(newsroom["review"], staff[Role.EDITOR_IN_CHIEF], seconds_ago=5)
    open_in_editor(newsroom["draft"], staff[Role.REPORTER], seconds_ago=600)  # left long ago
    cards = {card.title: card for column in agency_board(agency=agency).columns for card in column.cards}
    editor, chief = (f"Thử {staff[role].username}" for role in (Role.EDITOR, Role.EDITOR_IN_CHIEF))
    # One entry per person (oldest ping first), editing if any of their tabs has unsaved changes.
    assert cards["Đang duyệt"].editors == [
        {"name": chief, "editing": False},
        {"name": editor, "editing": True},
    ]
    assert cards["Bản nháp"].editors == []


def test_open_assignments_with_the_overdue_flagged(agency, other_agency, staff):
    reporter = staff[Role.REPORTER]
    late = assign(agency, reporter, title="Quá hạn rồi", hours=-2)
    soon = assign(agency, reporter, title="Sắp đến hạn", hours=2)
    assign(agency, reporter, title="Đã nộp", hours=-5, state=AssignmentState.FILED)
    assign(other_agency, make_user(username="pv-khac", agency=other_agency, role=Role.REPORTER))
    board = agency_board(agency=agency)
    assert [(a.title, a.overdue) for a in board.assignments] == [(late.title, True), (soon.title, False)]
    assert board.overdue == 1


# --- The admin pages ---------------------------------------------------------------------------------


def test_board_page_shows_the_columns_with_the_live_script(client, agency, newsroom, staff):
    client.force_login(staff[Role.REPORTER])
    response = client.get(reverse("newsroom_board"))
    assert response.status_code == 200
    page = response.content.decode()
    for title in ["Bản nháp", "Đang duyệt", "Đã duyệt", "Hẹn giờ", "Vừa đăng"]:
        assert title in page
    assert "Tin tòa soạn khác" not in page and "Đăng hôm trước" not in page
    assert "data-board-columns" in page and "newsroom/live/board.js" in page
    assert f'data-fragment-url="{reverse("newsroom_board_columns")}?agency={agency.pk}"' in page
    assert 'id="newsroom-board-labels"' in page
    assert reverse("newsroom_board") in page  # the menu item


def test_board_fragment_is_the_columns_alone(client, agency, newsroom, staff):
    client.force_login(staff[Role.EDITOR])
    response = client.get(reverse("newsroom_board_columns"), {"agency": agency.pk})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    fragment = response.content.decode()
    assert "<html" not in fragment and 'data-column="in_review"' in fragment and "Đang duyệt" in fragment


def test_overdue_assignments_are_flagged_red_and_in_words(client, agency, staff):
    assign(agency, staff[Role.REPORTER], title="Quá hạn rồi", hours=-2)
    assign(agency, staff[Role.REPORTER], title="Còn thời gian", hours=5)
    client.force_login(in_english(staff[Role.EDITOR]))
    page = client.get(reverse("newsroom_board_columns")).content.decode()
    overdue = page[page.index("Quá hạn rồi") - 400 : page.index("Còn thời gian")]
    assert "data-overdue" in overdue and "nr-assignment--overdue" in overdue and "Overdue" in overdue
    assert page.count("data-overdue") == 1
    assert reverse("newsroom_assignments:edit", args=[Assignment.objects.get(title="Quá hạn rồi").pk]) in page


def test_a_user_of_several_agencies_picks_one(client, agency, other_agency, staff, newsroom):
    both = make_user(username="hai-noi", agency=agency, role=Role.EDITOR)
    from newsroom.services import add_staff

    add_staff(agency=other_agency, user=both, role=Role.REPORTER)
    client.force_login(both)
    first, second = sorted([agency, other_agency], key=lambda a: a.name)
    page = client.get(reverse("newsroom_board")).content.decode()
    assert 'name="agency"' in page and f'data-agency="{first.pk}"' in page
    page = client.get(reverse("newsroom_board"), {"agency": other_agency.pk}).content.decode()
    assert "Tin tòa soạn khác" in page and "Đang duyệt" not in page


def test_outsiders_get_no_board(client, agency, other_agency, staff):
    client.force_login(staff[Role.EDITOR])
    assert client.get(reverse("newsroom_board"), {"agency": other_agency.pk}).status_code == 404
    assert client.get(reverse("newsroom_board_columns"), {"agency": other_agency.pk}).status_code == 404
    nobody = make_user(username="khong-toa-soan")
    from django.contrib.auth.models import Permission

    nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(nobody)
    refused = client.get(reverse("newsroom_board"))  # Wagtail sends the refused back to the dashboard
    assert refused.status_code == 302 and refused["Location"] == reverse("wagtailadmin_home")
    assert reverse("newsroom_board") not in client.get(reverse("wagtailadmin_home")).content.decode()
    client.logout()
    assert client.get(reverse("newsroom_board")).status_code == 302  # to the login page


def test_menu_item_and_headings_in_english(client, agency, staff):
    client.force_login(in_english(staff[Role.REPORTER]))
    page = client.get(reverse("newsroom_board")).content.decode()
    with translation.override("en"):
        for words in ["Newsroom board", "Filed", "In review", "Approved", "Scheduled", "Open assignments"]:
            assert words in page


def test_the_fragment_renders_without_a_query_per_card(client, agency, newsroom, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff[Role.EDITOR])
    url = reverse("newsroom_board_columns")
    client.get(url)  # warm Wagtail's per-process caches (content types, site roots)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    section = section_of(agency)
    for n in range(8):
        story = make_story(section=section, publish=n % 2 == 0, owner=staff[Role.EDITOR], title=f"Thêm {n}")
        open_in_editor(story, staff[Role.REPORTER])
        assign(agency, staff[Role.REPORTER], title=f"Việc thêm {n}", section=section, hours=n - 4)
    assert queries() == before
