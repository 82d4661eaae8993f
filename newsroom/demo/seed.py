"""Build the demo: agencies, accounts, bylines, archive and stories; safe to run again."""

import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from django_tasks import task_backends
from wagtail.models import WorkflowState

from ..models import Agency, OversightBody, Role, SectionPage, StoryPage
from ..services import create_agency, create_oversight_body
from . import cast
from .accounts import ensure_oversight_officer, ensure_staff, ensure_user
from .assets import ensure_authors, ensure_clips, ensure_pictures, ensure_videos, photographer_of
from .assignments import ensure_assignments
from .corpus import load_corpus
from .stories import Newsroom, write_stories

DEFAULT_STORIES = 220


@dataclass
class SeedReport:
    """What the demo holds after a run, and what this run added (the *_created fields)."""

    agencies: int = 0
    agencies_created: int = 0
    users_created: int = 0
    authors_created: int = 0
    pictures_created: int = 0
    clips_created: int = 0
    videos_created: int = 0
    stories_created: int = 0
    assignments_created: int = 0
    stories: int = 0
    published: int = 0
    drafts: int = 0
    in_review: int = 0
    corpus: str = ""
    seconds: float = 0.0


def seed_demo(*, stories: int = DEFAULT_STORIES) -> SeedReport:
    """Create whatever part of the demo is missing, all or nothing, and return what was done.

    `stories` is the total across both agencies. Raises django.core.exceptions.ValidationError if an
    agency cannot be created (say, another site already answers on 127.0.0.1:8000).
    """
    started = time.monotonic()
    report = SeedReport()
    corpus = load_corpus()
    report.corpus = corpus.source
    # Tasks held back outside the transaction: those queued on commit (the archive ingest) are held too.
    with deferred_tasks(), transaction.atomic():
        _admin, created = ensure_user(
            username=cast.ADMIN_USERNAME, last_name="", first_name="Quản trị viên", superuser=True
        )
        report.users_created += created
        agencies = []
        for index, data in enumerate(cast.AGENCIES):
            agency = Agency.objects.filter(short_name=data.short_name).first()
            if agency is None:
                agency = create_agency(data=data)
                report.agencies_created += 1
            agencies.append(agency)

            staff, created = ensure_staff(agency)
            report.users_created += created
            authors, made = ensure_authors(agency, staff=staff)
            report.authors_created += made
            pictures, made = ensure_pictures(agency, photographer=photographer_of(agency))
            report.pictures_created += made
            clips, made = ensure_clips(agency)
            report.clips_created += made
            videos, made = ensure_videos(agency)
            report.videos_created += made
            room = Newsroom(
                agency=agency,
                corpus=corpus,
                sections=list(SectionPage.objects.child_of(agency.root_page).order_by("path")),
                authors=authors,
                pictures=pictures,
                clips=clips,
                videos=videos,
                reporter=staff[Role.REPORTER],
                editor_in_chief=staff[Role.EDITOR_IN_CHIEF],
            )
            report.assignments_created += ensure_assignments(agency, staff=staff)
            report.stories_created += write_stories(room, count=_share(stories, index, len(cast.AGENCIES)))

        body = OversightBody.objects.filter(name=cast.OVERSIGHT_NAME).first()
        if body is None:
            body = create_oversight_body(
                name=cast.OVERSIGHT_NAME, kind=cast.OVERSIGHT_KIND, agencies=agencies
            )
        report.users_created += ensure_oversight_officer(body)

    _count(report, agencies)
    report.seconds = time.monotonic() - started
    return report


def _share(total: int, index: int, parts: int) -> int:
    """Agency `index`'s part of `total`, the first ones taking the remainder."""
    return total // parts + (1 if index < total % parts else 0)


def _count(report: SeedReport, agencies: list[Agency]) -> None:
    stories = StoryPage.objects.filter(agency__in=agencies)
    report.agencies = len(agencies)
    report.stories = stories.count()
    report.published = stories.live().count()
    report.in_review = WorkflowState.objects.filter(
        object_id__in=[str(pk) for pk in stories.values_list("pk", flat=True)],
        status=WorkflowState.STATUS_IN_PROGRESS,
    ).count()
    report.drafts = report.stories - report.published - report.in_review


@contextmanager
def deferred_tasks():
    """Hold back background tasks while seeding, then run each distinct one once, here and now.

    Every save queues search- and reference-index updates: run one by one they would multiply the
    seeding time, and left in the database queue they would wait for a worker, so the site search
    would not find the demo stories. Mail is dropped as well: the demo addresses reach no one.
    """
    dummy = {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    with override_settings(
        TASKS={alias: dummy for alias in settings.TASKS},
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    ):
        backends = [task_backends[alias] for alias in settings.TASKS]
        yield
        done = set()
        while pending := [r for backend in backends for r in backend.results if _key(r) not in done]:
            for result in pending:
                if _key(result) not in done:
                    done.add(_key(result))
                    result.task.call(*result.args, **result.kwargs)


def _key(result) -> tuple:
    return (result.task.module_path, repr(result.args), repr(sorted(result.kwargs.items())))
