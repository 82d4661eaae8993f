"""The blocks a report is made of (text, headings, tables, notes, room to fill in) and the document that
holds them under a Vietnamese administrative report's heading; the PDF and the DOCX render the same blocks."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

TEXT_WIDTH = 160  # mm: A4 less the 3 cm left and 2 cm right margins


@dataclass(frozen=True)
class Text:
    text: str
    bold: bool = False
    italic: bool = False
    indent: bool = True  # a first-line indent, as body paragraphs have


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: "I. …" in capitals; 2: "1. …"


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # mm
    align: str = "C"  # "L", "C" or "R"


@dataclass(frozen=True)
class Table:
    caption: str
    columns: list[Column]
    rows: list[list[str]]
    total: bool = False  # the last row is a total, in bold


@dataclass(frozen=True)
class Note:
    text: str


@dataclass(frozen=True)
class FillIn:
    """Lines left for the department to complete (in the editable DOCX only)."""

    lines: int = 3


@dataclass
class Document:
    issuer_superior: str
    issuer_name: str
    number: str
    dated: str
    title: str
    subtitle: str
    blocks: list = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signer: str = ""


def nfc(text: str) -> str:
    """Text in the composed form (NFC): names typed on some systems arrive decomposed, and a PDF font or
    Word draws a decomposed "ộ" as a letter with loose marks."""
    return unicodedata.normalize("NFC", text)
