"""Revenue in the admin: the panel's figures for a manager and an oversight officer, the walled ledger, the
CSV import with its undo, the exports, the languages and the panel's query count."""

import io
from datetime import date, datetime, time

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics import revenue
from analytics.models import Dimension, Period, RevenueEntry, RevenueImport, RevenueSource, Rollup
from newsroom.models import Role
from newsroom.services import create_oversight_body
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1
ADS, PRINT = RevenueSource.ADVERTISING_DIRECT, RevenueSource.PRINT_SALES
PANEL = "/admin/transformation/revenue/"


def ledger_year(agency, year: int, monthly: int, source=ADS):
    for month in range(1, 13):
        revenue.add_entry(agency=agency, source=source, month=date(year, month, 1), amount=monthly)


def views_in(agency, year: int, views: int):
    Rollup.objects.create(
        period=Period.DAY,
        start=timezone.make_aware(datetime.combine(date(year, 7, 1), time.min)),
        agency=agency,
        dimension=Dimension.TOTAL,
        pageviews=views,
    )


def officer(*agencies, name="so-vhtt"):
    body = create_oversight_body(name=f"Sở Văn hoá {name}", kind="province", agencies=list(agencies))
    user = make_user(username=name)
    user.groups.add(body.group)
    return user


@pytest.fixture
def manager(agency):
    return make_user(username="quan-ly", agency=agency, role=Role.MANAGER)


@pytest.fixture
def seeded(agency, other_agency):
    """`agency`: 1.200.000.000 ₫ then 1.440.000.000 ₫ (+20 %, met), 1.440.000 page views; `other_agency`:
    600.000.000 ₫ then 660.000.000 ₫ (+10 %, not met), no page views."""
    ledger_year(agency, YEAR - 1, 100_000_000)
    ledger_year(agency, YEAR, 110_000_000)
    ledger_year(agency, YEAR, 10_000_000, source=PRINT)
    views_in(agency, YEAR, 1_440_000)
    ledger_year(other_agency, YEAR - 1, 50_000_000)
    ledger_year(other_agency, YEAR, 55_000_000)


def panel(client, language="en", **params):
    return client.get(PANEL, {"year": YEAR, **params}, HTTP_ACCEPT_LANGUAGE=language)


def tile_values(page: str) -> list[str]:
    return [part.split(">", 1)[1].split("<", 1)[0] for part in page.split("data-tile-value")[1:]]


# --- the panel ---------------------------------------------------------------------------------------------
def test_manager_sees_their_agency_year_against_the_last_and_the_line(client, manager, seeded):
    client.force_login(manager)
    response = panel(client)
    assert response.status_code == 200
    page = response.content.decode()
    assert tile_values(page) == ["1.44 billion ₫", "1.20 billion ₫", "+20.0 %", "1.0 million ₫"]
    assert 'data-growth="met"' in page and "At or above the 20 % line" in page
    sources = page.split("data-sources")[1].split("</table>")[0]
    assert 'data-source="print_sales"' in sources and 'data-source="advertising_direct"' in sources
    assert "120,000,000 ₫" in sources and "+10.0 %" in sources  # print: new; ads 1.2 → 1.32 billion
    # The chart: twelve months, each stacked from two sources, and its data table.
    chart = page.split('data-chart="stacked"')[1].split("</svg>")[0]
    assert chart.count("<rect") == 24 and "01 · Advertising, direct: 110,000,000 ₫" in chart
    assert page.count("<tr>", page.index("data-monthly")) >= 13
    assert "660,000,000" not in page and "data-agencies" not in page  # the other agency is not theirs


def test_vietnamese_is_the_default_and_groups_with_dots(client, manager, seeded):
    client.force_login(manager)
    page = panel(client, language="vi").content.decode()
    assert tile_values(page)[:3] == ["1,44 tỷ ₫", "1,20 tỷ ₫", "+20,0 %"]
    # Chart coordinates never take the language's decimal comma.
    chart = page.split('data-chart="stacked"')[1].split("</svg>")[0]
    assert "," not in chart.split("<title>")[0]


def test_officer_reads_every_overseen_agency_and_drills_down(client, agency, other_agency, seeded):
    client.force_login(officer(agency, other_agency))
    page = panel(client).content.decode()
    assert tile_values(page)[:3] == ["2.10 billion ₫", "1.80 billion ₫", "+16.7 %"]
    assert 'data-growth="unmet"' in page and "Below the 20 % line" in page
    rows = page.split("data-agencies")[1].split("</table>")[0]
    assert f'data-agency="{agency.pk}"' in rows and f'data-agency="{other_agency.pk}"' in rows
    assert 'data-met="met"' in rows and 'data-met="unmet"' in rows
    assert f"?year={YEAR}&amp;agency={other_agency.pk}" in rows
    one = panel(client, agency=other_agency.pk).content.decode()
    assert tile_values(one)[:3] == ["660.0 million ₫", "600.0 million ₫", "+10.0 %"]
    assert tile_values(one)[3] == "—"  # no page views, no figure per thousand


def test_officer_may_not_add_import_or_open_the_ledger(client, agency, other_agency, seeded):
    client.force_login(officer(agency, other_agency))
    page = panel(client).content.decode()
    assert reverse("analytics_revenue_import") not in page
    added = client.post(
        reverse("analytics_revenue_entries:add"),
        {"agency": agency.pk, "source": "other", "month": f"{YEAR}-05", "amount": "1000"},
    )
    assert added.status_code in (302, 403) and not RevenueEntry.objects.filter(source="other").exists()
    assert client.get(reverse("analytics_revenue_import")).status_code == 403
    entry = RevenueEntry.objects.filter(agency=agency).first()
    edit = client.post(reverse("analytics_revenue_entries:edit", args=[entry.pk]), {"amount": "1"})
    assert edit.status_code in (302, 403, 404)
    entry.refresh_from_db()
    assert entry.amount != 1


def test_a_bad_year_or_someone_elses_agency(client, manager, other_agency):
    client.force_login(manager)
    response = client.get(PANEL, {"year": "1999"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "Choose a year from 2023 to" in response.content.decode()
    assert panel(client, agency=other_agency.pk).status_code == 404
    outsider = make_user(username="nobody")  # in the admin, but no agency's staff and overseeing none
    outsider.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(outsider)
    assert panel(client).status_code == 403


def test_the_panel_costs_the_same_queries_for_more_agencies(
    client, agency, other_agency, django_assert_max_num_queries
):
    for each in (agency, other_agency):
        ledger_year(each, YEAR, 1_000_000)
        views_in(each, YEAR, 1000)
    client.force_login(officer(agency, other_agency, name="two"))
    with CaptureQueriesContext(connection) as queries:
        assert panel(client).status_code == 200
    few = len(queries)
    many = [make_agency() for _ in range(5)]
    user = officer(agency, other_agency, *many, name="seven")
    for each in many:
        ledger_year(each, YEAR, 1_000_000)
        views_in(each, YEAR, 1000)
    client.force_login(user)
    with django_assert_max_num_queries(few):
        assert panel(client).status_code == 200


def test_panel_export(client, agency, other_agency, seeded):
    client.force_login(officer(agency, other_agency))
    response = client.get(reverse("analytics_revenue_export"), {"year": YEAR}, HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode("utf-8")
    assert response["Content-Type"].startswith("text/csv") and text.startswith("\ufeff")
    lines = text.splitlines()
    assert "Print sales,,120000000,,5.7" in lines
    assert '"Advertising, direct",1800000000,1980000000,10.0,94.3' in lines
    assert f"01/{YEAR},10000000,165000000,175000000" in lines
    assert f"{agency.name},1200000000,1440000000,20.0,1440000,1000000" in lines
    assert f"{other_agency.name},600000000,660000000,10.0,," in lines


# --- the ledger --------------------------------------------------------------------------------------------
def test_manager_lists_only_their_agencys_entries_and_others_answer_404(
    client, manager, agency, other_agency, seeded
):
    client.force_login(manager)
    listing = client.get(
        reverse("analytics_revenue_entries:index"), {"year": YEAR - 1}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "100,000,000 ₫" in page and "50,000,000 ₫" not in page
    theirs = RevenueEntry.objects.filter(agency=other_agency).first()
    for name in ("edit", "delete"):
        assert client.get(reverse(f"analytics_revenue_entries:{name}", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("analytics_revenue_entries:delete", args=[theirs.pk])).status_code == 404
    assert RevenueEntry.objects.filter(pk=theirs.pk).exists()


def test_ledger_filters_by_source_and_year(client, manager, seeded):
    client.force_login(manager)
    url = reverse("analytics_revenue_entries:index")
    page = client.get(url, {"year": YEAR, "source": PRINT}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "10,000,000 ₫" in page and "110,000,000 ₫" not in page


def test_manager_adds_and_corrects_an_entry_through_the_rules(client, manager, agency, other_agency):
    client.force_login(manager)
    add = reverse("analytics_revenue_entries:add")
    data = {
        "agency": agency.pk,
        "source": ADS,
        "month": f"{YEAR}-05",
        "amount": "125.000.000",
        "note": "Hợp đồng",
    }
    assert client.post(add, data).status_code == 302
    entry = RevenueEntry.objects.get()
    assert (entry.month, entry.amount, entry.created_by) == (date(YEAR, 5, 1), 125_000_000, manager)

    again = client.post(add, {**data, "amount": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert (
        again.status_code == 200
        and f"already has Advertising, direct for 05/{YEAR}" in again.content.decode()
    )
    negative = client.post(
        add, {**data, "month": f"{YEAR}-06", "amount": "-5.000"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "is negative" in negative.content.decode()
    absurd = client.post(
        add, {**data, "month": f"{YEAR}-06", "amount": "9.000.000.000.000"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "check the number of zeros" in absurd.content.decode()
    assert "Constraint" not in absurd.content.decode()
    elsewhere = client.post(
        add, {**data, "agency": other_agency.pk, "month": f"{YEAR}-06"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Select a valid choice" in elsewhere.content.decode()
    assert RevenueEntry.objects.count() == 1

    edit = reverse("analytics_revenue_entries:edit", args=[entry.pk])
    form = client.get(edit).content.decode()
    assert f'value="{YEAR}-05"' in form  # the month input's own format
    assert client.post(edit, {**data, "amount": "130000000"}).status_code == 302
    entry.refresh_from_db()
    assert entry.amount == 130_000_000


# --- the import ------------------------------------------------------------------------------------------
def upload(client, agency, text: str, name="doanh-thu.csv", language="en"):
    file = io.BytesIO(("\ufeff" + text).encode())
    file.name = name
    return client.post(
        reverse("analytics_revenue_import"),
        {"agency": agency.pk, "file": file},
        HTTP_ACCEPT_LANGUAGE=language,
    )


GOOD = (
    "tháng;nguồn;số tiền;ghi chú\n"
    f"01/{YEAR};Quảng cáo trực tiếp;1.000.000;\n"
    f"02/{YEAR};print_sales;2.000.000;\n"
)


def test_import_then_undo(client, manager, agency):
    client.force_login(manager)
    response = upload(client, agency, GOOD)
    assert response.status_code == 302
    record = RevenueImport.objects.get()
    assert (record.rows, record.total, record.imported_by) == (2, 3_000_000, manager)
    page = client.get(reverse("analytics_revenue_import"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "“doanh-thu.csv” imported for" in page and "3,000,000 ₫" in page
    undo = reverse("analytics_revenue_undo", args=[record.pk])
    assert f'href="{undo}"' in page
    confirm = client.get(undo, HTTP_ACCEPT_LANGUAGE="en")
    assert confirm.status_code == 200 and "Its 2 entries" in confirm.content.decode()
    assert RevenueEntry.objects.count() == 2  # asking deletes nothing
    assert client.post(undo).status_code == 302
    assert not RevenueEntry.objects.exists() and not RevenueImport.objects.exists()


def test_a_bad_file_lists_its_lines_and_imports_nothing(client, manager, agency):
    client.force_login(manager)
    text = f"month,source,amount\n{YEAR}-01,other,1000\n{YEAR}-02,other,-1000\n{YEAR}-03,nothing,1000\n"
    response = upload(client, agency, text)
    assert response.status_code == 400
    errors = response.content.decode().split("data-import-errors")[1].split("</section>")[0]
    assert '<th scope="row">3</th>' in errors and "is negative" in errors
    assert '<th scope="row">4</th>' in errors and "“nothing” is not one of the ledger" in errors
    assert "Nothing was imported" in errors
    assert not RevenueEntry.objects.exists()
    assert upload(client, agency, GOOD).status_code == 302
    twice = upload(client, agency, GOOD, name="again.csv")
    assert twice.status_code == 400 and "already imported on" in twice.content.decode()


def test_import_only_into_ones_own_agency_and_undo_only_ones_own(client, manager, agency, other_agency):
    client.force_login(manager)
    response = upload(client, other_agency, GOOD)
    assert response.status_code == 400 and not RevenueEntry.objects.exists()
    theirs = revenue.import_csv(agency=other_agency, file_name="x.csv", data=GOOD.encode())
    assert client.get(reverse("analytics_revenue_undo", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("analytics_revenue_undo", args=[theirs.pk])).status_code == 404
    assert "x.csv" not in client.get(reverse("analytics_revenue_import")).content.decode()
    assert RevenueImport.objects.filter(pk=theirs.pk).exists()


def test_the_template_is_read_back_by_the_import(client, manager, agency):
    client.force_login(manager)
    response = client.get(reverse("analytics_revenue_template"), HTTP_ACCEPT_LANGUAGE="vi")
    text = response.content.decode()
    assert text.startswith("\ufefftháng;nguồn;số tiền;ghi chú")
    assert len(text.strip().splitlines()) == 1 + len(RevenueSource)
    # Filled in, the template imports as it is.
    filled = "\n".join(
        line.replace(";;", ";1.000;") if n else line for n, line in enumerate(text.splitlines())
    )
    record = revenue.import_csv(agency=agency, file_name="mau.csv", data=filled.encode())
    assert record.rows == len(RevenueSource) and record.total == 1000 * len(RevenueSource)


def test_menu_items_and_the_add_form(client, manager):
    client.force_login(manager)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Revenue ledger" in page and PANEL in page
    form = client.get(reverse("analytics_revenue_entries:add"), HTTP_ACCEPT_LANGUAGE="en")
    assert form.status_code == 200 and 'type="month"' in form.content.decode()
