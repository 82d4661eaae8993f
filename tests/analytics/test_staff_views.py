"""Training and information security in the admin (analytics.staff_views, analytics.staff_hooks): the
walls between agencies, the oversight bodies' read-only view, the forms, the CSV import and both pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.models import SecurityDeclaration, TrainingRecord
from newsroom.models import Role
from newsroom.services import create_oversight_body
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
SUMMARY = "analytics_training_summary"


def officer_of(*agencies):
    body = create_oversight_body(name="Sở VHTTDL Hải Dương", kind="province", agencies=list(agencies))
    officer = make_user(username="so-tttt")
    officer.groups.add(body.group)
    return officer


def record(agency, staff, day=date(2024, 5, 5), hours="2", course="Báo chí dữ liệu"):
    return TrainingRecord.objects.create(agency=agency, staff=staff, course=course, date=day, hours=hours)


def declaration(agency, level=3, number="45/QĐ-UBND", day=date(2024, 8, 8)):
    return SecurityDeclaration.objects.create(
        agency=agency, system_name="Báo điện tử", level=level, document_number=number, document_date=day
    )


@pytest.fixture
def manager(staff):
    return staff[Role.MANAGER]


# --- the menu ----------------------------------------------------------------------------------------
def test_the_menu_shows_training_and_security_to_managers_and_officers_only(client, agency, staff):
    urls = (reverse(SUMMARY), reverse("analytics_security"))
    for user, shown in [(staff[Role.MANAGER], True), (officer_of(agency), True), (staff[Role.EDITOR], False)]:
        client.force_login(user)
        page = client.get("/admin/", **EN).content.decode()
        assert all((url in page) is shown for url in urls), user.username


# --- the training summary ------------------------------------------------------------------------------
def test_the_manager_sees_the_share_trained_and_whom_to_send(client, agency, staff, manager):
    record(agency, staff[Role.REPORTER], hours="7.5")
    record(agency, staff[Role.EDITOR], day=date(2023, 1, 9))
    client.force_login(manager)
    response = client.get(reverse(SUMMARY), {"year": "2024"}, **EN)
    assert response.status_code == 200
    page = response.content.decode()
    tiles = [tile.split("<")[0] for tile in page.split("data-tile-value>")[1:]]
    assert tiles == ["4", "2", "50.0 %", "7.5"]
    untrained = page.split("data-untrained")[1]
    assert f'data-username="{staff[Role.EDITOR_IN_CHIEF].username}"' in untrained
    assert f'data-username="{manager.username}"' in untrained
    assert f'data-username="{staff[Role.REPORTER].username}"' not in untrained
    assert "Not yet trained by the end of 2024" in page


def test_the_summary_is_in_vietnamese_by_default(client, agency, staff, manager):
    record(agency, staff[Role.REPORTER], hours="7.5")
    client.force_login(manager)
    page = client.get(reverse(SUMMARY), {"year": "2024"}).content.decode()
    assert '<html lang="vi"' in page
    tiles = [tile.split("<")[0] for tile in page.split("data-tile-value>")[1:]]
    assert tiles == ["4", "1", "25,0 %", "7,5"]


def test_a_year_out_of_range_says_why(client, agency, manager):
    client.force_login(manager)
    response = client.get(reverse(SUMMARY), {"year": "1999"}, **EN)
    assert response.status_code == 400
    assert "Choose a year from 2023 to" in response.content.decode()


def test_an_officer_reads_every_overseen_agency_at_a_fixed_cost(client, agency, other_agency, staff):
    record(agency, staff[Role.REPORTER])
    make_user(agency=other_agency, role=Role.REPORTER)
    officer = officer_of(agency, other_agency)
    client.force_login(officer)
    with CaptureQueriesContext(connection) as two:
        page = client.get(reverse(SUMMARY), {"year": "2024"}, **EN).content.decode()
    rows = [row.split("</tr>")[0] for row in page.split("data-agency=")[1:]]
    cells = [[cell.split("<")[0] for cell in row.split('class="rd-num">')[1:]] for row in rows]
    assert cells == [["4", "1", "25.0 %", "2.0"], ["1", "0", "0.0 %", "0.0"]]
    assert "data-untrained" not in page
    officer.groups.get().oversight_body.agencies.add(make_agency(), make_agency())
    with CaptureQueriesContext(connection) as four:
        page = client.get(reverse(SUMMARY), {"year": "2024"}, **EN).content.decode()
    assert page.count("data-agency=") == 4
    assert len(four) == len(two)
    narrowed = client.get(reverse(SUMMARY), {"year": "2024", "agency": agency.pk}, **EN)
    assert narrowed.status_code == 200 and "data-untrained" in narrowed.content.decode()


def test_staff_cannot_reach_another_agency_and_others_are_refused(
    client, agency, other_agency, staff, manager
):
    client.force_login(manager)
    assert client.get(reverse(SUMMARY), {"agency": other_agency.pk}).status_code == 404
    assert client.get(reverse("analytics_security"), {"agency": other_agency.pk}).status_code == 404
    client.force_login(staff[Role.EDITOR])
    for name in (SUMMARY, "analytics_training_import", "analytics_security"):
        refused = client.get(reverse(name), **EN)
        assert refused.status_code == 403
        assert "You keep the records of no agency and oversee none." in refused.content.decode()


# --- the records' listing and form --------------------------------------------------------------------
def test_the_listing_holds_only_the_agencys_own_records(client, agency, other_agency, staff, manager):
    own = record(agency, staff[Role.REPORTER], course="Khóa của Hải Dương")
    theirs = record(other_agency, make_user(agency=other_agency, role=Role.REPORTER), course="Khóa Sóc Trăng")
    client.force_login(manager)
    page = client.get(reverse("analytics_training:index"), **EN).content.decode()
    assert own.course in page and theirs.course not in page
    assert client.get(reverse("analytics_training:edit", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("analytics_training:delete", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("analytics_training:history", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("analytics_training:edit", args=[own.pk])).status_code == 200


def test_an_officer_reads_the_records_and_changes_nothing(client, agency, staff):
    own = record(agency, staff[Role.REPORTER], course="Khóa của Hải Dương")
    client.force_login(officer_of(agency))
    listing = client.get(reverse("analytics_training:index"), **EN)
    assert listing.status_code == 200 and own.course in listing.content.decode()
    assert reverse("analytics_training:edit", args=[own.pk]) not in listing.content.decode()
    assert reverse("analytics_training:add") not in listing.content.decode()
    home = reverse("wagtailadmin_home")
    for denied in (
        client.get(reverse("analytics_training:edit", args=[own.pk])),
        client.post(reverse("analytics_training:edit", args=[own.pk]), form_data(agency, own.staff)),
        client.post(reverse("analytics_training:add"), form_data(agency, own.staff, course="Khác")),
    ):
        assert denied.status_code == 302 and denied["Location"] == home
    # The delete view looks the record up before asking for permission: not among those it may delete.
    assert client.post(reverse("analytics_training:delete", args=[own.pk])).status_code == 404
    assert list(TrainingRecord.objects.values_list("course", flat=True)) == ["Khóa của Hải Dương"]
    refused = client.get(reverse("analytics_training_import"), **EN)
    assert refused.status_code == 403


def form_data(agency, staff, **extra):
    return {
        "agency": agency.pk,
        "staff": staff.pk,
        "course": "Báo chí dữ liệu",
        "provider": "",
        "date": "2024-05-05",
        "hours": "7,5",
        "certificate": "",
        **extra,
    }


def test_the_manager_adds_a_record_with_a_decimal_comma(client, agency, staff, manager):
    client.force_login(manager)
    response = client.post(reverse("analytics_training:add"), form_data(agency, staff[Role.REPORTER]))
    assert response.status_code == 302
    made = TrainingRecord.objects.get()
    assert (made.agency, made.staff, made.hours, made.date) == (
        agency,
        staff[Role.REPORTER],
        Decimal("7.5"),
        date(2024, 5, 5),
    )


def test_the_form_offers_only_the_agencys_staff_and_says_why_it_refuses(
    client, agency, other_agency, staff, manager
):
    outsider = make_user(username="nguoingoai", agency=other_agency, role=Role.REPORTER)
    client.force_login(manager)
    form = client.get(reverse("analytics_training:add"), **EN).content.decode()
    assert f'value="{staff[Role.REPORTER].pk}"' in form and f'value="{outsider.pk}"' not in form
    refused = client.post(
        reverse("analytics_training:add"), form_data(agency, outsider, hours="1000"), **EN
    ).content.decode()
    assert "Select a valid choice." in refused
    refused = client.post(
        reverse("analytics_training:add"), form_data(agency, staff[Role.EDITOR], hours="1000"), **EN
    ).content.decode()
    assert "1000 hours is not a plausible course: give from 0.5 to 999." in refused
    record(agency, staff[Role.EDITOR], course="Podcast")
    refused = client.post(
        reverse("analytics_training:add"),
        form_data(agency, staff[Role.EDITOR], course="podcast", hours="2"),
        **EN,
    ).content.decode()
    assert "This course on this date is already recorded for this staff member." in refused
    assert TrainingRecord.objects.count() == 1


# --- the CSV import --------------------------------------------------------------------------------------
def upload(content: bytes):
    return SimpleUploadedFile("dao-tao.csv", content, content_type="text/csv")


def test_the_import_stores_the_file_and_goes_to_the_summary(client, agency, staff, manager):
    client.force_login(manager)
    data = f"nhân sự;khóa học;ngày;số giờ\n{staff[Role.REPORTER].username};Podcast;01/03/2024;3,5\n".encode()
    response = client.post(reverse("analytics_training_import"), {"agency": agency.pk, "file": upload(data)})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(SUMMARY)}?agency={agency.pk}"
    assert list(TrainingRecord.objects.values_list("course", "hours")) == [("Podcast", Decimal("3.5"))]


def test_a_bad_import_lists_its_lines_and_stores_nothing(client, agency, staff, manager):
    client.force_login(manager)
    reporter = staff[Role.REPORTER].username
    data = (
        f"staff,course,date,hours\n{reporter},Podcast,01/03/2024,3\n{reporter},Video,32/03/2024,3\n".encode()
    )
    response = client.post(
        reverse("analytics_training_import"), {"agency": agency.pk, "file": upload(data)}, **EN
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-line="3"' in page and "“32/03/2024” is not a date; write it as dd/mm/yyyy." in page
    assert 'data-line="2"' not in page
    assert not TrainingRecord.objects.exists()


def test_the_import_is_only_for_the_managers_own_agencies(client, agency, other_agency, staff, manager):
    client.force_login(manager)
    data = b"staff,course,date,hours\nx,Podcast,01/03/2024,3\n"
    response = client.post(
        reverse("analytics_training_import"), {"agency": other_agency.pk, "file": upload(data)}, **EN
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()


# --- information security ------------------------------------------------------------------------------
def test_the_security_page_marks_what_is_observed_and_what_is_declared(client, agency, manager):
    declaration(agency, level=2, number="12/QĐ-UBND", day=date(2023, 3, 1))
    declaration(agency, level=3, number="45/QĐ-UBND", day=date(2024, 8, 8))
    client.force_login(manager)
    page = client.get(reverse("analytics_security"), **EN).content.decode()
    observed, declared = page.split("data-observed>")[1].split("data-declared>")
    for key, seen in [
        ("https", "no"),
        ("password_policy", "yes"),
        ("audit_log", "yes"),  # creating the agency published its home and section pages
        ("two_factor", "no"),
        ("backup", "no"),
    ]:
        assert f'data-control="{key}" data-observed="{seen}"' in observed
    assert "Observed by the system" in page and "Declared by the agency" in page
    in_force = declared.split("data-in-force>")[1].split("</p>")[0]
    assert "Level 3" in in_force and "approved by document 45/QĐ-UBND of 08/08/2024" in in_force
    assert "At or above level 3, as the strategy asks." in declared
    assert page.count("data-declaration=") == 2
    assert f"{reverse('analytics_security_declarations:add')}?agency={agency.pk}" in page


def test_an_officer_reads_the_security_page_without_declaring(client, agency, other_agency):
    declaration(other_agency, level=2)
    client.force_login(officer_of(agency, other_agency))
    page = client.get(reverse("analytics_security"), {"agency": other_agency.pk}, **EN).content.decode()
    assert "Below level 3, which the strategy asks for." in page
    assert reverse("analytics_security_declarations:add") not in page
    denied = client.post(reverse("analytics_security_declarations:add"), {})
    assert denied.status_code == 302 and SecurityDeclaration.objects.count() == 1


def test_the_security_page_is_in_vietnamese_by_default(client, agency, manager):
    client.force_login(manager)
    assert '<html lang="vi"' in client.get(reverse("analytics_security")).content.decode()


def test_a_new_approval_is_added_and_the_old_one_kept(client, agency, manager):
    old = declaration(agency, level=2, number="12/QĐ-UBND", day=date(2023, 3, 1))
    client.force_login(manager)
    response = client.post(
        reverse("analytics_security_declarations:add"),
        {
            "agency": agency.pk,
            "system_name": "Báo điện tử Hải Dương",
            "level": "3",
            "document_number": "45/QĐ-UBND",
            "document_date": "2024-08-08",
            "approved_by": "UBND tỉnh",
            "note": "",
        },
    )
    assert response.status_code == 302
    new = SecurityDeclaration.objects.exclude(pk=old.pk).get()
    assert (new.level, new.document_number, new.declared_by) == (3, "45/QĐ-UBND", manager)
    old.refresh_from_db()
    assert (old.level, old.document_number) == (2, "12/QĐ-UBND")


def test_editing_a_declaration_corrects_its_descriptions_only(client, agency, manager):
    made = declaration(agency, level=2, number="12/QĐ-UBND", day=date(2023, 3, 1))
    client.force_login(manager)
    response = client.post(
        reverse("analytics_security_declarations:edit", args=[made.pk]),
        {
            "system_name": "Tạp chí điện tử",
            "level": "5",
            "document_number": "99/QĐ",
            "document_date": "2024-01-01",
            "approved_by": "Sở TT&TT",
            "note": "Sửa tên",
        },
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.system_name, made.approved_by, made.note) == ("Tạp chí điện tử", "Sở TT&TT", "Sửa tên")
    assert (made.level, made.document_number, made.document_date) == (2, "12/QĐ-UBND", date(2023, 3, 1))


def test_a_declaration_is_refused_with_its_reason(client, agency, manager):
    declaration(agency, number="45/QĐ-UBND")
    client.force_login(manager)
    response = client.post(
        reverse("analytics_security_declarations:add"),
        {
            "agency": agency.pk,
            "system_name": "Báo điện tử",
            "level": "3",
            "document_number": "45/qđ-ubnd",
            "document_date": "2024-08-08",
        },
        **EN,
    )
    assert response.status_code == 200
    assert "A declaration with this document number is already recorded." in response.content.decode()
    assert SecurityDeclaration.objects.count() == 1


def test_declarations_of_another_agency_are_out_of_reach(client, agency, other_agency, manager):
    theirs = declaration(other_agency)
    client.force_login(manager)
    listing = client.get(reverse("analytics_security_declarations:index"), **EN).content.decode()
    assert theirs.document_number not in listing
    assert client.get(reverse("analytics_security_declarations:edit", args=[theirs.pk])).status_code == 404


def test_a_manager_who_also_oversees_another_agency_only_reads_its_records(
    client, agency, other_agency, manager
):
    theirs = record(other_agency, make_user(agency=other_agency, role=Role.REPORTER), course="Khóa Sóc Trăng")
    body = create_oversight_body(name="Bộ TT&TT", kind="ministry", agencies=[other_agency])
    manager.groups.add(body.group)
    client.force_login(manager)
    listing = client.get(reverse("analytics_training:index"), **EN).content.decode()
    assert theirs.course in listing
    assert reverse("analytics_training:edit", args=[theirs.pk]) not in listing
    assert client.get(reverse("analytics_training:edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("analytics_training:delete", args=[theirs.pk])).status_code == 404
    form = client.get(reverse("analytics_training:add"), **EN).content.decode()
    offered = form.split('name="agency"')[1].split("</select>")[0]
    assert f'<option value="{agency.pk}"' in offered and f'<option value="{other_agency.pk}"' not in offered
    assert TrainingRecord.objects.filter(pk=theirs.pk).exists()
