"""The self-assessment form: points and a note per criterion of the pinned framework revision."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AssessmentAnswer
from .scoring import Criterion, PointsOutOfRange


def points_name(code: str) -> str:
    return f"points-{code}"


def note_name(code: str) -> str:
    return f"note-{code}"


class AnswersForm(forms.Form):
    """One points field and one note per criterion. A bad value is reported beside its criterion and every
    value typed is shown again, so nothing is lost."""

    def __init__(self, *args, criteria: list[Criterion], answers: dict[str, AssessmentAnswer], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            answer = answers.get(criterion.code)
            self.fields[points_name(criterion.code)] = forms.DecimalField(
                label=_("Points for %(code)s") % {"code": criterion.code},
                required=False,
                localize=True,  # Vietnamese writes 2,5
                max_digits=6,
                decimal_places=2,
                initial=answer.points if answer else None,
            )
            self.fields[note_name(criterion.code)] = forms.CharField(
                label=_("Note on %(code)s") % {"code": criterion.code},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=answer.note if answer else "",
            )

    def clean(self):
        data = super().clean()
        for criterion in self.criteria:
            name = points_name(criterion.code)
            value = data.get(name)
            if value is None:
                continue
            try:
                criterion.check(value)
            except PointsOutOfRange as error:
                self.add_error(name, error.message)
        return data

    def answers(self) -> dict[str, tuple[Decimal | None, str]]:
        """{code: (points or None, note)} from the cleaned form."""
        return {
            c.code: (self.cleaned_data.get(points_name(c.code)), self.cleaned_data.get(note_name(c.code), ""))
            for c in self.criteria
        }
