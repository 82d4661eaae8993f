"""Training records and information security in the admin: who may see and change them, the forms of their
ModelViewSets (analytics.staff_hooks), the training summary and CSV import, and the security page.

An agency's manager keeps its records; the officers of the bodies overseeing it read them and change nothing.
The views pick the agency and the year from the request and hand them to analytics.training and
analytics.security.
"""

from django import forms
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.utils import get_user_display_name

from newsroom.models import Agency
from newsroom.permissions import AgencyRolePermissionPolicy

from . import security, training
from .charts import number, percent
from .csv_import import CsvImportError, ImportForm
from .models import SecurityDeclaration, TrainingRecord
from .panels import Scope
from .years import YearError, current_year, year_from_query, years


# --- who may do what ------------------------------------------------------------------------------------
class OverseenReadPolicy(AgencyRolePermissionPolicy):
    """Model permissions as the role held in each agency grants them (the manager keeps the records), and
    reading also for the officers of the bodies overseeing an agency, who change nothing."""

    def agencies_for(self, user, actions):
        agencies = super().agencies_for(user, actions)
        if "view" not in actions or not user.is_active or user.is_superuser:
            return agencies
        return Agency.objects.filter(Q(pk__in=agencies) | Q(oversight_bodies__group__user=user)).distinct()


training_policy = OverseenReadPolicy(TrainingRecord)
security_policy = OverseenReadPolicy(SecurityDeclaration)


class NoAccess(Exception):
    """The user may see the records of no agency."""


def _scope(request, policy) -> Scope:
    """The agencies whose records the user may read and the one asked for (`?agency=`). NoAccess when none,
    Http404 for an agency not among them."""
    visible = list(policy.agencies_for(request.user, ["view"]).select_related("site").order_by("name"))
    if not visible:
        raise NoAccess
    wanted = request.GET.get("agency", "")
    if not wanted or wanted == "all":
        return Scope(visible=visible, chosen=visible[0] if len(visible) == 1 else None)
    for agency in visible:
        if str(agency.pk) == wanted:
            return Scope(visible=visible, chosen=agency)
    raise Http404


def _no_access(request, title):
    context = {"page_title": title, "message": _("You keep the records of no agency and oversee none.")}
    return render(request, "analytics/admin/staff/no_access.html", context, status=403)


# --- forms --------------------------------------------------------------------------------------------
def _apply(form, error) -> None:
    """Put a service's refusal (a ValidationError by field) on the form's fields."""
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


class AgencyRecordForm(WagtailAdminModelForm):
    """Offers only the agencies where the user may add (a new record) or change (an existing one); an
    existing record stays with its agency."""

    policy = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is None:
            return
        action = "change" if self.instance.pk else "add"
        self.agencies = self.policy.agencies_for(self.for_user, [action]).order_by("name")
        field = self.fields["agency"]
        field.queryset = self.agencies
        if self.instance.pk:
            field.disabled = True
        elif len(self.agencies) == 1:
            field.initial = self.agencies[0]


class TrainingRecordForm(AgencyRecordForm):
    policy = training_policy

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hours"].localize = True  # 1,5 in Vietnamese
        self.fields["hours"].widget.is_localized = True
        if self.for_user is None:
            return
        agency_ids = [self.instance.agency_id] if self.instance.pk else [a.pk for a in self.agencies]
        staff = self.fields["staff"]
        staff.queryset = training.agency_staff(agency_ids).order_by("last_name", "first_name", "username")
        staff.label_from_instance = get_user_display_name

    def clean(self):
        cleaned = super().clean()
        values = [cleaned.get(name) for name in ("agency", "staff", "course", "date", "hours")]
        if all(value is not None for value in values):
            try:
                training.check_training(
                    agency=cleaned["agency"],
                    staff=cleaned["staff"],
                    course=cleaned["course"],
                    date=cleaned["date"],
                    hours=cleaned["hours"],
                    provider=cleaned.get("provider", ""),
                    certificate=cleaned.get("certificate", ""),
                    record=self.instance if self.instance.pk else None,
                )
            except training.InvalidTraining as error:
                _apply(self, error)
        return cleaned

    def save(self, commit=True):
        data = {
            name: self.cleaned_data[name]
            for name in ("staff", "course", "date", "hours", "provider", "certificate")
        }
        if self.instance.pk:
            self.instance = training.change_training(record=self.instance, **data)
        else:
            self.instance = training.record_training(agency=self.cleaned_data["agency"], **data)
        return self.instance


LOCKED_DECLARATION_FIELDS = ("level", "document_number", "document_date")


class SecurityDeclarationForm(AgencyRecordForm):
    """A new approval is declared anew; an existing declaration only has its descriptions corrected, so
    the history of approvals stays as it was."""

    policy = security_policy

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].widget = forms.Select(choices=[(n, str(n)) for n in range(1, 6)])
        if self.instance.pk:
            for name in LOCKED_DECLARATION_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = _("A new approval is a new declaration: add one instead.")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            return cleaned
        values = [cleaned.get(name) for name in ("agency", "system_name", "level", "document_number")]
        if all(value is not None for value in values) and cleaned.get("document_date"):
            try:
                security.check_declaration(
                    agency=cleaned["agency"],
                    system_name=cleaned["system_name"],
                    level=cleaned["level"],
                    document_number=cleaned["document_number"],
                    document_date=cleaned["document_date"],
                )
            except security.InvalidDeclaration as error:
                _apply(self, error)
        return cleaned

    def save(self, commit=True):
        data = self.cleaned_data
        if self.instance.pk:
            self.instance = security.correct_declaration(
                declaration=self.instance,
                system_name=data["system_name"],
                approved_by=data.get("approved_by", ""),
                note=data.get("note", ""),
            )
        else:
            self.instance = security.declare_security(
                agency=data["agency"],
                system_name=data["system_name"],
                level=data["level"],
                document_number=data["document_number"],
                document_date=data["document_date"],
                approved_by=data.get("approved_by", ""),
                note=data.get("note", ""),
                declared_by=self.for_user,
            )
        return self.instance


# --- the training summary -------------------------------------------------------------------------------
def _year(request) -> tuple[int, str]:
    try:
        return year_from_query(request.GET), ""
    except YearError as error:
        return current_year(), error.message


def _training_tabs(request, active: str) -> list[tuple[str, str, str, bool]]:
    tabs = [
        ("summary", _("Summary"), reverse("analytics_training_summary")),
        ("records", _("Records"), reverse("analytics_training:index")),
    ]
    if training_policy.user_has_permission(request.user, "add"):
        tabs.append(("import", _("Import CSV"), reverse("analytics_training_import")))
    return [(name, label, url, name == active) for name, label, url in tabs]


def _share_cells(share: training.TrainingShare) -> dict:
    return {
        "staff": number(share.staff),
        "trained": number(share.trained),
        "percent": percent(share.percent),
        "hours": number(share.hours, 1),
    }


def training_summary(request):
    """Per agency and year: staff, trained, the share trained and the hours; for one agency, also whom is
    left to train."""
    title = _("Training")
    try:
        scope = _scope(request, training_policy)
    except NoAccess:
        return _no_access(request, title)
    year, error = _year(request)
    shares = training.trained_share(scope.ids, year)
    context = {
        "page_title": title,
        "scope": scope,
        "year": year,
        "years": years(),
        "year_error": error,
        "tabs": _training_tabs(request, "summary"),
        "rows": [{"agency": agency, **_share_cells(shares[agency.pk])} for agency in scope.agencies],
    }
    if scope.chosen:
        share = shares[scope.chosen.pk]
        cells = _share_cells(share)
        context["tiles"] = [
            {"label": _("Staff"), "value": cells["staff"]},
            {"label": _("Trained by the end of the year"), "value": cells["trained"]},
            {"label": _("Share trained"), "value": cells["percent"]},
            {"label": _("Hours of training in the year"), "value": cells["hours"]},
        ]
        context["untrained"] = [
            {"name": get_user_display_name(user), "username": user.get_username(), "email": user.email}
            for user in training.untrained_staff(scope.chosen, year)
        ]
    return render(request, "analytics/admin/staff/training.html", context, status=400 if error else 200)


def training_import(request):
    """A CSV of training records for one of the user's agencies, stored whole or not at all."""
    title = _("Import training records")
    agencies = training_policy.agencies_for(request.user, ["add"]).order_by("name")
    if not agencies:
        return _no_access(request, title)
    form = ImportForm(request.POST or None, request.FILES or None, agencies=agencies)
    errors = []
    if request.method == "POST" and form.is_valid():
        agency = form.cleaned_data["agency"]
        try:
            count = training.import_training_csv(agency=agency, data=form.cleaned_data["file"].read())
        except CsvImportError as error:
            errors = error.errors
        else:
            messages.success(
                request,
                _("%(count)s training records imported for %(agency)s.")
                % {"count": number(count), "agency": agency.name},
            )
            return redirect(f"{reverse('analytics_training_summary')}?agency={agency.pk}")
    context = {
        "page_title": title,
        "form": form,
        "errors": errors,
        "tabs": _training_tabs(request, "import"),
        "columns": training.COLUMNS,
        "required": training.REQUIRED,
    }
    status = 400 if request.method == "POST" and (errors or form.errors) else 200
    return render(request, "analytics/admin/staff/training_import.html", context, status=status)


# --- information security --------------------------------------------------------------------------------
def security_page(request):
    """One agency's security: the controls the system observes, and the level it declared, with history."""
    title = _("Information security")
    try:
        scope = _scope(request, security_policy)
    except NoAccess:
        return _no_access(request, title)
    agency = scope.chosen or scope.visible[0]
    declarations = list(SecurityDeclaration.objects.filter(agency=agency).select_related("declared_by"))
    in_force = security.declaration_in_force([agency.pk], current_year()).get(agency.pk)
    can_add = security_policy.agencies_for(request.user, ["add"]).filter(pk=agency.pk).exists()
    context = {
        "page_title": title,
        "header_icon": "lock",
        "scope": Scope(visible=scope.visible, chosen=agency),
        "controls": security.observed_controls(agency),
        "in_force": in_force,
        "meets_level": in_force is not None and in_force.level >= security.MIN_LEVEL,
        "min_level": security.MIN_LEVEL,
        "declarations": [
            {
                "declaration": declaration,
                "declared_by": get_user_display_name(declaration.declared_by)
                if declaration.declared_by
                else "",
            }
            for declaration in declarations
        ],
        "add_url": f"{reverse('analytics_security_declarations:add')}?agency={agency.pk}" if can_add else "",
        "records_url": reverse("analytics_security_declarations:index"),
    }
    return render(request, "analytics/admin/staff/security.html", context)
