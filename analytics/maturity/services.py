"""The yearly self-assessment: start it, answer criteria, refresh the system's evidence, submit, reopen; and
the scores the panels read.

An assessment is pinned at its start to the live revision of the framework in force for its year; answers,
scores and the form all read that revision, so a later edit of the framework changes nothing of it.

Answers start pre-filled: a criterion with an evidence rule gets the rule's suggestion as its points, with
`answered_by` empty (the system's, not yet a person's); whatever a person saves is theirs and a refresh of the
evidence never overwrites it. Submission keeps the points per pillar, the total and the level and freezes the
assessment; the agency's manager may reopen it (a correction before the province reports), which clears the
kept score until it is submitted again.
"""

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AssessmentAnswer, AssessmentStatus, MaturityFramework, SelfAssessment
from .evidence import get_rule
from .scoring import Criterion, MaturityError, Part, Score, criteria, levels, score


class NoFramework(MaturityError):
    """No published framework applies to the year."""


class AssessmentLocked(MaturityError):
    """The assessment was submitted: it changes only after a reopening."""


class UnknownCriterion(MaturityError):
    """The code names no criterion of the assessment's framework revision."""


class Incomplete(MaturityError):
    """Criteria without points; `codes` lists them."""

    def __init__(self, message: str, codes: list[str]):
        super().__init__(message)
        self.codes = codes


class NotSubmitted(MaturityError):
    """Only a submitted assessment can be reopened."""


# --- reads -------------------------------------------------------------------------------------------------
def framework_for_year(year: int) -> MaturityFramework | None:
    """The published framework in force for `year`: the newest whose first year is `year` or before."""
    return (
        MaturityFramework.objects.filter(live=True, first_year__lte=year, live_revision__isnull=False)
        .order_by("-first_year", "-issued_on", "-pk")
        .first()
    )


def pinned_framework(assessment: SelfAssessment) -> MaturityFramework:
    """The framework as the assessment's pinned revision holds it (cached on the assessment)."""
    if not hasattr(assessment, "_pinned_framework"):
        assessment._pinned_framework = framework_of(assessment.framework_revision)
    return assessment._pinned_framework


def framework_of(revision) -> MaturityFramework:
    """The framework as `revision` holds it, built from the revision's content alone: unlike
    Revision.as_object() it costs no query, so a listing of many assessments stays at a fixed cost."""
    content = revision.content
    return MaturityFramework(
        pk=content.get("pk"),
        title=content["title"],
        decision=content["decision"],
        issued_on=date.fromisoformat(content["issued_on"]),
        issued_by=content.get("issued_by", ""),
        first_year=content["first_year"],
        pillars=content["pillars"],
        levels=content["levels"],
    )


def criteria_of(assessment: SelfAssessment) -> list[Criterion]:
    return criteria(pinned_framework(assessment))


def _criterion(assessment: SelfAssessment, code: str) -> Criterion:
    for criterion in criteria_of(assessment):
        if criterion.code == code:
            return criterion
    raise UnknownCriterion(_("The framework has no criterion %(code)s.") % {"code": code[:16]})


def _kept_score(assessment: SelfAssessment) -> Score:
    framework = pinned_framework(assessment)
    pillars = tuple(Part.from_json(p) for p in assessment.pillar_scores)
    count = len(criteria(framework))
    return Score(
        decision=framework.decision,
        pillars=pillars,
        total=assessment.total,
        max_total=sum((p.max for p in pillars), Decimal(0)),
        level=assessment.level,
        submitted=True,
        answered=count,  # submission needs every criterion answered
        criteria=count,
        levels=tuple(levels(framework)),
    )


def _live_score(assessment: SelfAssessment, answers: Iterable[AssessmentAnswer]) -> Score:
    framework = pinned_framework(assessment)
    return score(framework, {a.code: a.points for a in answers}, decision=framework.decision)


def scores(assessment: SelfAssessment) -> Score:
    """The assessment's score: the one kept at submission, or for a draft the one its answers give now."""
    if assessment.status == AssessmentStatus.SUBMITTED:
        return _kept_score(assessment)
    return _live_score(assessment, assessment.answers.all())


def assessments_for(agency_ids: list[int], years: list[int]) -> dict[tuple[int, int], Score | None]:
    """{(agency id, year): Score, or None when the agency has not started that year}, for every pair asked.
    Two queries, whatever the number of agencies and years."""
    found = {
        (a.agency_id, a.year): a
        for a in SelfAssessment.objects.filter(agency_id__in=agency_ids, year__in=years)
        .select_related("framework_revision")
        .prefetch_related("answers")
    }
    result = {}
    for agency_id in agency_ids:
        for year in years:
            assessment = found.get((agency_id, year))
            result[(agency_id, year)] = scores(assessment) if assessment else None
    return result


# --- writes ------------------------------------------------------------------------------------------------
def _locked(assessment: SelfAssessment) -> SelfAssessment:
    """The assessment re-read under a row lock, so two saves or a save and a submit never interleave."""
    return (
        SelfAssessment.objects.select_for_update().select_related("framework_revision").get(pk=assessment.pk)
    )


def _evidence(agency, year: int, criterion: Criterion) -> tuple[Decimal | None, str]:
    rule = get_rule(criterion.evidence_rule) if criterion.evidence_rule else None
    if rule is None:
        return None, ""
    found = rule.check(agency, year)
    return criterion.suggestion(found.share), found.text


@transaction.atomic
def start_assessment(*, agency, year: int, user) -> SelfAssessment:
    """The agency's assessment for `year`, started if there is none: pinned to the live revision of the
    framework in force for the year, one answer per criterion, pre-filled where a rule has evidence.
    Raises NoFramework when no published framework applies to the year."""
    existing = SelfAssessment.objects.filter(agency=agency, year=year).first()
    if existing is not None:
        return existing
    framework = framework_for_year(year)
    if framework is None:
        raise NoFramework(_("No published maturity framework applies to %(year)d.") % {"year": year})
    assessment = SelfAssessment.objects.create(
        agency=agency, year=year, framework=framework, framework_revision=framework.live_revision
    )
    answers = []
    for criterion in criteria_of(assessment):
        suggested, evidence = _evidence(agency, year, criterion)
        answers.append(
            AssessmentAnswer(
                assessment=assessment,
                code=criterion.code,
                points=suggested,
                suggested_points=suggested,
                evidence=evidence,
            )
        )
    AssessmentAnswer.objects.bulk_create(answers)
    return assessment


def _check_draft(assessment: SelfAssessment) -> None:
    if assessment.status != AssessmentStatus.DRAFT:
        raise AssessmentLocked(
            _("The %(year)d self-assessment was submitted; reopen it to change it.")
            % {"year": assessment.year}
        )


@transaction.atomic
def answer(
    *, assessment: SelfAssessment, code: str, points: Decimal | None, note: str, user
) -> AssessmentAnswer:
    """Give `points` (None: no answer yet) and `note` to criterion `code`; returns the answer. Raises
    AssessmentLocked when submitted, UnknownCriterion, or PointsOutOfRange."""
    return save_answers(assessment=assessment, answers={code: (points, note)}, user=user)[code]


@transaction.atomic
def save_answers(
    *, assessment: SelfAssessment, answers: Mapping[str, tuple[Decimal | None, str]], user
) -> dict[str, AssessmentAnswer]:
    """Save several answers at once ({code: (points or None, note)}), all or none; an answer whose points and
    note are unchanged is left as it was (and stays the system's if it was). Returns {code: answer}. Raises as
    `answer` does, before anything is saved."""
    assessment = _locked(assessment)
    _check_draft(assessment)
    for code, (value, _note) in answers.items():
        criterion = _criterion(assessment, code)
        if value is not None:
            criterion.check(value)
    current = {a.code: a for a in assessment.answers.filter(code__in=list(answers))}
    saved = {}
    for code, (value, note) in answers.items():
        row = current.get(code) or AssessmentAnswer(assessment=assessment, code=code)
        if row.pk and row.points == value and row.note == (note or ""):
            saved[code] = row
            continue
        row.points, row.note, row.answered_by = value, note or "", user
        row.save()
        saved[code] = row
    return saved


@transaction.atomic
def refresh_evidence(*, assessment: SelfAssessment) -> int:
    """Ask every rule again for the evidence and suggestion of its criterion; answers nobody has saved yet
    follow the new suggestion. Returns the number of criteria with evidence. Raises AssessmentLocked."""
    assessment = _locked(assessment)
    _check_draft(assessment)
    current = {a.code: a for a in assessment.answers.all()}
    refreshed = 0
    for criterion in criteria_of(assessment):
        if not criterion.evidence_rule:
            continue
        suggested, evidence = _evidence(assessment.agency, assessment.year, criterion)
        row = current.get(criterion.code) or AssessmentAnswer(assessment=assessment, code=criterion.code)
        row.suggested_points, row.evidence = suggested, evidence
        if row.answered_by_id is None:
            row.points = suggested
        row.save()
        refreshed += 1
    return refreshed


@transaction.atomic
def submit(*, assessment: SelfAssessment, user) -> SelfAssessment:
    """Keep the points per pillar, the total and the level, and freeze the assessment; returns it as saved
    (a fresh instance). Raises Incomplete when a criterion has no points, AssessmentLocked when already
    submitted."""
    assessment = _locked(assessment)
    _check_draft(assessment)
    answers = list(assessment.answers.all())
    given = {a.code for a in answers if a.points is not None}
    missing = [c.code for c in criteria_of(assessment) if c.code not in given]
    if missing:
        raise Incomplete(
            _("Give points to every criterion before submitting; missing: %(codes)s.")
            % {"codes": ", ".join(missing)},
            missing,
        )
    result = _live_score(assessment, answers)
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.total, assessment.level = result.total, result.level
    assessment.pillar_scores = [pillar.as_json() for pillar in result.pillars]
    assessment.submitted_by, assessment.submitted_at = user, timezone.now()
    assessment.save()
    return assessment


@transaction.atomic
def reopen(*, assessment: SelfAssessment, user) -> SelfAssessment:
    """Make a submitted assessment a draft again, on the same framework revision, clearing the kept score
    (`user` is the manager reopening; the walls are the view's); returns it as saved (a fresh instance).
    Raises NotSubmitted for a draft."""
    assessment = _locked(assessment)
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise NotSubmitted(_("Only a submitted self-assessment can be reopened."))
    assessment.status = AssessmentStatus.DRAFT
    assessment.total, assessment.level, assessment.pillar_scores = None, "", []
    assessment.submitted_by = assessment.submitted_at = None
    assessment.save()
    return assessment
