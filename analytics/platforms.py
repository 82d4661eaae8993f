"""Readership the platforms report for our publications, kept as PlatformFigure rows.

A figure is one channel's count for one of its publications on one local day. The worker's next rollup
refresh folds figures into the day rollups (the agency's total, the channel "ch<id>" and the story), so
platform readers are counted beside the website's. A later report of the same channel, day and publication
replaces the earlier one.

Zalo is not fetched here: the references of its Official Account article API we could consult (Zalo's SDKs:
create, verify, update, remove, getslice, getdetail) document no per-article, per-day readership an OA can
fetch, so today only partners who post their figures back (analytics.platform_views) feed this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distribution.models import Channel, Publication

from . import rollups
from .models import PlatformFigure

# Ceiling on what one publication can plausibly have had on one day: beyond it the report is broken.
MAX_VIEWS = 10**9
SECONDS_A_DAY = 86_400
MAX_REMOTE_ID = 255
MAX_REMOTE_URL = 1000
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class FigureRefused(ValidationError):
    """A report refused as a whole: `index` is the item at fault (None for the report itself)."""

    def __init__(self, message: str, *, index: int | None = None):
        super().__init__(message, code="invalid")
        self.index = index
        self.text = message


@dataclass(frozen=True)
class _Figure:
    day: date
    remote_id: str
    story_id: int | None
    views: int
    visitors: int | None
    engaged_seconds: int | None


def record_figures(*, channel: Channel, items: Iterable[Mapping], source: str) -> int:
    """Validate a platform's report for `channel` and store it, all or nothing; returns how many items.

    Each item names the publication by its "id" on the platform (or its "url"), a local "date" (an ISO
    string or a date) no later than today and no older than the raw-event retention, "views", and optionally
    "visitors" (at most the views) and "engaged_seconds". Raises FigureRefused naming the first bad item;
    then nothing is stored.
    """
    items = list(items)
    today = timezone.localdate()
    oldest = today - timedelta(days=settings.ANALYTICS_RAW_RETENTION_DAYS)
    checked = [_check(index, item, today=today, oldest=oldest) for index, item in enumerate(items)]
    if not checked:
        return 0
    publications = _publications(channel, checked)
    figures: dict[tuple[date, str], _Figure] = {}
    for index, (day, ref_kind, ref, counts) in enumerate(checked):
        publication = publications.get((ref_kind, ref))
        if publication is None:
            message = (
                _("Item %(index)d: no publication on this channel has the id “%(ref)s”.")
                if ref_kind == "id"
                else _("Item %(index)d: no publication on this channel has the address “%(ref)s”.")
            )
            raise FigureRefused(message % {"index": index, "ref": ref}, index=index)
        remote_id, story_id = publication
        # A later item for the same publication and day replaces an earlier one, as a later report does.
        figures[(day, remote_id)] = _Figure(day, remote_id, story_id, *counts)
    with transaction.atomic():
        PlatformFigure.objects.bulk_create(
            [
                PlatformFigure(
                    channel=channel,
                    day=figure.day,
                    remote_id=figure.remote_id,
                    story_id=figure.story_id,
                    views=figure.views,
                    visitors=figure.visitors,
                    engaged_seconds=figure.engaged_seconds,
                    source=source,
                )
                for figure in figures.values()
            ],
            update_conflicts=True,
            unique_fields=["channel", "day", "remote_id"],
            update_fields=["story", "views", "visitors", "engaged_seconds", "source", "received_at"],
        )
        earliest = min(day for day, _remote_id in figures)
        rollups.mark_dirty(timezone.make_aware(datetime.combine(earliest, datetime.min.time())))
    return len(items)


def _check(index: int, item, *, today: date, oldest: date):
    """One item's day, reference ("id" or "url", value) and counts; raises FigureRefused."""

    def refuse(message: str, **values):
        raise FigureRefused(message % {"index": index, **values}, index=index)

    if not isinstance(item, Mapping):
        refuse(_("Item %(index)d must be an object."))
    remote_id, remote_url = item.get("id"), item.get("url")
    if remote_id is not None:
        if isinstance(remote_id, int) and not isinstance(remote_id, bool):
            remote_id = str(remote_id)
        remote_id = _text(remote_id, MAX_REMOTE_ID)
        if remote_id is None:
            refuse(_("Item %(index)d: “id” must be text of 1 to %(limit)d characters."), limit=MAX_REMOTE_ID)
        ref = ("id", remote_id)
    elif remote_url is not None:
        remote_url = _text(remote_url, MAX_REMOTE_URL)
        if remote_url is None:
            refuse(
                _("Item %(index)d: “url” must be an address of at most %(limit)d characters."),
                limit=MAX_REMOTE_URL,
            )
        ref = ("url", remote_url)
    else:
        refuse(_("Item %(index)d names no publication: give its “id” or its “url”."))

    day = _day(item.get("date"))
    if day is None:
        refuse(_("Item %(index)d: “date” must be a day written YYYY-MM-DD."))
    if day > today:
        refuse(_("Item %(index)d: %(day)s is in the future."), day=day.isoformat())
    if day < oldest:
        refuse(
            _("Item %(index)d: %(day)s is older than the %(days)d days kept."),
            day=day.isoformat(),
            days=settings.ANALYTICS_RAW_RETENTION_DAYS,
        )

    views = _count(item.get("views"), MAX_VIEWS)
    if views is None:
        refuse(_("Item %(index)d: “views” must be a whole number from 0 to %(limit)d."), limit=MAX_VIEWS)
    visitors = item.get("visitors")
    if visitors is not None:
        visitors = _count(visitors, views)
        if visitors is None:
            refuse(_("Item %(index)d: “visitors” must be a whole number from 0 to the views."))
    engaged = item.get("engaged_seconds")
    if engaged is not None:
        # No view can have been read for longer than the day.
        engaged = _count(engaged, views * SECONDS_A_DAY)
        if engaged is None:
            refuse(_("Item %(index)d: “engaged_seconds” must be a whole number from 0 to a day per view."))
    return day, *ref, (views, visitors, engaged)


def _text(value, limit: int) -> str | None:
    """`value` stripped, when it is printable text of 1 to `limit` characters a database can hold."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not 0 < len(value) <= limit or CONTROL.search(value):
        return None
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate, which JSON allows and UTF-8 does not
        return None
    return value


def _day(value) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _count(value, ceiling: int) -> int | None:
    if type(value) is not int or not 0 <= value <= ceiling:
        return None
    return value


def _publications(channel: Channel, checked: list) -> dict[tuple[str, str], tuple[str, int | None]]:
    """The channel's publications the items name, keyed by ("id" | "url", value): (remote id, story id)."""
    ids = {ref for _day_, kind, ref, _counts in checked if kind == "id"}
    urls = {ref for _day_, kind, ref, _counts in checked if kind == "url"}
    found: dict[tuple[str, str], tuple[str, int | None]] = {}
    rows = Publication.objects.filter(channel=channel)
    if ids:
        for remote_id, story_id in rows.filter(remote_id__in=ids).values_list("remote_id", "story_id"):
            found[("id", remote_id)] = (remote_id, story_id)
    if urls:
        for remote_id, remote_url, story_id in rows.filter(remote_url__in=urls).values_list(
            "remote_id", "remote_url", "story_id"
        ):
            found[("url", remote_url)] = (remote_id, story_id)
    return found
