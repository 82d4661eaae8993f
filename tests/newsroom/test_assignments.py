"""Assignments in the admin: the desk gives them to its own agency's reporters, walled per agency and role."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from newsroom.models import Assignment, AssignmentState, Role
from newsroom.roles import MODEL_PERMISSIONS
from newsroom.services import add_staff
from tests.factories import make_user, section_of

pytestmark = pytest.mark.django_db
DESK = [Role.EDITOR, Role.EDITOR_IN_CHIEF, Role.MANAGER]


def form(agency, reporter, *, section=None, title="Phóng sự lũ sông Thái Bình", hours=6, **extra):
    deadline = timezone.localtime(timezone.now() + timedelta(hours=hours))
    return {
        "agency": agency.pk,
        "title": title,
        "brief": "Gặp người dân vùng ven đê, 800 chữ, ảnh.",
        "reporter": reporter.pk,
        "section": section.pk if section else "",
        "deadline": deadline.strftime("%Y-%m-%d %H:%M"),
        **extra,
    }


def assignment_of(agency, reporter, **fields):
    fields.setdefault("deadline", timezone.now() + timedelta(hours=3))
    fields.setdefault("title", "Việc cũ")
    return Assignment.objects.create(agency=agency, reporter=reporter, **fields)


def options(page: str, name: str) -> set[str]:
    """The values offered by the form's <select name=…>."""
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
    return set(re.findall(r'<option value="(\d+)"', select))


@pytest.mark.parametrize("role", DESK)
def test_the_desk_gives_an_assignment_and_is_recorded_as_giving_it(client, agency, staff, role):
    client.force_login(staff[role])
    section = section_of(agency, 2)
    response = client.post(
        reverse("newsroom_assignments:add"), form(agency, staff[Role.REPORTER], section=section)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assignment = Assignment.objects.get()
    assert assignment.agency == agency and assignment.reporter == staff[Role.REPORTER]
    assert assignment.assigned_by == staff[role] and assignment.section.pk == section.pk
    assert assignment.state == AssignmentState.OPEN


def test_reporters_do_not_give_assignments(client, agency, staff):
    assert "newsroom.add_assignment" not in MODEL_PERMISSIONS[Role.REPORTER]
    client.force_login(staff[Role.REPORTER])
    response = client.post(reverse("newsroom_assignments:add"), form(agency, staff[Role.REPORTER]))
    assert response.status_code in {302, 403} and not Assignment.objects.exists()
    assert (
        reverse("newsroom_assignments:index") not in client.get(reverse("wagtailadmin_home")).content.decode()
    )


def test_choices_are_the_agencys_own_staff_and_sections(client, agency, other_agency, staff):
    outsider = make_user(username="pv-soctrang", agency=other_agency, role=Role.REPORTER)
    client.force_login(staff[Role.EDITOR])
    page = client.get(reverse("newsroom_assignments:add")).content.decode()
    assert options(page, "reporter") == {str(user.pk) for user in staff.values()}
    assert f"Thử {staff[Role.REPORTER].username}" in page and outsider.username not in page
    assert options(page, "agency") == {str(agency.pk)}


def test_another_agencys_reporter_agency_or_section_is_refused(client, agency, other_agency, staff):
    outsider = make_user(username="pv-soctrang", agency=other_agency, role=Role.REPORTER)
    client.force_login(staff[Role.EDITOR])
    add = reverse("newsroom_assignments:add")
    for data in [
        form(agency, outsider),
        form(other_agency, staff[Role.REPORTER]),
        form(agency, staff[Role.REPORTER], section=section_of(other_agency)),
    ]:
        response = client.post(add, data)
        assert response.status_code == 200  # the form again, with the error
    assert not Assignment.objects.exists()


def test_a_desk_only_reaches_its_own_agencys_assignments(client, agency, other_agency, staff):
    theirs = assignment_of(
        other_agency, make_user(username="pv-soctrang", agency=other_agency, role=Role.REPORTER)
    )
    ours = assignment_of(agency, staff[Role.REPORTER], title="Việc của ta")
    client.force_login(staff[Role.EDITOR])
    listing = client.get(reverse("newsroom_assignments:index")).content.decode()
    assert "Việc của ta" in listing and theirs.title not in listing
    for view in ["edit", "delete", "history", "usage"]:
        assert client.get(reverse(f"newsroom_assignments:{view}", args=[theirs.pk])).status_code in {
            302,
            403,
            404,
        }
        assert client.get(reverse(f"newsroom_assignments:{view}", args=[ours.pk])).status_code == 200
    assert client.post(reverse("newsroom_assignments:delete", args=[theirs.pk])).status_code in {
        302,
        403,
        404,
    }
    assert Assignment.objects.filter(pk=theirs.pk).exists()


def test_a_reporter_elsewhere_is_no_desk_there(client, agency, other_agency, staff):
    """An editor of one agency who reports for another gives and sees assignments in the first only."""
    editor = staff[Role.EDITOR]
    add_staff(agency=other_agency, user=editor, role=Role.REPORTER)
    colleague = make_user(username="pv-soctrang", agency=other_agency, role=Role.REPORTER)
    theirs = assignment_of(other_agency, colleague, title="Việc bên kia")
    client.force_login(editor)
    assert "Việc bên kia" not in client.get(reverse("newsroom_assignments:index")).content.decode()
    assert client.get(reverse("newsroom_assignments:edit", args=[theirs.pk])).status_code in {302, 403, 404}
    response = client.post(reverse("newsroom_assignments:add"), form(other_agency, colleague))
    assert response.status_code == 200 and Assignment.objects.count() == 1


def test_the_desk_cancels_an_assignment(client, agency, staff):
    assignment = assignment_of(agency, staff[Role.REPORTER], assigned_by=staff[Role.EDITOR])
    client.force_login(staff[Role.EDITOR_IN_CHIEF])
    data = form(agency, staff[Role.REPORTER], title=assignment.title, state=AssignmentState.CANCELLED)
    response = client.post(reverse("newsroom_assignments:edit", args=[assignment.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assignment.refresh_from_db()
    assert assignment.state == AssignmentState.CANCELLED
    assert assignment.assigned_by == staff[Role.EDITOR]  # still who gave it, not who changed it


def test_overdue_shows_in_the_listing(client, agency, staff):
    assignment_of(agency, staff[Role.REPORTER], deadline=timezone.now() - timedelta(hours=1))
    client.force_login(staff[Role.EDITOR])
    from django.utils import translation

    with translation.override("en"):
        from wagtail.users.models import UserProfile

        profile = UserProfile.get_for_user(staff[Role.EDITOR])
        profile.preferred_language = "en"
        profile.save()
        assert "Overdue" in client.get(reverse("newsroom_assignments:index")).content.decode()


@pytest.mark.parametrize("view", ["history", "usage"])
def test_history_and_usage_of_walled_objects_answer_their_own_staff(
    client, agency, other_agency, staff, view
):
    """The agency wall of newsroom.permissions lets history and usage views list what they list."""
    from tests.factories import make_author

    mine, theirs = make_author(agency=agency), make_author(agency=other_agency)
    client.force_login(staff[Role.MANAGER])
    cases = [
        (f"wagtailsnippets_newsroom_author:{view}", mine.pk, theirs.pk),
        (f"agencies:{view}", agency.pk, other_agency.pk),
        (f"newsroom_assignments:{view}", assignment_of(agency, staff[Role.REPORTER]).pk, None),
    ]
    for name, own, other in cases:
        assert client.get(reverse(name, args=[own])).status_code == 200, name
        if other:
            assert client.get(reverse(name, args=[other])).status_code == 404, name
