"""Admin viewsets for agency-owned models, walled per agency (see newsroom.permissions)."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Agency, Assignment, Author, SectionPage
from .permissions import (
    AgencyScopedChooserMixin,
    AgencyScopedListMixin,
    AgencyScopedObjectLookupMixin,
    assignment_policy,
    scoped_view,
)
from .services import AgencyData, create_agency

_SNIPPET_OBJECT_VIEWS = [
    "edit_view_class",
    "delete_view_class",
    "usage_view_class",
    "history_view_class",
    "inspect_view_class",
]
_CHOOSER_VIEWS = [
    "choose_view_class",
    "choose_results_view_class",
    "chosen_view_class",
    "chosen_multiple_view_class",
]


def agency_scoped_snippet_viewset(base=SnippetViewSet, *, agency_path: str = "agency"):
    """A SnippetViewSet base class whose every view and chooser only reaches the user's agencies."""
    attrs = {
        name: scoped_view(getattr(base, name), mixin=AgencyScopedObjectLookupMixin, agency_path=agency_path)
        for name in _SNIPPET_OBJECT_VIEWS
    }
    attrs["index_view_class"] = scoped_view(
        snippet_views.IndexView, mixin=AgencyScopedListMixin, agency_path=agency_path
    )
    attrs["index_results_view_class"] = attrs["index_view_class"]
    chooser_attrs = {
        name: scoped_view(
            getattr(snippet_chooser.SnippetChooserViewSet, name),
            mixin=AgencyScopedChooserMixin,
            agency_path=agency_path,
        )
        for name in _CHOOSER_VIEWS
    }
    attrs["chooser_viewset_class"] = type(
        "AgencyScopedSnippetChooserViewSet", (snippet_chooser.SnippetChooserViewSet,), chooser_attrs
    )
    return type("AgencyScopedSnippetViewSet", (base,), attrs)


class AgencyOwnedForm(WagtailAdminModelForm):
    """Offers only the user's own agencies in the `agency` field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "agency" in self.fields and self.for_user is not None:
            agencies = Agency.objects.for_user(self.for_user)
            self.fields["agency"].queryset = agencies
            if agencies.count() == 1 and not self.instance.pk:
                self.fields["agency"].initial = agencies.first()


class AuthorForm(AgencyOwnedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields and self.for_user is not None and not self.for_user.is_superuser:
            from django.contrib.auth import get_user_model

            self.fields["user"].queryset = (
                get_user_model()
                .objects.filter(groups__agency_role__agency__in=Agency.objects.for_user(self.for_user))
                .distinct()
            )


class AuthorViewSet(agency_scoped_snippet_viewset()):
    model = Author
    icon = "user"
    menu_label = _("Authors")
    menu_order = 250
    add_to_admin_menu = True
    copy_view_enabled = False
    list_display = ["name", "job_title", "agency"]
    list_filter = ["agency"]
    search_fields = ["name"]
    edit_handler = ObjectList(
        [FieldPanel(name) for name in ["agency", "name", "slug", "job_title", "photo", "bio", "user"]],
        base_form_class=AuthorForm,
    )


class AgencyCreateForm(forms.ModelForm):
    """Creates the agency and everything it needs through services.create_agency, in one transaction."""

    hostname = forms.CharField(
        label=_("Host name"), help_text=_("e.g. baohaiduong.vn, or 127.0.0.1 for a test.")
    )
    port = forms.IntegerField(label=_("Port"), initial=443, min_value=1, max_value=65535)

    class Meta:
        model = Agency
        fields = [
            "name",
            "short_name",
            "kind",
            "licence_number",
            "governing_body",
            "province",
            "require_two_factor",
        ]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, **kwargs)

    def _post_clean(self):
        # Uniqueness and host checks belong to the service; run them there, once.
        if self.errors:
            return
        data = AgencyData(
            name=self.cleaned_data["name"],
            short_name=self.cleaned_data["short_name"],
            kind=self.cleaned_data["kind"],
            hostname=self.cleaned_data["hostname"],
            port=self.cleaned_data["port"],
            licence_number=self.cleaned_data["licence_number"],
            governing_body=self.cleaned_data["governing_body"],
            province=self.cleaned_data["province"],
            require_two_factor=self.cleaned_data["require_two_factor"],
        )
        from .services import validate_agency_data

        try:
            validate_agency_data(data)
        except ValidationError as error:
            self._update_errors(error)
        self.agency_data = data

    def save(self, commit=True):
        self.instance = create_agency(data=self.agency_data)
        return self.instance

    def save_m2m(self):
        pass


class AgencyEditForm(WagtailAdminModelForm):
    class Meta:
        model = Agency
        fields = [
            "name",
            "kind",
            "licence_number",
            "governing_body",
            "province",
            "language",
            "require_two_factor",
        ]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)


class AgencyViewSet(ModelViewSet):
    """Superusers create agencies; each agency's manager edits its own details."""

    model = Agency
    icon = "site"
    menu_label = _("Agencies")
    menu_order = 900
    add_to_settings_menu = True
    list_display = ["name", "short_name", "kind", "province", "site"]
    search_fields = ["name", "short_name", "province"]
    copy_view_enabled = False
    inspect_view_enabled = False
    index_view_class = scoped_view(generic.IndexView, mixin=AgencyScopedListMixin, agency_path="pk")
    edit_view_class = scoped_view(generic.EditView, mixin=AgencyScopedObjectLookupMixin, agency_path="pk")
    delete_view_class = scoped_view(generic.DeleteView, mixin=AgencyScopedObjectLookupMixin, agency_path="pk")
    history_view_class = scoped_view(
        ModelViewSet.history_view_class, mixin=AgencyScopedObjectLookupMixin, agency_path="pk"
    )
    usage_view_class = scoped_view(
        ModelViewSet.usage_view_class, mixin=AgencyScopedObjectLookupMixin, agency_path="pk"
    )

    def get_form_class(self, for_update=False):
        return AgencyEditForm if for_update else AgencyCreateForm


def _staff_of(agencies):
    return get_user_model().objects.filter(groups__agency_role__agency__in=agencies).distinct()


def _sections_of(agencies):
    condition = Q(pk__in=[])
    for agency in agencies.select_related("site__root_page"):
        root = agency.root_page
        condition |= Q(path__startswith=root.path, depth=root.depth + 1)
    return SectionPage.objects.filter(condition).order_by("path")


class AssignmentForm(WagtailAdminModelForm):
    """An assignment for a reporter of one of the agencies where the user is on the desk; the user who
    gives it is recorded as `assigned_by`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is None:
            return
        agencies = assignment_policy.agencies_for(self.for_user, ["add", "change"])
        self.fields["agency"].queryset = agencies
        if not self.instance.pk:
            self.fields.pop("state", None)  # a new assignment is open
            if len(agencies) == 1:
                self.fields["agency"].initial = agencies[0]
        self.fields["reporter"].queryset = _staff_of(agencies).order_by("last_name", "first_name", "username")
        self.fields["reporter"].label_from_instance = get_user_display_name
        self.fields["section"].queryset = _sections_of(agencies)

    def clean(self):
        cleaned = super().clean()
        agency, reporter, section = (cleaned.get(name) for name in ("agency", "reporter", "section"))
        if agency and reporter and not _staff_of([agency]).filter(pk=reporter.pk).exists():
            self.add_error("reporter", gettext("Choose someone on this agency's staff."))
        if agency and section and not _sections_of(Agency.objects.filter(pk=agency.pk)).filter(pk=section.pk):
            self.add_error("section", gettext("Choose one of this agency's sections."))
        return cleaned

    def save(self, commit=True):
        if not self.instance.pk and self.for_user is not None:
            self.instance.assigned_by = self.for_user
        return super().save(commit=commit)


def _reporter_name(assignment) -> str:
    return get_user_display_name(assignment.reporter)


def _assignment_state(assignment) -> str:
    return gettext("Overdue") if assignment.is_overdue else assignment.get_state_display()


class AssignmentIndexView(scoped_view(generic.IndexView, mixin=AgencyScopedListMixin)):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("reporter", "section")


class AssignmentViewSet(ModelViewSet):
    """The desk's assignments to reporters, with deadlines; each desk sees and changes its own agency's."""

    model = Assignment
    name = "newsroom_assignments"
    url_prefix = "assignments"
    icon = "clipboard-list"
    menu_label = _("Assignments")
    menu_order = 120
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    list_display = [
        "title",
        Column(
            "reporter", label=capfirst(_("reporter")), accessor=lambda a: get_user_display_name(a.reporter)
        ),
        "section",
        "deadline",
        Column("state", label=capfirst(_("state")), accessor=_assignment_state),
    ]
    list_filter = ["state"]
    search_fields = ["title", "brief"]
    ordering = ["deadline", "pk"]
    index_view_class = AssignmentIndexView
    edit_view_class = scoped_view(generic.EditView, mixin=AgencyScopedObjectLookupMixin)
    delete_view_class = scoped_view(generic.DeleteView, mixin=AgencyScopedObjectLookupMixin)
    history_view_class = scoped_view(ModelViewSet.history_view_class, mixin=AgencyScopedObjectLookupMixin)
    usage_view_class = scoped_view(ModelViewSet.usage_view_class, mixin=AgencyScopedObjectLookupMixin)
    edit_handler = ObjectList(
        [
            FieldPanel("agency"),
            FieldPanel("title"),
            FieldPanel("brief"),
            FieldPanel("reporter"),
            FieldPanel("section"),
            FieldPanel("deadline"),
            FieldPanel("state"),
        ],
        base_form_class=AssignmentForm,
    )
