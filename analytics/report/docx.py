"""The yearly report as an editable DOCX (python-docx): the same blocks as the PDF, in Times New Roman on A4
with Decree 30/2020/NĐ-CP's margins, and room left where the department completes the number, the date and
its own assessment and proposals."""

from __future__ import annotations

import io

from docx import Document as WordDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .blocks import TEXT_WIDTH, Document, FillIn, Heading, Note, Table, Text, nfc

FONT = "Times New Roman"
BODY = 14
TABLE = 11
LEFT_BOX = 70  # mm, as in the PDF
ALIGN = {"L": WD_ALIGN_PARAGRAPH.LEFT, "C": WD_ALIGN_PARAGRAPH.CENTER, "R": WD_ALIGN_PARAGRAPH.RIGHT}
DOTS = "…" * 60


def render(document: Document) -> bytes:
    """The DOCX of `document`, as bytes."""
    word = WordDocument()
    _page(word)
    _header_block(word, document)
    for block in document.blocks:
        if isinstance(block, Text):
            _paragraph(word, block.text, bold=block.bold, italic=block.italic, indent=block.indent)
        elif isinstance(block, Heading):
            _paragraph(word, block.text, bold=True, before=6 if block.level == 1 else 3, keep=True)
        elif isinstance(block, Table):
            _table(word, block)
        elif isinstance(block, Note):
            _paragraph(word, block.text, italic=True, size=12, indent=False)
        elif isinstance(block, FillIn):
            for _line in range(block.lines):
                _paragraph(word, DOTS, indent=False)
    _closing(word, document)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()


def _page(word):
    section = word.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(30), Mm(20)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    style = word.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(BODY)
    # Word picks the font per script: name it for every one, or Vietnamese may fall back to another face.
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    style.paragraph_format.space_after = Pt(0)
    # Decree 30: the page number centred at the top, from the second page.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(number, "PAGE")


def _field(paragraph, code: str):
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText" if text == code else "w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _run(paragraph, text: str, *, bold=False, italic=False, size: float = BODY):
    run = paragraph.add_run(nfc(text))
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    return run


def _paragraph(
    container,
    text: str,
    *,
    bold=False,
    italic=False,
    size: float = BODY,
    indent=True,
    align=WD_ALIGN_PARAGRAPH.JUSTIFY,
    before: float = 0,
    keep=False,
):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    form = paragraph.paragraph_format
    form.first_line_indent = Mm(10) if indent else None
    form.space_before, form.space_after = Pt(before), Pt(3)
    form.line_spacing = 1.15
    form.keep_with_next = keep
    _run(paragraph, text, bold=bold, italic=italic, size=size)
    return paragraph


def _centred(cell, text: str, *, bold=False, italic=False, size: float = 13):
    """A centred line in `cell` (in its first paragraph while that is still empty)."""
    first = cell.paragraphs[0]
    paragraph = first if len(cell.paragraphs) == 1 and not first.text else cell.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    _run(paragraph, text, bold=bold, italic=italic, size=size)
    return paragraph


def _rule(cell, width: float, share: float):
    """A short horizontal rule centred in a cell `width` mm wide: an empty paragraph's bottom border,
    narrowed by indents."""
    paragraph = cell.add_paragraph()
    side = Mm(width * (1 - share) / 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = side
    paragraph.paragraph_format.space_after = Pt(0)
    _run(paragraph, "", size=4)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _no_borders(table):
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.append(borders)


def _header_block(word, document: Document):
    right = TEXT_WIDTH - LEFT_BOX
    grid = word.add_table(rows=2, cols=2)
    _no_borders(grid)
    _widths(grid, [LEFT_BOX, right])
    issuer, nation = grid.cell(0, 0), grid.cell(0, 1)
    if document.issuer_superior:
        _centred(issuer, document.issuer_superior, size=12.5)
    _centred(issuer, document.issuer_name, bold=True, size=12.5)
    _rule(issuer, LEFT_BOX, 0.35)
    _centred(nation, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12.5)
    _centred(nation, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13)
    _rule(nation, right, 0.68)
    _centred(grid.cell(1, 0), document.number, size=13)
    _centred(grid.cell(1, 1), document.dated, italic=True, size=13)
    _paragraph(word, "", indent=False)
    _paragraph(word, document.title, bold=True, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, before=6)
    _paragraph(word, document.subtitle, bold=True, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    rule = word.add_table(rows=1, cols=1)
    _no_borders(rule)
    _rule(rule.cell(0, 0), TEXT_WIDTH, 0.25)
    _paragraph(word, "", indent=False)


def _widths(table, widths: list[float]):
    table.autofit = False
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)


def _table(word, block: Table):
    _paragraph(
        word, block.caption, bold=True, size=12, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, keep=True
    )
    table = word.add_table(rows=1 + len(block.rows), cols=len(block.columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    heading = table.rows[0]
    # Repeat the heading row on every page the table runs onto.
    heading._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, column in zip(heading.cells, block.columns, strict=True):
        _cell(cell, column.title, align="C", bold=True)
    last = len(block.rows) - 1
    for index, values in enumerate(block.rows):
        bold = block.total and index == last
        for cell, column, value in zip(table.rows[index + 1].cells, block.columns, values, strict=True):
            _cell(cell, value, align=column.align if "\n" not in value else "C", bold=bold)
    _widths(table, [column.width for column in block.columns])
    _paragraph(word, "", indent=False, size=6)


def _cell(cell, text: str, *, align: str, bold: bool):
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for index, line in enumerate(text.split("\n")):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.alignment = ALIGN[align]
        paragraph.paragraph_format.space_after = Pt(0)
        _run(paragraph, line, bold=bold, size=TABLE)


def _closing(word, document: Document):
    grid = word.add_table(rows=1, cols=2)
    _no_borders(grid)
    _widths(grid, [LEFT_BOX + 10, TEXT_WIDTH - LEFT_BOX - 10])
    recipients, signature = grid.cell(0, 0), grid.cell(0, 1)
    first = recipients.paragraphs[0]
    _run(first, "Nơi nhận:", bold=True, italic=True, size=12)
    for line in document.recipients:
        paragraph = recipients.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        _run(paragraph, line, size=11)
    _centred(signature, document.signer, bold=True, size=BODY)
    for _blank in range(4):  # room to sign
        signature.add_paragraph()
