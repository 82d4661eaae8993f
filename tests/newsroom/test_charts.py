"""Tables and charts drawn from CSV: parsing, SVG output, the block's validation and its template."""

import pytest
from django.template import Context, Template
from django.utils import translation
from wagtail import blocks

from newsroom import charts
from newsroom.blocks import CSVDataBlock
from tests.factories import get_page, make_story, section_of

CSV = "Năm;Doanh thu;Chi phí\n2023;1.234,5;800\n2024;2000;1.100,25\n2025;-50;10"


def test_numbers_are_read_the_vietnamese_and_the_english_way():
    assert charts.to_number("1.234,5") == 1234.5
    assert charts.to_number("1,234.5") == 1234.5
    assert charts.to_number("12,5%") == 12.5
    assert charts.to_number(" 7 ") == 7


def test_parse_csv_sniffs_semicolons_and_reads_header_and_rows():
    dataset = charts.parse_csv(CSV, numeric=True)

    assert dataset.header == ["Năm", "Doanh thu", "Chi phí"]
    assert dataset.labels == ["2023", "2024", "2025"]
    assert dataset.series() == [("Doanh thu", [1234.5, 2000, -50]), ("Chi phí", [800, 1100.25, 10])]


@pytest.mark.parametrize("kind, mark", [("bar", "<rect"), ("line", "<polyline")])
def test_charts_render_accessible_svg_with_the_data_table(kind, mark):
    html = charts.render(CSV, kind, title="Kết quả kinh doanh")

    assert html.startswith('<svg class="chart"')
    assert 'role="img" aria-label="Kết quả kinh doanh"' in html
    assert mark in html
    assert '<table class="data-table">' in html and '<th scope="col">Doanh thu</th>' in html
    assert html.count('class="legend"') == 2


def test_table_renders_without_svg():
    html = charts.render("Tỉnh,Dân số\nHải Dương,1.9 triệu", "table")

    assert "<svg" not in html
    assert "<td>Hải Dương</td>" in html


def test_labels_and_titles_are_escaped():
    html = charts.render("Nhãn,Số\n<script>alert(1)</script>,5", "bar", title='"><script>')

    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_parse_csv_refuses_empty_text():
    with pytest.raises(ValueError):
        charts.parse_csv("  \n ")


def test_block_clean_requires_csv():
    block = CSVDataBlock()

    with pytest.raises(blocks.StructBlockValidationError) as raised:
        block.clean(block.to_python({"title": "", "kind": "table", "csv": "", "source": ""}))

    assert "csv" in raised.value.block_errors


@pytest.mark.parametrize(
    "kind, csv, message",
    [
        ("table", "Chỉ một dòng", "at least one data row"),
        ("table", "A,B\n1,2,3", "Row 2 has 3 cells"),
        ("bar", "Năm,Giá trị\n2024,nhiều", "is not a number"),
        ("line", "Chỉ nhãn\n2024", "label column and at least one number column"),
    ],
)
def test_block_clean_rejects_invalid_csv(kind, csv, message):
    block = CSVDataBlock()
    value = block.to_python({"title": "", "kind": kind, "csv": csv, "source": ""})

    with translation.override("en"), pytest.raises(blocks.StructBlockValidationError) as raised:
        block.clean(value)

    assert message in str(raised.value.block_errors["csv"].message)


def test_block_clean_accepts_valid_csv():
    block = CSVDataBlock()
    value = block.to_python({"title": "Giá", "kind": "bar", "csv": "Tháng,Giá\n1,10\n2,12", "source": ""})

    assert block.clean(value)["csv"] == "Tháng,Giá\n1,10\n2,12"


def test_block_template_draws_the_chart_with_title_and_source():
    block = CSVDataBlock()
    value = block.to_python({"title": "Sản lượng lúa", "kind": "line", "csv": CSV, "source": "Cục Thống kê"})

    html = block.render(value)

    assert '<figcaption class="data-block__title">Sản lượng lúa</figcaption>' in html
    assert '<svg class="chart"' in html and 'aria-label="Sản lượng lúa"' in html
    assert "Cục Thống kê" in html


def test_stored_data_that_no_longer_parses_shows_a_notice_not_an_error():
    html = Template("{% load newsroom_tags %}{% data_block value %}").render(
        Context({"value": {"title": "", "kind": "bar", "csv": "A,B\nx,y"}})
    )

    assert 'class="data-error"' in html and "<svg" not in html


@pytest.mark.django_db
def test_chart_renders_on_the_published_story(client, agency):
    story = make_story(
        section=section_of(agency),
        body=[
            (
                "data",
                {
                    "title": "Vốn đầu tư",
                    "kind": "bar",
                    "csv": "Năm,Tỷ đồng\n2024,120\n2025,300",
                    "source": "",
                },
            )
        ],
    )

    page = get_page(client, agency, story.url).content.decode()

    assert '<svg class="chart"' in page and 'aria-label="Vốn đầu tư"' in page
    assert "<td>300</td>" in page


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2.000", 2000.0),
        ("1.234.567", 1234567.0),
        ("1.234,5", 1234.5),
        ("1,234.5", 1234.5),
        ("3,14", 3.14),
        ("3.14", 3.14),
        ("12,5%", 12.5),
        ("1,234,567", 1234567.0),
        ("-7", -7.0),
        ("2.000,75", 2000.75),
    ],
)
def test_numbers_are_read_the_vietnamese_way_first(text, expected):
    from newsroom.charts import to_number

    assert to_number(text) == expected
