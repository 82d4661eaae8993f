"""Whether a maturity framework holds together: criteria points add up to their component's, components to
their pillar's; criterion codes are unique; levels climb strictly from 0 to at most the total.

The checks read plain mappings (a StreamField's StructValues or the dicts of a bundled JSON file alike), so
the framework editor's blocks, its form and the loader share them. Every message is translated and names the
pillar, component or criterion at fault.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a framework: the field it is in ("pillars" or "levels") and what (translated)."""

    field: str
    message: str


class FrameworkError(ValidationError):
    """A framework that does not hold together; `problems` lists each fault."""

    def __init__(self, problems: list[Problem]):
        super().__init__([problem.message for problem in problems])
        self.problems = problems


def points(value) -> Decimal:
    """A number of points as a Decimal; ValueError for anything that is not a number."""
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError):
        raise ValueError(value) from None


def show(value: Decimal) -> str:
    """Points as people write them: 18, 2.5 (no trailing zeros)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def component_problem(component: Mapping) -> str | None:
    """Why the criteria of `component` do not add up to its points, or None when they do."""
    total = sum((points(c["points"]) for c in component["criteria"]), Decimal(0))
    if total != points(component["points"]):
        return _(
            "Component index %(code)s is worth %(points)s points but its criteria add up to %(total)s."
        ) % {"code": component["code"], "points": show(points(component["points"])), "total": show(total)}
    return None


def pillar_problem(pillar: Mapping) -> str | None:
    """Why the components of `pillar` do not add up to its points, or None when they do."""
    total = sum((points(c["points"]) for c in pillar["components"]), Decimal(0))
    if total != points(pillar["points"]):
        return _(
            "Pillar %(code)s is worth %(points)s points but its component indices add up to %(total)s."
        ) % {
            "code": pillar["code"],
            "points": show(points(pillar["points"])),
            "total": show(total),
        }
    return None


def total_points(pillars: Iterable[Mapping]) -> Decimal:
    return sum((points(pillar["points"]) for pillar in pillars), Decimal(0))


def problems(pillars: list[Mapping], levels: list[Mapping]) -> list[Problem]:
    """Every fault of the framework made of `pillars` and `levels` (empty when it holds together)."""
    found = []
    seen: set[str] = set()
    if not pillars:
        found.append(Problem("pillars", _("A framework needs at least one pillar.")))
    for pillar in pillars:
        if message := pillar_problem(pillar):
            found.append(Problem("pillars", message))
        for component in pillar["components"]:
            if message := component_problem(component):
                found.append(Problem("pillars", message))
            for criterion in component["criteria"]:
                code = str(criterion["code"]).strip()
                if code in seen:
                    found.append(
                        Problem(
                            "pillars",
                            _("Criterion code %(code)s is used twice (in component index %(component)s).")
                            % {"code": code, "component": component["code"]},
                        )
                    )
                seen.add(code)
    found.extend(level_problems(levels, total_points(pillars)))
    return found


def level_problems(levels: list[Mapping], total: Decimal) -> list[Problem]:
    """Faults of the levels: none, the first not from 0, not strictly climbing, the last above `total`."""
    if not levels:
        return [Problem("levels", _("A framework needs at least one level."))]
    found = []
    floors = [points(level["min_points"]) for level in levels]
    if floors[0] != 0:
        found.append(
            Problem(
                "levels",
                _("The first level, %(name)s, must start at 0 points, not %(points)s.")
                % {"name": levels[0]["name"], "points": show(floors[0])},
            )
        )
    for before, level, floor, previous in zip(levels, levels[1:], floors[1:], floors, strict=False):
        if floor <= previous:
            found.append(
                Problem(
                    "levels",
                    _("Level %(name)s starts at %(points)s points, not above %(before)s (%(previous)s).")
                    % {
                        "name": level["name"],
                        "points": show(floor),
                        "before": before["name"],
                        "previous": show(previous),
                    },
                )
            )
    if floors[-1] > total:
        found.append(
            Problem(
                "levels",
                _("Level %(name)s starts at %(points)s points, above the framework's total of %(total)s.")
                % {"name": levels[-1]["name"], "points": show(floors[-1]), "total": show(total)},
            )
        )
    return found


def check(pillars: list[Mapping], levels: list[Mapping]) -> None:
    """Raise FrameworkError listing every fault of the framework; return None when it holds together."""
    if found := problems(pillars, levels):
        raise FrameworkError(found)
