"""The delivery outbox: publishing writes deliveries, the worker claims and pushes them.

Publishing, updating and unpublishing a story each write one `Delivery` per (revision, channel) inside the
publishing transaction, so a story is never published without its deliveries nor the reverse. The worker
claims
due deliveries (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, a conditional UPDATE everywhere), pushes them
outside any transaction, and records the outcome. Deliveries of one story to one channel go out in order: an
update waits for the publish it updates.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from newsroom.models import StoryPage

from .adapters import AuthError, DeliveryError, PermanentError, TemporaryError, adapter_for
from .audit import record_transition
from .content import recent_content
from .models import (
    OPEN_STATES,
    Channel,
    Delivery,
    DeliveryAction,
    DeliveryState,
    Publication,
    StoryChannelChoice,
)

logger = logging.getLogger(__name__)


# --- Which channels a story goes to ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelPlan:
    channel: Channel
    selected: bool
    by_rule: bool  # what the channel's rules say, shown to the editor as the default
    chosen: bool  # the editor ticked or unticked it for this story
    publication: Publication | None


def plan_for(story: StoryPage) -> list[ChannelPlan]:
    """Every enabled channel of the story's agency, whether the story goes there, and why."""
    if not story.agency_id:
        return []
    channels = list(
        Channel.objects.filter(agency_id=story.agency_id, enabled=True).prefetch_related("sections")
    )
    choices = {c.channel_id: c.selected for c in StoryChannelChoice.objects.filter(story=story)}
    publications = {
        p.channel_id: p for p in Publication.objects.filter(story=story, status=Publication.Status.LIVE)
    }
    tags = [tag.name for tag in story.tags.all()]
    plans = []
    for channel in channels:
        by_rule = channel.matches(story, tags=tags)
        chosen = channel.pk in choices
        plans.append(
            ChannelPlan(
                channel=channel,
                selected=choices[channel.pk] if chosen else by_rule,
                by_rule=by_rule,
                chosen=chosen,
                publication=publications.get(channel.pk),
            )
        )
    return plans


def choose_channels(*, story: StoryPage, selected: dict[int, bool], user=None) -> None:
    """Record the editor's ticks for the story; a tick equal to the rule is stored too: it is a decision."""
    allowed = set(Channel.objects.filter(agency_id=story.agency_id).values_list("pk", flat=True))
    with transaction.atomic():
        for channel_id, value in selected.items():
            if channel_id not in allowed:
                continue
            StoryChannelChoice.objects.update_or_create(
                story=story, channel_id=channel_id, defaults={"selected": value, "chosen_by": user}
            )


# --- Writing the outbox (inside the publishing transaction) ---------------------------------------------


def enqueue_publication(*, story: StoryPage, revision, user=None) -> list[Delivery]:
    """Deliveries for a published revision: publish where the story is new, update where it already is."""
    plans = plan_for(story)
    if not plans:
        return []
    already_open = set(
        Delivery.objects.open()
        .filter(story=story, action__in=[DeliveryAction.PUBLISH, DeliveryAction.UPDATE])
        .values_list("channel_id", flat=True)
    )
    deliveries = []
    for plan in plans:
        on_channel = plan.publication is not None or plan.channel.pk in already_open
        if plan.selected:
            action = DeliveryAction.UPDATE if on_channel else DeliveryAction.PUBLISH
        elif on_channel and plan.chosen:
            action = DeliveryAction.TAKE_DOWN  # the editor took the channel off a story that is there
        elif on_channel:
            action = DeliveryAction.UPDATE  # the rules changed, but what is out there stays correct
        else:
            continue
        if action == DeliveryAction.UPDATE:
            _supersede_waiting_updates(story, plan.channel)
        deliveries.append(
            Delivery(
                story=story,
                story_title=story.title[:255],
                revision=revision if action != DeliveryAction.TAKE_DOWN else None,
                channel=plan.channel,
                action=action,
                requested_by=user,
            )
        )
    return _write(deliveries)


def enqueue_take_down(*, story: StoryPage, user=None) -> list[Delivery]:
    """Deliveries that take the story down wherever it is, or was about to be."""
    waiting = Delivery.objects.open().filter(
        story=story, action__in=[DeliveryAction.PUBLISH, DeliveryAction.UPDATE]
    )
    # What has never been tried cannot have landed: cancel it instead of chasing it with a takedown.
    _cancel(
        waiting.filter(state=DeliveryState.PENDING, attempts=0), _("Cancelled: the story was unpublished.")
    )
    channel_ids = set(
        Publication.objects.filter(story=story, status=Publication.Status.LIVE).values_list(
            "channel_id", flat=True
        )
    ) | set(waiting.values_list("channel_id", flat=True))
    channels = Channel.objects.in_bulk(channel_ids)
    deliveries = [
        Delivery(
            story=story,
            story_title=story.title[:255],
            channel=channels[channel_id],
            action=DeliveryAction.TAKE_DOWN,
            requested_by=user,
        )
        for channel_id in sorted(channel_ids)
    ]
    return _write(deliveries)


def _supersede_waiting_updates(story: StoryPage, channel: Channel) -> None:
    """A newer revision replaces an update that has not gone out yet: the platform needs only the latest."""
    waiting = Delivery.objects.filter(
        story=story, channel=channel, action=DeliveryAction.UPDATE, state=DeliveryState.PENDING, attempts=0
    )
    _cancel(waiting, _("Replaced by a newer revision."))


def _cancel(deliveries, reason: str) -> None:
    """Cancel `deliveries` (waiting, never tried), each with its audit entry. Locked first (on PostgreSQL),
    so that a worker cannot claim one between the read and the update."""
    with transaction.atomic():
        rows = list(
            deliveries.select_for_update(of=("self",)).select_related("channel__agency").order_by("pk")
        )
        Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
            state=DeliveryState.CANCELLED, last_error=reason
        )
        for row in rows:
            row.state, row.last_error = DeliveryState.CANCELLED, reason
            record_transition(row)


def _write(deliveries: list[Delivery]) -> list[Delivery]:
    written = []
    for delivery in deliveries:
        if (
            delivery.revision_id
            and Delivery.objects.filter(
                revision_id=delivery.revision_id, channel=delivery.channel_id, action=delivery.action
            ).exists()
        ):
            continue  # the same revision published twice: one delivery is enough
        delivery.save()
        record_transition(delivery, agency=delivery.story.agency, user=delivery.requested_by)
        written.append(delivery)
    return written


# --- The worker's side -------------------------------------------------------------------------------------


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with full jitter, capped: base·2^(n-1), at least half of it, at most the cap."""
    base = settings.DISTRIBUTION_BACKOFF_BASE
    ceiling = min(settings.DISTRIBUTION_BACKOFF_CAP, base * 2 ** max(0, attempts - 1))
    return random.uniform(ceiling / 2, ceiling)


def due(now=None, *, abandoned: bool = False):
    """Deliveries a worker may take now, in due order: waiting ones whose time has come, or (abandoned=True)
    ones whose worker died mid-push. Either way, only the first open delivery of a (story, channel)."""
    now = now or timezone.now()
    earlier_open = Delivery.objects.filter(
        story_id=OuterRef("story_id"),
        channel_id=OuterRef("channel_id"),
        pk__lt=OuterRef("pk"),
        state__in=OPEN_STATES,
    )
    if abandoned:
        lease = now - timedelta(seconds=settings.DISTRIBUTION_LEASE_SECONDS)
        candidates = Delivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=lease)
    else:
        candidates = Delivery.objects.filter(
            state__in=[DeliveryState.PENDING, DeliveryState.RETRYING], next_attempt_at__lte=now
        )
    return candidates.exclude(Q(story__isnull=False) & Exists(earlier_open)).order_by("next_attempt_at", "pk")


def claim(*, limit: int = 1, worker: str = "", now=None) -> list[Delivery]:
    """Take up to `limit` due deliveries for this worker; no other worker gets them until the lease ends."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = []
        for abandoned in (True, False):  # a dead worker's deliveries first: they have waited longest
            candidates = due(now, abandoned=abandoned)
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True, of=("self",))
            rows += candidates.values("pk", "state", "attempts")[: limit - len(rows)]
            if len(rows) >= limit:
                break
        claimed = []
        for row in rows:
            if len(claimed) == limit:
                break
            # The conditional update makes the claim safe where SKIP LOCKED does not exist (SQLite).
            won = Delivery.objects.filter(pk=row["pk"], state=row["state"], attempts=row["attempts"]).update(
                state=DeliveryState.SENDING,
                claimed_at=now,
                claimed_by=worker[:100],
                attempts=F("attempts") + 1,
            )
            if won:
                claimed.append(row["pk"])
    return list(
        Delivery.objects.filter(pk__in=claimed).select_related("channel__agency", "story", "revision")
    )


def process(delivery: Delivery, *, client=None) -> Delivery:
    """Push one claimed delivery and record what happened. Never raises for a platform's fault."""
    adapter = adapter_for(delivery.channel, client=client)
    try:
        result = _push_with_refresh(adapter, delivery)
    except PermanentError as error:
        _fail(delivery, error.message, error)
    except TemporaryError as error:
        _temporary(delivery, adapter, error)
    except AuthError as error:
        _fail(delivery, _("The platform refused the channel's credentials: update them and retry."), error)
    except DeliveryError as error:
        _temporary(delivery, adapter, TemporaryError(error.message))
    except Exception as error:  # a bug or a lost database: keep the delivery, try again later
        logger.exception("Delivery %s failed unexpectedly", delivery.pk)
        _temporary(delivery, adapter, TemporaryError(f"{type(error).__name__}: {error}"))
    else:
        _delivered(delivery, result)
    finally:
        if client is None:
            adapter.close()
    return delivery


def _push_with_refresh(adapter, delivery: Delivery):
    try:
        return _push(adapter, delivery)
    except AuthError:
        if not adapter.refresh_credentials():
            raise
        return _push(adapter, delivery)


def _push(adapter, delivery: Delivery):
    """Do the delivery's action on the platform. Returns the Result (None for a takedown)."""
    key = str(delivery.idempotency_key)
    progress = delivery.progress
    try:
        publication = Publication.objects.filter(story_id=delivery.story_id, channel=delivery.channel).first()
        live = publication is not None and publication.status == Publication.Status.LIVE
        if delivery.action == DeliveryAction.TAKE_DOWN:
            if not live:
                return None  # never landed there, or already gone
            try:
                adapter.take_down(publication.remote_id, idempotency_key=key, progress=progress)
            except PermanentError as error:
                if error.status not in (404, 410):
                    raise
                # Already gone: removed by hand on the platform, or by an attempt whose answer was lost.
            return publication
        if delivery.story is None:
            raise PermanentError(_("The story was deleted."))
        content = recent_content.get(delivery.story, delivery.revision)
        if delivery.action == DeliveryAction.UPDATE and live:
            return adapter.update(publication.remote_id, content, idempotency_key=key, progress=progress)
        if delivery.maybe_sent:
            if adapter.can_look_up:
                found = adapter.find(content, idempotency_key=key, progress=progress)
                if found:
                    return found
            elif not adapter.idempotent:
                raise PermanentError(
                    _(
                        "An earlier attempt may have been posted, and this platform cannot be asked: "
                        "check the channel, then retry if the post is not there."
                    )
                )
        return adapter.publish(content, idempotency_key=key, progress=progress)
    finally:
        delivery.progress = progress


def _delivered(delivery: Delivery, result) -> None:
    now = timezone.now()
    delivery.state = DeliveryState.DELIVERED
    delivery.delivered_at = now
    delivery.last_error = ""
    delivery.maybe_sent = False
    if delivery.action == DeliveryAction.TAKE_DOWN:
        if isinstance(result, Publication):
            Publication.objects.filter(pk=result.pk).update(status=Publication.Status.REMOVED, updated_at=now)
            delivery.remote_id, delivery.remote_url = result.remote_id, result.remote_url
    elif result is not None:
        delivery.remote_id = str(result.remote_id)[:255]
        delivery.remote_url = (result.remote_url or "")[:1000]
        if delivery.story_id:
            Publication.objects.update_or_create(
                story_id=delivery.story_id,
                channel=delivery.channel,
                defaults={
                    "story_title": delivery.story_title,
                    "remote_id": delivery.remote_id,
                    "remote_url": delivery.remote_url,
                    "status": Publication.Status.LIVE,
                },
            )
    delivery.save()
    record_transition(delivery)


def _temporary(delivery: Delivery, adapter, error: TemporaryError) -> None:
    delivery.maybe_sent = delivery.maybe_sent or error.maybe_sent
    if delivery.attempts >= settings.DISTRIBUTION_MAX_ATTEMPTS:
        _fail(
            delivery,
            _("Gave up after %(n)d attempts: %(error)s") % {"n": delivery.attempts, "error": error.message},
            error,
        )
        return
    wait = max(error.retry_after or 0, backoff_seconds(delivery.attempts))
    delivery.state = DeliveryState.RETRYING
    delivery.last_error = error.message
    delivery.next_attempt_at = timezone.now() + timedelta(seconds=wait)
    delivery.save()
    record_transition(delivery)


def _fail(delivery: Delivery, message: str, error: Exception | None = None) -> None:
    delivery.state = DeliveryState.FAILED
    delivery.last_error = message
    delivery.save()
    record_transition(delivery)
    from .notifications import delivery_failed

    delivery_failed(delivery)


def retry(*, delivery: Delivery, user=None) -> Delivery:
    """An editor's retry of a failed delivery: due at once, with a fresh set of attempts."""
    if delivery.state != DeliveryState.FAILED:
        raise ValueError(_("Only a failed delivery can be retried."))
    delivery.state = DeliveryState.PENDING
    delivery.attempts = 0
    delivery.maybe_sent = False  # the editor checked the channel, as the failure asked
    delivery.next_attempt_at = timezone.now()
    delivery.requested_by = user or delivery.requested_by
    delivery.save()
    record_transition(delivery, user=user)
    return delivery


def drain(*, worker: str = "drain", client=None, limit: int | None = None) -> int:
    """Process due deliveries until none is left (or `limit`); returns how many were processed. For tests,
    benchmarks and `manage.py distribution_worker --once`."""
    done = 0
    while limit is None or done < limit:
        batch = claim(limit=1, worker=worker)
        if not batch:
            break
        process(batch[0], client=client)
        done += 1
    return done
