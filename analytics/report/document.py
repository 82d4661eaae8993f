"""The yearly report as a document: the header of a Vietnamese administrative report (Decree 30/2020/NĐ-CP)
and its numbered sections as plain blocks (text, headings, tables, notes), written from the figures of
`data.build`. The PDF and the DOCX render the same blocks, so they say the same thing.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone, translation

from ..charts import number
from ..indicators import Basis
from ..models import Indicator
from . import words
from .blocks import TEXT_WIDTH, Column, Document, FillIn, Heading, Note, Table, Text
from .data import ReportData


def compose(data: ReportData, *, today: date | None = None) -> Document:
    """The report of `data` as a Document, its numbers written the Vietnamese way."""
    today = today or timezone.localdate()
    issuer = data.issuer
    with translation.override("vi"):  # number() follows the active language: 1.234,5
        blocks = [
            Text(
                f"Thực hiện {words.STRATEGY}, {_body_name(data)} báo cáo kết quả thực hiện Chiến lược năm "
                f"{data.year} của các cơ quan báo chí {_scope(data)} như sau:"
            ),
            *_situation(data),
            *_indicators(data),
            *_revenue(data),
            *_training(data),
            *_maturity(data),
            *_assessment(data),
            Text(
                f"Trên đây là báo cáo kết quả thực hiện Chiến lược chuyển đổi số báo chí năm {data.year} "
                f"của {_body_name(data)}./."
            ),
        ]
    return Document(
        issuer_superior=issuer.superior,
        issuer_name=issuer.name,
        number=f"Số:        /BC-{issuer.code}",
        dated=f"{issuer.place or '……'}, ngày      tháng      năm {today.year}",
        title="BÁO CÁO",
        subtitle=f"Kết quả thực hiện Chiến lược chuyển đổi số báo chí năm {data.year}",
        blocks=blocks,
        recipients=_recipients(data, today),
        signer=issuer.signer,
    )


def _body_name(data: ReportData) -> str:
    name = data.body.name
    if data.issuer.province and data.issuer.province not in name:
        return f"{name} tỉnh {data.issuer.province}"
    return name


def _scope(data: ReportData) -> str:
    if data.issuer.ministry:
        return "trực thuộc"
    # Agencies from several provinces (a department naming none): say whose they are, not where.
    return f"trên địa bàn tỉnh {data.issuer.province}" if data.issuer.province else "thuộc phạm vi quản lý"


def _percent(value: float | None, decimals: int = 1) -> str:
    return words.NO_DATA if value is None else f"{number(value, decimals)}%"


def _signed(value: float | None) -> str:
    if value is None:
        return words.NO_DATA
    return ("+" if value > 0 else "−" if value < 0 else "") + f"{number(abs(value), 1)}%"


def _million(amount: int | None) -> str:
    return words.NO_DATA if amount is None else number(amount / 1_000_000, 1)


# --- I ------------------------------------------------------------------------------------------------
def _situation(data: ReportData) -> list:
    blocks = [
        Heading("I. TÌNH HÌNH TRIỂN KHAI"),
        Text(
            f"Năm {data.year}, {len(data.agencies)} cơ quan báo chí {_scope(data)} triển khai chuyển đổi số "
            "trên hệ thống quản lý tòa soạn hội tụ: biên tập và xuất bản theo quy trình, phân phối nội dung "
            "lên các nền tảng số, đo lường độc giả, theo dõi doanh thu, đào tạo và tự đánh giá mức độ trưởng "
            "thành chuyển đổi số."
        ),
        Text(
            "Số liệu của báo cáo được tổng hợp từ dữ liệu của hệ thống; ở những chỉ tiêu hệ thống không "
            "quan sát được (như cấp độ an toàn hệ thống thông tin), số liệu do cơ quan báo chí tự kê khai "
            "và được đánh dấu (*)."
        ),
    ]
    for row, maturity in zip(data.indicators, data.maturity, strict=True):
        agency = row.agency
        kind = words.AGENCY_KINDS.get(agency.kind, "")
        level = f"; mức độ trưởng thành: {maturity.level}" if maturity.level else ""
        blocks.append(
            Text(
                f"- {agency.name}{f' ({kind})' if kind else ''}: đạt {row.met_count}/{len(row.results)} "
                f"chỉ tiêu của Chiến lược{level}."
            )
        )
    return blocks


# --- II -----------------------------------------------------------------------------------------------
def _judged_year(data: ReportData) -> int | None:
    years = [target.year for share in data.shares if (target := data.target(share))]
    return min(years) if years else None


def _indicators(data: ReportData) -> list:
    judged = _judged_year(data)
    province_rows = []
    for index, share in enumerate(data.shares, start=1):
        targets = {target.year: target for target in share.targets}
        target = data.target(share)
        met = f"{share.met}/{share.agencies}"
        if share.unknown:
            met += f" ({share.unknown} chưa có số liệu)"
        province_rows.append(
            [
                str(index),
                words.INDICATOR_NAMES[share.indicator],
                met,
                _percent(share.percent),
                _percent(targets[2025].share, 0) if 2025 in targets else words.NO_DATA,
                _percent(targets[2030].share, 0) if 2030 in targets else words.NO_DATA,
                words.NO_DATA if target is None else words.MET if target.reached else words.NOT_MET,
            ]
        )
    judged_title = f"Đánh giá (so với mục tiêu {judged})" if judged else "Đánh giá"
    province = Table(
        caption="Bảng 1. Tỷ lệ cơ quan báo chí đạt các chỉ tiêu của Chiến lược",
        columns=[
            Column("TT", 9),
            Column("Chỉ tiêu", 55, "L"),
            Column("Số cơ quan đạt/tổng số", 24),
            Column("Tỷ lệ", 16),
            Column("Mục tiêu 2025", 17),
            Column("Mục tiêu 2030", 17),
            Column(judged_title, 22),
        ],
        rows=province_rows,
    )
    width = (TEXT_WIDTH - 9 - 37) / len(Indicator)
    agencies = Table(
        caption="Bảng 2. Kết quả thực hiện các chỉ tiêu của từng cơ quan báo chí",
        columns=[
            Column("TT", 9),
            Column("Cơ quan báo chí", 37, "L"),
            *(Column(words.INDICATOR_SHORT[indicator], width) for indicator in Indicator),
        ],
        rows=[
            [str(index), row.agency.name, *(_cell(result) for result in row.results)]
            for index, row in enumerate(data.indicators, start=1)
        ],
    )
    return [
        Heading("II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU"),
        Heading("1. Tỷ lệ cơ quan báo chí đạt các chỉ tiêu", level=2),
        province,
        Heading("2. Kết quả của từng cơ quan báo chí", level=2),
        agencies,
        Note(
            "Ghi chú: (*) số liệu do cơ quan báo chí tự kê khai; các số liệu khác được tính từ dữ liệu "
            f"của hệ thống. “{words.NO_DATA}”: chưa có số liệu."
        ),
    ]


def _cell(result) -> str:
    """One agency's indicator: met or not, the declared mark, and the figure behind it."""
    if result.met is None:
        return words.NO_DATA
    verdict = (words.MET if result.met else words.NOT_MET) + (
        words.DECLARED_MARK if result.basis == Basis.DECLARED else ""
    )
    figure = _figure(result.indicator, result.value)
    return f"{verdict}\n{figure}" if figure else verdict


def _figure(indicator: str, value: float | None) -> str:
    if value is None:
        return ""
    return {
        Indicator.DIGITAL_PLATFORMS: lambda: f"trong nước {_percent(value, 0)}",
        Indicator.ANALYTICS: lambda: f"{number(value)} ngày",
        Indicator.CONVERGENT: lambda: f"đa kênh {_percent(value, 0)}",
        Indicator.REVENUE_GROWTH: lambda: _signed(value),
        Indicator.STAFF_TRAINED: lambda: _percent(value, 0),
        Indicator.SECURITY: lambda: f"cấp độ {int(value)}",
    }[indicator]()


# --- III, IV, V ----------------------------------------------------------------------------------------
def _revenue(data: ReportData) -> list:
    year, total = data.year, data.revenue[-1]
    if total.current:
        grown = sum(1 for row in data.indicators if row[Indicator.REVENUE_GROWTH].met)
        change = "tăng" if total.growth >= 0 else "giảm"
        summary = (
            f"Tổng doanh thu năm {year} của các cơ quan báo chí có số liệu cả hai năm đạt "
            f"{_million(total.current)} triệu đồng, {change} {number(abs(total.growth), 1)}% so với năm "
            f"{year - 1}; {grown}/{len(data.agencies)} cơ quan có doanh thu tăng từ 20% trở lên."
        )
    else:
        summary = f"Chưa có cơ quan báo chí nào có số liệu doanh thu đủ hai năm {year - 1} và {year}."
    rows = [
        [
            str(index) if row.agency else "",
            row.agency.name if row.agency else "Cộng",
            _million(row.previous),
            _million(row.current),
            _signed(row.growth),
        ]
        for index, row in enumerate(data.revenue, start=1)
    ]
    return [
        Heading("III. DOANH THU"),
        Text(summary),
        Table(
            caption="Bảng 3. Doanh thu của các cơ quan báo chí (triệu đồng)",
            columns=[
                Column("TT", 9),
                Column("Cơ quan báo chí", 63, "L"),
                Column(f"Năm {year - 1}", 30, "R"),
                Column(f"Năm {year}", 30, "R"),
                Column("Tăng trưởng", 28, "R"),
            ],
            rows=rows,
            total=True,
        ),
    ]


def _training(data: ReportData) -> list:
    total = data.training[-1]
    rows = [
        [
            str(index) if row.agency else "",
            row.agency.name if row.agency else "Cộng",
            number(row.staff),
            number(row.trained),
            _percent(row.percent),
            number(row.hours, 1),
        ]
        for index, row in enumerate(data.training, start=1)
    ]
    return [
        Heading("IV. ĐÀO TẠO, BỒI DƯỠNG NGUỒN NHÂN LỰC"),
        Text(
            f"Đến hết năm {data.year}, {number(total.trained)}/{number(total.staff)} lãnh đạo, phóng viên, "
            f"biên tập viên ({_percent(total.percent)}) đã được đào tạo, bồi dưỡng kiến thức, kỹ năng về "
            f"chuyển đổi số báo chí; tổng số giờ đào tạo trong năm là {number(total.hours, 1)} giờ."
        ),
        Table(
            caption="Bảng 4. Đào tạo, bồi dưỡng về chuyển đổi số",
            columns=[
                Column("TT", 9),
                Column("Cơ quan báo chí", 55, "L"),
                Column("Số người làm việc", 23, "R"),
                Column("Đã được đào tạo", 23, "R"),
                Column("Tỷ lệ", 22, "R"),
                Column("Số giờ đào tạo trong năm", 28, "R"),
            ],
            rows=rows,
            total=True,
        ),
    ]


def _points(value) -> str:
    return words.NO_DATA if value is None else number(value, 1)


def _maturity(data: ReportData) -> list:
    done = [row for row in data.maturity if row.total is not None]
    decisions = sorted({row.decision for row in done if row.decision})
    blocks = [Heading("V. MỨC ĐỘ TRƯỞNG THÀNH CHUYỂN ĐỔI SỐ")]
    if not done:
        blocks.append(Text(f"Chưa có cơ quan báo chí nào nộp bản tự đánh giá năm {data.year}."))
        return blocks
    framework = f" ({', '.join(decisions)})" if decisions else ""
    blocks.append(
        Text(
            f"Theo Bộ chỉ số đánh giá mức độ trưởng thành chuyển đổi số báo chí{framework}, "
            f"{len(done)}/{len(data.agencies)} cơ quan báo chí đã nộp bản tự đánh giá năm {data.year}."
        )
    )
    pillar_width = min(16.0, (TEXT_WIDTH - 9 - 45 - 18 - 26) / max(len(data.pillars), 1))
    name_width = TEXT_WIDTH - 9 - 18 - 26 - pillar_width * len(data.pillars)
    blocks.append(
        Table(
            caption="Bảng 5. Điểm tự đánh giá theo trụ cột và mức độ trưởng thành",
            columns=[
                Column("TT", 9),
                Column("Cơ quan báo chí", name_width, "L"),
                *(
                    Column(f"Trụ cột {i}\n({number(p.points, 0)})", pillar_width, "R")
                    for i, p in enumerate(data.pillars, start=1)
                ),
                Column("Tổng điểm", 18, "R"),
                Column("Mức độ", 26),
            ],
            rows=[
                [
                    str(index),
                    row.agency.name,
                    *(_points(points) for points in row.points),
                    _points(row.total),
                    row.level or "Chưa tự đánh giá",
                ]
                for index, row in enumerate(data.maturity, start=1)
            ],
        )
    )
    legend = "; ".join(
        f"trụ cột {i}: {p.name} ({number(p.points, 0)} điểm)" for i, p in enumerate(data.pillars, start=1)
    )
    blocks.append(Note(f"Ghi chú: {legend}."))
    return blocks


# --- VI -----------------------------------------------------------------------------------------------
def _assessment(data: ReportData) -> list:
    reached, behind = [], []
    for share in data.shares:
        target = data.target(share)
        if target is not None:
            (reached if target.reached else behind).append((share, target))
    judged = _judged_year(data)
    blocks = [Heading("VI. ĐÁNH GIÁ CHUNG, KHÓ KHĂN, ĐỀ XUẤT"), Heading("1. Đánh giá chung", level=2)]
    if judged:
        names = "; ".join(f"“{words.INDICATOR_SHORT[s.indicator]}”" for s, _t in reached)
        blocks.append(
            Text(
                f"Năm {data.year}, {len(reached)}/{len(reached) + len(behind)} chỉ tiêu của Chiến lược đạt "
                f"mục tiêu năm {judged}" + (f": {names}." if reached else ".")
            )
        )
    blocks.append(Heading("2. Khó khăn, hạn chế", level=2))
    problems = [
        f"- Chỉ tiêu “{words.INDICATOR_SHORT[share.indicator]}”: {_percent(share.percent)} cơ quan báo chí "
        f"đạt, mục tiêu năm {target.year} là {target.share}%"
        + (f"; {share.unknown} cơ quan chưa có số liệu." if share.unknown else ".")
        for share, target in behind
    ]
    fell = [row.agency.name for row in data.revenue[:-1] if row.growth is not None and row.growth < 0]
    if fell:
        problems.append(f"- Cơ quan có doanh thu giảm so với năm {data.year - 1}: {', '.join(fell)}.")
    untrained = [
        f"{row.agency.name} ({_percent(row.percent)})"
        for row in data.training[:-1]
        if row.staff and row.trained < row.staff
    ]
    if untrained:
        problems.append(f"- Cơ quan chưa đào tạo hết người làm báo: {', '.join(untrained)}.")
    missing = [row.agency.name for row in data.maturity if row.total is None]
    if missing:
        problems.append(f"- Cơ quan chưa nộp bản tự đánh giá mức độ trưởng thành: {', '.join(missing)}.")
    blocks += [Text(line) for line in problems] or [Text("Các chỉ tiêu đều đạt mục tiêu đề ra.")]
    blocks.append(FillIn())
    blocks.append(Heading("3. Đề xuất, kiến nghị", level=2))
    blocks += [Text(f"- {words.PROPOSALS[share.indicator]}") for share, _target in behind]
    blocks.append(FillIn())
    return blocks


def _recipients(data: ReportData, today: date) -> list[str]:
    issuer = data.issuer
    first = (
        "- Bộ trưởng (để báo cáo);"
        if issuer.ministry
        else f"- UBND tỉnh {issuer.province} (để báo cáo);"
        if issuer.province
        else "- UBND tỉnh (để báo cáo);"
    )
    return [
        first,
        f"- {words.press_ministry(today)};",
        "- Các cơ quan báo chí: " + ", ".join(agency.name for agency in data.agencies) + ";",
        "- Lưu: VT.",
    ]
