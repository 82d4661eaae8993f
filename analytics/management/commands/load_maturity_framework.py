"""manage.py load_maturity_framework [file ...]: load maturity frameworks (every bundled one by default)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics.maturity.loader import LoaderError, bundled_files, load_framework
from analytics.maturity.validation import FrameworkError


class Command(BaseCommand):
    help = (
        "Load maturity frameworks from JSON files: a changed file makes a new revision, an unchanged one "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="Framework files; every bundled one when none is given.")
        parser.add_argument(
            "--draft", action="store_true", help="Save a changed framework without publishing it."
        )

    def handle(self, *args, files, draft, **options):
        for path in files or bundled_files():
            started = timezone.now()
            try:
                framework = load_framework(path, publish=not draft)
            except LoaderError as error:
                raise CommandError(error.message) from None
            except FrameworkError as error:
                raise CommandError(
                    f"{path}: " + "; ".join(problem.message for problem in error.problems)
                ) from None
            latest = framework.get_latest_revision()
            changed = latest is not None and latest.created_at >= started
            self.stdout.write(f"{framework.decision}: {'new revision' if changed else 'unchanged'} ({path})")
