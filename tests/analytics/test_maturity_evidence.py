"""Each evidence rule on seeded data: the share it suggests and the figures it shows."""

import uuid
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from wagtail.models import Page, Workflow, WorkflowState

from analytics.maturity.evidence import get_rule
from analytics.maturity.rules import ENGAGED_SECONDS_TARGET
from analytics.models import PlatformFigure, SecurityDeclaration, TrainingRecord
from distribution.models import Channel, Publication
from newsroom.models import Role, StoryPage
from tests.analytics.conftest import at_noon
from tests.factories import make_image, make_story, make_user, section_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def this_year() -> int:
    return timezone.localdate().year


def check(key, agency, year=None):
    return get_rule(key).check(agency, year or this_year())


def aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def channel(agency, name, *, domestic, kind="webhook"):
    return Channel.objects.create(
        agency=agency, kind=kind, name=name, domestic=domestic, base_url="http://x.test"
    )


def publish_to(story, *channels, at=None):
    for ch in channels:
        Publication.objects.create(
            story=story,
            story_title=story.title,
            channel=ch,
            remote_id=f"r{story.pk}-{ch.pk}",
            first_delivered_at=at or timezone.now(),
        )


def test_readership_measured_counts_days_with_figures(agency, events):
    story = make_story(section=section_of(agency))
    events(story, at=at_noon(0), views=3, visitors=2)
    elapsed = timezone.localdate().timetuple().tm_yday
    found = check("readership_measured", agency)
    assert found.share == pytest.approx(1 / elapsed)
    assert (
        f"Readership measured on 1 of the {elapsed} days of {this_year()} so far: 3 page views" in found.text
    )


def test_readership_measured_is_nothing_without_figures(agency):
    found = check("readership_measured", agency)
    assert (found.share, found.text) == (0.0, f"No readership was measured in {this_year()}.")


def test_audience_engagement_is_engaged_time_per_view_against_a_minute(agency, events):
    story = make_story(section=section_of(agency))
    events(story, at=at_noon(0), views=4, engaged_seconds=30)
    found = check("audience_engagement", agency)
    assert found.share == pytest.approx(30 / ENGAGED_SECONDS_TARGET)
    assert found.text.startswith(f"30.0 engaged seconds per page view in {this_year()} over 4 page views")


def test_platform_audience_is_the_share_of_channels_with_figures(agency, other_agency):
    measured = channel(agency, "Zalo OA", domestic=True, kind="zalo")
    channel(agency, "Facebook", domestic=False, kind="facebook")
    foreign = channel(other_agency, "Khác", domestic=True)
    today = timezone.localdate()
    PlatformFigure.objects.create(channel=measured, day=today, remote_id="a", views=120, source="test")
    PlatformFigure.objects.create(
        channel=measured, day=today - timedelta(days=400), remote_id="a", views=9, source="test"
    )
    PlatformFigure.objects.create(channel=foreign, day=today, remote_id="b", views=999, source="test")
    found = check("platform_audience", agency)
    assert found.share == 0.5
    assert found.text == (
        f"120 views on the platforms in {this_year()} (1 daily figures) from 1 of the agency's 2 platform "
        "channels."
    )


def test_platform_delivery_is_the_domestic_share_of_what_was_delivered(agency):
    domestic = channel(agency, "Đối tác trong nước", domestic=True)
    foreign = channel(agency, "Facebook", domestic=False, kind="facebook")
    section = section_of(agency)
    stories = [make_story(section=section) for _ in range(3)]
    publish_to(stories[0], domestic, foreign)
    publish_to(stories[1], domestic)
    publish_to(stories[2], domestic)
    publish_to(make_story(section=section), foreign, at=aware(date(this_year() - 1, 6, 1)))  # last year's
    found = check("platform_delivery", agency)
    assert found.share == 0.75
    assert found.text == (
        f"4 stories delivered in {this_year()} to 2 platform channels; 75.0 % of them to the 1 domestic ones."
    )
    assert check("platform_delivery", agency, this_year() - 1).share == 0.0


def test_multichannel_publishing_counts_stories_on_two_channels_or_more(agency):
    first, second = channel(agency, "A", domestic=True), channel(agency, "B", domestic=False, kind="facebook")
    section = section_of(agency)
    both, one, none = (make_story(section=section) for _ in range(3))
    publish_to(both, first, second)
    publish_to(one, first)
    found = check("multichannel_publishing", agency)
    assert found.share == pytest.approx(1 / 3)
    assert found.text.startswith(f"1 of the 3 stories published in {this_year()} went to 2 or more")


def test_shared_archive_needs_an_asset_added_in_the_year(agency, other_agency):
    make_image(agency=other_agency)
    assert check("shared_archive", agency).share == 0.0
    make_image(agency=agency)
    found = check("shared_archive", agency)
    assert found.share == 1.0
    assert (
        found.text
        == f"1 images and 0 video or audio files were added to the shared archive in {this_year()}."
    )


def test_remote_filing_needs_a_story_filed_from_the_field(agency):
    section = section_of(agency)
    make_story(section=section)
    assert check("remote_filing", agency).share == 0.0
    make_story(section=section, filing_id=uuid.uuid4())
    make_story(section=section, filing_id=uuid.uuid4(), publish=False)  # a draft is not published
    found = check("remote_filing", agency)
    assert found.share == 1.0
    assert found.text == f"1 of the 2 stories published in {this_year()} were filed from the field."


def test_editorial_workflow_is_the_share_of_stories_approved_through_review(agency, staff):
    section = section_of(agency)
    reviewed, direct = make_story(section=section), make_story(section=section)
    WorkflowState.objects.create(
        content_type=ContentType.objects.get_for_model(StoryPage),
        base_content_type=ContentType.objects.get_for_model(Page),
        object_id=str(reviewed.pk),
        workflow=Workflow.objects.filter(active=True).first(),
        status=WorkflowState.STATUS_APPROVED,
        requested_by=staff[Role.REPORTER],
    )
    found = check("editorial_workflow", agency)
    assert found.share == 0.5
    assert (
        found.text
        == f"1 of the 2 stories published in {this_year()} were approved through the review workflow."
    )
    assert direct.pk != reviewed.pk


def test_staff_trained_is_the_share_of_current_staff_with_a_record_by_the_year_end(
    agency, other_agency, staff
):
    year = this_year()

    def train(user, day, where=agency):
        TrainingRecord.objects.create(agency=where, staff=user, course="Báo chí số", date=day, hours=8)

    train(staff[Role.REPORTER], date(year, 1, 1))
    train(staff[Role.EDITOR], date(year - 1, 5, 1))
    train(staff[Role.MANAGER], date(year + 1, 1, 1))  # after the year's end
    outsider = make_user(agency=other_agency, role=Role.REPORTER)
    train(outsider, date(year, 1, 1), where=other_agency)
    found = check("staff_trained", agency)
    assert found.share == 0.5
    assert found.text == f"2 of the agency's 4 current staff had a training record by the end of {year}."


def test_security_level3_reads_the_declaration_in_force_at_the_year_end(agency):
    year = this_year()

    def declare(level, day):
        SecurityDeclaration.objects.create(
            agency=agency,
            system_name="Báo điện tử",
            level=level,
            document_number=f"{level}/QĐ",
            document_date=day,
        )

    assert check("security_level3", agency).share == 0.0
    declare(2, date(year, 1, 10))
    assert check("security_level3", agency).share == 0.0
    declare(3, date(year, 3, 1))
    declare(1, date(year + 1, 1, 1))  # a later year's
    found = check("security_level3", agency)
    assert found.share == 1.0
    assert found.text == f"Báo điện tử approved at level 3 by 3/QĐ of 01/03/{year} (declared by the agency)."
