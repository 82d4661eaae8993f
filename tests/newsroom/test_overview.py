import pytest
from django.urls import reverse

from newsroom.models import Agency, Role
from newsroom.overview import agency_overview
from newsroom.services import create_oversight_body
from tests.factories import make_story, make_user, section_of

pytestmark = pytest.mark.django_db


def test_overview_counts_each_agencys_stories(agency, other_agency, staff):
    make_story(section=section_of(agency))
    make_story(section=section_of(agency))
    make_story(section=section_of(agency), publish=False)
    make_story(section=section_of(other_agency))
    rows = {row["agency"]: row for row in agency_overview(agencies=Agency.objects.all())}
    assert rows[agency]["live_total"] == 2 and rows[agency]["published_30d"] == 2
    assert rows[agency]["drafts"] == 1 and rows[agency]["staff"] == len(Role)
    assert rows[other_agency]["live_total"] == 1


def test_overview_query_count_does_not_grow_with_agencies(
    agency, other_agency, django_assert_max_num_queries
):
    make_story(section=section_of(agency))
    make_story(section=section_of(other_agency))
    with django_assert_max_num_queries(2):
        agency_overview(agencies=Agency.objects.filter(pk=agency.pk))
    with django_assert_max_num_queries(2):
        agency_overview(agencies=Agency.objects.all())


def test_oversight_sees_overseen_agencies_and_total_but_no_content(client, agency, other_agency):
    body = create_oversight_body(name="Sở TT&TT", kind="province", agencies=[agency, other_agency])
    inspector = make_user(username="thanhtra")
    inspector.groups.add(body.group)
    client.force_login(inspector)
    page = client.get(reverse("newsroom_overview")).content.decode()
    assert agency.name in page and other_agency.name in page and "<tfoot>" in page
    assert client.get(reverse("wagtailadmin_pages:edit", args=[agency.root_page.pk])).status_code == 302


def test_staff_see_only_their_agency_and_outsiders_are_refused(client, agency, other_agency, staff):
    client.force_login(staff[Role.MANAGER])
    page = client.get(reverse("newsroom_overview")).content.decode()
    assert agency.name in page and other_agency.name not in page
    client.force_login(make_user(username="khong-ai", is_staff=True))
    assert client.get(reverse("newsroom_overview")).status_code in (302, 403)
