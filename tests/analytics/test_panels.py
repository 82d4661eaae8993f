"""The readership panels: their figures from seeded events, who sees which agency, query counts, the admin
pages with their charts and filters, the CSV export and API token management."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from analytics import charts, panels, views
from analytics.models import ApiToken, Dimension, Period, Rollup
from distribution.models import Channel
from newsroom.models import Role
from newsroom.services import create_oversight_body
from tests.analytics.conftest import at_noon
from tests.factories import make_author, make_story, make_user, section_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def week():
    """The seven local days before today, as a Range."""
    today = timezone.localdate()
    return panels.Range(start=today - timedelta(days=7), end=today - timedelta(days=1))


@pytest.fixture
def newsroom(agency, other_agency, events):
    """Two stories of `agency` read in the week before today and the week before that, and one of
    `other_agency`; the figures each test expects are worked out in the comments."""
    author = make_author(agency=agency, name="Nguyễn Văn Bút")
    first = make_story(section=section_of(agency), title="Lũ sông Thái Bình")
    first.authors.add(author)
    first.save()
    second = make_story(section=section_of(agency, 1), title="Khai mạc hội chợ xuân", format="video")
    theirs = make_story(section=section_of(other_agency), title="Tin Sóc Trăng")
    zalo = Channel.objects.create(agency=agency, kind="zalo", name="Zalo Báo Hải Dương")
    # This week: 3 days ago 4 views of `first` by 3 readers on phones, 30 s and 50 % each, from a campaign;
    events(
        first,
        at=at_noon(3),
        views=4,
        visitors=3,
        engaged_seconds=30,
        scroll=50,
        device="mobile",
        utm_campaign="tet-2026",
    )
    # 5 days ago 2 views by 2 readers on computers, 60 s and 50 % each.
    events(first, at=at_noon(5), views=2, engaged_seconds=60, scroll=50, device="desktop")
    # 3 days ago 4 views of `second` from Google by 4 readers, no engagement; 2 of `first` on Zalo.
    events(
        second, at=at_noon(3), views=4, referrer_class="search", referrer_host="google.com", device="mobile"
    )
    events(first, at=at_noon(3), views=2, channel=f"ch{zalo.pk}", referrer_class="platform", device="mobile")
    # The week before: 5 views of `first`.
    events(first, at=at_noon(10), views=5, device="tablet")
    # Outside both weeks, and another agency's story.
    events(first, at=at_noon(20), views=100)
    events(theirs, at=at_noon(3), views=7, visitors=5)
    return {"first": first, "second": second, "theirs": theirs, "author": author, "zalo": zalo}


def oversight_user(*agencies):
    body = create_oversight_body(name="Sở TT&TT Hải Dương", kind="province", agencies=list(agencies))
    inspector = make_user(username="so-tttt")
    inspector.groups.add(body.group)
    return inspector


# --- the range ---------------------------------------------------------------------------------------
def test_presets_custom_ranges_and_the_previous_period():
    today = date(2026, 3, 31)
    last7 = panels.Range.from_query({"range": "7"}, today=today)
    assert (last7.start, last7.end, last7.days, last7.preset) == (date(2026, 3, 25), today, 7, 7)
    assert panels.Range.from_query({}, today=today).days == panels.DEFAULT_PRESET
    custom = panels.Range.from_query({"from": "2026-02-01", "to": "2026-02-28"}, today=today)
    assert custom.days == 28 and custom.preset is None
    assert custom.previous() == panels.Range(start=date(2026, 1, 4), end=date(2026, 1, 31))
    assert custom.query() == {"from": "2026-02-01", "to": "2026-02-28"}
    start, end = custom.bounds()
    assert timezone.localtime(start).date() == date(2026, 2, 1) and end - start == timedelta(days=28)
    assert panels.Range.from_query({"from": "2024-04-01", "to": "2026-03-31"}).days == 730


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-02-30", "to": "2026-03-01"}, "“2026-02-30” is not a date; write it as YYYY-MM-DD."),
        ({"from": "01/02/2026", "to": "2026-03-01"}, "“01/02/2026” is not a date; write it as YYYY-MM-DD."),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "The start date is after the end date."),
        (
            {"from": "2024-01-01", "to": "2026-03-01"},
            "The range is longer than two years; choose a shorter one.",
        ),
        ({"from": "2026-03-01"}, "Give both a start date and an end date."),
        ({"range": "365"}, "Choose the last 7, 30 or 90 days, or two dates."),
    ],
)
def test_bad_ranges_are_refused_with_a_translated_message(params, message):
    with translation.override("en"), pytest.raises(panels.RangeError) as raised:
        panels.Range.from_query(params)
    assert raised.value.message == message


# --- figures -----------------------------------------------------------------------------------------
def test_overview_figures_against_the_previous_period(agency, newsroom, week):
    data = panels.overview(scope=panels.scope_for(make_user(agency=agency, role=Role.MANAGER)), period=week)
    now, before = data.total.current, data.total.previous
    # 4 + 2 + 2 + 4 views; visitors summed by day: 3 + 2 + 4 three days ago, 2 five days ago.
    assert (now.pageviews, now.visitors) == (12, 11)
    # 4 × 30 s + 2 × 60 s over 12 views; 6 × 50 % over 12 views.
    assert (now.engaged_seconds, now.engaged_per_view, now.scroll_depth) == (240, 20.0, 25.0)
    assert (before.pageviews, before.visitors, before.engaged_per_view) == (5, 5, 0.0)
    assert data.total.changes == {
        "pageviews": 140.0,
        "visitors": 120.0,
        "engaged_seconds_per_view": None,
        "scroll_depth": None,
    }
    series = dict(data.series)
    assert list(series) == week.dates()
    assert (
        series[week.end - timedelta(days=2)].pageviews,
        series[week.end - timedelta(days=2)].visitors,
    ) == (10, 9)
    assert series[week.end - timedelta(days=4)].pageviews == 2
    assert sum(f.pageviews for f in series.values()) == 12


def test_breakdowns_name_what_was_read(agency, newsroom, week, rf):
    scope = panels.scope_for(make_user(agency=agency, role=Role.EDITOR))
    request = rf.get("/admin/readership/")

    def rows(name):
        return panels.breakdown(scope=scope, period=week, name=name, request=request)

    stories = rows("stories")
    assert [(r.label, r.figures.pageviews, r.figures.visitors) for r in stories] == [
        ("Lũ sông Thái Bình", 8, 7),
        ("Khai mạc hội chợ xuân", 4, 4),
    ]
    first = newsroom["first"]
    assert stories[0].admin_url == reverse("wagtailadmin_pages:edit", args=[first.pk])
    assert stories[0].url == first.get_full_url(request) and stories[0].url.startswith("http")
    assert stories[0].figures.engaged_per_view == 30.0 and stories[0].figures.scroll_depth == 37.5
    with translation.override("en"):
        assert {(r.label, r.figures.pageviews) for r in rows("sources")} == {
            ("Direct", 6),
            ("Search", 4),
            ("Platform", 2),
        }
        assert [(r.label, r.figures.pageviews) for r in rows("devices")] == [("Phone", 10), ("Computer", 2)]
        assert [(r.label, r.figures.pageviews) for r in rows("formats")] == [("News", 8), ("Video", 4)]
        channels = rows("channels")
        assert [(r.label, r.detail, r.figures.pageviews) for r in channels] == [
            ("The agency's website", "Website", 10),
            ("Zalo Báo Hải Dương", "Zalo Official Account", 2),
        ]
    assert [(r.label, r.figures.pageviews) for r in rows("referrers")] == [("google.com", 4)]
    assert [(r.label, r.figures.pageviews) for r in rows("campaigns")] == [("tet-2026", 4)]
    assert [(r.label, r.figures.pageviews) for r in rows("authors")] == [("Nguyễn Văn Bút", 8)]
    assert [r.label for r in rows("sections")] == [section_of(agency).title, section_of(agency, 1).title]
    assert len(panels.breakdown(scope=scope, period=week, name="stories", limit=1)) == 1


def test_a_deleted_story_keeps_its_figures_under_a_plain_name(agency, newsroom, week):
    second = newsroom["second"]
    pk = second.pk
    second.delete()
    scope = panels.scope_for(make_user(agency=agency, role=Role.EDITOR))
    with translation.override("en"):
        labels = {r.key: r.label for r in panels.breakdown(scope=scope, period=week, name="stories")}
    assert labels[str(pk)] == f"Deleted story {pk}"


# --- who sees what ---------------------------------------------------------------------------------
def test_staff_see_their_agency_and_oversight_sees_each_and_the_total(agency, other_agency, newsroom, week):
    staff_scope = panels.scope_for(make_user(agency=agency, role=Role.REPORTER))
    assert staff_scope.ids == [agency.pk] and not staff_scope.several
    with pytest.raises(panels.UnknownAgency):
        panels.scope_for(make_user(agency=agency, role=Role.MANAGER), str(other_agency.pk))
    with pytest.raises(panels.NoAgency):
        panels.scope_for(make_user(username="khong-co-toa-soan"))

    inspector = oversight_user(agency, other_agency)
    scope = panels.scope_for(inspector)
    assert set(scope.ids) == {agency.pk, other_agency.pk} and scope.several
    data = panels.overview(scope=scope, period=week)
    by_agency = {a.pk: c.current.pageviews for a, c in data.by_agency}
    assert by_agency == {agency.pk: 12, other_agency.pk: 7}
    assert data.total.current.pageviews == 19 and data.total.current.visitors == 16
    one = panels.scope_for(inspector, str(other_agency.pk))
    assert one.ids == [other_agency.pk]
    assert panels.overview(scope=one, period=week).total.current.pageviews == 7
    with translation.override("en"):
        channels = panels.breakdown(scope=scope, period=week, name="channels")
    assert [(r.label, r.figures.pageviews) for r in channels][0] == ("The agencies' websites", 17)
    labels = {r.label: r.agency for r in panels.breakdown(scope=scope, period=week, name="stories")}
    assert labels["Tin Sóc Trăng"] == other_agency.name and labels["Lũ sông Thái Bình"] == agency.name
    assert {r.label: r.agency for r in panels.breakdown(scope=scope, period=week, name="sections")}[
        section_of(other_agency).title
    ] == other_agency.name


def test_query_counts_stay_flat(client, agency, other_agency, events, week, rf):
    inspector = oversight_user(agency, other_agency)
    request = rf.get("/admin/readership/")

    def counts() -> dict[str, int]:
        scope = panels.scope_for(inspector)
        measured = {}
        for name, run in [
            ("overview", lambda: panels.overview(scope=scope, period=week)),
            ("realtime", lambda: panels.realtime(scope=scope)),
            *[
                (
                    name,
                    lambda name=name: panels.breakdown(scope=scope, period=week, name=name, request=request),
                )
                for name in panels.BREAKDOWNS
            ],
        ]:
            with CaptureQueriesContext(connection) as queries:
                run()
            measured[name] = len(queries)
        return measured

    def read(agency_, n):
        for _ in range(n):
            story = make_story(section=section_of(agency_))
            story.authors.add(make_author(agency=agency_))
            story.save()
            events(
                story, at=at_noon(2), views=2, utm_campaign=f"c{story.pk}", referrer_host=f"s{story.pk}.vn"
            )
            events(story, at=timezone.now() - timedelta(minutes=1), views=1)

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("analytics_readership"), {"range": "7"}).status_code == 200
        return len(queries)

    client.force_login(inspector)
    read(agency, 1)
    counts()  # warms Wagtail's cached site root paths
    page_queries()
    few, few_page = counts(), page_queries()
    read(agency, 4)
    read(other_agency, 4)
    many, many_page = counts(), page_queries()
    assert few == many and few_page == many_page
    assert many["overview"] == 2 and many["stories"] == 2 and many["sources"] == 1 and many["realtime"] <= 3


# --- the pages -------------------------------------------------------------------------------------------
def week_query(week) -> dict:
    return {"from": week.start.isoformat(), "to": week.end.isoformat()}


def test_overview_page_draws_its_charts_and_tables(client, agency, newsroom, week):
    client.force_login(make_user(agency=agency, role=Role.EDITOR))
    response = client.get(reverse("analytics_readership"), week_query(week), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-chart="line"') == 1 and page.count('data-chart="bars"') == 4
    assert 'role="img" aria-label="Page views and visitors per day"' in page
    assert page.count("<details") == 5  # a data table behind each chart
    for title in (
        "Lũ sông Thái Bình",
        "Khai mạc hội chợ xuân",
        "google.com",
        "tet-2026",
        "Nguyễn Văn Bút",
        "Zalo Báo Hải Dương",
        "Readers now",
    ):
        assert title in page
    assert "+140.0 %" in page and "20 s" in page and "25.0 %" in page
    assert f'href="{reverse("wagtailadmin_pages:edit", args=[newsroom["first"].pk])}"' in page
    assert "Tin Sóc Trăng" not in page and "<tfoot>" not in page
    assert f"/admin/readership/export/stories.csv?from={week.start.isoformat()}" in page


def test_numbers_follow_the_language(client, agency):
    today = timezone.localdate()
    Rollup.objects.create(
        period=Period.DAY,
        start=panels.Range(start=today, end=today).bounds()[0],
        agency=agency,
        dimension=Dimension.TOTAL,
        pageviews=1234567,
        visitors=89012,
        engaged_seconds=1234567 * 83,
        scroll_total=1234567 * 45 + 617283,
    )
    client.force_login(make_user(agency=agency, role=Role.MANAGER))
    vietnamese = client.get(reverse("analytics_readership"), {"range": "7"}, HTTP_ACCEPT_LANGUAGE="vi")
    english = client.get(reverse("analytics_readership"), {"range": "7"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "1.234.567" in vietnamese.content.decode() and "45,5 %" in vietnamese.content.decode()
    assert "1,234,567" in english.content.decode() and "45.5 %" in english.content.decode()
    assert "1 min 23 s" in english.content.decode()
    # Chart coordinates never take the language's decimal comma: each point is one "x,y" pair.
    svg = vietnamese.content.decode().split('data-chart="line"')[1].split("</svg>")[0]
    points = svg.split('class="rd-line__views"')[0].rsplit('points="', 1)[1].split('"')[0].split(" ")
    assert len(points) == 7 and all(point.count(",") == 1 for point in points)


def test_a_bad_range_says_why_and_shows_the_default(client, agency, newsroom):
    client.force_login(make_user(agency=agency, role=Role.EDITOR))
    url = reverse("analytics_readership")
    for params, message in [
        ({"from": "2026-13-01", "to": "2026-12-31"}, "“2026-13-01” is not a date; write it as YYYY-MM-DD."),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "The start date is after the end date."),
        (
            {"from": "2020-01-01", "to": "2026-03-01"},
            "The range is longer than two years; choose a shorter one.",
        ),
    ]:
        response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400
        page = response.content.decode()
        assert message in page and "Showing the last 30 days instead." in page and 'data-chart="line"' in page


def test_oversight_page_lists_each_agency_and_the_total(client, agency, other_agency, newsroom, week):
    client.force_login(oversight_user(agency, other_agency))
    page = client.get(reverse("analytics_readership"), week_query(week), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert agency.name in text and other_agency.name in text and "<tfoot>" in text
    assert "Tin Sóc Trăng" in text and '<option value="">All agencies</option>' in text
    narrowed = client.get(reverse("analytics_readership"), {**week_query(week), "agency": other_agency.pk})
    assert (
        "Tin Sóc Trăng" in narrowed.content.decode() and "Lũ sông Thái Bình" not in narrowed.content.decode()
    )


def test_staff_cannot_reach_another_agency_and_outsiders_are_refused(client, agency, other_agency):
    client.force_login(make_user(agency=agency, role=Role.MANAGER))
    assert client.get(reverse("analytics_readership"), {"agency": other_agency.pk}).status_code == 404
    assert client.get(reverse("analytics_readership"), {"agency": "x"}).status_code == 404
    assert (
        client.get(
            reverse("analytics_readership_export", args=["stories"]), {"agency": other_agency.pk}
        ).status_code
        == 404
    )
    outsider = make_user(username="ngoai-cuoc", is_superuser=False)
    from django.contrib.auth.models import Permission

    outsider.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(outsider)
    for name in ("analytics_readership", "analytics_readership_production", "analytics_tokens"):
        refused = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
        assert (
            refused.status_code == 403
            and "You work for no agency and oversee none." in refused.content.decode()
        )
    assert client.get(reverse("analytics_readership_export", args=["stories"])).status_code == 403
    assert "/admin/readership/" not in client.get("/admin/").content.decode()
    client.logout()
    assert client.get(reverse("analytics_readership")).status_code == 302


def test_the_menu_shows_readership_to_staff(client, agency):
    client.force_login(make_user(agency=agency, role=Role.REPORTER))
    assert "/admin/readership/" in client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


# --- CSV ---------------------------------------------------------------------------------------------
def read_csv(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_export_of_each_panel(client, agency, newsroom, week):
    client.force_login(make_user(agency=agency, role=Role.EDITOR))

    def export(panel, **extra):
        response = client.get(
            reverse("analytics_readership_export", args=[panel]),
            {**week_query(week), **extra},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
        assert (
            f"readership-{panel}-{week.start.isoformat()}-{week.end.isoformat()}.csv"
            in response["Content-Disposition"]
        )
        return read_csv(response)

    stories = export("stories")
    assert stories[0] == [
        "Key",
        "Story",
        "Agency",
        "Page views",
        "Visitors",
        "Engaged seconds per view",
        "Scroll depth (%)",
        "Address",
        "Edit",
    ]
    first = newsroom["first"]
    assert stories[1][:7] == [str(first.pk), "Lũ sông Thái Bình", "", "8", "7", "30.0", "37.5"]
    assert stories[1][8] == f"http://testserver/admin/pages/{first.pk}/edit/"
    overview = export("overview")
    assert overview[0][:6] == [
        "Agency id",
        "Agency",
        "Page views",
        "Visitors",
        "Engaged seconds per view",
        "Scroll depth (%)",
    ]
    assert overview[1][:4] == [str(agency.pk), agency.name, "12", "11"] and len(overview) == 2
    assert overview[0][-4] == "Page views, change (%)" and overview[1][-4] == "140.0"
    daily = export("daily")
    assert len(daily) == 8 and daily[-3][:3] == [(week.end - timedelta(days=2)).isoformat(), "10", "9"]
    sources = export("sources")
    assert sources[0] == [
        "Key",
        "Source",
        "Page views",
        "Visitors",
        "Engaged seconds per view",
        "Scroll depth (%)",
    ]
    assert [row[1:4] for row in sources[1:]] == [
        ["Direct", "6", "5"],
        ["Search", "4", "4"],
        ["Platform", "2", "2"],
    ]
    production = export("production")
    assert production[0] == ["Publication"] and production[1][0] == "Stories published"
    assert ["Delivered to each channel"] in production
    realtime = export("realtime")
    assert realtime[0] == ["Readers in the last five minutes"] and realtime[2][:3] == [
        str(agency.pk),
        agency.name,
        "0",
    ]
    assert client.get(reverse("analytics_readership_export", args=["nothing"])).status_code == 404
    bad = client.get(
        reverse("analytics_readership_export", args=["stories"]),
        {"from": "x", "to": "y"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 400 and "is not a date" in bad.content.decode()


def test_vietnamese_csv_headings(client, agency, newsroom, week):
    client.force_login(make_user(agency=agency, role=Role.EDITOR))
    response = client.get(
        reverse("analytics_readership_export", args=["stories"]), week_query(week), HTTP_ACCEPT_LANGUAGE="vi"
    )
    rows = read_csv(response)
    assert "Lũ sông Thái Bình" in rows[1]
    with translation.override("vi"):
        assert rows[0][3] == str(translation.gettext("Page views"))


def test_csv_cells_never_start_a_formula(client, agency, events, week):
    """A campaign name is whatever a link said: a spreadsheet must not run it."""
    story = make_story(section=section_of(agency))
    events(story, at=at_noon(2), views=1, utm_campaign='=HYPERLINK("http://x.example","bấm")')
    events(story, at=at_noon(2), views=1, utm_campaign="-1+2")
    client.force_login(make_user(agency=agency, role=Role.EDITOR))
    response = client.get(reverse("analytics_readership_export", args=["campaigns"]), week_query(week))
    labels = sorted(row[1] for row in read_csv(response)[1:])
    assert labels == ["'-1+2", '\'=HYPERLINK("http://x.example","bấm")']


# --- production ----------------------------------------------------------------------------------------
def test_production_page_shows_the_newsrooms_figures(client, agency, week):
    reporter = make_user(agency=agency, role=Role.REPORTER)
    reporter.first_name, reporter.last_name = "Trần", "Phóng Viên"
    reporter.save()
    for _ in range(3):
        story = make_story(section=section_of(agency), owner=reporter)
        type(story).objects.filter(pk=story.pk).update(first_published_at=at_noon(2))
    Channel.objects.create(agency=agency, kind="telegram", name="Kênh Telegram")
    client.force_login(make_user(agency=agency, role=Role.MANAGER))
    response = client.get(
        reverse("analytics_readership_production"), week_query(week), HTTP_ACCEPT_LANGUAGE="en"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Stories per desk" in page and section_of(agency).title in page
    assert "Trần Phóng Viên" in page and "Kênh Telegram" in page and "Telegram channel" in page
    tile = page.split("Stories published")[1].split("data-tile-value>")[1].split("<")[0]
    assert tile == "3"


# --- helpers ---------------------------------------------------------------------------------------
def test_chart_helpers():
    assert [charts.nice_top(high) for high in (0, 1, 3, 9, 11, 90, 1234)] == [4, 4, 4, 20, 20, 100, 2000]
    with translation.override("en"):
        assert charts.duration(83.4) == "1 min 23 s" and charts.duration(None) == "—"
        assert charts.signed(-3.25) == "−3.2 %" and charts.signed(12) == "+12.0 %"
    series = [(date(2026, 3, d), panels.Figures(pageviews=d * 10, visitors=d)) for d in range(1, 31)]
    chart = charts.line_chart(series, title="t")
    assert len(chart["labels"]) == 6 and chart["labels"][0]["anchor"] == "start"
    # 300 at most: the axis goes to 400 in steps of 100.
    assert [tick["label"] for tick in chart["grid"]] == ["0", "100", "200", "300", "400"]
    assert chart["views"].split(" ")[-1] == "1000.0,50.0" and chart["views"].split(" ")[0] == "0.0,195.0"
    bars = charts.bar_chart(
        [
            panels.Row(key="a", label="A", figures=panels.Figures(pageviews=3)),
            panels.Row(key="b", label="B", figures=panels.Figures(pageviews=1)),
        ],
        title="t",
    )
    assert [b["width"] for b in bars["bars"]] == ["100.00", "33.33"]
    with translation.override("en"):
        assert [views._minutes(m) for m in (None, 45.4, 59.6, 119.6, 185)] == [
            "—",
            "45 min",
            "1 h 00 min",
            "2 h 00 min",
            "3 h 05 min",
        ]
    with translation.override("en"):
        assert (
            charts.bar_chart(
                [
                    panels.Row(key="a", label="A", figures=panels.Figures(pageviews=3)),
                    panels.Row(key="b", label="B", figures=panels.Figures(pageviews=1)),
                ],
                title="t",
            )["bars"][0]["share"]
            == "75.0 %"
        )


# --- API tokens ----------------------------------------------------------------------------------------
def test_tokens_are_shown_once_listed_and_revoked_by_their_owner(client, agency):
    owner = make_user(agency=agency, role=Role.MANAGER)
    client.force_login(owner)
    url = reverse("analytics_tokens")
    created = client.post(url, {"name": "Báo cáo tháng"}, HTTP_ACCEPT_LANGUAGE="en")
    assert created.status_code == 200
    page = created.content.decode()
    key = page.split("data-key>")[1].split("<")[0]
    token = ApiToken.objects.get(user=owner)
    assert ApiToken.authenticate(key) == token and token.name == "Báo cáo tháng"
    listing = client.get(url).content.decode()
    assert key not in listing and token.prefix in listing and "Báo cáo tháng" in listing
    assert client.post(url, {"name": ""}, HTTP_ACCEPT_LANGUAGE="en").status_code == 400

    someone = make_user(agency=agency, role=Role.EDITOR)
    theirs, _key = ApiToken.issue(user=someone, name="Của người khác")
    assert client.post(reverse("analytics_token_revoke", args=[theirs.pk])).status_code == 404
    assert "Của người khác" not in client.get(url).content.decode()
    assert client.get(reverse("analytics_token_revoke", args=[token.pk])).status_code == 405
    response = client.post(reverse("analytics_token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and ApiToken.authenticate(key) is None
    assert client.post(reverse("analytics_token_revoke", args=[token.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
