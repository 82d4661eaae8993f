import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from analytics.demo import DEFAULT_DAYS, seed_readership
from newsroom.models import StoryPage

MAX_DAYS = 400


class Command(BaseCommand):
    help = _(
        "Fill the readership panels with demo readers of the live stories over the past days, then refresh "
        "the rollups. Agencies that already have readership are left alone unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=_("How many days of readership to generate, up to today (default: %(default)s)."),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Add another crowd of readers even where there is readership already."),
        )
        parser.add_argument("--seed", type=int, default=7, help=_("Seed of the random readers."))

    def handle(self, *args, days, force, seed, **options):
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(
                _("The number of days must be from 1 to %(max)d; %(days)d was given.")
                % {"max": MAX_DAYS, "days": days}
            )
        started = time.monotonic()
        events = seed_readership(days=days, seed=seed, force=force)
        seconds = time.monotonic() - started
        if events:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Demo readership ready in %(seconds).1f s: %(events)d reader events over the past "
                        "%(days)d days; rollups refreshed."
                    )
                    % {"seconds": seconds, "events": events, "days": days}
                )
            )
        elif not StoryPage.objects.live().exists():
            self.stdout.write(
                _("No readership added: there are no published stories yet (run seed_demo first).")
            )
        else:
            self.stdout.write(
                _("No readership added: every agency already has readership. Use --force to add more.")
            )
