"""The maturity framework's structure as StreamField blocks: pillars hold component indices, which hold
criteria, each with its maximum points; levels are thresholds on the total. An administrator edits it in the
admin; every save is a revision, and an assessment keeps the revision it was answered against."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from .evidence import rule_choices
from .validation import component_problem, pillar_problem


class Scoring:
    MET = "met"
    GRADED = "graded"
    CHOICES = [
        (MET, _("Met or not: all the points or none")),
        (GRADED, _("Graded: any points up to the maximum")),
    ]


def points_block(**kwargs):
    return blocks.DecimalBlock(
        label=_("maximum points"), min_value=0, max_digits=6, decimal_places=2, **kwargs
    )


class CriterionBlock(blocks.StructBlock):
    code = blocks.CharBlock(label=_("code"), max_length=16, help_text=_("e.g. 1.1.1"))
    text = blocks.TextBlock(label=_("criterion"))
    guidance = blocks.TextBlock(label=_("how it is judged"), required=False)
    points = points_block()
    scoring = blocks.ChoiceBlock(label=_("scoring"), choices=Scoring.CHOICES, default=Scoring.GRADED)
    evidence_rule = blocks.ChoiceBlock(
        label=_("evidence from the system"),
        choices=rule_choices,
        required=False,
        help_text=_("Pre-fill the answer from the system's own data."),
    )

    class Meta:
        icon = "tick"
        label = _("criterion")


class ComponentBlock(blocks.StructBlock):
    code = blocks.CharBlock(label=_("code"), max_length=16)
    name = blocks.CharBlock(label=_("component index"), max_length=255)
    points = points_block()
    criteria = blocks.ListBlock(CriterionBlock(), label=_("criteria"))

    class Meta:
        icon = "list-ul"
        label = _("component index")

    def clean(self, value):
        value = super().clean(value)
        if message := component_problem(value):
            raise StructBlockValidationError(block_errors={"points": ValidationError(message)})
        return value


class PillarBlock(blocks.StructBlock):
    code = blocks.CharBlock(label=_("code"), max_length=16)
    name = blocks.CharBlock(label=_("pillar"), max_length=255)
    points = points_block()
    components = blocks.ListBlock(ComponentBlock(), label=_("component indices"))

    class Meta:
        icon = "folder-open-inverse"
        label = _("pillar")

    def clean(self, value):
        value = super().clean(value)
        if message := pillar_problem(value):
            raise StructBlockValidationError(block_errors={"points": ValidationError(message)})
        return value


class LevelBlock(blocks.StructBlock):
    name = blocks.CharBlock(label=_("level"), max_length=100)
    min_points = blocks.DecimalBlock(label=_("from points"), min_value=0, max_digits=6, decimal_places=2)
    description = blocks.TextBlock(label=_("description"), required=False)

    class Meta:
        icon = "pick"
        label = _("level")
