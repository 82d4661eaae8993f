"""Audit entries for permission changes (newsroom/audit/receivers.py and permission_changes.py): group
memberships, a group's model, page and collection permissions, superuser and active flags; each with who
did it, from where, for which agency and what changed; one entry per person or group and transaction, none
for a change undone.

The entries are written when the transaction commits: the tests run in one that never does, so each change is
made inside django_capture_on_commit_callbacks(execute=True), which runs what a commit would; what a test sets
up first is made in a block of its own, as it would be in a transaction of its own.
"""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.urls import reverse
from wagtail.actions.delete_page import DeletePageAction
from wagtail.log_actions import LogContext
from wagtail.models import GroupPagePermission, PageLogEntry

from newsroom import roles
from newsroom.models import AuditEntry, Role
from newsroom.services import apply_role_permissions, create_oversight_body
from tests.factories import make_agency, make_story, make_user, section_of

pytestmark = pytest.mark.django_db
ADDRESS = "203.0.113.7"


def posted_form(html: str, action: str) -> dict[str, list[str]]:
    """The fields of the page's form posting to `action`, with their values, as a browser would send them."""
    form = BeautifulSoup(html, "html.parser").find("form", action=action)
    data: dict[str, list[str]] = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name = field.get("name")
        if not name or "__prefix__" in name or field.get("type") in ("submit", "button"):
            continue
        if field.name == "select":
            values = [
                option.get("value", "") for option in field.find_all("option") if option.has_attr("selected")
            ]
        elif field.name == "textarea":
            values = [field.text]
        elif field.get("type") in ("checkbox", "radio"):
            values = [field.get("value", "on")] if field.has_attr("checked") else []
        else:
            values = [field.get("value", "")]
        data.setdefault(name, []).extend(values)
    return data


def entries(action: str, obj=None):
    found = AuditEntry.objects.filter(action=action)
    if obj is not None:
        found = found.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(found.select_related("agency", "user").order_by("agency__name", "pk"))


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """committed() -> a block whose on-commit work runs at its end, as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def agency(committed):
    """The agencies and people of these tests, made in a block of their own (as they would be in their own
    transactions): their entries are written there, and forgotten, so a test sees only what it did."""
    with committed():
        made = make_agency(short_name="baohaiduong", name="Báo Hải Dương")
    AuditEntry.objects.all().delete()
    return made


@pytest.fixture
def other_agency(agency, committed):
    with committed():
        made = make_agency(short_name="baosoctrang", name="Báo Sóc Trăng")
    AuditEntry.objects.all().delete()
    return made


@pytest.fixture
def staff(agency, committed):
    with committed():
        people = {role: make_user(username=f"hd-{role}", agency=agency, role=role) for role in Role}
    AuditEntry.objects.all().delete()
    return people


@pytest.fixture
def superuser(committed):
    with committed():
        made = make_user(username="quantri", is_superuser=True)
    AuditEntry.objects.all().delete()
    return made


def test_a_manager_changing_a_role_in_the_admin_is_one_entry_with_who_where_and_agency(
    client, agency, other_agency, staff, committed
):
    reporter, manager = staff[Role.REPORTER], staff[Role.MANAGER]
    client.force_login(manager)
    url = reverse("wagtailusers_users:edit", args=[reporter.pk])
    data = posted_form(client.get(url).content.decode(), url)
    data["groups"] = [str(agency.group_for(Role.EDITOR).pk)]

    with committed():
        response = client.post(url, data, REMOTE_ADDR=ADDRESS, HTTP_USER_AGENT="Firefox/140")

    assert response.status_code == 302
    [entry] = entries("permissions.membership", reporter)
    assert (entry.agency, entry.user, entry.username) == (agency, manager, manager.username)
    assert (entry.ip_address, entry.user_agent) == (ADDRESS, "Firefox/140")
    assert entry.object_repr == reporter.username
    assert entry.data == {
        "user": reporter.username,
        "added": [agency.group_for(Role.EDITOR).name],
        "removed": [agency.group_for(Role.REPORTER).name],
    }
    assert not entries("permissions.account", reporter)  # nothing but the roles changed


def test_membership_changed_from_either_side_in_code_names_the_log_contexts_user(
    agency, superuser, committed
):
    with committed():
        newcomer = make_user(username="nguoimoi")
    editors, reporters = agency.group_for(Role.EDITOR), agency.group_for(Role.REPORTER)
    with committed(), LogContext(user=superuser):
        editors.user_set.add(newcomer)
        newcomer.groups.add(reporters)
    with committed(), LogContext(user=superuser):
        newcomer.groups.remove(editors)

    first, second = entries("permissions.membership", newcomer)
    assert first.data["added"] == sorted([editors.name, reporters.name])  # one transaction, one entry
    assert second.data == {"user": "nguoimoi", "added": [], "removed": [editors.name]}
    assert {entry.user for entry in (first, second)} == {superuser}
    assert {entry.agency for entry in (first, second)} == {agency}
    assert first.ip_address is None  # no request: no address


def test_one_person_moved_between_two_agencies_is_one_entry_per_agency_each_naming_its_own_groups(
    agency, other_agency, superuser, committed
):
    with committed():
        person = make_user(username="luanchuyen", agency=agency, role=Role.EDITOR)
    AuditEntry.objects.all().delete()
    with committed(), LogContext(user=superuser):
        person.groups.set([other_agency.group_for(Role.EDITOR)])

    left, joined = sorted(entries("permissions.membership", person), key=lambda e: e.agency == other_agency)
    assert (left.agency, left.data["removed"], left.data["added"]) == (
        agency,
        [agency.group_for(Role.EDITOR).name],
        [],
    )
    assert (joined.agency, joined.data["added"], joined.data["removed"]) == (
        other_agency,
        [other_agency.group_for(Role.EDITOR).name],
        [],
    )


def test_joining_an_oversight_body_is_written_to_every_agency_it_oversees(agency, other_agency, committed):
    with committed():
        body = create_oversight_body(name="Sở TT&TT", kind="province", agencies=[agency, other_agency])
        officer = make_user(username="so.tttt")
    with committed():
        officer.groups.add(body.group)
    assert {entry.agency for entry in entries("permissions.membership", officer)} == {agency, other_agency}


def test_a_groups_model_permission_change_is_written_to_its_agency(
    agency, other_agency, superuser, committed
):
    editors = agency.group_for(Role.EDITOR)
    delete_author = Permission.objects.get(content_type__app_label="newsroom", codename="delete_author")
    with committed(), LogContext(user=superuser):
        editors.permissions.add(delete_author)

    [entry] = entries("permissions.changed", editors)
    assert (entry.agency, entry.user) == (agency, superuser)
    assert entry.data == {
        "group": editors.name,
        "added": [{"permission": "newsroom.delete_author"}],
        "removed": [],
    }


def test_page_permissions_saved_by_wagtails_group_editor_are_one_entry(client, agency, superuser, committed):
    """Wagtail's group editor deletes the group's page permissions and bulk-creates them again (no signal for
    the new rows), after the group's own transaction: the entry is the difference, made in one transaction."""
    editors = agency.group_for(Role.EDITOR)
    client.force_login(superuser)
    url = reverse("wagtailusers_groups:edit", args=[editors.pk])
    data = posted_form(client.get(url).content.decode(), url)
    data["page_permissions-0-permissions"].append("publish_page")

    with committed():
        response = client.post(url, data, REMOTE_ADDR=ADDRESS)

    assert response.status_code == 302
    assert GroupPagePermission.objects.filter(group=editors, permission__codename="publish_page").exists()
    [entry] = entries("permissions.changed", editors)
    assert (entry.agency, entry.user, entry.ip_address) == (agency, superuser, ADDRESS)
    assert entry.data == {
        "group": editors.name,
        "added": [{"permission": "wagtailcore.publish_page", "page": agency.root_page.title}],
        "removed": [],
    }


def test_a_new_agencys_staff_groups_are_recorded_with_what_each_role_may_do(committed):
    with committed():
        agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương")
    created = entries("permissions.changed")
    assert {entry.object_id for entry in created} == {str(agency.group_for(role).pk) for role in Role}
    assert all(entry.data.get("group_created") and entry.agency == agency for entry in created)
    [editors] = [entry for entry in created if entry.object_id == str(agency.group_for(Role.EDITOR).pk)]
    assert {"permission": "wagtailcore.change_page", "page": agency.root_page.title} in editors.data["added"]


def test_reapplying_unchanged_roles_writes_nothing_and_a_changed_role_one_entry(
    agency, committed, monkeypatch
):

    # Rows deleted and created again, as after every migration: nothing changed, nothing written.
    with committed(), transaction.atomic():
        apply_role_permissions(agency)
    assert not entries("permissions.changed")

    tables = {
        **roles.MODEL_PERMISSIONS,
        Role.REPORTER: {*roles.MODEL_PERMISSIONS[Role.REPORTER], "newsroom.add_author"},
    }
    monkeypatch.setattr(roles, "MODEL_PERMISSIONS", tables)
    with committed(), transaction.atomic():
        apply_role_permissions(agency)
    [entry] = entries("permissions.changed")
    assert entry.object_id == str(agency.group_for(Role.REPORTER).pk)
    assert entry.data["added"] == [{"permission": "newsroom.add_author"}] and entry.user is None


def test_a_change_rolled_back_writes_nothing(agency, committed):
    editors = agency.group_for(Role.EDITOR)
    delete_author = Permission.objects.get(content_type__app_label="newsroom", codename="delete_author")
    with committed():
        try:
            with transaction.atomic():
                editors.permissions.add(delete_author)
                make_user(username="tamthoi").groups.add(editors)
                raise RuntimeError("the rest of the change failed")
        except RuntimeError:
            pass
    assert not entries("permissions.changed") and not entries("permissions.membership")


def test_superuser_and_active_flags_flipped_in_the_admin_are_recorded(
    client, agency, staff, superuser, committed
):
    reporter = staff[Role.REPORTER]
    client.force_login(superuser)
    url = reverse("wagtailusers_users:edit", args=[reporter.pk])
    data = posted_form(client.get(url).content.decode(), url)
    data["is_superuser"] = ["on"]
    with committed():
        assert client.post(url, data, REMOTE_ADDR=ADDRESS).status_code == 302
    data.pop("is_superuser")
    data.pop("is_active")
    with committed():
        assert client.post(url, data, REMOTE_ADDR=ADDRESS).status_code == 302

    made, demoted = entries("permissions.account", reporter)
    assert (made.agency, made.user, made.ip_address) == (agency, superuser, ADDRESS)
    assert made.data == {"user": reporter.username, "changes": {"is_superuser": [False, True]}}
    assert demoted.data["changes"] == {"is_superuser": [True, False], "is_active": [True, False]}


def test_a_new_superuser_is_recorded_and_a_login_time_save_is_not(committed):
    with committed():
        chief = make_user(username="sep", is_superuser=True)
        chief.save(update_fields=["last_login"])
        make_user(username="binhthuong")
    [entry] = entries("permissions.account")
    assert entry.object_id == str(chief.pk) and entry.agency is None  # no agency: superusers' log only
    assert entry.data == {"user": "sep", "changes": {"is_superuser": [False, True]}}


def test_deleting_a_person_records_the_roles_they_lose(agency, staff, superuser, committed):
    reporter = staff[Role.REPORTER]
    pk, name = reporter.pk, reporter.username
    with committed(), LogContext(user=superuser):
        reporter.delete()
    [entry] = [e for e in entries("permissions.membership") if e.object_id == str(pk)]
    assert entry.agency == agency and entry.user == superuser and entry.object_repr == name
    assert entry.data == {
        "user": name,
        "added": [],
        "removed": [agency.group_for(Role.REPORTER).name],
        "account_deleted": True,
    }


def test_deleting_a_group_records_what_it_could_do(agency, superuser, committed):
    with committed():
        group = Group.objects.create(name="Cộng tác viên")
        GroupPagePermission.objects.create(group=group, page=agency.root_page, permission_type="add")
    with committed(), LogContext(user=superuser):
        group.delete()
    [entry] = [e for e in entries("permissions.changed") if e.data.get("group_deleted")]
    assert entry.agency == agency  # the page it could change is the agency's
    assert entry.data["removed"] == [{"permission": "wagtailcore.add_page", "page": agency.root_page.title}]


def test_wagtails_log_of_a_deleted_page_keeps_the_pages_agency(agency, staff):
    story = make_story(section=section_of(agency), owner=staff[Role.REPORTER])
    DeletePageAction(story, user=staff[Role.EDITOR_IN_CHIEF]).execute(skip_permission_checks=True)
    entry = PageLogEntry.objects.get(page_id=story.pk, action="wagtail.delete")
    assert entry.data["newsroom_agency"] == agency.pk
