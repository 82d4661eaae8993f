"""Scores of a self-assessment: points per criterion, component index and pillar, the total and the level.

Everything is Decimal: the decision's points have halves and the sums must come out exact. A framework here is
a MaturityFramework object as one revision holds it (`revision.as_object()`), so a later edit of the framework
never changes the score of an assessment answered against an earlier revision.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from .blocks import Scoring
from .validation import points, show

ZERO = Decimal(0)


class MaturityError(Exception):
    """A self-assessment operation refused; `message` is translated and safe to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PointsOutOfRange(MaturityError):
    """Points below 0, above the criterion's maximum, or between the two for a met-or-not criterion."""


@dataclass(frozen=True)
class Criterion:
    code: str
    text: str
    guidance: str
    max: Decimal
    scoring: str
    evidence_rule: str
    pillar: str
    component: str

    @property
    def graded(self) -> bool:
        return self.scoring == Scoring.GRADED

    def check(self, value: Decimal) -> None:
        """Raise PointsOutOfRange unless `value` is points this criterion can give."""
        if value < 0 or value > self.max:
            raise PointsOutOfRange(
                _("Criterion %(code)s takes from 0 to %(max)s points, not %(value)s.")
                % {"code": self.code, "max": show(self.max), "value": show(value)}
            )
        if not self.graded and value not in (ZERO, self.max):
            raise PointsOutOfRange(
                _("Criterion %(code)s is met or not: give 0 or %(max)s points, not %(value)s.")
                % {"code": self.code, "max": show(self.max), "value": show(value)}
            )

    def suggestion(self, share: float) -> Decimal:
        """The points a rule's `share` (0 to 1) of this criterion comes to: all or nothing when met-or-not."""
        share = min(max(share, 0.0), 1.0)
        if not self.graded:
            return self.max if share >= 1.0 else ZERO
        return (self.max * Decimal(str(share))).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Part:
    """A component index's or a pillar's score: `points` of `max`; a pillar lists its components."""

    code: str
    name: str
    max: Decimal
    points: Decimal
    components: tuple["Part", ...] = ()

    def as_json(self) -> dict:
        data = {"code": self.code, "name": self.name, "max": show(self.max), "points": show(self.points)}
        if self.components:
            data["components"] = [component.as_json() for component in self.components]
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Part":
        return cls(
            code=data["code"],
            name=data["name"],
            max=Decimal(data["max"]),
            points=Decimal(data["points"]),
            components=tuple(cls.from_json(c) for c in data.get("components", [])),
        )

    @property
    def percent(self) -> float | None:
        return float(self.points / self.max * 100) if self.max else None


@dataclass(frozen=True)
class Score:
    """What the panels show of an assessment: the points per pillar, the total, the level reached, the
    framework's decision; `submitted` tells a kept score from one still being answered."""

    decision: str
    pillars: tuple[Part, ...]
    total: Decimal
    max_total: Decimal
    level: str
    submitted: bool = False
    answered: int = 0
    criteria: int = 0
    levels: tuple[tuple[str, Decimal], ...] = field(default=())


def criteria(framework) -> list[Criterion]:
    """Every criterion of `framework`, in its order."""
    found = []
    for pillar in (child.value for child in framework.pillars):
        for component in pillar["components"]:
            for criterion in component["criteria"]:
                found.append(
                    Criterion(
                        code=str(criterion["code"]).strip(),
                        text=criterion["text"],
                        guidance=criterion["guidance"] or "",
                        max=points(criterion["points"]),
                        scoring=criterion["scoring"],
                        evidence_rule=criterion["evidence_rule"] or "",
                        pillar=pillar["code"],
                        component=component["code"],
                    )
                )
    return found


def levels(framework) -> list[tuple[str, Decimal]]:
    return [(level["name"], points(level["min_points"])) for level in (c.value for c in framework.levels)]


def level_for(thresholds: list[tuple[str, Decimal]], total: Decimal) -> str:
    """The highest level whose floor the total reaches ("" when there is no level)."""
    reached = [name for name, floor in thresholds if floor <= total]
    return reached[-1] if reached else ""


def score(framework, answers: Mapping[str, Decimal | None], *, decision: str = "", submitted=False) -> Score:
    """Score `answers` ({criterion code: points or None}) against `framework`. An unanswered criterion counts
    0. Raises PointsOutOfRange for points a criterion cannot give."""
    every = criteria(framework)
    got: dict[tuple[str, str], Decimal] = {}
    answered = 0
    for criterion in every:
        value = answers.get(criterion.code)
        if value is None:
            continue
        criterion.check(value)
        answered += 1
        key = (criterion.pillar, criterion.component)
        got[key] = got.get(key, ZERO) + value
    pillars = []
    for pillar in (child.value for child in framework.pillars):
        components = tuple(
            Part(
                code=component["code"],
                name=component["name"],
                max=points(component["points"]),
                points=got.get((pillar["code"], component["code"]), ZERO),
            )
            for component in pillar["components"]
        )
        pillars.append(
            Part(
                code=pillar["code"],
                name=pillar["name"],
                max=points(pillar["points"]),
                points=sum((c.points for c in components), ZERO),
                components=components,
            )
        )
    total = sum((p.points for p in pillars), ZERO)
    thresholds = levels(framework)
    return Score(
        decision=decision or framework.decision,
        pillars=tuple(pillars),
        total=total,
        max_total=sum((p.max for p in pillars), ZERO),
        level=level_for(thresholds, total),
        submitted=submitted,
        answered=answered,
        criteria=len(every),
        levels=tuple(thresholds),
    )
