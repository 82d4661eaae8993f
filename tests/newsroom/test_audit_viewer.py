"""The audit viewer (/admin/audit/, newsroom/audit/views.py and selectors.py): one timeline of our audit
entries and Wagtail's log entries, walled by agency, filtered, paged by cursor, exported as CSV."""

import csv
import io
from datetime import datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry, PageLogEntry
from wagtail.users.models import UserProfile

from newsroom.audit.selectors import AUDIT, MODEL_LOG, PAGE_LOG, Filters, Scope, timeline_page
from newsroom.audit.views import AuditLogView
from newsroom.models import Agency, AuditEntry, Role
from newsroom.services import create_oversight_body
from tests.factories import make_author, make_story, make_user, section_of

pytestmark = pytest.mark.django_db
AUDIT_URL = "newsroom_audit"
EXPORT_URL = "newsroom_audit_export"
T0 = timezone.make_aware(datetime(2026, 5, 4, 9, 30))
DAY = {"timestamp_from": "2026-05-04", "timestamp_to": "2026-05-04"}


def audit(agency, action="auth.login", *, user=None, at=T0, **fields):
    fields.setdefault("username", user.get_username() if user else "")
    return AuditEntry.objects.create(agency=agency, action=action, user=user, timestamp=at, **fields)


def page_log(page, user, *, at=T0, action="wagtail.edit"):
    return PageLogEntry.objects.log_action(page, action, user=user, timestamp=at)


def model_log(obj, user, *, at=T0, action="wagtail.edit"):
    return ModelLogEntry.objects.log_action(obj, action, user=user, timestamp=at)


def english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def other_staff(other_agency):
    return {role: make_user(username=f"sct-{role}", agency=other_agency, role=role) for role in Role}


@pytest.fixture
def superuser(db):
    return english(make_user(username="quantri", is_superuser=True))


@pytest.fixture
def logged(agency, other_agency, staff, other_staff):
    """Entries of each kind for both agencies, and one of the whole deployment; the other agency's and the
    deployment's carry "bimat" (secret) in their names."""
    reporter, manager = staff[Role.REPORTER], staff[Role.MANAGER]
    story = make_story(section=section_of(agency), owner=reporter, title="Tin của tòa soạn")
    author = make_author(agency=agency, name="Phóng viên nhà")
    audit(agency, user=reporter, ip_address="198.51.100.4")
    audit(
        agency, "export.downloaded", user=manager, data={"export": "revenue", "format": "csv", "year": 2025}
    )
    page_log(story, reporter)
    model_log(author, manager)
    their_story = make_story(section=section_of(other_agency), title="bimat tin khác")
    audit(other_agency, user=other_staff[Role.REPORTER], object_repr="bimat đăng nhập")
    page_log(their_story, other_staff[Role.EDITOR])
    model_log(make_author(agency=other_agency, name="bimat tác giả"), other_staff[Role.MANAGER])
    model_log(other_agency, other_staff[Role.MANAGER])
    audit(None, "backup.created", object_repr="bimat sao lưu")
    return {"story": story, "author": author}


def rows_of(response) -> list[dict[str, str]]:
    """The listing's rows, each as {column heading: cell text}."""
    table = BeautifulSoup(response.content, "html.parser").select_one("#listing-results table.listing")
    if table is None:
        return []
    headings = [" ".join(th.get_text().split()) for th in table.select("thead th")]
    return [
        dict(zip(headings, (" ".join(td.get_text().split()) for td in tr.find_all("td")), strict=True))
        for tr in table.select("tbody tr")
    ]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- the wall -------------------------------------------------------------------------------------
def test_a_manager_reads_the_agencys_own_entries_and_nothing_else(client, agency, staff, logged):
    client.force_login(english(staff[Role.MANAGER]))
    response = client.get(reverse(AUDIT_URL), DAY)
    assert response.status_code == 200
    content = response.content.decode()
    for shown in ("Signed in", "Data exported", "Revenue panel (CSV), year 2025", "Tin của tòa soạn"):
        assert shown in content
    assert "Phóng viên nhà" in content and "198.51.100.4" in content
    assert "bimat" not in content
    # Naming the other agency changes nothing: the filter is not even offered for one agency.
    other = Agency.objects.exclude(pk=agency.pk).get()
    assert "bimat" not in client.get(reverse(AUDIT_URL), {"agency": other.pk}).content.decode()
    assert "bimat" not in client.get(reverse(EXPORT_URL), {"agency": other.pk}).content.decode()


@pytest.mark.parametrize("role", [Role.REPORTER, Role.EDITOR, Role.EDITOR_IN_CHIEF, "oversight"])
def test_only_managers_and_superusers_may_read_the_log(client, agency, staff, logged, role):
    if role == "oversight":
        body = create_oversight_body(name="Sở TT&TT", kind="province", agencies=[agency])
        user = make_user(username="so.tttt")
        user.groups.add(body.group)
    else:
        user = staff[role]
    client.force_login(user)
    for name in (AUDIT_URL, "newsroom_audit_results", EXPORT_URL):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url == reverse("wagtailadmin_home"), name
    assert reverse(AUDIT_URL) not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_menu_offers_the_log_to_a_manager(client, staff):
    client.force_login(staff[Role.MANAGER])
    assert reverse(AUDIT_URL) in client.get(reverse("wagtailadmin_home")).content.decode()


def test_managing_one_agency_and_reporting_for_another_reads_the_first_only(
    client, agency, other_agency, staff, logged
):
    both = staff[Role.MANAGER]
    both.groups.add(other_agency.group_for(Role.REPORTER))
    client.force_login(english(both))
    content = client.get(reverse(AUDIT_URL), DAY).content.decode()
    assert "Tin của tòa soạn" in content and "bimat" not in content


def test_a_superuser_reads_every_agency_and_the_deployments_own_entries(
    client, agency, other_agency, superuser, logged
):
    client.force_login(superuser)
    content = client.get(reverse(AUDIT_URL), DAY).content.decode()
    for shown in ("Tin của tòa soạn", "bimat tin khác", "bimat tác giả", "bimat đăng nhập", "bimat sao lưu"):
        assert shown in content
    rows = rows_of(client.get(reverse(AUDIT_URL), {**DAY, "agency": other_agency.pk}))
    assert rows and all(row["Agency"] == other_agency.name for row in rows)
    assert {row["Action"] for row in rows} == {"Signed in", "Edit"}
    rows = rows_of(client.get(reverse(AUDIT_URL), {**DAY, "agency": "none"}))
    assert [row["Action"] for row in rows] == ["Backup taken"]


# --- filters --------------------------------------------------------------------------------------
def test_filters_by_date_person_action_and_text(client, agency, staff, logged):
    reporter, manager = staff[Role.REPORTER], staff[Role.MANAGER]
    audit(agency, user=reporter, at=T0 - timedelta(days=3), object_repr="hôm trước")
    client.force_login(english(manager))
    url = reverse(AUDIT_URL)

    def shown(**params):
        return [row["Action"] for row in rows_of(client.get(url, params))]

    assert "hôm trước" not in client.get(url, DAY).content.decode()
    assert shown(timestamp_from="2026-05-01", timestamp_to="2026-05-01") == ["Signed in"]
    assert shown(**DAY, user=reporter.pk) == ["Signed in", "Edit"]  # ours and Wagtail's
    assert shown(**DAY, action="export.downloaded") == ["Data exported"]
    assert shown(**DAY, action=["wagtail.edit", "auth.login"]) == ["Signed in", "Edit", "Edit"]
    assert shown(**DAY, q="phóng viên nhà") == ["Edit"]
    assert shown(**DAY, q="revenue") == ["Data exported"]  # in the entry's details


def test_bad_filters_say_what_is_wrong(client, staff, logged):
    client.force_login(english(staff[Role.MANAGER]))
    response = client.get(reverse(AUDIT_URL), {"timestamp_from": "2026-05-04", "timestamp_to": "2026-05-01"})
    assert "The end date is before the start date." in response.content.decode() and not rows_of(response)
    response = client.get(reverse(AUDIT_URL), {"before": "not-a-cursor"})
    assert "This page of the log no longer exists" in response.content.decode() and rows_of(response)
    response = client.get(reverse(EXPORT_URL), {"timestamp_from": "2026-05-04", "timestamp_to": "2026-05-01"})
    assert (
        response.status_code == 400 and "The end date is before the start date." in response.content.decode()
    )


def test_labels_follow_the_readers_language(client, staff, logged):
    manager = staff[Role.MANAGER]
    client.force_login(manager)  # Vietnamese, the default
    content = client.get(reverse(AUDIT_URL), DAY).content.decode()
    with translation.override("vi"):
        vietnamese = str(log_registry.get_action_label("wagtail.edit"))
    assert vietnamese != "Edit" and vietnamese in content


# --- pages by cursor ------------------------------------------------------------------------------
@pytest.fixture
def same_instant(agency, staff):
    """Entries of all three sources at one instant, and some just before and after."""
    reporter = staff[Role.REPORTER]
    story = make_story(section=section_of(agency), owner=reporter)
    author = make_author(agency=agency)
    for n in range(7):
        audit(agency, user=reporter, object_repr=f"cùng lúc {n}")
    for _n in range(3):
        page_log(story, reporter)
    for _n in range(2):
        model_log(author, reporter)
    for n in range(4):
        audit(agency, user=reporter, at=T0 - timedelta(seconds=1), object_repr=f"trước {n}")
    for _n in range(3):
        page_log(story, reporter, at=T0 + timedelta(microseconds=1))
    sources = {AUDIT: AuditEntry, PAGE_LOG: PageLogEntry, MODEL_LOG: ModelLogEntry}
    keys = [
        (entry.timestamp, rank, entry.pk)
        for rank, model in sources.items()
        for entry in model.objects.filter(
            timestamp__range=(T0 - timedelta(seconds=1), T0 + timedelta(seconds=1))
        )
    ]
    return sorted(keys, reverse=True)


def test_pages_by_cursor_hold_each_entry_once_in_order_across_equal_timestamps(agency, same_instant):
    scope, filters = (
        Scope(agencies=[agency]),
        Filters(start=T0 - timedelta(seconds=1), end=T0 + timedelta(seconds=1)),
    )
    seen, pages, page = [], [], timeline_page(scope, filters, size=4)
    while True:
        pages.append(page)
        seen += [(row.cursor.timestamp, row.cursor.source, row.cursor.pk) for row in page.rows]
        if page.older is None:
            break
        page = timeline_page(scope, filters, before=page.older, size=4)
    assert seen == same_instant and len(seen) == 19
    assert [len(p.rows) for p in pages] == [4, 4, 4, 4, 3]
    assert pages[0].newer is None and all(p.newer for p in pages[1:])
    # And back again, newer and newer, to the first page.
    back = timeline_page(scope, filters, after=pages[-1].rows[0].cursor, size=4)
    assert [row.cursor for row in back.rows] == [row.cursor for row in pages[-2].rows]
    first = timeline_page(scope, filters, after=pages[1].rows[0].cursor, size=4)
    assert [row.cursor for row in first.rows] == [row.cursor for row in pages[0].rows] and first.newer is None


def test_the_pages_link_older_and_newer(client, staff, same_instant, monkeypatch):
    monkeypatch.setattr(AuditLogView, "page_size", 5)
    client.force_login(english(staff[Role.MANAGER]))
    params = {"timestamp_from": "2026-05-04", "timestamp_to": "2026-05-04"}
    response, count, visited = client.get(reverse(AUDIT_URL), params), 0, []
    while True:
        count += len(rows_of(response))
        older = BeautifulSoup(response.content, "html.parser").find("a", rel="next")
        visited.append(response)
        if older is None:
            break
        assert "timestamp_from=2026-05-04" in older["href"]  # the filters stay
        response = client.get(older["href"])
    assert count == len(same_instant) and len(visited) == 4
    newer = BeautifulSoup(visited[-1].content, "html.parser").find("a", rel="prev")
    assert rows_of(client.get(newer["href"])) == rows_of(visited[-2])


def test_a_page_takes_no_more_queries_however_many_entries_it_holds(
    client, agency, other_agency, staff, superuser, logged, django_assert_max_num_queries
):
    reporter, manager = staff[Role.REPORTER], staff[Role.MANAGER]
    story, author = logged["story"], logged["author"]
    other_story = make_story(section=section_of(other_agency))
    url = reverse(AUDIT_URL)

    def log_each_kind(times):
        for n in range(times):
            audit(agency, user=reporter, object_repr=f"thêm {n}")
            page_log(story, reporter)
            model_log(author, reporter)
            model_log(agency, manager)
            model_log(reporter, manager)
            page_log(other_story, superuser)

    def queries(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, DAY).status_code == 200
        return len(captured)

    log_each_kind(1)
    few = {user.pk: queries(user) for user in (manager, superuser)}
    log_each_kind(15)
    for user in (manager, superuser):
        client.force_login(user)
        with django_assert_max_num_queries(few[user.pk]):
            response = client.get(url, DAY)
        assert len(rows_of(response)) == AuditLogView.page_size


# --- CSV ------------------------------------------------------------------------------------------
def test_the_csv_export_holds_the_filtered_entries_and_is_itself_logged(client, agency, staff, logged):
    manager = english(staff[Role.MANAGER])
    audit(agency, user=staff[Role.REPORTER], object_repr='=HYPERLINK("http://x")')
    client.force_login(manager)
    response = client.get(reverse(EXPORT_URL), {**DAY, "action": "auth.login"}, REMOTE_ADDR="192.0.2.9")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    header, *rows = csv_rows(response)
    assert header[:5] == ["Time", "Agency", "Person", "Action code", "Action"]
    assert [row[3] for row in rows] == ["auth.login", "auth.login"]
    assert {row[6] for row in rows} == {'\'=HYPERLINK("http://x")', ""}  # a formula is not run
    assert rows[1][8] == "198.51.100.4"
    entry = AuditEntry.objects.get(action="export.downloaded", user=manager, data__export="audit_log")
    assert (entry.agency, entry.ip_address) == (agency, "192.0.2.9")
    assert entry.data == {
        "export": "audit_log",
        "format": "csv",
        "from": "2026-05-04",
        "to": "2026-05-04",
        "actions": ["auth.login"],
    }
