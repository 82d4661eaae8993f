"""What happened in the newsroom, as live events for the agency's staff.

Stories: every step a story takes is already written to Wagtail's audit log (filed, submitted, approved,
rejected, published, scheduled, commented on), so a log entry is the one source of story events; they are
sent once the transaction that wrote the entry commits. Assignments and editing sessions send their own.

Every event is JSON with a "type" and "agency" (the agency whose staff receive it), "by"/"by_id" (who did
it: display name and user id, "" and None for the system), "at" (ISO time), and per kind:

- story.filed, story.submitted, story.approved, story.rejected, story.published, story.scheduled,
  comment.added, story.unpublished, story.unscheduled, story.withdrawn (taken out of review; no toast):
  "story" (page id), "title", "section", "status" (the story's column on the board:
  filed, in_review, approved, scheduled, published, or "" when it is on none), "edit_url", "owner_id"
  (the story's reporter); story.scheduled adds "go_live_at", story.rejected and comment.added "comment".
- assignment.created: "assignment", "title", "section", "reporter", "reporter_id", "deadline", "edit_url".
- presence: "story", "title", "editing" (true when a session opened, false when it closed).
- delivery.failed is sent by distribution.notifications with its own fields.

The websocket consumer adds "mine" (the user did it) and "for_me" (the user is the story's reporter or the
assignment's) per recipient.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.admin.utils import get_user_display_name
from wagtail.models import PageLogEntry, get_default_page_content_type

from .board import column_of
from .consumers import send_newsroom_event
from .models import Assignment, StoryPage

# Wagtail's log actions (and ours) that become events, with the event's type.
STORY_EVENTS = {
    "newsroom.story_filed": "story.filed",
    "wagtail.workflow.start": "story.submitted",
    "wagtail.workflow.resume": "story.submitted",
    "wagtail.workflow.approve": "story.approved",
    "wagtail.workflow.reject": "story.rejected",
    "wagtail.publish": "story.published",
    "wagtail.publish.scheduled": "story.published",  # a scheduled revision went live
    "wagtail.publish.schedule": "story.scheduled",
    "wagtail.comments.create": "comment.added",
    "wagtail.comments.create_reply": "comment.added",
    # Not asked for by name, but each moves a story off the board or out of its column.
    "wagtail.unpublish": "story.unpublished",
    "wagtail.schedule.cancel": "story.unscheduled",
    "newsroom.schedule_cancelled": "story.unscheduled",  # its archive assets expired
    "wagtail.workflow.cancel": "story.withdrawn",
}
# Filing sends a story to the desk and logs that it was filed in the same breath: one event, not two.
FILED_WITHIN = timedelta(seconds=30)
# An editing session opening or closing is news; a session reopened or closed again by the same person on
# the same story within this time (every save reloads the editor) is not broadcast again.
PRESENCE_THROTTLE_SECONDS = 5
# Sessions that stopped pinging longer ago than this are already off the board: their clean-up is silent.
PRESENCE_WINDOW = timedelta(seconds=60)


def on_log_entry_saved(entry: PageLogEntry) -> None:
    """Queue the event for a story's log entry, sent after the transaction commits (if it ever does)."""
    if entry.action in STORY_EVENTS:
        # Robust: a channel layer that is down must not turn a committed publication into an error page.
        transaction.on_commit(partial(announce_log_entry, entry), robust=True)


def announce_log_entry(entry: PageLogEntry) -> dict | None:
    """Send the event for `entry` to its story's agency; returns the event, or None when none is due."""
    story = StoryPage.objects.defer("body").select_related("section").filter(pk=entry.page_id).first()
    if story is None or story.agency_id is None:
        return None
    kind = STORY_EVENTS[entry.action]
    data = entry.data or {}
    extra = {}
    if entry.action == "wagtail.workflow.start" and _filed_with(entry):
        return None
    if kind == "story.approved" and not (data.get("workflow") or {}).get("next"):
        # The last approval publishes or schedules the story, which sends its own event.
        return None
    if kind == "story.scheduled":
        go_live_at = (data.get("revision") or {}).get("go_live_at") or story.go_live_at
        extra["go_live_at"] = go_live_at.isoformat() if hasattr(go_live_at, "isoformat") else go_live_at
    if kind == "story.rejected":
        extra["comment"] = data.get("comment") or ""
    if kind == "comment.added":
        extra["comment"] = ((data.get("comment") or {}).get("text") or "")[:200]
    event = story_event(kind=kind, story=story, user=entry.user, at=entry.timestamp, **extra)
    send_newsroom_event(agency_id=story.agency_id, event=event)
    return event


def _filed_with(entry: PageLogEntry) -> bool:
    return PageLogEntry.objects.filter(
        page_id=entry.page_id,
        action="newsroom.story_filed",
        timestamp__range=(entry.timestamp - FILED_WITHIN, entry.timestamp + FILED_WITHIN),
    ).exists()


def story_event(*, kind: str, story: StoryPage, user, at, **extra) -> dict:
    """The event of type `kind` about `story`, done by `user` (None for the system) at `at`."""
    return {
        "type": kind,
        "agency": story.agency_id,
        "story": story.pk,
        "title": story.title,
        "section": story.section.title if story.section_id else "",
        "status": column_of(story.pk) or "",
        "edit_url": reverse("wagtailadmin_pages:edit", args=[story.pk]),
        "owner_id": story.owner_id,
        **_actor(user),
        "at": at.isoformat(),
        **extra,
    }


def _actor(user) -> dict:
    return {"by": get_user_display_name(user) if user else "", "by_id": user.pk if user else None}


def on_assignment_saved(assignment: Assignment, created: bool) -> None:
    if created:
        transaction.on_commit(partial(announce_assignment, assignment), robust=True)


def announce_assignment(assignment: Assignment) -> dict:
    """Tell the agency (and so the reporter) about a new assignment; returns the event."""
    event = {
        "type": "assignment.created",
        "agency": assignment.agency_id,
        "assignment": assignment.pk,
        "title": assignment.title,
        "section": assignment.section.title if assignment.section_id else "",
        "reporter": get_user_display_name(assignment.reporter),
        "reporter_id": assignment.reporter_id,
        "deadline": assignment.deadline.isoformat(),
        "edit_url": reverse("newsroom_assignments:edit", args=[assignment.pk]),
        **_actor(assignment.assigned_by),
        "at": assignment.created_at.isoformat(),
    }
    send_newsroom_event(agency_id=assignment.agency_id, event=event)
    return event


def on_editing_session_changed(session, *, opened: bool) -> None:
    """Queue a presence event when someone opens a story in the editor or leaves it (not on every ping)."""
    if session.content_type_id != get_default_page_content_type().pk:
        return
    if not opened and session.last_seen_at < timezone.now() - PRESENCE_WINDOW:
        return
    transaction.on_commit(partial(announce_presence, session, opened=opened), robust=True)


def announce_presence(session, *, opened: bool) -> dict | None:
    """Send a presence event for `session` to its story's agency; returns it, or None (not a story, or
    the same news sent a moment ago)."""
    story = StoryPage.objects.filter(pk=session.object_id).values("pk", "title", "agency_id").first()
    if story is None or story["agency_id"] is None:
        return None
    key = f"newsroom:presence:{story['pk']}:{session.user_id}:{int(opened)}"
    if not cache.add(key, True, PRESENCE_THROTTLE_SECONDS):
        return None
    event = {
        "type": "presence",
        "agency": story["agency_id"],
        "story": story["pk"],
        "title": story["title"],
        "editing": opened,
        **_actor(session.user),
        "at": timezone.now().isoformat(),
    }
    send_newsroom_event(agency_id=story["agency_id"], event=event)
    return event


def toast_messages() -> dict[str, str]:
    """Each event's toast in the active language, with %(name)s placeholders the script fills from the
    event's fields; "<type>.for_me" when addressed to the reader, "<type>.system" when nobody did it."""
    return {
        "story.filed": _("%(by)s filed “%(title)s”"),
        "story.submitted": _("%(by)s submitted “%(title)s” for review"),
        "story.approved": _("%(by)s approved “%(title)s”"),
        "story.approved.for_me": _("%(by)s approved your story “%(title)s”"),
        "story.rejected": _("%(by)s sent “%(title)s” back for changes"),
        "story.rejected.for_me": _("%(by)s sent your story “%(title)s” back for changes"),
        "story.published": _("%(by)s published “%(title)s”"),
        "story.published.system": _("“%(title)s” was published"),
        "story.scheduled": _("%(by)s scheduled “%(title)s” for %(go_live_at)s"),
        "comment.added": _("%(by)s commented on “%(title)s”"),
        "comment.added.for_me": _("%(by)s commented on your story “%(title)s”"),
        "story.unpublished": _("%(by)s took “%(title)s” off the site"),
        "story.unscheduled": _("%(by)s cancelled the scheduled publication of “%(title)s”"),
        "story.unscheduled.system": _(
            "The scheduled publication of “%(title)s” was cancelled: some of its archive files expired"
        ),
        "assignment.created": _("%(by)s assigned “%(title)s” to %(reporter)s"),
        "assignment.created.for_me": _("%(by)s gave you an assignment: “%(title)s”, due %(deadline)s"),
        "delivery.failed": _("“%(title)s” could not be delivered to %(channel)s."),
    }


def toast_config() -> dict:
    """What the admin's toasts script needs, in the active language: messages, labels and links."""
    config = {
        "messages": toast_messages(),
        "dismiss": _("Dismiss"),
        "region": _("Newsroom notifications"),
        "story_url": reverse("wagtailadmin_pages:edit", args=[0]),
        "filing_url": "",
    }
    try:
        config["filing_url"] = reverse("newsroom_filing:page")
    except NoReverseMatch:
        pass  # the filing view is not installed
    return config
