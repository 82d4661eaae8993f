"""The self-assessment pages: the manager starts, answers (a bad value loses nothing), submits and reopens;
oversight officers read; other agencies' staff are walled out; Vietnamese by default, English on request."""

from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics.maturity import services
from analytics.maturity.loader import load_framework
from analytics.models import AssessmentStatus, SelfAssessment
from newsroom.models import Role
from newsroom.services import create_oversight_body
from tests.analytics.test_maturity_framework import small_framework
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def framework():
    return load_framework(small_framework())


@pytest.fixture
def manager(staff):
    return staff[Role.MANAGER]


def url(agency, year):
    return reverse("analytics_maturity_assessment", args=[agency.pk, year])


def officer_of(*agencies):
    body = create_oversight_body(name="Sở VHTTDL thử nghiệm", kind="province", agencies=list(agencies))
    user = make_user(username="so-vhttdl")
    user.groups.add(body.group)
    return user


def post(client, address, action, **answers):
    data = {"action": action}
    for code, (points, note) in answers.items():
        data[f"points-{code}"], data[f"note-{code}"] = points, note
    return client.post(address, data, HTTP_ACCEPT_LANGUAGE="en")


ALL = {
    "1.1.1": ("4", ""),
    "1.1.2": ("1.5", ""),
    "1.2.1": ("2.25", ""),
    "2.1.1": ("0", ""),
    "2.1.2": ("5", ""),
}


def test_the_manager_starts_answers_and_submits(client, agency, framework, manager, year):
    client.force_login(manager)
    page = client.get(url(agency, year), HTTP_ACCEPT_LANGUAGE="en")
    assert "has not been started" in page.content.decode()
    assert post(client, url(agency, year), "start").status_code == 302
    page = client.get(url(agency, year), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "From the system's data" in page
    assert "of the agency&#x27;s 4 current staff had a training record" in page  # evidence of 1.2.1
    assert 'name="points-1.1.2"' in page
    assert post(client, url(agency, year), "save", **ALL).status_code == 302
    assert post(client, url(agency, year), "submit", **ALL).status_code == 302
    assessment = SelfAssessment.objects.get(agency=agency, year=year)
    assert (assessment.status, assessment.total, assessment.level) == (
        AssessmentStatus.SUBMITTED,
        D("12.75"),
        "Mid",
    )
    page = client.get(url(agency, year), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="points-1.1.2"' not in page
    assert "Reopen for corrections" in page
    assert "12.75 / 20" in page


def test_a_bad_value_is_shown_beside_its_criterion_and_nothing_is_lost(
    client, agency, framework, manager, year
):
    services.start_assessment(agency=agency, year=year, user=manager)
    client.force_login(manager)
    answers = {**ALL, "1.1.1": ("2", "Đang xây dựng kế hoạch"), "1.1.2": ("abc", "")}
    response = post(client, url(agency, year), "save", **answers)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Criterion 1.1.1 is met or not: give 0 or 4 points, not 2." in body
    assert "Enter a number." in body
    assert "Đang xây dựng kế hoạch" in body  # the note typed is shown again
    assert 'value="2.25"' in body  # and so are the good values
    assert SelfAssessment.objects.get(agency=agency, year=year).answers.get(code="1.1.1").points is None


def test_submitting_with_criteria_unanswered_says_which(client, agency, framework, manager, year):
    services.start_assessment(agency=agency, year=year, user=manager)
    client.force_login(manager)
    response = post(client, url(agency, year), "submit", **{"1.1.1": ("4", "")})
    assert response.status_code == 302
    page = client.get(url(agency, year), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "missing: 1.1.2" in page
    assert SelfAssessment.objects.get(agency=agency, year=year).status == AssessmentStatus.DRAFT


def test_the_manager_reopens_a_submitted_assessment(client, agency, framework, manager, year):
    assessment = services.start_assessment(agency=agency, year=year, user=manager)
    services.save_answers(
        assessment=assessment, answers={k: (D(v), n) for k, (v, n) in ALL.items()}, user=manager
    )
    services.submit(assessment=assessment, user=manager)
    client.force_login(manager)
    assert post(client, url(agency, year), "reopen").status_code == 302
    assert SelfAssessment.objects.get(pk=assessment.pk).status == AssessmentStatus.DRAFT


def test_officers_read_but_cannot_write(client, agency, framework, manager, year):
    assessment = services.start_assessment(agency=agency, year=year, user=manager)
    services.answer(assessment=assessment, code="1.1.1", points=D(4), note="Có kế hoạch 2025", user=manager)
    client.force_login(officer_of(agency))
    page = client.get(url(agency, year), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Có kế hoạch 2025" in body
    assert 'name="points-1.1.1"' not in body
    assert post(client, url(agency, year), "save", **ALL).status_code == 404
    assert post(client, url(agency, year), "reopen").status_code == 404
    index = client.get(reverse("analytics_maturity"), HTTP_ACCEPT_LANGUAGE="en")
    assert index.status_code == 200
    assert agency.name in index.content.decode()


def test_other_agencies_are_walled_off(client, agency, other_agency, framework, manager, year):
    services.start_assessment(agency=agency, year=year, user=manager)
    stranger = make_user(agency=other_agency, role=Role.MANAGER)
    client.force_login(stranger)
    assert client.get(url(agency, year)).status_code == 404
    assert post(client, url(agency, year), "start").status_code == 404
    index = client.get(reverse("analytics_maturity")).content.decode()
    assert agency.name not in index and other_agency.name in index


def test_a_reporter_of_the_agency_reads_only(client, agency, staff, framework, manager, year):
    services.start_assessment(agency=agency, year=year, user=manager)
    client.force_login(staff[Role.REPORTER])
    assert 'name="points-1.1.1"' not in client.get(url(agency, year)).content.decode()
    assert post(client, url(agency, year), "save", **ALL).status_code == 404


def test_a_year_outside_the_strategy_is_not_found(client, agency, manager, year):
    client.force_login(manager)
    assert client.get(url(agency, 2019)).status_code == 404
    assert client.get(url(agency, year + 1)).status_code == 404


def test_the_pages_speak_vietnamese_by_default_and_english_on_request(
    client, agency, framework, manager, year
):
    client.force_login(manager)
    english = client.get(reverse("analytics_maturity"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    vietnamese = client.get(reverse("analytics_maturity")).content.decode()
    assert "Self-assessments by year" in english
    # Our own strings turn Vietnamese once the lead's `make messages` adds them to the catalogue.
    assert 'lang="vi"' in vietnamese and 'lang="en"' in english


def test_both_pages_are_in_the_admin_menu(client, agency, manager):
    client.force_login(manager)
    body = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("analytics_maturity") in body
    assert reverse("wagtailsnippets_analytics_maturityframework:list") in body
