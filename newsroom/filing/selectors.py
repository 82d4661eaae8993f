"""Reads for the filing view: where a reporter may file, their assignments and drafts, and the JSON shapes
the filing page reads (documented in newsroom/filing/views.py)."""

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.admin.utils import get_user_display_name
from wagtail.images import get_image_model
from wagtail.models import WorkflowState

from ..models import Agency, Assignment, SectionPage, StoryPage
from ..models.pages import block_text
from .drafts import draft_of

DRAFTS_LISTED = 50
THUMBNAIL_SPEC = "fill-160x160|format-webp"


def filing_sections(user) -> list[SectionPage]:
    """Live sections of the user's agencies that they may add stories to, agency by agency."""
    agencies = list(Agency.objects.for_user(user).select_related("site__root_page"))
    if not agencies:
        return []
    condition = Q()
    for agency in agencies:
        root = agency.root_page
        condition |= Q(path__startswith=root.path, depth=root.depth + 1)
    sections = SectionPage.objects.live().filter(condition).order_by("path")
    return [section for section in sections if section.permissions_for_user(user).can_add_subpage()]


def section_for(user, section_id) -> SectionPage | None:
    """The section `section_id` if the user may file into it, else None."""
    return next((s for s in filing_sections(user) if s.pk == section_id), None)


def open_assignments(user):
    """The user's open assignments in agencies they still work for, soonest deadline first."""
    return (
        Assignment.objects.for_reporter(user)
        .open()
        .filter(agency__in=Agency.objects.for_user(user))
        .select_related("section", "assigned_by")
        .order_by("deadline", "pk")
    )


def own_stories(user):
    """Stories the user owns in agencies they work for: the only ones the filing view shows or changes."""
    return StoryPage.objects.filter(owner=user, agency__in=Agency.objects.for_user(user))


def reporter_drafts(user) -> list[StoryPage]:
    """The user's stories that are not live: drafts, sent back for changes, with the desk; newest first."""
    return list(
        own_stories(user)
        .filter(live=False)
        .select_related("latest_revision__user", "section")
        .prefetch_related(
            # Wagtail's prefetch_workflow_states() matches Page's content type, and these are StoryPages.
            Prefetch(
                "_specific_workflow_states",
                queryset=WorkflowState.objects.active().select_related("current_task_state__task"),
                to_attr="_current_workflow_states",
            )
        )
        .order_by("-latest_revision_created_at", "-pk")[:DRAFTS_LISTED]
    )


def story_status(story) -> tuple[str, str]:
    """(code, translated label): draft, needs_changes, in_review, scheduled or live."""
    state = story.current_workflow_state
    if story.live:
        return "live", _("Published")
    if state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS:
        task = state.current_task_state.task if state.current_task_state else None
        label = _("With the desk: %(step)s") % {"step": task.name} if task else _("With the desk")
        return "in_review", label
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        return "needs_changes", _("Sent back for changes")
    if story.approved_schedule:
        return "scheduled", _("Scheduled")
    return "draft", _("Draft")


def asset_payloads(assets) -> list[dict]:
    """The attached assets with their titles and a small picture, in the draft's order."""
    from wagtailmedia.models import get_media_model

    image_ids = [a.id for a in assets if a.kind == "image"]
    media_ids = [a.id for a in assets if a.kind != "image"]
    images = get_image_model().objects.in_bulk(image_ids) if image_ids else {}
    media = get_media_model().objects.in_bulk(media_ids) if media_ids else {}
    payloads = []
    for asset in assets:
        found = images.get(asset.id) if asset.kind == "image" else media.get(asset.id)
        payloads.append(
            {
                "id": asset.id,
                "kind": asset.kind,
                "caption": asset.caption,
                "credit": asset.credit,
                "title": found.title if found else "",
                "thumbnail": _thumbnail(found, asset.kind) if found else None,
            }
        )
    return payloads


def _thumbnail(asset, kind: str) -> str | None:
    if kind != "image":
        return asset.poster_url or None
    try:
        return asset.get_rendition(THUMBNAIL_SPEC).url
    except Exception:  # noqa: BLE001 - a missing or unreadable original must not break the reporter's page
        return None


def story_payload(story: StoryPage) -> dict:
    """The story as the filing page shows and edits it: its latest revision, whoever made it."""
    current = story.get_latest_revision_as_object()
    draft = draft_of(current)
    status, status_label = story_status(story)
    revision = story.latest_revision
    payload = {
        "id": story.pk,
        "filing_id": str(story.filing_id) if story.filing_id else None,
        "revision": story.latest_revision_id,
        "section": story.get_parent().pk,
        "section_title": story.section.title if story.section else "",
        "assignment": story.assignments.values_list("pk", flat=True).first(),
        "title": current.title,
        "sapo": current.sapo,
        "text": draft.text if draft else "\n\n".join(block_text(block) for block in current.body),
        "assets": asset_payloads(draft.assets) if draft else [],
        "location": current.location,
        "latitude": current.latitude,
        "longitude": current.longitude,
        "desk_note": current.desk_note,
        "status": status,
        "status_label": status_label,
        "representable": draft is not None,
        "editable": draft is not None and status in ("draft", "needs_changes"),
        "changed_by": get_user_display_name(revision.user) if revision and revision.user else "",
        "changed_by_id": revision.user_id if revision else None,
        "changed_at": revision.created_at.isoformat() if revision else None,
        "edit_url": reverse("wagtailadmin_pages:edit", args=[story.pk]),
    }
    return payload


def draft_summary(story: StoryPage) -> dict:
    """A line of the reporter's drafts list (the story itself is fetched when they continue it)."""
    status, status_label = story_status(story)
    revision = story.latest_revision
    return {
        "id": story.pk,
        "filing_id": str(story.filing_id) if story.filing_id else None,
        "revision": story.latest_revision_id,
        "title": story.draft_title or story.title,
        "section_title": story.section.title if story.section else "",
        "status": status,
        "status_label": status_label,
        "changed_at": revision.created_at.isoformat() if revision else None,
        "edit_url": reverse("wagtailadmin_pages:edit", args=[story.pk]),
    }


def assignment_payload(assignment: Assignment) -> dict:
    return {
        "id": assignment.pk,
        "title": assignment.title,
        "brief": assignment.brief,
        "deadline": assignment.deadline.isoformat(),
        "overdue": assignment.is_overdue,
        "section": assignment.section_id,
        "story": assignment.story_id,
        "assigned_by": get_user_display_name(assignment.assigned_by) if assignment.assigned_by else "",
    }


def section_payloads(user, sections) -> list[dict]:
    """Sections with their agency, for the section picker (grouped by agency when there are several)."""
    agencies = {a.root_page.path: a for a in Agency.objects.for_user(user).select_related("site__root_page")}
    payloads = []
    for section in sections:
        agency = agencies.get(section.path[: section.steplen * 2])
        payloads.append(
            {
                "id": section.pk,
                "title": section.title,
                "agency": agency.pk if agency else None,
                "agency_name": agency.name if agency else "",
            }
        )
    return payloads


def desk_payload(user) -> dict:
    """Everything the filing page lists: sections, open assignments, the reporter's drafts."""
    return {
        "sections": section_payloads(user, filing_sections(user)),
        "assignments": [assignment_payload(a) for a in open_assignments(user)],
        "drafts": [draft_summary(story) for story in reporter_drafts(user)],
    }
