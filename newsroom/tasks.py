"""Background work of the newsroom, run by `manage.py newsroom_worker`."""

import logging

from django.core.management import call_command
from django.utils import timezone
from django_tasks import task
from wagtail.log_actions import log
from wagtail.models import Revision

logger = logging.getLogger(__name__)


@task()
def publish_scheduled() -> None:
    """Publish what is due and unpublish what has expired (Wagtail's publish_scheduled).

    A story whose archive assets expired after it was scheduled is not published: its schedule is
    cancelled and the cancellation logged on the story, for the desk to replace the assets.
    """
    cancel_schedules_with_expired_assets()
    call_command("publish_scheduled", verbosity=0)


def cancel_schedules_with_expired_assets(*, now=None) -> int:
    from .models import StoryPage

    due = Revision.page_revisions.filter(approved_go_live_at__lte=now or timezone.now())
    cancelled = 0
    for revision in due:
        page = revision.as_object()
        if isinstance(page, StoryPage) and (expired := page.expired_assets()):
            revision.approved_go_live_at = None
            revision.save(update_fields=["approved_go_live_at"])
            titles = [asset.title for asset in expired]
            log(instance=page.page_ptr, action="newsroom.schedule_cancelled", data={"expired_assets": titles})
            logger.warning("Schedule of story %s cancelled: expired assets %s", page.pk, titles)
            cancelled += 1
    return cancelled
