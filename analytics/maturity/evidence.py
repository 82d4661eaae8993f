"""Evidence rules: what the system's own data proves about a criterion of the maturity framework.

A framework's criterion names a rule by its key (chosen from `rule_choices()` in the framework editor); the
self-assessment asks the rule for a suggested share of the criterion's points and the evidence behind it.
Rules are code because they read the system's data; which criterion uses which rule is data.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import lazy


@dataclass(frozen=True)
class Evidence:
    """What a rule found: `share` of the criterion's points earned (0 to 1), and why (translated)."""

    share: float
    text: str


@dataclass(frozen=True)
class Rule:
    key: str
    label: str  # lazily translated
    check: Callable  # (agency, year) -> Evidence


RULES: dict[str, Rule] = {}


def rule(key: str, label):
    """Register `check(agency, year) -> Evidence` as the evidence rule `key`."""

    def register(check):
        RULES[key] = Rule(key=key, label=label, check=check)
        return check

    return register


def _load_rules() -> None:
    # The rules read analytics' and distribution's models, which import the blocks, which import this
    # module: they are loaded on first use rather than at import, so the import graph stays acyclic.
    from . import rules  # noqa: F401


def get_rule(key: str) -> Rule | None:
    """The rule registered as `key`, or None when there is none (a framework may name a removed rule)."""
    _load_rules()
    return RULES.get(key)


def _choices() -> list[tuple[str, str]]:
    _load_rules()
    return [(r.key, r.label) for r in sorted(RULES.values(), key=lambda r: r.key)]


def rule_choices() -> list[tuple[str, str]]:
    """The rules a criterion may name, for the framework editor."""
    return _choices()


rule_choices_lazy = lazy(_choices, list)
