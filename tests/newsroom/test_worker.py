"""One TASKS setting, one worker: Wagtail's own tasks and ours both land in the database and run."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus

from newsroom.models import StoryPage
from newsroom.scheduler import ensure_periodic_tasks, next_tick
from tests.factories import make_agency, make_story, section_of

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The worker takes its own transactions; serialized_rollback keeps Wagtail's root page and collection.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = DB_TASKS
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects


def run_worker():
    call_command("newsroom_worker", batch=True, interval=0, startup_delay=False, verbosity=0)


def test_wagtail_and_newsroom_tasks_share_one_queue_and_one_worker(db_tasks):
    agency = make_agency()
    story = make_story(section=section_of(agency), title="Tin cần lập chỉ mục")
    paths = set(db_tasks.values_list("task_path", flat=True))
    assert any(path.startswith("wagtail.") for path in paths), paths  # Wagtail queued its own work here
    assert ensure_periodic_tasks(now=timezone.now() - timedelta(minutes=5)) == 1
    assert "newsroom.tasks.publish_scheduled" in set(db_tasks.values_list("task_path", flat=True))

    run_worker()

    statuses = dict(db_tasks.values_list("task_path", "status"))
    assert set(statuses.values()) == {TaskResultStatus.SUCCESSFUL}, statuses
    from wagtail.search.backends import get_search_backend

    assert story.pk in [hit.pk for hit in get_search_backend().search("chỉ mục", StoryPage)]


def test_scheduled_story_goes_live_when_the_worker_runs_the_minute_task(db_tasks):
    agency = make_agency()
    story = make_story(section=section_of(agency), publish=False, title="Tin hẹn giờ")
    story.go_live_at = timezone.now() + timedelta(seconds=2)
    story.save_revision().publish()
    story.refresh_from_db()
    assert not story.live and story.scheduled_revision is not None

    time.sleep(2.5)  # the go-live moment passes
    ensure_periodic_tasks(now=timezone.now() - timedelta(minutes=2))
    run_worker()
    story.refresh_from_db()
    assert story.live


def test_periodic_task_is_queued_once_for_the_next_minute(db_tasks):
    now = timezone.now()
    assert ensure_periodic_tasks(now=now) == 1
    assert ensure_periodic_tasks(now=now) == 0  # already pending: no double
    queued = db_tasks.get(task_path="newsroom.tasks.publish_scheduled")
    assert queued.run_after == next_tick(now, timedelta(minutes=1))
    assert now < queued.run_after <= now + timedelta(minutes=1)
