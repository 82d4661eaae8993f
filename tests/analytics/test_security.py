"""Information security (analytics.security): declarations and the one in force, and the observed controls."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone, translation
from wagtail.models import PageLogEntry

from analytics import security
from analytics.models import SecurityDeclaration
from newsroom.models import BackupRecord, BackupState, Role
from tests.factories import make_agency, make_story, section_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def declare(agency, day, level, number=None):
    return SecurityDeclaration.objects.create(
        agency=agency,
        system_name="Báo điện tử",
        level=level,
        document_number=number or f"{level}/{day:%Y%m%d}/QĐ-UBND",
        document_date=day,
    )


# --- the declared level -----------------------------------------------------------------------------
def test_the_declaration_in_force_is_the_latest_approved_by_the_end_of_the_year(agency, other_agency):
    first = declare(agency, date(2023, 4, 1), 2)
    declare(agency, date(2024, 6, 1), 3)
    higher = declare(agency, date(2024, 6, 1), 4)  # same day: the higher level wins
    last_day = declare(other_agency, date(2024, 12, 31), 3)
    declare(other_agency, date(2025, 1, 1), 1)  # the next year's does not count for 2024

    assert security.declaration_in_force([agency.pk, other_agency.pk], 2024) == {
        agency.pk: higher,
        other_agency.pk: last_day,
    }
    assert security.declaration_in_force([agency.pk, other_agency.pk], 2023) == {agency.pk: first}
    assert security.declaration_in_force([agency.pk], 2022) == {}


def test_declaration_in_force_costs_one_query_whatever_the_number_of_agencies(
    agency, django_assert_num_queries
):
    agencies = [agency, make_agency(), make_agency()]
    for n, each in enumerate(agencies):
        declare(each, date(2024, 1, 1 + n), 3)
    with django_assert_num_queries(1):
        security.declaration_in_force([agency.pk], 2024)
    with django_assert_num_queries(1):
        found = security.declaration_in_force([each.pk for each in agencies], 2024)
    assert [found[each.pk].document_date.day for each in agencies] == [1, 2, 3]


def test_a_new_approval_is_a_new_declaration_and_the_old_one_stays(agency, staff):
    manager = staff[Role.MANAGER]
    old = security.declare_security(
        agency=agency,
        system_name="Báo điện tử",
        level=2,
        document_number="12/QĐ-UBND",
        document_date=date(2023, 3, 1),
    )
    new = security.declare_security(
        agency=agency,
        system_name=" Báo điện tử ",
        level=3,
        document_number=" 45/QĐ-UBND ",
        document_date=date(2024, 8, 8),
        approved_by="UBND tỉnh",
        declared_by=manager,
    )
    assert list(SecurityDeclaration.objects.order_by("document_date")) == [old, new]
    new.refresh_from_db()
    assert (new.system_name, new.level, new.document_number, new.approved_by, new.declared_by) == (
        "Báo điện tử",
        3,
        "45/QĐ-UBND",
        "UBND tỉnh",
        manager,
    )


def test_a_declaration_is_refused_with_reasons(agency):
    declare(agency, date(2023, 3, 1), 2, number="12/QĐ-UBND")
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(security.InvalidDeclaration) as caught:
        security.declare_security(
            agency=agency,
            system_name=" ",
            level=6,
            document_number="12/qđ-ubnd",
            document_date=tomorrow,
        )
    assert caught.value.message_dict == {
        "system_name": ["Name the information system as in the approval."],
        "level": ["The security level is from 1 to 5."],
        "document_number": ["A declaration with this document number is already recorded."],
        "document_date": [f"The approval date {tomorrow:%d/%m/%Y} is in the future."],
    }
    with pytest.raises(security.InvalidDeclaration) as caught:
        security.declare_security(
            agency=agency, system_name="Báo", level=0, document_number="", document_date=date(2024, 1, 1)
        )
    assert caught.value.message_dict == {
        "level": ["The security level is from 1 to 5."],
        "document_number": ["Give the approval document's number."],
    }
    assert SecurityDeclaration.objects.count() == 1


def test_another_agencys_document_number_is_no_duplicate(agency, other_agency):
    declare(other_agency, date(2023, 3, 1), 3, number="12/QĐ-UBND")
    made = security.declare_security(
        agency=agency,
        system_name="Báo",
        level=3,
        document_number="12/QĐ-UBND",
        document_date=date(2024, 1, 1),
    )
    assert made.agency == agency


def test_a_correction_changes_only_the_descriptions(agency):
    made = declare(agency, date(2024, 1, 1), 3)
    security.correct_declaration(declaration=made, system_name="Tạp chí điện tử", approved_by="Sở TT&TT")
    made.refresh_from_db()
    assert (made.system_name, made.approved_by, made.level, made.document_date) == (
        "Tạp chí điện tử",
        "Sở TT&TT",
        3,
        date(2024, 1, 1),
    )
    with pytest.raises(security.InvalidDeclaration) as caught:
        security.correct_declaration(declaration=made, system_name="")
    assert caught.value.message_dict == {"system_name": ["Name the information system as in the approval."]}


# --- the observed controls ----------------------------------------------------------------------------
def controls(agency) -> dict[str, security.Control]:
    return {control.key: control for control in security.observed_controls(agency)}


def test_the_controls_come_in_order_for_one_query(agency, django_assert_num_queries):
    with django_assert_num_queries(3):
        found = security.observed_controls(agency)
    assert [control.key for control in found] == [
        "https",
        "password_policy",
        "audit_log",
        "two_factor",
        "backup",
    ]
    assert [control.label for control in found] == [
        "HTTPS",
        "Password policy",
        "Audit log",
        "Two-factor sign-in enforced",
        "Recent backup",
    ]


@override_settings(SECURE_SSL_REDIRECT=False, SECURE_PROXY_SSL_HEADER=None)
def test_https_is_not_seen_on_port_80_without_a_redirect(agency):
    https = controls(agency)["https"]
    assert not https.observed
    assert https.evidence == (
        "The site baohaiduong.localhost is served on port 80, not the HTTPS port. "
        "Plain HTTP requests are not redirected to HTTPS (SECURE_SSL_REDIRECT is off)."
    )


@override_settings(SECURE_SSL_REDIRECT=False, SECURE_PROXY_SSL_HEADER=None)
def test_https_is_seen_on_port_443(db):
    agency = make_agency(short_name="baoan", port=443)
    https = controls(agency)["https"]
    assert https.observed
    assert https.evidence.startswith("The site baoan.localhost is served on port 443, over HTTPS.")


@override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_https_is_seen_when_plain_http_is_redirected(agency):
    https = controls(agency)["https"]
    assert https.observed
    assert https.evidence == (
        "The site baohaiduong.localhost is served on port 80, not the HTTPS port. "
        "Plain HTTP requests are redirected to HTTPS (SECURE_SSL_REDIRECT). "
        "The proxy in front says which requests came over HTTPS (SECURE_PROXY_SSL_HEADER)."
    )


def test_the_configured_password_policy_is_seen(agency):
    policy = controls(agency)["password_policy"]
    assert policy.observed
    assert policy.evidence == (
        "Checked the configured password validators: passwords need at least 12 characters; "
        "common passwords are refused."
    )


VALIDATION = "django.contrib.auth.password_validation"


@pytest.mark.parametrize(
    "validators, evidence",
    [
        (
            [{"NAME": f"{VALIDATION}.MinimumLengthValidator", "OPTIONS": {"min_length": 6}}],
            "Checked the configured password validators: passwords need at least 6 characters; common "
            "passwords are not refused. A policy needs at least 8 characters.",
        ),
        (
            [{"NAME": f"{VALIDATION}.CommonPasswordValidator"}],
            "Checked the configured password validators: no minimum password length is set; common "
            "passwords are refused.",
        ),
        (
            [],
            "Checked the configured password validators: no minimum password length is set; common "
            "passwords are not refused.",
        ),
    ],
)
def test_a_weak_password_policy_is_not_seen(agency, validators, evidence):
    with override_settings(AUTH_PASSWORD_VALIDATORS=validators):
        policy = controls(agency)["password_policy"]
    assert not policy.observed
    assert policy.evidence == evidence


def test_the_audit_log_counts_the_agencys_pages_in_the_last_30_days(agency, other_agency, staff):
    PageLogEntry.objects.all().delete()  # whatever creating the agencies logged
    assert controls(agency)["audit_log"] == security.Control(
        "audit_log",
        "Audit log",
        False,
        "The audit log holds no entry for the agency's pages in the last 30 days.",
    )
    story = make_story(section=section_of(agency), owner=staff[Role.REPORTER])  # Wagtail logs the publish
    make_story(section=section_of(other_agency))
    logged = PageLogEntry.objects.filter(page=story).count()
    assert logged >= 1
    old = PageLogEntry.objects.log_action(agency.root_page, "wagtail.edit")
    PageLogEntry.objects.filter(pk=old.pk).update(timestamp=timezone.now() - timedelta(days=31))
    audit = controls(agency)["audit_log"]
    assert audit.observed
    assert audit.evidence == (
        f"The audit log holds {logged} {'entry' if logged == 1 else 'entries'} for the agency's pages in the "
        "last 30 days."
    )
    PageLogEntry.objects.filter(page=story).update(timestamp=timezone.now() - timedelta(days=31))
    assert not controls(agency)["audit_log"].observed


def test_two_factor_sign_in_is_seen_where_the_agency_requires_it(agency, staff):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=staff[Role.EDITOR], name="phone", confirmed=True)
    TOTPDevice.objects.create(user=staff[Role.REPORTER], name="old", confirmed=False)
    people = len(staff)
    two_factor = controls(agency)["two_factor"]
    assert not two_factor.observed
    assert two_factor.evidence == (
        f"The agency does not require two-factor sign-in (1 of {people} staff use it of their own accord). "
        "Turn it on in Settings → Agencies."
    )
    agency.require_two_factor = True
    agency.save()
    two_factor = controls(agency)["two_factor"]
    assert two_factor.observed
    assert two_factor.evidence.startswith(
        f"The agency requires two-factor sign-in of its staff: every sign-in is confirmed with a code (1 of "
        f"{people} staff have set it up;"
    )
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != security.TWO_FACTOR_ENFORCER]):
        assert not controls(agency)["two_factor"].observed


def test_no_backup_is_seen_while_none_is_recorded(agency):
    BackupRecord.objects.create(
        started_at=timezone.now(), destination="/srv/backups", name="x", state=BackupState.FAILED
    )
    backup = controls(agency)["backup"]
    assert not backup.observed
    assert backup.evidence == "No backup has ever finished (manage.py backup)."


def test_a_backup_is_seen_for_a_week_after_it_finished(agency):
    finished = timezone.now() - timedelta(days=2)
    BackupRecord.objects.create(
        started_at=finished - timedelta(minutes=5),
        finished_at=finished,
        destination="/srv/backups",
        name="20261122-023000",
        state=BackupState.SUCCEEDED,
        media_files=12,
        database_bytes=3 * 1024 * 1024,
        media_bytes=7 * 1024 * 1024,
    )
    backup = controls(agency)["backup"]
    assert backup.observed
    assert backup.evidence == (
        f"The latest backup, 20261122-023000, finished on {timezone.localtime(finished):%d/%m/%Y %H:%M}: "
        "the database and 12 media files, 10.0\xa0MB."
    )
    BackupRecord.objects.update(finished_at=timezone.now() - timedelta(days=8))
    backup = controls(agency)["backup"]
    assert not backup.observed
    assert backup.evidence.endswith("That is more than 7 days ago.")
