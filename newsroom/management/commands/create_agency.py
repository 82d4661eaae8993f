from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from newsroom.models import AgencyKind
from newsroom.services import AgencyData, create_agency


class Command(BaseCommand):
    help = _(
        "Create a press agency: its site, home page, standard sections, collection, staff groups "
        "and workflow."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--short-name", required=True)
        parser.add_argument("--kind", choices=AgencyKind.values, default=AgencyKind.NEWSPAPER)
        parser.add_argument("--hostname", required=True)
        parser.add_argument("--port", type=int, default=80)
        parser.add_argument("--licence-number", default="")
        parser.add_argument("--governing-body", default="")
        parser.add_argument("--province", default="")

    def handle(self, *args, **options):
        data = AgencyData(
            name=options["name"],
            short_name=options["short_name"],
            kind=options["kind"],
            hostname=options["hostname"],
            port=options["port"],
            licence_number=options["licence_number"],
            governing_body=options["governing_body"],
            province=options["province"],
        )
        try:
            agency = create_agency(data=data)
        except ValidationError as error:
            lines = [f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()]
            raise CommandError("\n".join(lines)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Created %(agency)s at http://%(host)s:%(port)s/")
                % {"agency": agency.name, "host": agency.site.hostname, "port": agency.site.port}
            )
        )
