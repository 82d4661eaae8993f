"""Newsroom production figures: filing to publication, stories per desk and reporter, share per channel."""

from datetime import date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from wagtail.log_actions import log
from wagtail.models import Page, PageLogEntry, Revision

from analytics.production import production_figures
from distribution.models import Channel, ChannelKind, Publication
from newsroom.filing.services import FILED_ACTION
from newsroom.models import Agency, Role
from tests.factories import make_story, make_user, section_of

pytestmark = pytest.mark.django_db

START, END = date(2026, 3, 2), date(2026, 3, 8)


def local(*parts) -> datetime:
    return timezone.make_aware(datetime(*parts))


def story(*, section, owner, published=None, drafted=None, filed=None, publish=True):
    """A story whose first revision, filing and first publication happened at the given local times."""
    page = make_story(section=section, owner=owner, publish=publish)
    revisions = Revision.objects.filter(object_id=str(page.pk))
    if drafted:
        revisions.update(created_at=drafted)
        page.save_revision(user=owner)  # a later revision: the first one is what counts
    if filed:
        log(instance=page, action=FILED_ACTION, user=owner)
        PageLogEntry.objects.filter(page=page, action=FILED_ACTION).update(timestamp=filed)
    if published:
        Page.objects.filter(pk=page.pk).update(first_published_at=published)
    return page


@pytest.fixture
def newsroom(agency, other_agency):
    """Stories of March 2026 around the range 2–8 March, with their desks, reporters and channels."""
    desk, other_desk = section_of(agency, 0), section_of(agency, 1)
    lan = make_user(username="lan", agency=agency, role=Role.REPORTER)  # full name "Thử lan"
    minh = make_user(username="minh", agency=agency, role=Role.REPORTER)
    get_user_model().objects.filter(pk=minh.pk).update(first_name="", last_name="")  # no name: the username
    stories = {
        # filed 09:00, published 09:30: 30 minutes (the filing counts, not the earlier first revision)
        "a": story(
            section=desk,
            owner=lan,
            drafted=local(2026, 3, 2, 8, 0),
            filed=local(2026, 3, 2, 9, 0),
            published=local(2026, 3, 2, 9, 30),
        ),
        # never filed from the field: from its first revision at 10:00 to 12:00, 120 minutes
        "b": story(
            section=desk, owner=lan, drafted=local(2026, 3, 5, 10, 0), published=local(2026, 3, 5, 12, 0)
        ),
        # filed 20:00, published 23:00 on the last day of the range (16:00 UTC): 180 minutes
        "c": story(
            section=other_desk,
            owner=minh,
            drafted=local(2026, 3, 8, 19, 0),
            filed=local(2026, 3, 8, 20, 0),
            published=local(2026, 3, 8, 23, 0),
        ),
        # filed only after it was first published: from its first revision, 60 minutes
        "d": story(
            section=other_desk,
            owner=lan,
            drafted=local(2026, 3, 6, 9, 0),
            filed=local(2026, 3, 6, 11, 0),
            published=local(2026, 3, 6, 10, 0),
        ),
        # just outside: local midnight after the last day (still 8 March in UTC), and the evening before
        "after": story(
            section=desk, owner=lan, drafted=local(2026, 3, 8, 22), published=local(2026, 3, 9, 0)
        ),
        "before": story(
            section=desk, owner=minh, drafted=local(2026, 3, 1, 9), published=local(2026, 3, 1, 23, 59)
        ),
        "draft": story(section=desk, owner=lan, publish=False),
        "elsewhere": story(
            section=section_of(other_agency),
            owner=None,
            drafted=local(2026, 3, 3, 8, 0),
            published=local(2026, 3, 3, 8, 45),
        ),
    }
    zalo = Channel.objects.create(agency=agency, kind=ChannelKind.ZALO, name="Zalo OA", domestic=True)
    partner = Channel.objects.create(
        agency=agency, kind=ChannelKind.WEBHOOK, name="Cổng đối tác", domestic=True
    )
    facebook = Channel.objects.create(agency=agency, kind=ChannelKind.FACEBOOK, name="Facebook")
    switched_off = Channel.objects.create(agency=agency, kind=ChannelKind.TELEGRAM, name="Tắt", enabled=False)
    theirs = Channel.objects.create(agency=other_agency, kind=ChannelKind.ZALO, name="Zalo OA")
    for channel, names in [
        (zalo, ["a", "b", "after"]),
        (partner, ["c"]),
        (switched_off, ["a", "b", "c", "d"]),
        (theirs, ["elsewhere"]),
    ]:
        for name in names:
            Publication.objects.create(
                story=stories[name],
                story_title=stories[name].title,
                channel=channel,
                remote_id=f"{channel.pk}-{name}",
            )
    return {
        "stories": stories,
        "desks": (desk, other_desk),
        "reporters": (lan, minh),
        "channels": (zalo, partner, facebook, theirs),
    }


def test_figures_of_one_agency(newsroom, agency):
    desk, other_desk = newsroom["desks"]
    lan, minh = newsroom["reporters"]
    zalo, partner, facebook, _theirs = newsroom["channels"]
    figures = production_figures(agencies=Agency.objects.filter(pk=agency.pk), start=START, end=END)
    assert figures["published"] == 4
    # 30, 60, 120 and 180 minutes: the median between the middle two, the 90th percentile interpolated
    assert figures["filing_to_publication"] == {"count": 4, "median_minutes": 90.0, "p90_minutes": 162.0}
    assert figures["by_section"] == sorted(
        [
            {"section_id": desk.pk, "title": desk.title, "stories": 2},
            {"section_id": other_desk.pk, "title": other_desk.title, "stories": 2},
        ],
        key=lambda row: row["title"],
    )
    assert figures["by_reporter"] == [
        {"user_id": lan.pk, "name": "Thử lan", "stories": 3},
        {"user_id": minh.pk, "name": "minh", "stories": 1},
    ]
    # Zalo and the partner first (domestic), then by name; the switched-off channel is left out.
    assert figures["channels"] == [
        {"channel_id": partner.pk, "name": "Cổng đối tác", "kind": "webhook", "delivered": 1, "share": 0.25},
        {"channel_id": zalo.pk, "name": "Zalo OA", "kind": "zalo", "delivered": 2, "share": 0.5},
        {"channel_id": facebook.pk, "name": "Facebook", "kind": "facebook", "delivered": 0, "share": 0.0},
    ]


def test_figures_of_several_agencies_share_per_channel_agency(newsroom, agency, other_agency):
    theirs = newsroom["channels"][3]
    with translation.override("en"):
        figures = production_figures(agencies=Agency.objects.all(), start=START, end=END)
    assert figures["published"] == 5
    # 30, 45, 60, 120, 180 minutes
    assert figures["filing_to_publication"] == {"count": 5, "median_minutes": 60.0, "p90_minutes": 156.0}
    assert {"user_id": None, "name": "Nobody", "stories": 1} in figures["by_reporter"]
    # A channel's share is of its own agency's stories: the other agency published one, delivered there.
    their_row = next(row for row in figures["channels"] if row["channel_id"] == theirs.pk)
    assert (their_row["delivered"], their_row["share"]) == (1, 1.0)
    zalo_row = next(row for row in figures["channels"] if row["channel_id"] == newsroom["channels"][0].pk)
    assert (zalo_row["delivered"], zalo_row["share"]) == (2, 0.5)


def test_a_range_without_stories(newsroom, agency):
    figures = production_figures(agencies=[agency], start=date(2025, 1, 1), end=date(2025, 1, 31))
    assert figures["published"] == 0
    assert figures["filing_to_publication"] == {"count": 0, "median_minutes": None, "p90_minutes": None}
    assert figures["by_section"] == [] and figures["by_reporter"] == []
    assert [row["share"] for row in figures["channels"]] == [0.0, 0.0, 0.0]


def test_one_day_range_and_one_story(newsroom, agency):
    figures = production_figures(agencies=[agency], start=date(2026, 3, 8), end=date(2026, 3, 8))
    assert figures["published"] == 1
    assert figures["filing_to_publication"] == {"count": 1, "median_minutes": 180.0, "p90_minutes": 180.0}


def test_start_after_end_is_refused(agency):
    with pytest.raises(ValueError):
        production_figures(agencies=[agency], start=END, end=START)


def test_queries_do_not_grow_with_stories(newsroom, agency):
    agencies = Agency.objects.filter(pk=agency.pk)
    with CaptureQueriesContext(connection) as few:
        production_figures(agencies=agencies, start=START, end=END)
    desk = newsroom["desks"][0]
    zalo = newsroom["channels"][0]
    for n in range(6):
        reporter = make_user(agency=agency, role=Role.REPORTER)
        extra = story(
            section=desk,
            owner=reporter,
            drafted=local(2026, 3, 4, 8, n),
            filed=local(2026, 3, 4, 9, n),
            published=local(2026, 3, 4, 10, n),
        )
        Publication.objects.create(story=extra, story_title=extra.title, channel=zalo, remote_id=f"x{n}")
    with CaptureQueriesContext(connection) as many:
        figures = production_figures(agencies=agencies, start=START, end=END)
    assert figures["published"] == 10 and len(figures["by_reporter"]) == 8
    assert len(many) == len(few) <= 4
