from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from analytics.demo_transformation import seed_transformation


class Command(BaseCommand):
    help = _(
        "Fill the digital-transformation panels of the demo: platform channels and deliveries, revenue for "
        "two years, training, security approvals and maturity self-assessments for every overseen agency "
        "that has no revenue yet."
    )

    def handle(self, *args, **options):
        report = seed_transformation()
        if not report.agencies:
            self.stdout.write(
                _("Nothing added: every overseen agency already has revenue (or none is overseen).")
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Digital transformation ready for %(agencies)d agencies: %(revenue)d revenue entries, "
                    "%(training)d training records, %(publications)d platform deliveries, %(approved)d "
                    "stories approved in review, %(assessments)d self-assessments."
                )
                % {
                    "agencies": report.agencies,
                    "revenue": report.revenue_entries,
                    "training": report.training_records,
                    "publications": report.publications,
                    "approved": report.approved,
                    "assessments": report.assessments,
                }
            )
        )
