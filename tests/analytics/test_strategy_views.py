"""The digital-transformation panels in the admin: an agency's panel, the province's panel, declarations,
who sees what, translated pages and flat query counts."""

from datetime import date

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from analytics import indicators
from analytics.models import Indicator, IndicatorDeclaration, RevenueEntry, RevenueSource, SecurityDeclaration
from newsroom.models import Role
from newsroom.services import create_oversight_body
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1


@pytest.fixture
def province(agency, other_agency):
    body = create_oversight_body(
        name="Sở Thông tin và Truyền thông", kind="province", agencies=[agency, other_agency]
    )
    officer = make_user(username="so.tttt")
    officer.groups.add(body.group)
    return body, officer


@pytest.fixture
def manager(agency):
    return make_user(username="hd-quanly", agency=agency, role=Role.MANAGER)


def test_the_manager_sees_their_agencys_indicators_and_figures(client, agency, manager):
    for year, amount in ((YEAR - 1, 100_000_000), (YEAR, 130_000_000)):
        RevenueEntry.objects.create(
            agency=agency, source=RevenueSource.ADVERTISING_DIRECT, month=date(year, 3, 1), amount=amount
        )
    client.force_login(manager)
    response = client.get(reverse("analytics_transformation"), {"year": YEAR}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["agency"] == agency
    rows = {item["result"].indicator: item for item in response.context["indicators"]}
    assert set(rows) == set(Indicator.values)
    assert rows[Indicator.REVENUE_GROWTH]["result"].met is True
    assert "+30.0 %" in html
    # Where the system has no data, the manager may declare; never where it computes, nor for security.
    assert rows[Indicator.DIGITAL_PLATFORMS]["declare"] == reverse(
        "analytics_declare", args=[agency.pk, YEAR, Indicator.DIGITAL_PLATFORMS]
    )
    assert rows[Indicator.REVENUE_GROWTH]["declare"] is None
    assert rows[Indicator.SECURITY]["declare"] is None
    assert "Strategy indicators: 1 of 6 met" in html


def test_the_panel_is_vietnamese_by_default(client, agency, manager):
    client.force_login(manager)
    html = client.get(reverse("analytics_transformation")).content.decode()
    assert 'lang="vi"' in html
    assert "Chỉ tiêu" in html or "chỉ tiêu" in html


def test_a_bad_year_is_explained_and_the_current_year_shown(client, agency, manager):
    client.force_login(manager)
    response = client.get(reverse("analytics_transformation"), {"year": "1999"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.context["year"] == timezone.localdate().year
    assert "Choose a year from 2023 to" in response.content.decode()


def test_staff_never_see_another_agencys_panel(client, agency, other_agency, manager):
    client.force_login(manager)
    assert client.get(reverse("analytics_transformation"), {"agency": other_agency.pk}).status_code == 404
    assert client.get(reverse("analytics_province")).status_code == 200  # their own agency only
    response = client.get(reverse("analytics_province"))
    assert [row["agency"] for row in response.context["rows"]] == [agency]
    assert response.context["reports"] == []  # no oversight body: no provincial report


def test_someone_without_an_agency_is_told_why(client):
    nobody = make_user(username="nobody")
    nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(nobody)
    response = client.get(reverse("analytics_transformation"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "You work for no agency and oversee none." in response.content.decode()


def test_the_officer_reads_the_province_panel_with_both_targets(client, agency, other_agency, province):
    body, officer = province
    SecurityDeclaration.objects.create(
        agency=agency,
        system_name="Báo điện tử",
        level=3,
        document_number="7/QĐ",
        document_date=date(YEAR, 1, 9),
    )
    client.force_login(officer)
    response = client.get(reverse("analytics_province"), {"year": YEAR}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["body"] == body
    assert [row["agency"] for row in response.context["rows"]] == [agency, other_agency]
    security = next(
        item for item in response.context["shares"] if item["share"].indicator == Indicator.SECURITY
    )
    assert (security["share"].met, security["share"].agencies, security["share"].percent) == (1, 2, 50.0)
    assert [(m["target"].year, m["target"].share, m["target"].reached) for m in security["targets"]] == [
        (2025, 100, False),
        (2030, 100, False),
    ]
    html = response.content.decode()
    assert html.count('data-basis="declared"') == 1
    assert f"/admin/transformation/report/{body.pk}/{YEAR}.pdf" in html
    # Drill-down: an agency of the province, and the officer may read it.
    agency_page = client.get(reverse("analytics_transformation"), {"agency": other_agency.pk, "year": YEAR})
    assert agency_page.status_code == 200 and agency_page.context["agency"] == other_agency
    # …but declares nothing for it.
    assert all(item["declare"] is None for item in agency_page.context["indicators"])
    url = reverse("analytics_declare", args=[other_agency.pk, YEAR, Indicator.ANALYTICS])
    assert client.get(url).status_code == 404


def test_a_body_the_officer_does_not_belong_to_is_not_found(client, province, other_agency):
    _body, officer = province
    elsewhere = create_oversight_body(name="Bộ Tài chính", kind="ministry", agencies=[other_agency])
    client.force_login(officer)
    assert client.get(reverse("analytics_province"), {"body": elsewhere.pk}).status_code == 404


def test_the_manager_declares_an_indicator_the_system_cannot_see(client, agency, manager):
    client.force_login(manager)
    url = reverse("analytics_declare", args=[agency.pk, YEAR, Indicator.DIGITAL_PLATFORMS])
    response = client.post(url, {"met": "1", "evidence": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and not IndicatorDeclaration.objects.exists()
    response = client.post(url, {"met": "1", "evidence": "Kênh YouTube: 12.000 người theo dõi"})
    assert response.status_code == 302
    result = indicators.agency_year(agency, YEAR)[Indicator.DIGITAL_PLATFORMS]
    assert (result.basis, result.met, result.evidence) == (
        "declared",
        True,
        "Kênh YouTube: 12.000 người theo dõi",
    )
    assert IndicatorDeclaration.objects.get().declared_by == manager
    assert client.get(reverse("analytics_declare", args=[agency.pk, YEAR, "nope"])).status_code == 404


def test_a_reporter_declares_nothing(client, agency):
    reporter = make_user(username="hd-phongvien", agency=agency, role=Role.REPORTER)
    client.force_login(reporter)
    url = reverse("analytics_declare", args=[agency.pk, YEAR, Indicator.DIGITAL_PLATFORMS])
    assert client.post(url, {"met": "1", "evidence": "x"}).status_code == 404
    assert not IndicatorDeclaration.objects.exists()


def test_the_province_panel_costs_the_same_queries_for_more_agencies(
    client, province, django_assert_max_num_queries
):
    body, officer = province
    client.force_login(officer)
    client.get(reverse("analytics_province"))  # warm the session and the menu's caches
    with django_assert_max_num_queries(45) as first:
        client.get(reverse("analytics_province"))
    body.agencies.add(*[make_agency() for _ in range(3)])
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("analytics_province"))
