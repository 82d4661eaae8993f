from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from newsroom.demo import DEFAULT_STORIES, logins_table, seed_demo


class Command(BaseCommand):
    help = _("Fill the database with demo agencies, staff and Vietnamese stories. Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--stories",
            type=int,
            default=DEFAULT_STORIES,
            help=_("How many stories the two agencies should have together (default: %(default)s)."),
        )

    def handle(self, *args, stories, **options):
        if stories < 0:
            raise CommandError(_("The number of stories cannot be negative."))
        try:
            report = seed_demo(stories=stories)
        except ValidationError as error:
            lines = [f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
            raise CommandError("\n".join(lines)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Demo ready in %(seconds).1f s: %(agencies)d agencies, %(stories)d stories "
                    "(%(published)d published, %(drafts)d drafts, %(in_review)d in review)."
                )
                % {
                    "seconds": report.seconds,
                    "agencies": report.agencies,
                    "stories": report.stories,
                    "published": report.published,
                    "drafts": report.drafts,
                    "in_review": report.in_review,
                }
            )
        )
        self.stdout.write(
            _(
                "Added this time: %(agencies)d agencies, %(users)d accounts, %(authors)d authors, "
                "%(pictures)d pictures, %(clips)d audio clips, %(videos)d videos, %(new_stories)d stories, "
                "%(assignments)d assignments. "
                "Text from %(corpus)s."
            )
            % {
                "agencies": report.agencies_created,
                "users": report.users_created,
                "authors": report.authors_created,
                "pictures": report.pictures_created,
                "clips": report.clips_created,
                "videos": report.videos_created,
                "new_stories": report.stories_created,
                "assignments": report.assignments_created,
                "corpus": report.corpus,
            }
        )
        self.stdout.write(logins_table())
