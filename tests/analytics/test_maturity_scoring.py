"""Scoring a self-assessment: per criterion (met: all or nothing; graded: 0 to the maximum), per component,
per pillar, the total and the level, in exact decimals."""

from decimal import Decimal as D

import pytest
from django.utils import translation

from analytics.maturity.loader import load_framework
from analytics.maturity.scoring import PointsOutOfRange, criteria, level_for, score
from tests.analytics.test_maturity_framework import small_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework():
    return load_framework(small_framework())


def test_points_add_up_per_component_pillar_and_total(framework):
    result = score(
        framework, {"1.1.1": D("4"), "1.1.2": D("1.5"), "1.2.1": D("2.25"), "2.1.1": D("0"), "2.1.2": D("5")}
    )
    (p1, p2) = result.pillars
    assert [(c.code, c.points, c.max) for c in p1.components] == [
        ("1.1", D("5.5"), D("6")),
        ("1.2", D("2.25"), D("4")),
    ]
    assert (p1.code, p1.name, p1.points, p1.max) == ("1", "Chiến lược", D("7.75"), D("10"))
    assert (p2.points, p2.max) == (D("5"), D("10"))
    assert result.total == D("12.75")
    assert result.max_total == D("20")
    assert result.level == "Mid"
    assert result.decision == "99/QĐ-TEST"
    assert (result.answered, result.criteria) == (5, 5)


def test_unanswered_criteria_count_nothing(framework):
    result = score(framework, {"1.1.1": D("4"), "2.1.2": None})
    assert result.total == D("4")
    assert result.level == "Low"
    assert result.answered == 1


@pytest.mark.parametrize(
    ("total", "level"),
    [
        (D("0"), "Low"),
        (D("7.99"), "Low"),
        (D("8"), "Mid"),
        (D("14.99"), "Mid"),
        (D("15"), "High"),
        (D("20"), "High"),
    ],
)
def test_the_level_is_the_highest_whose_floor_the_total_reaches(total, level):
    assert level_for([("Low", D(0)), ("Mid", D(8)), ("High", D(15))], total) == level


def test_a_full_score_reaches_the_top_level(framework):
    result = score(framework, {c.code: c.max for c in criteria(framework)})
    assert (result.total, result.level) == (D("20"), "High")


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("1.1.1", D("2"), "Criterion 1.1.1 is met or not: give 0 or 4 points, not 2."),
        ("1.1.2", D("2.01"), "Criterion 1.1.2 takes from 0 to 2 points, not 2.01."),
        ("1.2.1", D("-1"), "Criterion 1.2.1 takes from 0 to 4 points, not -1."),
    ],
)
def test_points_a_criterion_cannot_give_are_refused(framework, code, value, message):
    with translation.override("en"), pytest.raises(PointsOutOfRange) as raised:
        score(framework, {code: value})
    assert raised.value.message == message


def test_suggestions_follow_the_scoring_kind(framework):
    by_code = {c.code: c for c in criteria(framework)}
    assert by_code["1.2.1"].suggestion(0.5) == D("2.00")
    assert by_code["1.2.1"].suggestion(1 / 3) == D("1.33")
    assert by_code["2.1.1"].suggestion(0.99) == D("0")
    assert by_code["2.1.1"].suggestion(1.0) == D("5")
