"""The revenue ledger's admin parts: who may keep it (the permission policies), the entry form (the same rules
and readings as the CSV import) and the listing's filters. The ModelViewSet itself is in
analytics.revenue_hooks.
"""

from datetime import date

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic

from newsroom.models import Agency
from newsroom.permissions import AgencyRolePermissionPolicy, AgencyScopedListMixin

from . import revenue
from .charts import number
from .models import RevenueEntry, RevenueImport, RevenueSource
from .revenue_csv import parse_amount, parse_month

# Writes follow the role held in each agency: a manager of one agency who reports for another keeps only
# the first one's ledger.
entry_policy = AgencyRolePermissionPolicy(RevenueEntry)
import_policy = AgencyRolePermissionPolicy(RevenueImport)


# --- the form and the listing's filters ---------------------------------------------------------------------
class MonthField(forms.CharField):
    """A month as 2025-03 (what a month input sends) or 03/2025, read by the import's own rule."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def prepare_value(self, value):
        return value.strftime("%Y-%m") if isinstance(value, date) else value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_month(text)
        except ValueError as error:
            raise forms.ValidationError(error.args[0]) from None


class AmountField(forms.CharField):
    """Whole đồng written as people write them (1.234.567, 1234567 ₫), read by the import's own rule."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def prepare_value(self, value):
        return number(value) if isinstance(value, int) else value

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_amount(text)
        except ValueError as error:
            raise forms.ValidationError(error.args[0]) from None


class RevenueEntryForm(WagtailAdminModelForm):
    """An entry of one of the agencies whose ledger the user keeps; checked and stored by analytics.revenue
    (an existing entry stays with its agency)."""

    month = MonthField(label=gettext_lazy("Month"), help_text=gettext_lazy("Such as 2025-03 or 03/2025."))
    amount = AmountField(
        label=gettext_lazy("Amount (VND)"), help_text=gettext_lazy("Whole đồng, such as 125.000.000.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is None:
            return
        action = "change" if self.instance.pk else "add"
        agencies = entry_policy.agencies_for(self.for_user, [action]).order_by("name")
        field = self.fields["agency"]
        field.queryset = agencies
        if self.instance.pk:
            field.disabled = True
        elif len(agencies) == 1:
            field.initial = agencies[0]

    def clean(self):
        cleaned = super().clean()
        values = {name: cleaned.get(name) for name in ("agency", "source", "month", "amount")}
        if all(value is not None for value in values.values()):
            try:
                revenue.check_entry(
                    **values,
                    note=(cleaned.get("note") or "").strip(),
                    entry=self.instance if self.instance.pk else None,
                )
            except revenue.InvalidRevenue as error:
                for field, reasons in error.message_dict.items():
                    self.add_error(field if field in self.fields else None, reasons)
        return cleaned

    def validate_constraints(self):
        # check_entry states the database's checks in words; Django would repeat them untranslated.
        pass

    def save(self, commit=True):
        data = {name: self.cleaned_data[name] for name in ("source", "month", "amount")}
        note = self.cleaned_data.get("note") or ""
        if self.instance.pk:
            self.instance = revenue.change_entry(entry=self.instance, note=note, **data)
        else:
            self.instance = revenue.add_entry(
                agency=self.cleaned_data["agency"], note=note, user=self.for_user, **data
            )
        return self.instance


def _ledger_agencies(request):
    return (
        entry_policy.agencies_for(request.user, ["view"]).order_by("name")
        if request
        else Agency.objects.none()
    )


class RevenueEntryFilterSet(WagtailFilterSet):
    """By one of the user's agencies (no other's name shows), by source, by year."""

    agency = django_filters.ModelChoiceFilter(label=gettext_lazy("Agency"), queryset=_ledger_agencies)
    source = django_filters.ChoiceFilter(label=gettext_lazy("Source"), choices=RevenueSource.choices)
    year = django_filters.TypedChoiceFilter(
        label=gettext_lazy("Year"),
        field_name="month",
        lookup_expr="year",
        coerce=int,
        choices=lambda: [
            (year, str(year)) for year in range(timezone.localdate().year, revenue.MIN_YEAR - 1, -1)
        ],
    )

    class Meta:
        model = RevenueEntry
        fields = ["agency", "source", "year"]


class RevenueEntryIndexView(AgencyScopedListMixin, generic.IndexView):
    filterset_class = RevenueEntryFilterSet

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("agency", "imported_from")
