"""Loading a maturity framework from its data file (frameworks/*.json) into a versioned MaturityFramework.

A file names its decision; loading is idempotent by decision: an unchanged file changes nothing, a changed one
adds a revision (published unless told otherwise), so assessments pinned to an earlier revision keep it.
"""

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import MaturityFramework
from .blocks import Scoring
from .evidence import get_rule
from .validation import FrameworkError, Problem, check, points, show

BUNDLED = Path(__file__).parent / "frameworks"
FIELDS = ("title", "decision", "issued_on", "issued_by", "first_year")
SCORINGS = {Scoring.MET, Scoring.GRADED}


class LoaderError(Exception):
    """A framework file that cannot be read; `message` is translated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def bundled_files() -> list[Path]:
    return sorted(BUNDLED.glob("*.json"))


def _read(path_or_dict) -> dict:
    if isinstance(path_or_dict, Mapping):
        return dict(path_or_dict)
    path = Path(path_or_dict)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LoaderError(_("Cannot read %(file)s: %(error)s") % {"file": path, "error": error}) from None
    except json.JSONDecodeError as error:
        raise LoaderError(
            _("%(file)s is not JSON (line %(line)d): %(error)s")
            % {"file": path.name, "line": error.lineno, "error": error.msg}
        ) from None
    if not isinstance(data, dict):
        raise LoaderError(_("%(file)s holds no framework object.") % {"file": path.name})
    return data


def _fields(data: dict) -> dict:
    missing = [name for name in (*FIELDS, "pillars", "levels") if name not in data and name != "issued_by"]
    if missing:
        raise LoaderError(_("The framework lacks: %(fields)s.") % {"fields": ", ".join(missing)})
    try:
        issued_on = date.fromisoformat(str(data["issued_on"]))
    except ValueError:
        raise LoaderError(
            _("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": str(data["issued_on"])[:20]}
        ) from None
    if not str(data["first_year"]).isdigit():
        raise LoaderError(
            _("The first year assessed must be a year, not “%(value)s”.") % {"value": data["first_year"]}
        )
    return {
        "title": str(data["title"]),
        "decision": str(data["decision"]).strip(),
        "issued_on": issued_on,
        "issued_by": str(data.get("issued_by", "")),
        "first_year": int(data["first_year"]),
    }


def _check_data(data: dict) -> None:
    """The structure, points, levels, scoring kinds and evidence rules of a file; FrameworkError or
    LoaderError otherwise."""
    try:
        check(data["pillars"], data["levels"])
    except (KeyError, TypeError) as error:
        raise LoaderError(_("The framework's pillars or levels lack %(key)s.") % {"key": error}) from None
    except ValueError as error:
        if isinstance(error, FrameworkError):
            raise
        raise LoaderError(_("“%(value)s” is not a number of points.") % {"value": error}) from None
    found = []
    for pillar in data["pillars"]:
        for component in pillar["components"]:
            for criterion in component["criteria"]:
                if criterion.get("scoring", Scoring.GRADED) not in SCORINGS:
                    found.append(
                        Problem(
                            "pillars",
                            _("Criterion %(code)s: scoring must be “met” or “graded”.")
                            % {"code": criterion["code"]},
                        )
                    )
                rule = criterion.get("evidence_rule") or ""
                if rule and get_rule(rule) is None:
                    found.append(
                        Problem(
                            "pillars",
                            _("Criterion %(code)s names the unknown evidence rule “%(rule)s”.")
                            % {"code": criterion["code"], "rule": rule},
                        )
                    )
    if found:
        raise FrameworkError(found)


def _stream(kind: str, items: list) -> list[dict]:
    return [{"type": kind, "value": item} for item in items]


def content(framework: MaturityFramework) -> dict:
    """What a framework says, in the shape of its data file, without block ids; points as plain numbers.
    Two frameworks say the same thing exactly when their contents are equal."""
    return {
        "title": framework.title,
        "decision": framework.decision,
        "issued_on": framework.issued_on.isoformat(),
        "issued_by": framework.issued_by,
        "first_year": framework.first_year,
        "pillars": [
            {
                "code": pillar["code"],
                "name": pillar["name"],
                "points": show(points(pillar["points"])),
                "components": [
                    {
                        "code": component["code"],
                        "name": component["name"],
                        "points": show(points(component["points"])),
                        "criteria": [
                            {
                                "code": criterion["code"],
                                "text": criterion["text"],
                                "guidance": criterion["guidance"] or "",
                                "points": show(points(criterion["points"])),
                                "scoring": criterion["scoring"],
                                "evidence_rule": criterion["evidence_rule"] or "",
                            }
                            for criterion in component["criteria"]
                        ],
                    }
                    for component in pillar["components"]
                ],
            }
            for pillar in (child.value for child in framework.pillars)
        ],
        "levels": [
            {
                "name": level["name"],
                "min_points": show(points(level["min_points"])),
                "description": level["description"] or "",
            }
            for level in (child.value for child in framework.levels)
        ],
    }


def _build(fields: dict, data: dict) -> MaturityFramework:
    return MaturityFramework(
        **fields, pillars=_stream("pillar", data["pillars"]), levels=_stream("level", data["levels"])
    )


def load_framework(path_or_dict, *, user=None, publish: bool = True) -> MaturityFramework:
    """Create or update the framework of the file's decision (a path, or the file's content as a dict).

    Returns the framework. An unchanged file (same content as the latest revision, and published when
    `publish`) changes nothing; otherwise a new revision is saved, and published when `publish`. Loading is a
    system operation: no permission is checked. Raises LoaderError for an unreadable file and FrameworkError
    (a ValidationError) for a framework that does not hold together.
    """
    data = _read(path_or_dict)
    fields = _fields(data)
    _check_data(data)
    wanted = _build(fields, data)
    with transaction.atomic():
        framework = MaturityFramework.objects.select_for_update().filter(decision=fields["decision"]).first()
        if framework is not None:
            latest = framework.get_latest_revision()
            current = latest.as_object() if latest else framework
            published = framework.live and not framework.has_unpublished_changes
            if content(current) == content(wanted) and (published or not publish):
                return framework
            for name in FIELDS:
                setattr(framework, name, getattr(wanted, name))
            framework.pillars, framework.levels = wanted.pillars, wanted.levels
        else:
            framework = wanted
            framework.live = False
            framework.save()
        revision = framework.save_revision(user=user, log_action=True)
        if publish:
            # A system operation (command, demo data): there is no editor whose permission to check.
            framework.publish(revision, user=user, skip_permission_checks=True)
            framework.refresh_from_db()
    return framework


def ensure_bundled_frameworks(*, user=None) -> list[MaturityFramework]:
    """Load every bundled framework file (see load_framework); returns the frameworks, in file order."""
    return [load_framework(path, user=user) for path in bundled_files()]
