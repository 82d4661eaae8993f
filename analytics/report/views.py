"""Downloading the yearly report of a province or ministry: PDF, DOCX or CSV, for the body's officers and
administrators. The view checks who asks and for which year; `data.build` gathers the figures once."""

from collections.abc import Callable

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from newsroom import audit
from newsroom.models import OversightBody

from . import csv, docx, pdf
from .data import ReportData, ReportError, build
from .document import compose

URL_NAME = "analytics_strategy_report"
# Transliterations a file name needs beyond what NFKD strips: đ carries no combining mark.
ASCII_LETTERS = str.maketrans({"đ": "d", "Đ": "D"})


def _pdf(data: ReportData) -> bytes:
    return pdf.render(compose(data))


def _docx(data: ReportData) -> bytes:
    return docx.render(compose(data))


FORMATS: dict[str, tuple[Callable[[ReportData], bytes], str]] = {
    "pdf": (_pdf, "application/pdf"),
    "docx": (_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "csv": (csv.render, "text/csv; charset=utf-8"),
}


def report_links(body: OversightBody, year: int) -> list[tuple[str, str]]:
    """(label, URL) of the report of `body` for `year` in each format, for a panel to offer."""
    labels = {"pdf": _("PDF"), "docx": _("Word (editable)"), "csv": _("CSV data")}
    return [
        (labels[fmt], reverse(URL_NAME, kwargs={"body_id": body.pk, "year": str(year), "fmt": fmt}))
        for fmt in FORMATS
    ]


def file_name(body: OversightBody, year: int, fmt: str) -> str:
    """An ASCII file name: "bao-cao-chuyen-doi-so-so-thong-tin-va-truyen-thong-2025.pdf"."""
    return f"bao-cao-chuyen-doi-so-{slugify(body.name.translate(ASCII_LETTERS))}-{year}.{fmt}"


def readable_body(user, body_id: int) -> OversightBody:
    """The body `body_id` when `user` may read its report: an administrator, or one of its officers.
    Raises Http404 otherwise, so an agency's staff learn nothing of bodies that are not theirs."""
    bodies = OversightBody.objects.all()
    if not user.is_superuser:
        bodies = bodies.filter(group__user=user)
    return get_object_or_404(bodies, pk=body_id)


@require_GET
def download(request, body_id: int, year: str, fmt: str):
    """The report file, or a page with the reason when the year or the body cannot give one (400)."""
    if fmt not in FORMATS:
        raise Http404
    body = readable_body(request.user, body_id)
    try:
        # Anything but digits is no year at all; build() says which years are.
        data = build(body, int(year) if year.isdigit() else 0)
    except ReportError as error:
        context = {"page_title": _("Yearly report"), "message": error.message, "body": body}
        return render(request, "analytics/admin/report/error.html", context, status=400)
    make, content_type = FORMATS[fmt]
    response = HttpResponse(make(data), content_type=content_type)
    audit.record(
        "export.downloaded",
        request=request,
        user=request.user,
        agencies=body.agencies.all(),
        obj=body,
        data={"export": "strategy_report", "format": fmt, "year": data.year, "body": body.name},
    )
    response["Content-Disposition"] = f'attachment; filename="{file_name(body, data.year, fmt)}"'
    return response
