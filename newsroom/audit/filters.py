"""The audit viewer's filters: agency, date range, person and action. (The free text is the listing's search
box.) The form only reads the request; newsroom.audit.selectors applies the choices to each source."""

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, MultipleUserFilter, WagtailFilterSet
from wagtail.log_actions import registry as log_registry

from newsroom.models import AuditEntry

from .selectors import Filters, Scope, people
from .services import ACTIONS

DEPLOYMENT = "none"  # the agency choice of entries that concern no agency (superusers only)


class AuditFilterSet(WagtailFilterSet):
    agency = django_filters.ChoiceFilter(
        label=gettext_lazy("Agency"), empty_label=gettext_lazy("All"), widget=forms.RadioSelect
    )
    timestamp = django_filters.DateFromToRangeFilter(label=gettext_lazy("Date"), widget=DateRangePickerWidget)
    user = MultipleUserFilter(label=gettext_lazy("Person"), widget=forms.CheckboxSelectMultiple)
    action = django_filters.MultipleChoiceFilter(
        label=gettext_lazy("Action"), widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = AuditEntry
        fields = []

    def __init__(self, *args, agencies, superuser: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = {str(agency.pk): agency for agency in agencies}
        self.superuser = superuser
        choices = [(pk, agency.name) for pk, agency in self.agencies.items()]
        if superuser:
            choices.append((DEPLOYMENT, _("No agency (the whole deployment)")))
        if len(choices) > 1:
            self.filters["agency"].extra["choices"] = choices
        else:
            del self.filters["agency"]
        self.filters["user"].extra["queryset"] = people(agencies, everyone=superuser)
        self.filters["action"].extra["choices"] = [
            (
                _("Security and operations"),
                sorted(((key, str(label)) for key, label in ACTIONS.items()), key=_label),
            ),
            (_("Content and settings"), sorted(log_registry.get_choices(), key=_label)),
        ]

    @property
    def several_agencies(self) -> bool:
        return "agency" in self.filters

    def selection(self, text: str = "") -> tuple[Scope, Filters]:
        """(Scope, Filters) of a valid form. Raises ValueError (translated) for dates in the wrong order."""
        data = self.form.cleaned_data
        chosen = data.get("agency") or ""
        if chosen == DEPLOYMENT:
            scope = Scope(agencies=[], deployment=True)
        elif chosen:
            scope = Scope(agencies=[self.agencies[chosen]])
        else:
            scope = Scope(
                agencies=list(self.agencies.values()), deployment=self.superuser, everything=self.superuser
            )
        dates = data.get("timestamp")
        start = _day_start(dates.start) if dates and dates.start else None
        end = _day_start(dates.stop + timedelta(days=1)) if dates and dates.stop else None
        if start and end and start >= end:
            raise ValueError(_("The end date is before the start date."))
        filters = Filters(
            users=tuple(user.pk for user in data.get("user") or ()),
            actions=tuple(data.get("action") or ()),
            start=start,
            end=end,
            text=text.strip(),
        )
        return scope, filters


def _label(choice) -> str:
    return str(choice[1]).lower()


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
