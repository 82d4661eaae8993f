"""The yearly report as a PDF (fpdf2): A4, 3 cm left and 2 cm other margins, a Times-like serif at 14 pt, laid
out as Decree 30/2020/NĐ-CP lays out an administrative report. The font is bundled (Liberation Serif 2, SIL
OFL, full Vietnamese coverage): the system's fonts are neither guaranteed nor all Vietnamese-capable.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from .blocks import TEXT_WIDTH, Document, FillIn, Heading, Note, Table, Text, nfc

FONTS = Path(__file__).parent / "fonts"
FAMILY = "LiberationSerif"
LEFT, RIGHT, TOP, BOTTOM = 30, 20, 20, 20  # mm
BODY = 14  # pt
TABLE = 11
LINE = 1.35  # line height, as a multiple of the font size
INDENT = 10  # mm, a paragraph's first line
# The heading's two blocks reach 10 mm into the left margin, as in the decree's samples: the national name
# at 12 pt needs 89 mm, a department's name 74 mm, and the text is only 160 mm wide.
HEAD_X = LEFT - 10
LEFT_BOX = 78  # mm: the issuer's block; the national name's takes the rest of the line
RIGHT_BOX = LEFT + TEXT_WIDTH - HEAD_X - LEFT_BOX
PT = 0.3528  # mm per point


class ReportPDF(FPDF):
    def header(self):
        # Decree 30: pages are numbered from the second, centred at the top.
        if self.page_no() > 1:
            self.set_font(FAMILY, "", 13)
            self.set_y(10)
            self.cell(0, 6, str(self.page_no()), align="C")
            self.set_y(TOP)


def render(document: Document) -> bytes:
    """The PDF of `document`, as bytes."""
    pdf = ReportPDF(orientation="P", unit="mm", format="A4")
    for style, name in (("", "Regular"), ("B", "Bold"), ("I", "Italic"), ("BI", "BoldItalic")):
        pdf.add_font(FAMILY, style, str(FONTS / f"LiberationSerif-{name}.ttf"))
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(True, margin=BOTTOM)
    pdf.set_title(nfc(f"{document.title} {document.subtitle}"))
    pdf.set_author(nfc(document.issuer_name))
    pdf.set_lang("vi")
    pdf.add_page()
    _heading_block(pdf, document)
    for block in document.blocks:
        if isinstance(block, Text):
            _text(pdf, block)
        elif isinstance(block, Heading):
            _heading(pdf, block)
        elif isinstance(block, Table):
            _table(pdf, block)
        elif isinstance(block, Note):
            _note(pdf, block)
        elif isinstance(block, FillIn):
            continue  # room to write in belongs to the editable DOCX; the PDF says only what is known
    _closing(pdf, document)
    return bytes(pdf.output())


def _line(size: float) -> float:
    return size * PT * LINE


def _centred(pdf: FPDF, x: float, width: float, text: str, style: str, size: float) -> float:
    """Write `text` centred in the box from `x` of `width`; return the width the text takes."""
    pdf.set_font(FAMILY, style, size)
    pdf.set_x(x)
    margin, pdf.c_margin = pdf.c_margin, 0  # the national name needs every millimetre of its box
    pdf.multi_cell(width, _line(size), nfc(text), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.c_margin = margin
    return min(pdf.get_string_width(nfc(text)), width)


def _rule(pdf: FPDF, centre: float, length: float, gap: float = 0.6):
    y = pdf.get_y() + gap
    pdf.set_line_width(0.3)
    pdf.line(centre - length / 2, y, centre + length / 2, y)


def _heading_block(pdf: FPDF, document: Document):
    """The issuer top left, the national name and motto top right, the number and the date under them,
    then the title."""
    right_x = HEAD_X + LEFT_BOX
    top = pdf.get_y()
    if document.issuer_superior:
        _centred(pdf, HEAD_X, LEFT_BOX, document.issuer_superior, "", 12)
    width = _centred(pdf, HEAD_X, LEFT_BOX, document.issuer_name, "B", 12)
    _rule(pdf, HEAD_X + LEFT_BOX / 2, max(width / 3, 20))
    left_bottom = pdf.get_y()
    pdf.set_y(top)
    _centred(pdf, right_x, RIGHT_BOX, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 12)
    width = _centred(pdf, right_x, RIGHT_BOX, "Độc lập - Tự do - Hạnh phúc", "B", 13)
    _rule(pdf, right_x + RIGHT_BOX / 2, width)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 5)
    row = pdf.get_y()
    _centred(pdf, HEAD_X, LEFT_BOX, document.number, "", 13)
    pdf.set_y(row)
    _centred(pdf, right_x, RIGHT_BOX, document.dated, "I", 13)
    pdf.set_y(pdf.get_y() + 9)
    _centred(pdf, LEFT, TEXT_WIDTH, document.title, "B", BODY)
    _centred(pdf, LEFT + 10, TEXT_WIDTH - 20, document.subtitle, "B", BODY)
    _rule(pdf, LEFT + TEXT_WIDTH / 2, 40, gap=2)
    pdf.set_y(pdf.get_y() + 8)


def _paragraph(pdf: FPDF, text: str, *, style: str = "", size: float = BODY, indent: float = INDENT):
    pdf.set_font(FAMILY, style, size)
    with pdf.text_columns(text_align="J", line_height=LINE) as columns:
        with columns.paragraph(first_line_indent=indent, bottom_margin=1.5) as paragraph:
            paragraph.write(nfc(text))


def _text(pdf: FPDF, block: Text):
    style = ("B" if block.bold else "") + ("I" if block.italic else "")
    _paragraph(pdf, block.text, style=style, indent=INDENT if block.indent else 0)


def _heading(pdf: FPDF, block: Heading):
    # Keep a heading with at least three lines of what follows it.
    if pdf.get_y() + _line(BODY) * 4 > pdf.h - BOTTOM:
        pdf.add_page()
    pdf.set_y(pdf.get_y() + (2 if block.level == 1 else 0.5))
    _paragraph(pdf, block.text, style="B")


def _note(pdf: FPDF, block: Note):
    _paragraph(pdf, block.text, style="I", size=12, indent=0)


def _table(pdf: FPDF, block: Table):
    # Keep the caption with the heading row and a first row.
    if pdf.get_y() + 40 > pdf.h - BOTTOM:
        pdf.add_page()
    pdf.set_y(pdf.get_y() + 1)
    pdf.set_font(FAMILY, "B", 12)
    pdf.multi_cell(TEXT_WIDTH, _line(12), nfc(block.caption), align="C", new_x=XPos.LMARGIN)
    pdf.set_y(pdf.get_y() + 1)
    pdf.set_font(FAMILY, "", TABLE)
    pdf.set_line_width(0.2)
    last = len(block.rows) - 1
    with pdf.table(
        col_widths=[column.width for column in block.columns],
        width=TEXT_WIDTH,
        line_height=_line(TABLE) * 0.95,
        padding=(0.8, 1),
        headings_style=FontFace(emphasis="BOLD"),
        repeat_headings=1,
        v_align="MIDDLE",
    ) as table:
        heading = table.row()
        for column in block.columns:
            heading.cell(nfc(column.title), align="C")
        for index, values in enumerate(block.rows):
            total = block.total and index == last
            row = table.row(style=FontFace(emphasis="BOLD") if total else None)
            for column, value in zip(block.columns, values, strict=True):
                row.cell(nfc(value), align=column.align if "\n" not in value else "C")
    pdf.set_y(pdf.get_y() + 2)


def _closing(pdf: FPDF, document: Document):
    """ "Nơi nhận:" and its list bottom left, the signer's title bottom right with room to sign; kept
    together on one page."""
    needed = 10 + len(document.recipients) * _line(11) + 10
    if pdf.get_y() + max(needed, 45) > pdf.h - BOTTOM:
        pdf.add_page()
    pdf.set_y(pdf.get_y() + 4)
    top = pdf.get_y()
    pdf.set_font(FAMILY, "BI", 12)
    pdf.cell(LEFT_BOX, _line(12), "Nơi nhận:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 11)
    for line in document.recipients:
        pdf.multi_cell(LEFT_BOX + 10, _line(11), nfc(line), align="L", new_x=XPos.LMARGIN)
    bottom = pdf.get_y()
    pdf.set_y(top)
    right_x = LEFT + LEFT_BOX + 10
    _centred(pdf, right_x, TEXT_WIDTH - LEFT_BOX - 10, document.signer, "B", BODY)
    pdf.set_y(max(bottom, pdf.get_y() + 30))
