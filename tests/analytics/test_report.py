"""The yearly report of a province: its figures gathered once, then written as PDF, DOCX and CSV in the shape
of a Vietnamese administrative report, downloaded only by the body's officers and administrators."""

import csv
import io
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
import pypdfium2
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx.oxml.ns import qn

from analytics import revenue, security, training
from analytics.demo_transformation import seed_transformation
from analytics.maturity import services as maturity
from analytics.maturity.loader import ensure_bundled_frameworks
from analytics.models import Indicator, IndicatorDeclaration, RevenueSource
from analytics.report import csv as report_csv
from analytics.report import docx as report_docx
from analytics.report import pdf as report_pdf
from analytics.report.data import ReportError, build, initials, issuer_for
from analytics.report.document import compose
from analytics.report.views import report_links
from analytics.years import current_year
from newsroom.demo import cast
from newsroom.demo.seed import seed_demo
from newsroom.models import Agency, OversightBody, OversightKind, Role
from newsroom.services import create_oversight_body
from tests.factories import make_agency, make_user

pytestmark = pytest.mark.django_db
YEAR = 2025
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


# --- a province with two agencies and a year of records ----------------------------------------------
@pytest.fixture
def province(db):
    """Sóc Trăng's department overseeing a newspaper and a broadcaster, each with a manager and a reporter."""
    paper = make_agency(short_name="baost", name="Báo Sóc Trăng", province="Sóc Trăng")
    tv = make_agency(
        short_name="sttv",
        name="Đài Phát thanh và Truyền hình Sóc Trăng",
        kind="television",
        province="Sóc Trăng",
    )
    body = create_oversight_body(
        name="Sở Thông tin và Truyền thông", kind=OversightKind.PROVINCE, agencies=[paper, tv]
    )
    staff = {
        agency.short_name: {
            role: make_user(username=f"{agency.short_name}-{role}", agency=agency, role=role)
            for role in (Role.MANAGER, Role.REPORTER)
        }
        for agency in (paper, tv)
    }
    officer = make_user(username="so-tttt")
    officer.groups.add(body.group)
    return {"body": body, "paper": paper, "tv": tv, "staff": staff, "officer": officer}


def _revenue(agency, entries: dict[int, list[int]]):
    for year, amounts in entries.items():
        for month, amount in enumerate(amounts, start=1):
            revenue.add_entry(
                agency=agency,
                source=RevenueSource.ADVERTISING_DIRECT,
                month=date(year, month, 1),
                amount=amount,
            )


def _train(agency, user, hours: str, day: date):
    training.record_training(
        agency=agency, staff=user, course="Chuyển đổi số báo chí", date=day, hours=Decimal(hours)
    )


def _submitted_assessment(agency, user, year: int):
    """The agency's self-assessment for `year`, every criterion given its full points, submitted."""
    ensure_bundled_frameworks()
    assessment = maturity.start_assessment(agency=agency, year=year, user=user)
    answers = {criterion.code: (criterion.max, "") for criterion in maturity.criteria_of(assessment)}
    maturity.save_answers(assessment=assessment, answers=answers, user=user)
    return maturity.submit(assessment=assessment, user=user)


@pytest.fixture
def seeded(province):
    """Revenue for two years (the paper +25%, the broadcaster +5%), training (all of the paper's staff, half
    the broadcaster's), the paper's level-3 security approval, the broadcaster's declared analytics platform,
    and the paper's submitted self-assessment."""
    paper, tv, staff = province["paper"], province["tv"], province["staff"]
    _revenue(paper, {YEAR - 1: [800_000_000, 200_000_000], YEAR: [1_250_000_000]})
    _revenue(tv, {YEAR - 1: [2_000_000_000], YEAR: [1_000_000_000, 1_100_000_000]})
    for user in staff["baost"].values():
        _train(paper, user, "8", date(YEAR, 4, 10))
    _train(tv, staff["sttv"][Role.MANAGER], "16", date(YEAR, 6, 2))
    security.declare_security(
        agency=paper,
        system_name="Báo điện tử Sóc Trăng",
        level=3,
        document_number="125/QĐ-STTTT",
        document_date=date(YEAR, 5, 10),
    )
    IndicatorDeclaration.objects.create(
        agency=tv, year=YEAR, indicator=Indicator.ANALYTICS, met=True, evidence="Hợp đồng số 12/2025/HĐ"
    )
    _submitted_assessment(paper, staff["baost"][Role.MANAGER], YEAR)
    return province


def pdf_text(data: bytes) -> list[str]:
    document = pypdfium2.PdfDocument(data)
    return [document[i].get_textpage().get_text_range() for i in range(len(document))]


def flat(text: str) -> str:
    """Text with its line breaks and runs of spaces made single spaces, as a reader reads it."""
    return " ".join(text.split())


def docx_text(data: bytes) -> tuple[docx.document.Document, str]:
    word = docx.Document(io.BytesIO(data))
    parts = [p.text for p in word.paragraphs]
    for table in word.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return word, "\n".join(parts)


# --- the figures ---------------------------------------------------------------------------------------
def test_build_gathers_the_years_figures(seeded):
    data = build(seeded["body"], YEAR)

    assert [a.name for a in data.agencies] == ["Báo Sóc Trăng", "Đài Phát thanh và Truyền hình Sóc Trăng"]
    shares = {share.indicator: share for share in data.shares}
    assert (shares[Indicator.REVENUE_GROWTH].met, shares[Indicator.REVENUE_GROWTH].percent) == (1, 50.0)
    assert data.target(shares[Indicator.REVENUE_GROWTH]).reached  # 50% of agencies against 30% for 2025
    assert not data.target(shares[Indicator.STAFF_TRAINED]).reached
    assert (shares[Indicator.ANALYTICS].met, shares[Indicator.ANALYTICS].unknown) == (1, 1)
    assert [(r.previous, r.current, round(r.growth, 2)) for r in data.revenue] == [
        (1_000_000_000, 1_250_000_000, 25.0),
        (2_000_000_000, 2_100_000_000, 5.0),
        (3_000_000_000, 3_350_000_000, 11.67),
    ]
    assert [(r.staff, r.trained, r.hours, r.percent) for r in data.training] == [
        (2, 2, 16.0, 100.0),
        (2, 1, 16.0, 50.0),
        (4, 3, 32.0, 75.0),
    ]
    assert [p.points for p in data.pillars] == [18, 24, 20, 23, 15]
    paper, tv = data.maturity
    assert (paper.total, paper.level, paper.decision) == (Decimal(100), "Xuất sắc", "1827/QĐ-BTTTT")
    assert paper.points == [18, 24, 20, 23, 15]
    assert (tv.total, tv.level) == (None, "")
    assert data.issuer.superior == "UBND TỈNH SÓC TRĂNG"


def test_a_draft_self_assessment_is_not_reported(seeded):
    ensure_bundled_frameworks()
    maturity.start_assessment(agency=seeded["tv"], year=YEAR, user=seeded["staff"]["sttv"][Role.MANAGER])
    assert build(seeded["body"], YEAR).maturity[1].total is None


def test_build_costs_the_same_queries_for_one_agency_or_two(seeded):
    alone = create_oversight_body(
        name="Sở thử nghiệm", kind=OversightKind.PROVINCE, agencies=[seeded["paper"]]
    )
    counts = []
    for body in (alone, seeded["body"]):
        with CaptureQueriesContext(connection) as queries:
            build(body, YEAR)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("year", [2022, 2100])
def test_a_year_outside_the_strategy_is_refused(province, year):
    with pytest.raises(ReportError):
        build(province["body"], year)


def test_a_body_with_no_agency_is_refused(db):
    body = create_oversight_body(name="Sở trống", kind=OversightKind.PROVINCE, agencies=[])
    with pytest.raises(ReportError):
        build(body, YEAR)


def test_the_issuer_is_read_from_the_bodys_name_or_its_agencies():
    in_name = OversightBody(name="Sở Thông tin và Truyền thông tỉnh Hậu Giang", kind=OversightKind.PROVINCE)
    issuer = issuer_for(in_name, [])
    assert (issuer.superior, issuer.name, issuer.place) == (
        "UBND TỈNH HẬU GIANG",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "Hậu Giang",
    )
    city = issuer_for(
        OversightBody(name="Sở Văn hóa và Thể thao", kind=OversightKind.PROVINCE),
        [
            Agency(province="Hà Nội"),
            Agency(province="Hà Nội"),
        ],
    )
    assert (city.superior, city.code, city.signer) == ("UBND THÀNH PHỐ HÀ NỘI", "SVHTT", "GIÁM ĐỐC")
    mixed = issuer_for(
        OversightBody(name="Sở TTTT", kind=OversightKind.PROVINCE),
        [
            Agency(province="Hải Dương"),
            Agency(province="Sóc Trăng"),
        ],
    )
    assert (mixed.superior, mixed.place) == ("", "")  # which province is the department's? not ours to guess
    ministry = issuer_for(OversightBody(name="Bộ Tài chính", kind=OversightKind.MINISTRY), [])
    assert (ministry.superior, ministry.name, ministry.code, ministry.place, ministry.signer) == (
        "",
        "BỘ TÀI CHÍNH",
        "BTC",
        "Hà Nội",
        "BỘ TRƯỞNG",
    )
    assert initials("Đài Truyền hình") == "ĐTH"


# --- the three files -------------------------------------------------------------------------------------
def test_the_csv_has_a_row_per_agency_and_indicator_then_the_shares(seeded):
    data = build(seeded["body"], YEAR)
    body = report_csv.render(data)

    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the byte-order mark
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 2 * 6 + 6
    by_key = {(row["Cơ quan"], row["Mã chỉ tiêu"]): row for row in rows}

    def picked(row, *names):
        return tuple(row[name] for name in names)

    fields = ("Phạm vi", "Đạt", "Căn cứ", "Giá trị")
    assert picked(by_key["Báo Sóc Trăng", "revenue_growth"], *fields) == (
        "Cơ quan báo chí",
        "Có",
        "Tính từ dữ liệu hệ thống",
        "25",
    )
    assert picked(by_key["Đài Phát thanh và Truyền hình Sóc Trăng", "revenue_growth"], *fields)[1:] == (
        "Không",
        "Tính từ dữ liệu hệ thống",
        "5",
    )
    assert picked(by_key["Báo Sóc Trăng", "security_level3"], *fields)[1:] == (
        "Có",
        "Cơ quan tự kê khai",
        "3",
    )
    assert "125/QĐ-STTTT" in by_key["Báo Sóc Trăng", "security_level3"]["Minh chứng"]
    assert picked(by_key["Đài Phát thanh và Truyền hình Sóc Trăng", "security_level3"], *fields)[1:] == (
        "",
        "Chưa có số liệu",
        "",
    )
    tv_analytics = by_key["Đài Phát thanh và Truyền hình Sóc Trăng", "analytics_platform"]
    assert (tv_analytics["Đạt"], tv_analytics["Căn cứ"], tv_analytics["Minh chứng"]) == (
        "Có",
        "Cơ quan tự kê khai",
        "Hợp đồng số 12/2025/HĐ",
    )
    assert picked(by_key["Báo Sóc Trăng", "staff_trained"], "Đạt", "Giá trị") == ("Có", "100")
    share_fields = ("Phạm vi", "Đạt", "Số cơ quan đạt", "Chưa có số liệu", "Tổng số cơ quan", "Tỷ lệ (%)")
    targets = ("Mục tiêu 2025 (%)", "Mục tiêu 2030 (%)")
    shares = by_key["Sở Thông tin và Truyền thông", "revenue_growth"]
    assert picked(shares, *share_fields, *targets) == ("Tổng hợp", "Có", "1", "0", "2", "50", "30", "50")
    trained = by_key["Sở Thông tin và Truyền thông", "staff_trained"]
    assert picked(trained, *share_fields, *targets) == (
        "Tổng hợp",
        "Không",
        "1",
        "0",
        "2",
        "50",
        "100",
        "100",
    )
    platforms = by_key["Sở Thông tin và Truyền thông", "digital_platforms"]
    assert picked(platforms, "Đạt", "Số cơ quan đạt", "Chưa có số liệu", "Tỷ lệ (%)") == (
        "Không",
        "0",
        "2",
        "0",
    )


def test_the_pdf_is_a_provincial_report_in_vietnamese(seeded):
    pages = pdf_text(report_pdf.render(compose(build(seeded["body"], YEAR), today=date(2026, 11, 20))))
    first, everything = flat(pages[0]), flat(" ".join(pages))

    for line in (
        "UBND TỈNH SÓC TRĂNG",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "/BC-STTTT",
        "Sóc Trăng, ngày",
        "năm 2026",
        "BÁO CÁO",
        "Kết quả thực hiện Chiến lược chuyển đổi số báo chí năm 2025",
        "I. TÌNH HÌNH TRIỂN KHAI",
    ):
        assert line in first, line
    for text in (
        "II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
        "Báo Sóc Trăng",
        "Đài Phát thanh và Truyền hình Sóc Trăng",
        "Đánh giá (so với mục tiêu 2025)",
        "1/2 (1 chưa có số liệu)",  # the analytics platform: the broadcaster's declaration, the paper unknown
        "0/2 (2 chưa có số liệu)",
        "Đạt (*)",  # the declared security level, marked
        "cấp độ 3",
        "III. DOANH THU",
        "1.000,0",
        "1.250,0",
        "+25,0%",
        "+5,0%",
        "3.350,0",
        "+11,7%",
        "IV. ĐÀO TẠO",
        "75,0%",
        "V. MỨC ĐỘ TRƯỞNG THÀNH CHUYỂN ĐỔI SỐ",
        "1827/QĐ-BTTTT",
        "Xuất sắc",
        "Chưa tự đánh giá",
        "VI. ĐÁNH GIÁ CHUNG, KHÓ KHĂN, ĐỀ XUẤT",
        "Chỉ tiêu “Đào tạo 100%”: 50,0% cơ quan báo chí đạt, mục tiêu năm 2025 là 100%",
        "Nơi nhận:",
        "UBND tỉnh Sóc Trăng (để báo cáo)",
        "Bộ Văn hóa, Thể thao và Du lịch (Cục Báo chí)",
        "GIÁM ĐỐC",
    ):
        assert text in everything, text
    assert len(pages) >= 3
    assert flat(pages[1]).startswith("2 ")  # numbered from the second page, at its top


def test_the_pdf_embeds_its_own_font_and_writes_composed_vietnamese(province):
    decomposed = unicodedata.normalize("NFD", "Báo Cần Thơ Điện tử")
    Agency.objects.filter(pk=province["paper"].pk).update(name=decomposed)
    output = report_pdf.render(compose(build(province["body"], YEAR)))

    assert b"LiberationSerif" in output
    assert b"/BaseFont /Times" not in output  # no reliance on a viewer's built-in Times
    assert "Báo Cần Thơ Điện tử" in flat(" ".join(pdf_text(output)))


def test_the_docx_says_the_same_and_leaves_room_to_complete(seeded):
    word, text = docx_text(report_docx.render(compose(build(seeded["body"], YEAR), today=date(2026, 11, 20))))

    for line in (
        "UBND TỈNH SÓC TRĂNG",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "BÁO CÁO",
        "Kết quả thực hiện Chiến lược chuyển đổi số báo chí năm 2025",
        "Sóc Trăng, ngày      tháng      năm 2026",
        "VI. ĐÁNH GIÁ CHUNG, KHÓ KHĂN, ĐỀ XUẤT",
        "Đài Phát thanh và Truyền hình Sóc Trăng",
        "+25,0%",
        "Xuất sắc",
        "Nơi nhận:",
        "GIÁM ĐỐC",
    ):
        assert line in text, line
    assert text.count("…" * 60) == 6  # three lines under the difficulties, three under the proposals
    assert word.styles["Normal"].font.name == "Times New Roman"
    assert word.styles["Normal"].font.size.pt == 14
    section = word.sections[0]
    margins = (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin)
    assert [round(margin.mm) for margin in margins] == [30, 20, 20, 20]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    province_table = next(t for t in word.tables if t.rows[0].cells[0].text == "TT")
    assert province_table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on each page
    rows = [[cell.text for cell in row.cells] for row in province_table.rows]
    revenue_row = next(row for row in rows if row[1].startswith("Cơ quan báo chí có doanh thu tăng"))
    assert revenue_row[2:] == ["1/2", "50,0%", "30%", "50%", "Đạt"]


# --- the downloads ---------------------------------------------------------------------------------------
def _url(body, fmt="pdf", year=YEAR):
    return reverse("analytics_strategy_report", kwargs={"body_id": body.pk, "year": str(year), "fmt": fmt})


def test_the_bodys_officer_downloads_each_format(client, seeded):
    client.force_login(seeded["officer"])
    expected = {"pdf": b"%PDF-", "docx": b"PK", "csv": b"\xef\xbb\xbf"}
    for fmt, start in expected.items():
        response = client.get(_url(seeded["body"], fmt))
        assert response.status_code == 200, fmt
        assert response.content.startswith(start)
        assert response["Content-Disposition"] == (
            f'attachment; filename="bao-cao-chuyen-doi-so-so-thong-tin-va-truyen-thong-2025.{fmt}"'
        )


def test_report_links_name_each_format(seeded):
    links = report_links(seeded["body"], YEAR)
    assert [url for _label, url in links] == [_url(seeded["body"], fmt) for fmt in ("pdf", "docx", "csv")]


def test_an_administrator_may_download_any_bodys_report(client, province):
    client.force_login(make_user(username="quantri", is_superuser=True, is_staff=True))
    assert client.get(_url(province["body"], "csv")).status_code == 200


def test_agency_staff_and_other_bodies_officers_get_nothing(client, province):
    other = create_oversight_body(name="Sở khác", kind=OversightKind.PROVINCE, agencies=[province["paper"]])
    stranger = make_user(username="so-khac")
    stranger.groups.add(other.group)
    for user in (province["staff"]["baost"][Role.MANAGER], stranger):
        client.force_login(user)
        assert client.get(_url(province["body"])).status_code == 404


def test_a_visitor_is_sent_to_log_in(client, province):
    response = client.get(_url(province["body"]))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("year", ["2022", "20x5", "2100"])
def test_a_bad_year_is_told_in_the_users_language(client, province, year):
    client.force_login(province["officer"])
    response = client.get(_url(province["body"], year=year), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "Choose a year from 2023 to" in response.content.decode()


def test_an_unknown_format_is_not_found(client, province):
    client.force_login(province["officer"])
    assert client.get(_url(province["body"], "xlsx")).status_code == 404


# --- the demo province -----------------------------------------------------------------------------------
def test_the_demo_provinces_report_and_its_first_page(db):
    """The report `make run` offers: the demo's department and its two agencies, last year (the year of
    their submitted self-assessments). Its first page is saved as a picture to look at."""
    seed_demo(stories=12)
    seed_transformation()
    body = OversightBody.objects.get(name=cast.OVERSIGHT_NAME)
    year = current_year() - 1
    data = build(body, year)
    output = report_pdf.render(compose(data))
    pages = pdf_text(output)
    everything = flat(" ".join(pages))

    for agency in cast.AGENCIES:
        assert agency.name in everything
    assert f"Kết quả thực hiện Chiến lược chuyển đổi số báo chí năm {year}" in flat(pages[0])
    assert all(row.total is not None for row in data.maturity)  # both submitted last year's
    for row in data.maturity:
        assert row.level in everything
    assert "Chưa tự đánh giá" not in everything

    SCREENSHOTS.mkdir(exist_ok=True)
    page = pypdfium2.PdfDocument(output)[0]
    page.render(scale=2).to_pil().save(SCREENSHOTS / "strategy-report-page1.png")
    assert (SCREENSHOTS / "strategy-report-page1.png").stat().st_size > 50_000
