"""Which agency a Wagtail log entry concerns: the wall of the audit viewer and of Wagtail's site history.

A page belongs to the agency whose tree holds it. Another object belongs through a lookup from its model to
the agency's pk, registered in ATTRIBUTIONS by model label: images, documents and media by their collection,
staff by their groups, authors and assignments by their `agency`. Apps add their models with
ATTRIBUTIONS.update() (by label: newsroom imports no app). An object of a model not registered belongs to no
agency, so only superusers see its entries. An entry about an object since deleted keeps the agency in its
data under AGENCY_KEY, written by newsroom.audit.receivers when Wagtail logs the deletion.
"""

from __future__ import annotations

import operator
from functools import reduce

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Model, Q
from django.db.models.functions import Cast

from newsroom.models import Agency

AGENCY_KEY = "newsroom_agency"

# Model label → lookup from the model to Agency.pk. Only models whose rows are few per agency (what the
# admin edits): each is one subquery in every walled query of the log.
ATTRIBUTIONS: dict[str, str] = {
    "newsroom.agency": "pk",
    "newsroom.author": "agency",
    "newsroom.assignment": "agency",
    "auth.group": "agency_role__agency",
    settings.AUTH_USER_MODEL.lower(): "groups__agency_role__agency",
    settings.WAGTAILIMAGES_IMAGE_MODEL.lower(): "collection__agency",
    getattr(settings, "WAGTAILDOCS_DOCUMENT_MODEL", "wagtaildocs.Document").lower(): "collection__agency",
    settings.WAGTAILMEDIA["MEDIA_MODEL"].lower(): "collection__agency",
}


def attributed_models() -> dict[type[Model], str]:
    """The registered models that are installed, with their lookup to the agency's pk."""
    found = {}
    for label, path in ATTRIBUTIONS.items():
        try:
            found[apps.get_model(label)] = path
        except LookupError:
            continue
    return found


def agency_of_object(model: type[Model], object_id) -> int | None:
    """The pk of the agency an object of `model` belongs to (the first, for staff of several), or None."""
    path = attributed_models().get(model)
    if path is None:
        return None
    return model._default_manager.filter(pk=object_id).values_list(path, flat=True).order_by(path).first()


def _any(conditions: list[Q]) -> Q | None:
    return reduce(operator.or_, conditions) if conditions else None


def page_entries(agencies: list[Agency]) -> Q | None:
    """PageLogEntry rows of pages in the agencies' trees (or deleted from them); None for no agency."""
    conditions = [Q(page__path__startswith=agency.root_page.path) for agency in agencies]
    if agencies:
        conditions.append(Q(deleted=True, **{f"data__{AGENCY_KEY}__in": [agency.pk for agency in agencies]}))
    return _any(conditions)


def model_entries(agency_ids: list[int]) -> Q | None:
    """ModelLogEntry rows of the agencies' objects (or objects deleted from them); None for no agency."""
    if not agency_ids:
        return None
    conditions = []
    for model, path in attributed_models().items():
        keys = (
            model._default_manager.filter(**{f"{path}__in": agency_ids})
            .annotate(log_key=Cast("pk", CharField()))
            .values("log_key")
        )
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        conditions.append(Q(content_type=content_type, object_id__in=keys))
    conditions.append(Q(deleted=True, **{f"data__{AGENCY_KEY}__in": agency_ids}))
    return _any(conditions)


def agencies_of_model_entries(entries) -> dict[int, int | None]:
    """{entry pk: agency pk} for ModelLogEntry rows; one query per model among them, not per entry."""
    found: dict[int, int | None] = {}
    by_model: dict[type[Model], list] = {}
    models = attributed_models()
    for entry in entries:
        stored = (entry.data or {}).get(AGENCY_KEY)
        model = ContentType.objects.get_for_id(entry.content_type_id).model_class()
        if stored is not None or model not in models:
            found[entry.pk] = stored
        else:
            by_model.setdefault(model, []).append(entry)
    for model, rows in by_model.items():
        path = models[model]
        agency_by_object = dict(
            model._default_manager.filter(pk__in={row.object_id for row in rows})
            .order_by("pk", path)
            .values_list("pk", path)
            .distinct()
        )
        for row in rows:
            found[row.pk] = agency_by_object.get(_pk(model, row.object_id))
    return found


def _pk(model: type[Model], object_id: str):
    try:
        return model._meta.pk.to_python(object_id)
    except Exception:  # an id the model could not hold: no such object
        return None
