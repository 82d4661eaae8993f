"""The maturity self-assessment in the admin: the agencies' assessments by year, and one assessment's form.

Managers (and superusers) edit their own agencies' assessments; everyone else who may see an agency (its
staff, the officers of the bodies overseeing it) reads. The views pick the agency, year and action from the
request and hand them to analytics.maturity.services.
"""

from decimal import Decimal

from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from wagtail.admin import messages

from newsroom.models import Agency
from newsroom.permissions import AgencyRolePermissionPolicy

from .. import panels
from ..charts import number
from ..models import AssessmentStatus, SelfAssessment
from ..years import FIRST_YEAR, current_year, years
from . import services
from .forms import AnswersForm, note_name, points_name
from .scoring import MaturityError
from .validation import show as plain


def show(value: Decimal) -> str:
    """Points as the reader's language writes them, without trailing zeros: "6,32", "1,5", "18"."""
    return formats.number_format(Decimal(plain(value)), use_l10n=True)


_policy = AgencyRolePermissionPolicy(SelfAssessment)


def can_edit(user, agency: Agency) -> bool:
    """Whether `user` holds the self-assessment permission in `agency` itself (a manager there)."""
    return _policy.agencies_for(user, ["change"]).filter(pk=agency.pk).exists()


def index(request):
    """Every visible agency's assessments, year by year, with a link to each year's form."""
    try:
        scope = panels.scope_for(request.user)
    except panels.NoAgency as error:
        context = {"page_title": _("Maturity self-assessment"), "message": error.message}
        return render(request, "analytics/admin/no_agency.html", context, status=403)
    shown = years()
    found = services.assessments_for(scope.ids, shown)
    rows = [
        {
            "agency": agency,
            "years": [
                {
                    "year": year,
                    "score": found[(agency.pk, year)],
                    "total": show(found[(agency.pk, year)].total) if found[(agency.pk, year)] else "",
                    "url": reverse("analytics_maturity_assessment", args=[agency.pk, year]),
                }
                for year in shown
            ],
        }
        for agency in scope.agencies
    ]
    context = {"page_title": _("Maturity self-assessment"), "rows": rows, "years": shown}
    return render(request, "analytics/admin/maturity/index.html", context)


def _agency(user, agency_id: int) -> Agency:
    agency = Agency.objects.overseen_by(user).filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    return agency


def assessment(request, agency_id: int, year: int):
    """One agency's assessment for one year: read, or (for its manager, while a draft) answer, save, submit;
    start it when there is none, refresh the evidence, reopen it once submitted."""
    agency = _agency(request.user, agency_id)
    if not FIRST_YEAR <= year <= current_year():
        raise Http404
    editor = can_edit(request.user, agency)
    current = (
        SelfAssessment.objects.filter(agency=agency, year=year).select_related("framework_revision").first()
    )
    url = reverse("analytics_maturity_assessment", args=[agency.pk, year])
    form = None
    if request.method == "POST":
        if not editor:
            raise Http404  # officers and other staff read only; the form is not theirs to post
        action = request.POST.get("action", "save")
        try:
            if action == "start":
                services.start_assessment(agency=agency, year=year, user=request.user)
                messages.success(request, _("The %(year)d self-assessment was started.") % {"year": year})
                return redirect(url)
            if current is None:
                raise Http404
            if action == "refresh":
                count = services.refresh_evidence(assessment=current)
                messages.success(
                    request, _("Evidence refreshed for %(count)s criteria.") % {"count": number(count)}
                )
                return redirect(url)
            if action == "reopen":
                services.reopen(assessment=current, user=request.user)
                messages.success(request, _("The self-assessment is a draft again."))
                return redirect(url)
            form = _form(current, request.POST)
            if form.is_valid():
                services.save_answers(assessment=current, answers=form.answers(), user=request.user)
                if action == "submit":
                    services.submit(assessment=current, user=request.user)
                    messages.success(request, _("The self-assessment was submitted."))
                else:
                    messages.success(request, _("The answers were saved."))
                return redirect(url)
            messages.error(request, _("Some points could not be saved; see the criteria marked below."))
        except MaturityError as error:
            messages.error(request, error.message)
            return redirect(url)
    context = _context(request, agency, year, current, editor, form)
    return render(request, "analytics/admin/maturity/assessment.html", context)


def _form(current: SelfAssessment, data=None) -> AnswersForm:
    answers = {a.code: a for a in current.answers.all()}
    return AnswersForm(data, criteria=services.criteria_of(current), answers=answers)


def _context(request, agency, year, current, editor, form) -> dict:
    context = {
        "page_title": _("Maturity self-assessment"),
        "agency": agency,
        "year": year,
        "assessment": current,
        "editor": editor,
        "framework": services.framework_for_year(year) if current is None else None,
        "earlier": [
            {"assessment": a, "total": show(a.total) if a.total is not None else ""}
            for a in SelfAssessment.objects.filter(agency=agency).exclude(year=year).order_by("-year")
        ],
    }
    if current is None:
        return context
    editable = editor and current.status == AssessmentStatus.DRAFT
    form = form or _form(current)
    answers = {a.code: a for a in current.answers.all()}
    framework = services.pinned_framework(current)
    criteria = {c.code: c for c in services.criteria_of(current)}
    pillars = []
    for pillar in (child.value for child in framework.pillars):
        components = []
        for component in pillar["components"]:
            rows = []
            for raw in component["criteria"]:
                criterion = criteria[str(raw["code"]).strip()]
                answer = answers.get(criterion.code)
                rows.append(
                    {
                        "criterion": criterion,
                        "answer": answer,
                        "points": form[points_name(criterion.code)],
                        "note": form[note_name(criterion.code)],
                        "suggested": show(answer.suggested_points)
                        if answer and answer.suggested_points is not None
                        else "",
                        "given": show(answer.points) if answer and answer.points is not None else "—",
                        "max": show(criterion.max),
                    }
                )
            components.append({"code": component["code"], "name": component["name"], "rows": rows})
        pillars.append({"code": pillar["code"], "name": pillar["name"], "components": components})
    result = services.scores(current)
    context.update(
        editable=editable,
        form=form,
        pillars=pillars,
        score=result,
        pillar_rows=[
            {"part": p, "points": show(p.points), "max": show(p.max), "percent": p.percent}
            for p in result.pillars
        ],
        total=show(result.total),
        max_total=show(result.max_total),
        decision=framework.decision,
    )
    return context
