"""Documents (Wagtail's, linked from stories and offered to readers) checked by what they contain.

Wagtail takes a document by its extension alone, so a web page or a program renamed report.pdf would be
offered to readers under the agency's name. Every upload form (the documents listing, the multiple uploader,
the chooser) is built on DocumentForm, which opens the file and refuses:

- a program (Windows, Linux or macOS executable, a script with #!), whatever it is called;
- anything a browser would take for a web page (HTML, SVG or XML markup at the start of the file);
- a file that is not what its extension says: a PDF starts with %PDF- and ends with %%EOF with nothing
  after it, Office and OpenDocument files are ZIP packages holding their main part, CSV and text are text;
- active content: JavaScript, launch actions or embedded files in a PDF (and HTML markup anywhere in its
  bytes, the mark of a polyglot), macros or ActiveX in Office and OpenDocument files.

Archive images, video and audio are checked by archive/inspect.py; documents are served for download only
(settings: WAGTAILDOCS_INLINE_CONTENT_TYPES), with Wagtail's nosniff and `default-src 'none'`.
"""

import os
import re
import zipfile
import zlib

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from wagtail.documents.forms import BaseDocumentForm

# A browser sniffing a file without a trustworthy type takes it for a page if it starts with one of these
# (the WHATWG MIME Sniffing standard's HTML and XML patterns, plus SVG), after whitespace and a BOM.
_MARKUP_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--"
    rb"|\?xml|svg)[\s>/]",
    re.IGNORECASE,
)
# Markup that has no business anywhere in a PDF's bytes: a PDF that also reads as a web page.
_MARKUP_ANYWHERE = re.compile(rb"<(?:script|html|iframe|svg|body)[\s>/]", re.IGNORECASE)
_JAVASCRIPT_URL = re.compile(rb"javascript\s*:", re.IGNORECASE)
_EXECUTABLE_MAGIC = (
    (b"MZ", "Windows"),
    (b"\x7fELF", "Linux"),
    (b"\xcf\xfa\xed\xfe", "macOS"),
    (b"\xce\xfa\xed\xfe", "macOS"),
    (b"\xca\xfe\xba\xbe", "macOS"),
    (b"#!", "script"),
)
# PDF names (after #xx escapes are decoded) that run code or carry files on the reader's computer.
_PDF_ACTIVE_NAMES = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia"}
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_PDF_STREAM_START = re.compile(rb"(?<!end)stream\r?\n")
_PDF_DIRECT_LENGTH = re.compile(rb"/Length\s+(\d+)(?![\d.])(?!\s+\d+\s+R)")
# Object streams hide dictionaries (and so actions) in compressed data; each is inflated up to this size.
_MAX_INFLATED = 32 * 1024 * 1024
# The main part each Office Open XML package must hold, and ODF's declared type for each extension.
_OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
_ODF_MIMETYPE = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
    "odp": b"application/vnd.oasis.opendocument.presentation",
}
_TEXT_EXTENSIONS = {"csv", "txt"}
# ZIP packages whose parts add up to more than this are refused rather than read (a "zip bomb").
_MAX_UNPACKED = 1024 * 1024 * 1024
_HEAD_BYTES = 4096


class RejectedDocument(Exception):
    """A document refused; `message` is a translated sentence for the uploader, `code` a stable slug:
    'empty', 'program', 'markup', 'wrong_type', 'active_content' or 'unsupported'."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def inspect_document(file, *, name: str) -> None:
    """Check the open, seekable `file` uploaded as `name`; returns nothing when it may be published.

    Raises RejectedDocument with the reason otherwise. Leaves the file positioned at its start.
    """
    extension = os.path.splitext(name)[1].lstrip(".").lower()
    try:
        file.seek(0)
        head = file.read(_HEAD_BYTES)
        if not head:
            raise RejectedDocument(_("The file is empty."), "empty")
        _check_not_a_program(head)
        _check_not_markup(head)
        if extension == "pdf":
            _check_pdf(file)
        elif extension in _OOXML_MAIN_PART:
            _check_ooxml(file, extension)
        elif extension in _ODF_MIMETYPE:
            _check_odf(file, extension)
        elif extension in _TEXT_EXTENSIONS:
            _check_text(file, extension)
        else:
            raise RejectedDocument(
                _("Documents of type .%(extension)s cannot be checked, so they cannot be added.")
                % {"extension": extension or "?"},
                "unsupported",
            )
    finally:
        file.seek(0)


class DocumentForm(BaseDocumentForm):
    """Wagtail's document form, with the uploaded file checked by inspect_document."""

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if isinstance(file, UploadedFile):  # a new upload, not the document's current file
            try:
                inspect_document(file, name=file.name or "")
            except RejectedDocument as refusal:
                raise ValidationError(refusal.message, code=refusal.code) from refusal
        return file

    def _update_errors(self, errors):
        # The form that completes a multiple upload (its file waiting as an UploadedFile, checked when it was
        # uploaded) has no file field, and its document no file yet: Document.clean() still checks the empty
        # file's extension, and Django refuses an error for a field the form lacks (a 500).
        if "file" not in self.fields and hasattr(errors, "error_dict"):
            errors.error_dict.pop("file", None)
            if not errors.error_dict:
                return
        super()._update_errors(errors)


# --- Checks for every document ----------------------------------------------------------------------


def _check_not_a_program(head: bytes) -> None:
    for magic, _system in _EXECUTABLE_MAGIC:
        if head.startswith(magic):
            raise RejectedDocument(
                _("The file is a program, not a document. Programs cannot be offered to readers."), "program"
            )


def _check_not_markup(head: bytes) -> None:
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c")
    utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff")
    if utf16:
        codec = "utf-16-le" if head[:2] == b"\xff\xfe" else "utf-16-be"
        text = head[2:].decode(codec, errors="ignore").lstrip().encode("ascii", errors="ignore")
    if _MARKUP_START.match(text):
        raise RejectedDocument(
            _(
                "The file is a web page (HTML, SVG or XML), which could run code in a reader's browser. "
                "It cannot be added as a document."
            ),
            "markup",
        )


def _wrong_type(extension: str) -> RejectedDocument:
    return RejectedDocument(
        _("The file is named .%(extension)s but is not a .%(extension)s document, or it is damaged.")
        % {"extension": extension},
        "wrong_type",
    )


# --- PDF ------------------------------------------------------------------------------------------------


def _check_pdf(file) -> None:
    file.seek(0)
    data = file.read()
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise _wrong_type("pdf")
    # Incremental updates add sections, each ending in %%EOF; after the last one only line ends may follow.
    if data[data.rindex(b"%%EOF") + 5 :].strip(b"\r\n\t \x00"):
        raise RejectedDocument(
            _("The PDF has other data after its end, which could make it open as another kind of file."),
            "active_content",
        )
    # Stream contents are left out: compressed bytes hold every short pattern somewhere in a large file.
    structure, streams = _pdf_sections(data)
    if _MARKUP_ANYWHERE.search(structure):
        raise RejectedDocument(
            _("The PDF also contains web page code, which could run in a reader's browser."), "markup"
        )
    names = _pdf_names(structure)
    for dictionary, content in streams:
        if b"ObjStm" in _pdf_names(dictionary):  # compressed objects: dictionaries, so actions too
            names |= _pdf_names(_inflate(content))
    if names & _PDF_ACTIVE_NAMES or _JAVASCRIPT_URL.search(structure):
        raise RejectedDocument(
            _(
                "The PDF contains JavaScript, launches programs or carries attached files, which could run "
                "on a reader's computer. Export it again as a plain PDF (for example with “Print to PDF”)."
            ),
            "active_content",
        )


def _pdf_sections(data: bytes) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The PDF's bytes outside its streams, and each stream as (its dictionary, its content).

    A stream ends after its /Length when that is a number, else at `endstream`. A file built to hide an
    action from this reading may still do so; serving documents for download only is the second wall.
    """
    outside, streams, position = [], [], 0
    for match in _PDF_STREAM_START.finditer(data):
        if match.start() < position:  # inside a stream already passed
            continue
        before = data[position : match.start()]
        dictionary = before[before.rfind(b"obj") + 3 :] if b"obj" in before else before[-4096:]
        length = _PDF_DIRECT_LENGTH.search(dictionary)
        end = match.end() + int(length.group(1)) if length else data.find(b"endstream", match.end())
        end = len(data) if end < 0 else min(end, len(data))
        outside.append(before)
        streams.append((dictionary, data[match.end() : end]))
        position = end
    outside.append(data[position:])
    return b"".join(outside), streams


def _pdf_names(data: bytes) -> set[bytes]:
    """Every /Name in `data`, its #xx escapes decoded (/J#61vaScript is /JavaScript)."""
    return {
        re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name)
        for name in _PDF_NAME.findall(data)
    }


def _inflate(data: bytes) -> bytes:
    """The Flate-compressed stream at the start of `data`, at most _MAX_INFLATED bytes; b"" if not Flate."""
    try:
        return zlib.decompressobj().decompress(data, _MAX_INFLATED)
    except zlib.error:
        return b""


# --- Office Open XML and OpenDocument ---------------------------------------------------------------------


def _open_zip(file, extension: str) -> zipfile.ZipFile:
    file.seek(0)
    if file.read(4) != b"PK\x03\x04":
        raise _wrong_type(extension)
    try:
        package = zipfile.ZipFile(file)
        entries = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _wrong_type(extension) from error
    if sum(entry.file_size for entry in entries) > _MAX_UNPACKED:
        raise _wrong_type(extension)
    return package


def _macros() -> RejectedDocument:
    return RejectedDocument(
        _(
            "The document contains macros or ActiveX controls, which could run on a reader's computer. "
            "Save it again without macros and upload it again."
        ),
        "active_content",
    )


def _check_ooxml(file, extension: str) -> None:
    with _open_zip(file, extension) as package:
        names = {name.lower() for name in package.namelist()}
        if "[content_types].xml" not in names or _OOXML_MAIN_PART[extension] not in names:
            raise _wrong_type(extension)
        content_types = package.read("[Content_Types].xml").lower()
    macro_parts = any(name.endswith("vbaproject.bin") or "/activex/" in f"/{name}" for name in names)
    if macro_parts or b"macroenabled" in content_types:
        raise _macros()


def _check_odf(file, extension: str) -> None:
    with _open_zip(file, extension) as package:
        entries = package.infolist()
        first = entries[0] if entries else None
        if first is None or first.filename != "mimetype":
            raise _wrong_type(extension)
        if package.read(first).strip() != _ODF_MIMETYPE[extension]:
            raise _wrong_type(extension)
        names = [entry.filename for entry in entries]
    if any(name.startswith(("Basic/", "Scripts/")) for name in names):
        raise _macros()


# --- CSV and plain text -------------------------------------------------------------------------------------


def _check_text(file, extension: str) -> None:
    """Text in any encoding (Excel writes UTF-16 or a Windows code page): no NUL bytes unless UTF-16."""
    file.seek(0)
    head = file.read(2)
    if head in (b"\xff\xfe", b"\xfe\xff"):
        return
    file.seek(0)
    while chunk := file.read(1 << 20):
        if b"\x00" in chunk:
            raise _wrong_type(extension)
