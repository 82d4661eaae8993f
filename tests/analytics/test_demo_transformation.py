"""The demo's digital transformation: a province with both agencies, revenue for two years and more,
training, security approvals and self-assessments, so `make run` shows full panels; added once."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics import indicators
from analytics.models import (
    AssessmentStatus,
    Indicator,
    RevenueEntry,
    RevenueSource,
    SecurityDeclaration,
    SelfAssessment,
    TrainingRecord,
)
from distribution.models import Publication
from newsroom.demo import cast
from newsroom.models import OversightBody

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", stories=24, stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_transformation", stdout=out)
    return out.getvalue()


def test_the_demo_province_has_full_panels(demo):
    today = timezone.localdate()
    body = OversightBody.objects.get(name=cast.OVERSIGHT_NAME)
    agencies = list(body.agencies.order_by("name"))
    assert [agency.short_name for agency in agencies] == sorted(a.short_name for a in cast.AGENCIES)
    for agency in agencies:
        entries = RevenueEntry.objects.filter(agency=agency)
        for year in (today.year - 2, today.year - 1):
            assert entries.filter(month__year=year).count() == 12 * 7  # every month, seven sources
        assert entries.filter(month__year=today.year).count() == (today.month - 1) * 7
        assert set(entries.values_list("source", flat=True)) < set(RevenueSource.values)
        assert TrainingRecord.objects.filter(agency=agency).exists()
        assert SecurityDeclaration.objects.filter(agency=agency).exists()
        assert Publication.objects.filter(channel__agency=agency).exists()
        last_year = SelfAssessment.objects.get(agency=agency, year=today.year - 1)
        assert last_year.status == AssessmentStatus.SUBMITTED and last_year.total > 0 and last_year.level
        assert SelfAssessment.objects.get(agency=agency, year=today.year).status == AssessmentStatus.DRAFT
    assert "2 agencies" in demo or "2 cơ quan" in demo


def test_one_agency_is_ahead_of_the_strategy_and_the_other_behind(demo):
    year = timezone.localdate().year - 1  # a whole year of revenue against a whole year
    body = OversightBody.objects.get(name=cast.OVERSIGHT_NAME)
    ahead, behind = indicators.agency_years(list(body.agencies.order_by("name")), year)
    assert ahead[Indicator.REVENUE_GROWTH].met is True and ahead[Indicator.REVENUE_GROWTH].value > 20
    assert behind[Indicator.REVENUE_GROWTH].met is False and 0 < behind[Indicator.REVENUE_GROWTH].value < 20
    assert ahead[Indicator.SECURITY].met is True and behind[Indicator.SECURITY].met is False
    shares = {share.indicator: share for share in indicators.shares([ahead, behind], body=body)}
    assert shares[Indicator.REVENUE_GROWTH].percent == 50.0


def test_seeding_again_adds_nothing(demo):
    counts = (RevenueEntry.objects.count(), TrainingRecord.objects.count(), SelfAssessment.objects.count())
    out = io.StringIO()
    call_command("seed_transformation", stdout=out)
    assert (
        RevenueEntry.objects.count(),
        TrainingRecord.objects.count(),
        SelfAssessment.objects.count(),
    ) == counts
