"""Writes of the filing view: a reporter's story filed as a draft, updated, and sent to the desk.

Each function is keyword-only and atomic, and goes through Wagtail's own operations (CreatePageAction,
EditPageAction, MovePageAction, Workflow.start), so revisions, the audit log and signals are the same as
in the page editor. Refusals raise a FilingError subclass carrying a translated message (and per-field
messages) and the HTTP status the JSON API answers with.
"""

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.actions.create_page import CreatePageAction
from wagtail.actions.edit_page import EditPageAction
from wagtail.actions.move_page import MovePageAction
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import Page, PageLogEntry, PageSubscription, WorkflowState
from wagtailmedia.models import get_media_model

from ..models import Agency, Assignment, AssignmentState, Author, StoryPage
from ..search import fold
from .drafts import StoryDraft, apply_draft, draft_of
from .selectors import own_stories, section_for, story_status

FILED_ACTION = "newsroom.story_filed"
EDITABLE_STATUSES = ("draft", "needs_changes")


class FilingError(Exception):
    """A refusal the reporter reads: `message` is translated, `fields` maps a field to its messages."""

    status = 400

    def __init__(self, message, *, fields: dict[str, list[str]] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.fields = fields or {}


class FilingInvalid(FilingError):
    status = 400


class StoryNotFound(FilingError):
    """Not the user's story, or not in their agencies: answered as if it did not exist."""

    status = 404


class StoryLocked(FilingError):
    """The story exists and is the user's, but the filing view may not change it now."""

    status = 423


class FilingConflict(FilingError):
    """The story changed on the server since the revision the browser based its changes on."""

    status = 409

    def __init__(self, story: StoryPage):
        super().__init__(_("This story was changed on the server since you last saved it."))
        self.story = story


@dataclass(frozen=True)
class FilingData:
    """One save from the filing page. `base_revision` is the story's latest revision the browser saw."""

    filing_id: uuid.UUID | None
    draft: StoryDraft
    base_revision: int | None = None
    assignment_id: int | None = None


@dataclass(frozen=True)
class FilingResult:
    story: StoryPage
    created: bool = False
    saved: bool = True  # False when the server already had exactly this draft: no new revision


class _CreateDraftAction(CreatePageAction):
    """Wagtail's CreatePageAction, which saves through an admin form; the filing view has none, so the
    page is added under its section directly. Permission checks, the revision and the log stay Wagtail's."""

    def _save_instance(self):
        self.instance.live = False
        self.parent.add_child(instance=self.instance)
        # As the editor does: the author hears of comments on their story.
        PageSubscription.objects.update_or_create(
            page=self.instance, user=self.user, defaults={"comment_notifications": True}
        )


@transaction.atomic
def file_story(*, user, data: FilingData) -> FilingResult:
    """Create the draft story `data.filing_id` names, or update it if it exists (a create sent twice makes
    one story). Returns the FilingResult; raises StoryNotFound (another user's filing id, a section or
    assignment out of reach), FilingInvalid, FilingConflict or StoryLocked as update_story does."""
    if data.filing_id is None:
        raise FilingInvalid(_("The draft has no filing id."), fields={"filing_id": [_("Required.")]})
    existing = _locked(
        StoryPage.objects.filter(filing_id=data.filing_id).values_list("pk", flat=True).first()
    )
    if existing is None:
        try:
            with transaction.atomic():  # a savepoint: the same draft sent twice at once may race to create
                return _create(user=user, data=data)
        except IntegrityError:
            existing = _locked(
                StoryPage.objects.filter(filing_id=data.filing_id).values_list("pk", flat=True).first()
            )
            if existing is None:
                raise
    if existing.owner_id != user.pk or not own_stories(user).filter(pk=existing.pk).exists():
        raise StoryNotFound(_("There is no such story among yours."))
    return _update(user=user, story=existing, data=data)


@transaction.atomic
def update_story(*, user, story_id: int, data: FilingData) -> FilingResult:
    """Save the draft onto the user's story `story_id` as a new revision.

    Nothing is written (saved=False) if the server already has exactly this draft. Raises StoryNotFound,
    FilingConflict if the story changed since `data.base_revision`, StoryLocked if it is with the desk,
    published or laid out in the full editor, FilingInvalid for a section or asset the user may not use.
    """
    return _update(user=user, story=_own_story(user, story_id), data=data)


@transaction.atomic
def submit_story(*, user, story_id: int, data: FilingData | None = None) -> FilingResult:
    """Save `data` (if given) and send the story to its agency's workflow, as the editor's "Submit for
    moderation" does; the first time, log `newsroom.story_filed` and mark its assignment filed.

    Raises what update_story raises, StoryLocked if it is already with the desk, and FilingInvalid if
    the story is incomplete (no sapo…), uses an expired asset, or its section has no workflow.
    """
    story = _own_story(user, story_id)
    if data is not None:
        story = _update(user=user, story=story, data=data).story
    status, _label = story_status(story)
    if status not in EDITABLE_STATUSES or not story.permissions_for_user(user).can_edit():
        raise StoryLocked(_("This story is already with the desk."))
    _check_complete(story.get_latest_revision_as_object())
    workflow = story.get_workflow()
    if workflow is None:
        raise FilingInvalid(_("This section has no review workflow: ask the desk to set one up."))
    if not PageLogEntry.objects.filter(page=story, action=FILED_ACTION).exists():
        log(instance=story, action=FILED_ACTION, user=user, revision=story.latest_revision)
    state = story.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user)
    else:
        workflow.start(story, user)
    now = timezone.now()
    for assignment in Assignment.objects.filter(story=story, state=AssignmentState.OPEN):
        assignment.state, assignment.filed_at = AssignmentState.FILED, now
        assignment.save(update_fields=["state", "filed_at"])
    return FilingResult(story=StoryPage.objects.get(pk=story.pk))


def _locked(story_id) -> StoryPage | None:
    # Locked by primary key alone: the agency filter's DISTINCT may not go with FOR UPDATE.
    if story_id is None:
        return None
    return StoryPage.objects.select_for_update().filter(pk=story_id).first()


def _own_story(user, story_id) -> StoryPage:
    if not own_stories(user).filter(pk=story_id).exists():
        raise StoryNotFound(_("There is no such story among yours."))
    return _locked(story_id)


def _create(*, user, data: FilingData) -> FilingResult:
    section = _section(user, data.draft.section_id)
    agency = Agency.objects.for_page(section)
    _check_assets(user=user, agency=agency, draft=data.draft)
    assignment = _assignment(user=user, agency=agency, assignment_id=data.assignment_id, story=None)
    story = StoryPage(filing_id=data.filing_id, owner=user, live=False)
    apply_draft(story, data.draft)
    story.slug = _free_slug(story, section)
    # The reporter's byline, when the agency has one for them.
    story.authors = list(Author.objects.filter(agency=agency, user=user))
    _CreateDraftAction(story, section, user=user).execute()
    if assignment is not None:
        assignment.story = story
        assignment.save(update_fields=["story"])
    return FilingResult(story=StoryPage.objects.get(pk=story.pk), created=True)


def _update(*, user, story: StoryPage, data: FilingData) -> FilingResult:
    status, _label = story_status(story)
    if status == "live":
        raise StoryLocked(_("This story is published: changes go through the editor now."))
    if status not in EDITABLE_STATUSES or not story.permissions_for_user(user).can_edit():
        raise StoryLocked(_("This story is with the desk now and can no longer be changed here."))
    current = story.get_latest_revision_as_object()
    before = draft_of(current)
    if before is None:
        raise StoryLocked(_("This story has been laid out in the full editor: continue it there."))
    agency = story.agency
    assignment = _assignment(user=user, agency=agency, assignment_id=data.assignment_id, story=story)
    if before == data.draft:
        # A save sent again (its answer was lost) or nothing new: the server already has it.
        _link(assignment, story)
        return FilingResult(story=story, saved=False)
    if data.base_revision != story.latest_revision_id:
        raise FilingConflict(story)
    section = _section(user, data.draft.section_id)
    if Agency.objects.for_page(section) != agency:
        raise FilingInvalid(
            _("A story stays in its agency: choose one of its sections."),
            fields={"section": [_("Choose a section of this story's agency.")]},
        )
    _check_assets(user=user, agency=agency, draft=data.draft)
    if section.pk != before.section_id:
        MovePageAction(story, section, pos="last-child", user=user).execute()
        current = StoryPage.objects.get(pk=story.pk).get_latest_revision_as_object()
    apply_draft(current, data.draft)
    if current.first_published_at is None and data.draft.title != before.title:
        current.slug = _free_slug(current, section)  # as the editor does until the first publication
    EditPageAction(current, user=user).execute()
    _link(assignment, story)
    return FilingResult(story=StoryPage.objects.get(pk=story.pk))


def _section(user, section_id):
    section = section_for(user, section_id)
    if section is None:
        raise StoryNotFound(
            _("You cannot file into this section."), fields={"section": [_("Choose one of your sections.")]}
        )
    return section


def _assignment(*, user, agency, assignment_id, story) -> Assignment | None:
    """The user's assignment `assignment_id`, if a story of `agency` may be filed for it."""
    if assignment_id is None:
        return None
    assignment = Assignment.objects.for_reporter(user).filter(pk=assignment_id, agency=agency).first()
    if assignment is None:
        raise StoryNotFound(
            _("This assignment is not yours."), fields={"assignment": [_("This assignment is not yours.")]}
        )
    if assignment.story_id not in (None, getattr(story, "pk", None)):
        message = _("Another story has already been filed for this assignment.")
        raise FilingInvalid(message, fields={"assignment": [message]})
    if assignment.state == AssignmentState.CANCELLED:
        message = _("The desk has cancelled this assignment.")
        raise FilingInvalid(message, fields={"assignment": [message]})
    return assignment


def _link(assignment, story) -> None:
    if assignment is not None and assignment.story_id is None:
        assignment.story = story
        assignment.save(update_fields=["story"])


def _check_assets(*, user, agency, draft: StoryDraft) -> None:
    """Refuse assets outside the agency's collection, or kept private by another uploader."""
    wanted = {"image": set(), "media": set()}
    for asset in draft.assets:
        wanted["image" if asset.kind == "image" else "media"].add(asset.id)
    images = get_image_model().objects.in_bulk(wanted["image"]) if wanted["image"] else {}
    media = get_media_model().objects.in_bulk(wanted["media"]) if wanted["media"] else {}
    refused = []
    for ref in draft.assets:
        asset = images.get(ref.id) if ref.kind == "image" else media.get(ref.id)
        usable = (
            asset is not None
            and (ref.kind == "image" or asset.type == ref.kind)
            and asset.collection_id == agency.collection_id
            # The archive's "private" sharing keeps an asset to its uploader (archive.models.Sharing).
            and (getattr(asset, "sharing", "") != "private" or asset.uploaded_by_user_id == user.pk)
        )
        if not usable:
            refused.append(str(ref.id))
    if refused:
        message = _("You may not use these files in this story: no. %(ids)s.") % {"ids": ", ".join(refused)}
        raise FilingInvalid(message, fields={"assets": [message]})


def _check_complete(page: StoryPage) -> None:
    """What the editor's "Submit for moderation" checks: a complete, valid story with no expired asset."""
    errors: dict[str, list[str]] = {}
    if not page.title.strip():
        errors["title"] = [_("Give the story a headline.")]
    if not page.sapo.strip():
        errors["sapo"] = [_("Write the sapo, two or three sentences, before sending to the desk.")]
    try:
        page.full_clean()
    except ValidationError as error:
        by_field = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        for name, messages in by_field.items():
            errors.setdefault(name, [str(m) for m in messages])
    expired = page.expired_assets()
    if expired:
        titles = ", ".join(f"“{asset.title}”" for asset in expired)
        errors["assets"] = [
            _("These files have expired and cannot be published: %(titles)s.") % {"titles": titles}
        ]
    if errors:
        first = next(iter(errors.values()))[0]
        raise FilingInvalid(first, fields=errors)


def _free_slug(story, section) -> str:
    """An ASCII slug from the headline (“Mưa lũ” → “mua-lu”) that no sibling uses yet."""
    base = slugify(fold(story.title))[:200].strip("-") or "bai-viet"
    candidate, suffix = base, 1
    while not Page._slug_is_available(candidate, section, story if story.pk else None):
        suffix += 1
        candidate = f"{base}-{suffix}"
    return candidate
