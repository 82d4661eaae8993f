"""The self-assessment services: start (pinned, pre-filled), answer, refresh, submit, reopen, and the scores
the panels read; a framework edited after submission changes nothing of the submitted assessment."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import translation

from analytics.maturity import services
from analytics.maturity.loader import load_framework
from analytics.maturity.scoring import PointsOutOfRange
from analytics.models import AssessmentStatus, SecurityDeclaration, TrainingRecord
from newsroom.models import Role
from tests.analytics.test_maturity_framework import small_framework

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def framework():
    return load_framework(small_framework())


@pytest.fixture
def manager(staff):
    return staff[Role.MANAGER]


def _trained(agency, users):
    for user in users:
        TrainingRecord.objects.create(
            agency=agency, staff=user, course="Kỹ năng số", date=date(YEAR, 3, 1), hours=4
        )


def full_answers(assessment, manager):
    for code, value in {"1.1.1": "4", "1.1.2": "1.5", "1.2.1": "2.25", "2.1.1": "0", "2.1.2": "5"}.items():
        services.answer(assessment=assessment, code=code, points=D(value), note="", user=manager)


def test_start_pins_the_live_revision_and_prefills_from_the_rules(agency, staff, framework, manager):
    _trained(agency, [staff[Role.REPORTER], staff[Role.EDITOR]])
    assessment = services.start_assessment(agency=agency, year=YEAR, user=manager)
    assert assessment.framework_revision_id == framework.live_revision_id
    answers = {a.code: a for a in assessment.answers.all()}
    assert sorted(answers) == ["1.1.1", "1.1.2", "1.2.1", "2.1.1", "2.1.2"]
    trained = answers["1.2.1"]
    assert (trained.suggested_points, trained.points, trained.answered_by) == (D("2.00"), D("2.00"), None)
    assert (
        trained.evidence == f"2 of the agency's 4 current staff had a training record by the end of {YEAR}."
    )
    assert answers["2.1.1"].suggested_points == D("0")  # no security approval declared
    assert (answers["1.1.1"].points, answers["1.1.1"].evidence) == (None, "")  # no rule: left to the agency
    assert services.start_assessment(agency=agency, year=YEAR, user=manager).pk == assessment.pk


def test_start_needs_a_published_framework_for_the_year(agency, manager):
    load_framework(small_framework(first_year=2026))
    with pytest.raises(services.NoFramework, match="No published maturity framework applies to 2025."):
        services.start_assessment(agency=agency, year=YEAR, user=manager)


def test_the_newest_framework_in_force_is_chosen(agency, manager, framework):
    newer = load_framework(small_framework(decision="100/QĐ-TEST", first_year=2025))
    assert services.start_assessment(agency=agency, year=YEAR, user=manager).framework_id == newer.pk
    assert services.framework_for_year(2024) == framework


def test_answers_are_checked_against_the_pinned_criteria(agency, framework, manager):
    assessment = services.start_assessment(agency=agency, year=YEAR, user=manager)
    with pytest.raises(services.UnknownCriterion, match="no criterion 9.9"):
        services.answer(assessment=assessment, code="9.9", points=D(1), note="", user=manager)
    with pytest.raises(PointsOutOfRange, match="takes from 0 to 2 points, not 3"):
        services.answer(assessment=assessment, code="1.1.2", points=D(3), note="", user=manager)
    saved = services.answer(
        assessment=assessment, code="1.1.2", points=D("1.5"), note="Có dự toán", user=manager
    )
    assert (saved.points, saved.note, saved.answered_by) == (D("1.5"), "Có dự toán", manager)


def test_a_bad_value_in_a_batch_saves_nothing(agency, framework, manager):
    assessment = services.start_assessment(agency=agency, year=YEAR, user=manager)
    with pytest.raises(PointsOutOfRange):
        services.save_answers(
            assessment=assessment, answers={"1.1.2": (D("1"), "ok"), "1.1.1": (D("1"), "")}, user=manager
        )
    assert assessment.answers.get(code="1.1.2").points is None


def test_scores_of_a_draft_follow_its_answers(agency, framework, manager):
    assessment = services.start_assessment(agency=agency, year=YEAR, user=manager)
    full_answers(assessment, manager)
    result = services.scores(assessment)
    assert [(p.code, p.points) for p in result.pillars] == [("1", D("7.75")), ("2", D("5"))]
    assert (result.total, result.level, result.submitted) == (D("12.75"), "Mid", False)


def test_submit_needs_every_criterion_answered(agency, framework, manager):
    assessment = services.start_assessment(agency=agency, year=YEAR, user=manager)
    with pytest.raises(services.Incomplete) as raised:
        services.submit(assessment=assessment, user=manager)
    assert raised.value.codes == ["1.1.1", "1.1.2"]  # the others carry the system's suggestion


def test_submit_keeps_the_score_and_freezes_the_assessment(agency, framework, manager):
    assessment = services.start_assessment(agency=agency, year=YEAR, user=manager)
    full_answers(assessment, manager)
    assessment = services.submit(assessment=assessment, user=manager)
    assert assessment.status == AssessmentStatus.SUBMITTED
    assert (assessment.total, assessment.level, assessment.submitted_by) == (D("12.75"), "Mid", manager)
    assert assessment.pillar_scores[0] == {
        "code": "1",
        "name": "Chiến lược",
        "max": "10",
        "points": "7.75",
        "components": [
            {"code": "1.1", "name": "Kế hoạch", "max": "6", "points": "5.5"},
            {"code": "1.2", "name": "Nhân lực", "max": "4", "points": "2.25"},
        ],
    }
    with pytest.raises(services.AssessmentLocked):
        services.answer(assessment=assessment, code="1.1.2", points=D(2), note="", user=manager)
    with pytest.raises(services.AssessmentLocked):
        services.refresh_evidence(assessment=assessment)


def test_editing_the_framework_after_submission_changes_nothing(agency, framework, manager):
    assessment = services.start_assessment(agency=agency, year=YEAR, user=manager)
    full_answers(assessment, manager)
    assessment = services.submit(assessment=assessment, user=manager)
    before = services.scores(assessment)
    changed = small_framework()
    changed["pillars"][0]["name"] = "Chiến lược (sửa)"
    changed["levels"][1]["min_points"] = "13"  # 12.75 would now be Low
    load_framework(changed)
    assessment.refresh_from_db()
    after = services.scores(assessment)
    assert after == before
    assert (after.total, after.level, after.pillars[0].name) == (D("12.75"), "Mid", "Chiến lược")
    assert assessment.framework_revision_id == framework.live_revision_id


def test_a_draft_stays_on_its_pinned_revision_when_the_framework_changes(agency, framework, manager):
    assessment = services.start_assessment(agency=agency, year=YEAR, user=manager)
    full_answers(assessment, manager)
    changed = small_framework()
    changed["levels"][1]["min_points"] = "13"
    load_framework(changed)
    assessment.refresh_from_db()
    assert services.scores(assessment).level == "Mid"


def test_refresh_follows_new_evidence_but_keeps_what_a_person_saved(agency, framework, manager):
    assessment = services.start_assessment(agency=agency, year=YEAR, user=manager)
    services.answer(assessment=assessment, code="1.2.1", points=D("3"), note="Tự đánh giá", user=manager)
    SecurityDeclaration.objects.create(
        agency=agency,
        system_name="Báo điện tử",
        level=3,
        document_number="12/QĐ",
        document_date=date(YEAR, 2, 1),
    )
    assert services.refresh_evidence(assessment=assessment) == 3
    answers = {a.code: a for a in assessment.answers.all()}
    assert (answers["2.1.1"].suggested_points, answers["2.1.1"].points) == (D("5"), D("5"))
    assert "12/QĐ" in answers["2.1.1"].evidence
    assert answers["1.2.1"].points == D("3")  # the manager's, not the suggestion


def test_reopen_makes_a_draft_again_on_the_same_revision(agency, framework, manager):
    assessment = services.start_assessment(agency=agency, year=YEAR, user=manager)
    with pytest.raises(services.NotSubmitted):
        services.reopen(assessment=assessment, user=manager)
    full_answers(assessment, manager)
    services.submit(assessment=assessment, user=manager)
    reopened = services.reopen(assessment=assessment, user=manager)
    assert (reopened.status, reopened.total, reopened.level, reopened.pillar_scores) == (
        "draft",
        None,
        "",
        [],
    )
    services.answer(assessment=reopened, code="1.1.2", points=D(2), note="", user=manager)
    assert services.scores(reopened).total == D("13.25")


def test_assessments_for_costs_two_queries(
    agency, other_agency, framework, manager, django_assert_num_queries
):
    first = services.start_assessment(agency=agency, year=YEAR, user=manager)
    full_answers(first, manager)
    services.submit(assessment=first, user=manager)
    draft = services.start_assessment(agency=other_agency, year=2024, user=manager)
    services.answer(assessment=draft, code="1.1.1", points=D(4), note="", user=manager)
    with django_assert_num_queries(2):
        found = services.assessments_for([agency.pk, other_agency.pk], [2024, YEAR])
    assert found[(agency.pk, 2024)] is None
    assert (found[(agency.pk, YEAR)].total, found[(agency.pk, YEAR)].submitted) == (D("12.75"), True)
    assert found[(other_agency.pk, 2024)].total >= D("4")
    assert found[(other_agency.pk, YEAR)] is None
