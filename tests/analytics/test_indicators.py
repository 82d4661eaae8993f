"""The strategy's indicators computed from seeded data, declared where the system cannot see, and a province's
share of agencies meeting each against the 2025 and 2030 targets."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from wagtail.models import Page

from analytics import indicators
from analytics import revenue as ledger
from analytics.indicators import Basis
from analytics.models import (
    Dimension,
    Indicator,
    IndicatorDeclaration,
    Period,
    RevenueEntry,
    RevenueSource,
    Rollup,
    SecurityDeclaration,
    StrategyTarget,
    TrainingRecord,
)
from distribution.models import Channel, ChannelKind, Publication
from newsroom.models import OversightBody, Role
from newsroom.services import create_oversight_body
from tests.factories import make_agency, make_story, section_of

pytestmark = pytest.mark.django_db
YEAR = 2025


def local(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def published_story(agency, day: date, *, reviewed: bool = False, reviewer=None, owner=None):
    """A story first published on `day`, through the review workflow when `reviewed`."""
    story = make_story(section=section_of(agency), publish=not reviewed, owner=owner)
    if reviewed:
        story.save_revision(user=owner)
        state = story.get_workflow().start(story, owner)
        while state.status == state.STATUS_IN_PROGRESS:
            task_state = state.current_task_state
            task = task_state.task.specific
            task.on_action(task_state, reviewer(task), "approve")
            state.refresh_from_db()
        story.refresh_from_db()
        assert story.live
    Page.objects.filter(pk=story.pk).update(first_published_at=local(day))
    story.refresh_from_db()
    return story


def deliver(story, channel, day: date):
    return Publication.objects.create(
        story=story,
        story_title=story.title,
        channel=channel,
        remote_id=f"r{story.pk}-{channel.pk}",
        first_delivered_at=local(day, 13),
    )


def readership_days(agency, days: int, *, views: int = 10, year: int = YEAR):
    Rollup.objects.bulk_create(
        Rollup(
            period=Period.DAY,
            start=timezone.make_aware(datetime.combine(date(year, 3, 1) + timedelta(days=n), time.min)),
            agency=agency,
            dimension=Dimension.TOTAL,
            pageviews=views,
            visitors=views // 2,
        )
        for n in range(days)
    )


def revenue(agency, year: int, monthly: int, months=range(1, 13)):
    RevenueEntry.objects.bulk_create(
        RevenueEntry(
            agency=agency, source=RevenueSource.ADVERTISING_DIRECT, month=date(year, m, 1), amount=monthly
        )
        for m in months
    )


def results(agency, year=YEAR):
    return indicators.agency_year(agency, year)


# --- each indicator ----------------------------------------------------------------------------------------
def test_digital_platforms_counts_the_years_deliveries_and_the_domestic_share(agency):
    zalo = Channel.objects.create(agency=agency, kind=ChannelKind.ZALO, name="Zalo", domestic=True)
    facebook = Channel.objects.create(agency=agency, kind=ChannelKind.FACEBOOK, name="Facebook")
    stories = [published_story(agency, date(YEAR, 4, n)) for n in (1, 2, 3)]
    for story in stories:
        deliver(story, zalo, date(YEAR, 4, 5))
    deliver(stories[0], facebook, date(YEAR, 4, 5))
    deliver(stories[1], facebook, date(YEAR - 1, 12, 31))  # last year's: not this year's figure

    result = results(agency)[Indicator.DIGITAL_PLATFORMS]
    assert (result.basis, result.met) == (Basis.COMPUTED, True)
    assert result.value == 75.0  # 3 of the year's 4 deliveries went to the domestic platform
    with translation.override("en"):
        result = results(agency)[Indicator.DIGITAL_PLATFORMS]
    assert result.summary == "2 platforms, 75% domestic"
    assert result.evidence.startswith(
        "4 stories delivered in 2025 to 2 platforms (1 of them domestic, 3 stories)"
    )


def test_digital_platforms_with_channels_but_no_delivery_is_not_met(agency):
    Channel.objects.create(agency=agency, kind=ChannelKind.ZALO, name="Zalo", domestic=True)
    result = results(agency)[Indicator.DIGITAL_PLATFORMS]
    assert (result.basis, result.met, result.value) == (Basis.COMPUTED, False, None)


def test_without_a_channel_the_agencys_declaration_counts_marked_as_declared(agency):
    result = results(agency)[Indicator.DIGITAL_PLATFORMS]
    assert (result.basis, result.met) == (Basis.MISSING, None)

    indicators.declare(
        agency=agency,
        year=YEAR,
        indicator=Indicator.DIGITAL_PLATFORMS,
        met=True,
        evidence="Kênh YouTube riêng",
    )
    result = results(agency)[Indicator.DIGITAL_PLATFORMS]
    assert (result.basis, result.met, result.evidence) == (Basis.DECLARED, True, "Kênh YouTube riêng")
    assert results(agency, YEAR - 1)[Indicator.DIGITAL_PLATFORMS].basis == Basis.MISSING  # another year


def test_the_systems_own_data_wins_over_a_declaration(agency):
    Channel.objects.create(agency=agency, kind=ChannelKind.ZALO, name="Zalo", domestic=True)
    indicators.declare(
        agency=agency, year=YEAR, indicator=Indicator.DIGITAL_PLATFORMS, met=True, evidence="Có"
    )
    result = results(agency)[Indicator.DIGITAL_PLATFORMS]
    assert (result.basis, result.met) == (Basis.COMPUTED, False)


def test_a_declaration_needs_evidence_and_a_known_indicator(agency):
    with pytest.raises(ValueError):
        indicators.declare(agency=agency, year=YEAR, indicator=Indicator.ANALYTICS, met=True, evidence="  ")
    with pytest.raises(ValueError):
        indicators.declare(agency=agency, year=YEAR, indicator="nope", met=True, evidence="x")
    assert not IndicatorDeclaration.objects.exists()


def test_analytics_in_use_from_thirty_measured_days(agency, other_agency):
    readership_days(agency, 30)
    readership_days(other_agency, 29, views=1000)
    first, second = indicators.agency_years([agency, other_agency], YEAR)
    assert (first[Indicator.ANALYTICS].met, first[Indicator.ANALYTICS].value) == (True, 30)
    assert (second[Indicator.ANALYTICS].met, second[Indicator.ANALYTICS].value) == (False, 29)
    assert results(agency, YEAR - 1)[Indicator.ANALYTICS].basis == Basis.MISSING


def test_convergent_newsroom_needs_the_workflow_and_multichannel_publishing(agency, staff):
    channel = Channel.objects.create(agency=agency, kind=ChannelKind.WEBHOOK, name="Đối tác", domestic=True)

    def reviewer(task):
        return next(user for user in staff.values() if user.groups.filter(pk__in=task.groups.all()).exists())

    plain = published_story(agency, date(YEAR, 5, 1))
    result = results(agency)[Indicator.CONVERGENT]
    assert (result.basis, result.met, result.value) == (Basis.COMPUTED, False, 0.0)

    reviewed = published_story(
        agency, date(YEAR, 5, 2), reviewed=True, reviewer=reviewer, owner=staff[Role.REPORTER]
    )
    assert results(agency)[Indicator.CONVERGENT].met is False  # reviewed, yet went nowhere but the site
    deliver(plain, channel, date(YEAR, 5, 2))
    result = results(agency)[Indicator.CONVERGENT]
    assert (result.met, result.value) == (True, 50.0)
    with translation.override("en"):
        assert results(agency)[Indicator.CONVERGENT].summary == "50% reviewed, 50% multi-channel"
    assert reviewed.live


def test_convergent_newsroom_unknown_when_nothing_was_published(agency):
    make_story(section=section_of(agency))  # published now, not in 2025
    assert results(agency)[Indicator.CONVERGENT].basis == Basis.MISSING


def test_revenue_growth_against_the_twenty_percent_line(agency, other_agency):
    revenue(agency, YEAR - 1, 100_000_000)
    revenue(agency, YEAR, 120_000_000)  # +20.0 %: on the line counts
    revenue(other_agency, YEAR - 1, 100_000_000)
    revenue(other_agency, YEAR, 119_000_000)
    first, second = indicators.agency_years([agency, other_agency], YEAR)
    assert (first[Indicator.REVENUE_GROWTH].met, first[Indicator.REVENUE_GROWTH].value) == (True, 20.0)
    assert (second[Indicator.REVENUE_GROWTH].met, second[Indicator.REVENUE_GROWTH].value) == (False, 19.0)


def test_revenue_growth_unknown_without_last_years_ledger(agency):
    revenue(agency, YEAR, 120_000_000)
    result = results(agency)[Indicator.REVENUE_GROWTH]
    assert (result.basis, result.met) == (Basis.MISSING, None)


def test_staff_trained_by_the_end_of_the_year(agency, staff):
    people = list(staff.values())
    for person in people[:-1]:
        TrainingRecord.objects.create(
            agency=agency, staff=person, course="CĐS", date=date(YEAR, 6, 1), hours=8
        )
    result = results(agency)[Indicator.STAFF_TRAINED]
    assert (result.met, result.value) == (False, 75.0)

    TrainingRecord.objects.create(
        agency=agency, staff=people[-1], course="CĐS", date=date(YEAR + 1, 1, 2), hours=4
    )
    assert results(agency)[Indicator.STAFF_TRAINED].met is False  # trained only the next year
    assert results(agency, YEAR + 1)[Indicator.STAFF_TRAINED].met is True


def test_security_is_declared_with_the_approval_document(agency):
    SecurityDeclaration.objects.create(
        agency=agency,
        system_name="Báo điện tử",
        level=2,
        document_number="12/QĐ",
        document_date=date(2024, 1, 5),
    )
    SecurityDeclaration.objects.create(
        agency=agency,
        system_name="Báo điện tử",
        level=3,
        document_number="88/QĐ",
        document_date=date(YEAR, 8, 1),
    )
    assert results(agency, YEAR - 1)[Indicator.SECURITY].met is False  # level 2 in force then
    result = results(agency)[Indicator.SECURITY]
    assert (result.basis, result.met, result.value) == (Basis.DECLARED, True, 3)
    assert "88/QĐ" in result.evidence and "01/08/2025" in result.evidence


# --- a province ---------------------------------------------------------------------------------------------
@pytest.fixture
def province(agency, other_agency):
    return create_oversight_body(name="Sở TT&TT thử nghiệm", kind="province", agencies=[agency, other_agency])


def test_the_province_share_against_the_targets(agency, other_agency, province):
    readership_days(agency, 40)
    readership_days(other_agency, 40)
    revenue(agency, YEAR - 1, 100)
    revenue(agency, YEAR, 150)
    revenue(other_agency, YEAR - 1, 100)
    revenue(other_agency, YEAR, 100)
    rows = indicators.agency_years([agency, other_agency], YEAR)
    shares = {share.indicator: share for share in indicators.shares(rows, body=province)}

    analytics = shares[Indicator.ANALYTICS]
    assert (analytics.met, analytics.unknown, analytics.agencies, analytics.percent) == (2, 0, 2, 100.0)
    assert [(t.year, t.share, t.reached) for t in analytics.targets] == [(2025, 50, True), (2030, 90, True)]
    growth = shares[Indicator.REVENUE_GROWTH]
    assert (growth.met, growth.percent) == (1, 50.0)
    assert [(t.year, t.share, t.reached) for t in growth.targets] == [(2025, 30, True), (2030, 50, True)]
    platforms = shares[Indicator.DIGITAL_PLATFORMS]
    assert (platforms.met, platforms.unknown, platforms.percent) == (0, 2, 0.0)
    assert [(t.year, t.reached) for t in platforms.targets] == [(2025, False), (2030, False)]


def test_a_province_plan_replaces_the_national_target(agency, other_agency, province):
    StrategyTarget.objects.create(
        indicator=Indicator.REVENUE_GROWTH, year=2025, share=60, oversight_body=province, source="192/KH-UBND"
    )
    other = OversightBody.objects.exclude(pk=province.pk).first()
    assert other is None or other.pk != province.pk
    targets = indicators.targets_for(province)[Indicator.REVENUE_GROWTH]
    assert {year: (t.share, t.source) for year, t in targets.items()} == {
        2025: (60, "192/KH-UBND"),
        2030: (50, "348/QĐ-TTg"),
    }
    assert indicators.targets_for(None)[Indicator.REVENUE_GROWTH][2025].share == 30


def test_indicators_cost_the_same_queries_for_more_agencies(
    agency, other_agency, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        indicators.agency_years([agency], YEAR)
    more = [agency, other_agency] + [make_agency() for _ in range(3)]
    with django_assert_max_num_queries(12):
        indicators.agency_years(more, YEAR)


def test_hours_are_decimal(agency, staff):
    TrainingRecord.objects.create(
        agency=agency, staff=staff[Role.REPORTER], course="CĐS", date=date(YEAR, 2, 2), hours=Decimal("2.5")
    )
    with translation.override("vi"):
        assert "2,5" in results(agency)[Indicator.STAFF_TRAINED].evidence


def test_the_current_year_is_compared_over_its_closed_months(agency):
    today = timezone.localdate()
    assert ledger.compared_months(today.year - 1, today=today) == 12
    assert ledger.compared_months(2026, today=date(2026, 11, 24)) == 10
    assert ledger.compared_months(2026, today=date(2026, 1, 5)) == 0
    if today.month < 3:
        pytest.skip("needs two closed months this year")
    # Last year: every month; this year: the closed months, each 10% up; the month under way counts nothing.
    revenue(agency, today.year - 1, 100_000_000, months=range(1, 13))
    revenue(agency, today.year, 110_000_000, months=range(1, today.month + 1))
    result = results(agency, today.year)[Indicator.REVENUE_GROWTH]
    assert (result.met, round(result.value, 1)) == (False, 10.0)
    with translation.override("en"):
        evidence = results(agency, today.year)[Indicator.REVENUE_GROWTH].evidence
    assert f"January to month {today.month - 1}, {today.year}" in evidence
