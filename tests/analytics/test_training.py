"""Training records (analytics.training): the rules on a record, the CSV import, and the share trained."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from analytics import training
from analytics.csv_import import CsvImportError
from analytics.models import TrainingRecord
from analytics.training import TrainingShare
from newsroom.models import Role
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def record(agency, staff, day, hours="2", course="Báo chí dữ liệu"):
    return TrainingRecord.objects.create(agency=agency, staff=staff, course=course, date=day, hours=hours)


def refusal(**fields) -> dict[str, list[str]]:
    with pytest.raises(training.InvalidTraining) as caught:
        training.record_training(**fields)
    return caught.value.message_dict


# --- one record ---------------------------------------------------------------------------------------
def test_records_a_course_taken_by_a_staff_member(agency, staff):
    made = training.record_training(
        agency=agency,
        staff=staff[Role.REPORTER],
        course="  Báo chí đa nền tảng ",
        date=date(2025, 3, 15),
        hours="7.5",
        provider="Hội Nhà báo tỉnh",
        certificate="CC-01",
    )
    stored = TrainingRecord.objects.get()
    assert stored == made
    assert (stored.agency, stored.staff, stored.course, stored.date, stored.hours) == (
        agency,
        staff[Role.REPORTER],
        "Báo chí đa nền tảng",
        date(2025, 3, 15),
        Decimal("7.5"),
    )
    assert (stored.provider, stored.certificate) == ("Hội Nhà báo tỉnh", "CC-01")


def test_refuses_someone_not_on_the_agencys_staff(agency, other_agency, staff):
    outsider = make_user(username="nguoingoai", agency=other_agency, role=Role.REPORTER)
    errors = refusal(agency=agency, staff=outsider, course="C", date=date(2025, 1, 2), hours=2)
    assert errors == {"staff": ["nguoingoai is not on the staff of Báo Hải Dương."]}
    assert not TrainingRecord.objects.exists()


def test_refuses_a_staff_member_who_is_no_longer_active(agency, staff):
    reporter = staff[Role.REPORTER]
    reporter.is_active = False
    reporter.save()
    errors = refusal(agency=agency, staff=reporter, course="C", date=date(2025, 1, 2), hours=2)
    assert errors == {"staff": [f"{reporter.username} is not on the staff of Báo Hải Dương."]}


@pytest.mark.parametrize(
    "hours, message",
    [
        ("0", "Hours must be more than zero."),
        ("-3", "Hours must be more than zero."),
        ("0.4", "0.4 hours is not a plausible course: give from 0.5 to 999."),
        ("1000", "1000 hours is not a plausible course: give from 0.5 to 999."),
        ("1.25", "Give hours to one decimal place at most."),
        ("NaN", "Hours must be a number."),
        ("nhiều", "Hours must be a number."),
    ],
)
def test_refuses_hours_that_are_not_a_plausible_course(agency, staff, hours, message):
    errors = refusal(agency=agency, staff=staff[Role.EDITOR], course="C", date=date(2025, 1, 2), hours=hours)
    assert errors == {"hours": [message]}


def test_refuses_a_date_in_the_future_and_an_unnamed_course(agency, staff):
    tomorrow = timezone.localdate() + timedelta(days=1)
    errors = refusal(agency=agency, staff=staff[Role.EDITOR], course="  ", date=tomorrow, hours=2)
    assert errors == {
        "course": ["Name the course."],
        "date": [f"The training date {tomorrow:%d/%m/%Y} is in the future."],
    }


def test_today_is_not_the_future(agency, staff):
    made = training.record_training(
        agency=agency, staff=staff[Role.EDITOR], course="C", date=timezone.localdate(), hours=1
    )
    assert made.date == timezone.localdate()


def test_refuses_the_same_course_on_the_same_day_twice(agency, staff):
    record(agency, staff[Role.EDITOR], date(2025, 1, 2), course="Đào tạo báo chí dữ liệu")
    errors = refusal(
        agency=agency,
        staff=staff[Role.EDITOR],
        course="đào tạo báo chí dữ liệu",
        date=date(2025, 1, 2),
        hours=2,
    )
    assert errors == {"course": ["This course on this date is already recorded for this staff member."]}
    assert TrainingRecord.objects.count() == 1


def test_a_correction_keeps_the_agency_and_is_held_to_the_same_rules(agency, staff):
    made = record(agency, staff[Role.EDITOR], date(2025, 1, 2))
    changed = training.change_training(
        record=made, staff=staff[Role.REPORTER], course="Báo chí dữ liệu", date=date(2025, 1, 3), hours="3.5"
    )
    made.refresh_from_db()
    assert (changed, made.staff, made.date, made.hours, made.agency) == (
        made,
        staff[Role.REPORTER],
        date(2025, 1, 3),
        Decimal("3.5"),
        agency,
    )
    with pytest.raises(training.InvalidTraining) as caught:
        training.change_training(record=made, staff=staff[Role.REPORTER], course="X", date=made.date, hours=0)
    assert caught.value.message_dict == {"hours": ["Hours must be more than zero."]}
    made.refresh_from_db()
    assert made.course == "Báo chí dữ liệu"


# --- the share trained -----------------------------------------------------------------------------------
def test_trained_share_counts_current_staff_trained_by_the_end_of_the_year(agency, other_agency, staff):
    reporter, editor, chief = staff[Role.REPORTER], staff[Role.EDITOR], staff[Role.EDITOR_IN_CHIEF]
    left = make_user(username="danghi", agency=agency, role=Role.REPORTER)
    inactive = make_user(username="khoa", agency=agency, role=Role.REPORTER)
    inactive.is_active = False
    inactive.save()
    record(agency, reporter, date(2023, 5, 1), hours="4")  # earlier: still trained in 2024
    record(agency, editor, date(2024, 12, 31), hours="1.5")  # the last day counts
    record(agency, editor, date(2024, 2, 1), hours="3", course="Khác")  # the same person, counted once
    record(agency, chief, date(2025, 1, 1), hours="8")  # after the year: not yet trained in 2024
    record(agency, left, date(2024, 6, 1), hours="2")  # left since: hours stay, not counted as trained
    record(agency, inactive, date(2024, 6, 1), hours="1")
    left.groups.clear()
    record(other_agency, make_user(agency=other_agency, role=Role.EDITOR), date(2024, 3, 3), hours="6")

    shares = training.trained_share([agency.pk, other_agency.pk], 2024)

    assert shares[agency.pk] == TrainingShare(staff=4, trained=2, hours=Decimal("7.5"))
    assert shares[agency.pk].percent == 50.0
    assert shares[other_agency.pk] == TrainingShare(staff=1, trained=1, hours=Decimal("6"))
    assert training.trained_share([agency.pk], 2025)[agency.pk] == TrainingShare(4, 3, Decimal("8"))
    assert training.trained_share([agency.pk], 2023)[agency.pk] == TrainingShare(4, 1, Decimal("4"))


def test_an_agency_without_staff_or_records_has_no_share(db):
    empty = make_agency()
    share = training.trained_share([empty.pk], 2024)[empty.pk]
    assert share == TrainingShare(staff=0, trained=0, hours=Decimal(0))
    assert share.percent is None


def test_trained_share_costs_two_queries_whatever_the_number_of_agencies(
    agency, staff, django_assert_num_queries
):
    agencies = [agency, make_agency(), make_agency()]
    for n, each in enumerate(agencies):
        record(each, make_user(agency=each, role=Role.REPORTER), date(2024, 1, 1 + n))
    with django_assert_num_queries(2):
        training.trained_share([agency.pk], 2024)
    with django_assert_num_queries(2):
        shares = training.trained_share([each.pk for each in agencies], 2024)
    assert [shares[each.pk].trained for each in agencies] == [1, 1, 1]


def test_untrained_staff_lists_who_is_left_to_train(agency, staff, django_assert_num_queries):
    record(agency, staff[Role.REPORTER], date(2024, 4, 4))
    record(agency, staff[Role.EDITOR], date(2025, 4, 4))
    with django_assert_num_queries(1):
        left = training.untrained_staff(agency, 2024)
    assert [user.username for user in left] == sorted(
        staff[role].username for role in (Role.EDITOR, Role.EDITOR_IN_CHIEF, Role.MANAGER)
    )


# --- CSV import ------------------------------------------------------------------------------------
def test_imports_a_vietnamese_spreadsheet_with_semicolons_and_decimal_commas(agency, staff):
    data = (
        "\ufeffNhân sự;Khóa học;Ngày;Số giờ;Đơn vị đào tạo;Chứng chỉ\r\n"
        f"{staff[Role.REPORTER].username};Báo chí dữ liệu;15/03/2025;7,5;Hội Nhà báo;CC-1\r\n"
        "\r\n"
        f"{staff[Role.EDITOR].email.upper()};Podcast;2025-04-01;3;;\r\n"
    ).encode()
    assert training.import_training_csv(agency=agency, data=data) == 2
    stored = list(
        TrainingRecord.objects.order_by("date").values_list(
            "staff__username", "course", "date", "hours", "provider", "certificate"
        )
    )
    assert stored == [
        (
            staff[Role.REPORTER].username,
            "Báo chí dữ liệu",
            date(2025, 3, 15),
            Decimal("7.5"),
            "Hội Nhà báo",
            "CC-1",
        ),
        (staff[Role.EDITOR].username, "Podcast", date(2025, 4, 1), Decimal("3"), "", ""),
    ]


def test_imports_commas_with_a_quoted_decimal_comma(agency, staff):
    data = f'staff,course,date,hours\n{staff[Role.MANAGER].username},Quản trị số,1/2/2025,"2,5"\n'.encode()
    assert training.import_training_csv(agency=agency, data=data) == 1
    assert TrainingRecord.objects.get().hours == Decimal("2.5")


def test_a_bad_file_is_refused_whole_with_every_bad_line_numbered(agency, other_agency, staff):
    outsider = make_user(username="nguoingoai", agency=other_agency, role=Role.REPORTER)
    tomorrow = timezone.localdate() + timedelta(days=1)
    reporter = staff[Role.REPORTER].username
    data = "\n".join(
        [
            "staff;course;date;hours",
            f"{reporter};Báo chí dữ liệu;15/03/2025;7,5",  # good, but not stored
            "nguoingoai;Podcast;15/03/2025;2",
            f"{reporter};Podcast;31/02/2025;2",
            f"{reporter};Podcast;{tomorrow:%d/%m/%Y};0",
            f"{reporter};;01/01/2025;abc",
            f"{reporter};báo chí dữ liệu;2025-03-15;1",
            "",
        ]
    ).encode()
    with pytest.raises(CsvImportError) as caught:
        training.import_training_csv(agency=agency, data=data)
    assert caught.value.errors == [
        (3, "“nguoingoai” is not on the agency's staff."),
        (4, "“31/02/2025” is not a date; write it as dd/mm/yyyy."),
        (
            5,
            f"The training date {tomorrow:%d/%m/%Y} is in the future. Hours must be more than zero.",
        ),
        (6, "“abc” is not a number of hours. Name the course."),
        (7, "The same record is on line 2."),
    ]
    assert not TrainingRecord.objects.exists()
    assert outsider.is_active  # on a staff, but another agency's


def test_a_record_already_stored_is_not_imported_again(agency, staff):
    record(agency, staff[Role.EDITOR], date(2025, 3, 15), course="Podcast")
    data = f"staff,course,date,hours\n{staff[Role.EDITOR].username},PODCAST,15/03/2025,2\n".encode()
    with pytest.raises(CsvImportError) as caught:
        training.import_training_csv(agency=agency, data=data)
    assert caught.value.errors == [(2, "This course on this date is already recorded for this staff member.")]
    assert TrainingRecord.objects.count() == 1


@pytest.mark.parametrize(
    "data, errors",
    [
        (b"", [(1, "The file is empty.")]),
        (b"staff,course,date,hours\n\n", [(1, "The file has no records under its header.")]),
        (
            "staff,course,ngày,hours\n".encode("cp1252"),
            [(1, "The file is not UTF-8 text; in Excel, save it as “CSV UTF-8”.")],
        ),
        (
            b"staff,course,day,hours\nx,y,1/1/2025,1\n",
            [
                (
                    1,
                    "Unknown column “day”; the columns are nhân sự/staff, khóa học/course, ngày/date, "
                    "số giờ/hours, đơn vị đào tạo/provider, chứng chỉ/certificate.",
                ),
                (1, "The header row lacks the column(s): ngày."),
            ],
        ),
        (
            b"staff,course,date,hours,hours\n",
            [(1, "The column “hours” is there twice.")],
        ),
    ],
)
def test_a_file_that_is_not_a_table_of_records_is_refused(agency, staff, data, errors):
    with pytest.raises(CsvImportError) as caught:
        training.import_training_csv(agency=agency, data=data)
    assert caught.value.errors == errors
    assert not TrainingRecord.objects.exists()


def test_an_email_shared_by_two_staff_members_is_refused(agency, staff):
    twin = make_user(username="trung", agency=agency, role=Role.REPORTER)
    twin.email = staff[Role.EDITOR].email
    twin.save()
    data = f"staff,course,date,hours\n{twin.email},Podcast,1/1/2025,1\n".encode()
    with pytest.raises(CsvImportError) as caught:
        training.import_training_csv(agency=agency, data=data)
    assert caught.value.errors == [(2, f"“{twin.email}” matches several staff members; use the username.")]
