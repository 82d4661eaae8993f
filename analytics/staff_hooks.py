"""Admin hooks (menu items, URLs) of this part of digital transformation: training records and information
security, each a ModelViewSet whose views reach an object only where the user's role allows the action (the
policies, forms and pages are in analytics.staff_views)."""

from functools import cached_property

import django_filters
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.permissions import register_permission_policy

from newsroom.models import Agency

from . import staff_views as views
from .models import SecurityDeclaration, TrainingRecord

register_permission_policy(TrainingRecord, views.training_policy)
register_permission_policy(SecurityDeclaration, views.security_policy)


# --- the ModelViewSets' views: each object reached only where the user's role allows the action ----------
class PolicyScopeMixin:
    """Objects of the agencies where the user may `scope_action`; any other answers 404, as if absent."""

    scope_action = "view"

    def scoped(self):
        return self.permission_policy.instances_user_has_permission_for(self.request.user, self.scope_action)

    def get_base_object_queryset(self):  # history and usage views
        return self.scoped()


class SinglePolicyScopeMixin(PolicyScopeMixin):
    def get_queryset(self):  # edit and delete views (Django's SingleObjectMixin)
        return self.scoped()


def agency_filterset(policy):
    """A filter set over a listing's agency offering only the agencies the user may read (others' names stay
    hidden)."""

    def agencies(request):
        return (
            policy.agencies_for(request.user, ["view"]).order_by("name") if request else Agency.objects.none()
        )

    agency = django_filters.ModelChoiceFilter(label=_("Agency"), queryset=agencies)
    meta = type("Meta", (), {"model": policy.model, "fields": []})
    return type("AgencyFilterSet", (WagtailFilterSet,), {"agency": agency, "Meta": meta})


class ScopedIndexView(PolicyScopeMixin, generic.IndexView):
    """The records the user may read; edit and delete links only on those of agencies they may change."""

    related: tuple = ()

    @cached_property
    def filterset_class(self):
        return agency_filterset(self.permission_policy)

    def get_base_queryset(self):
        return self.scoped().select_related("agency", *self.related)

    @cached_property
    def _changeable(self) -> set[int]:
        return set(
            self.permission_policy.agencies_for(self.request.user, ["change"]).values_list("pk", flat=True)
        )

    @cached_property
    def _deletable(self) -> set[int]:
        return set(
            self.permission_policy.agencies_for(self.request.user, ["delete"]).values_list("pk", flat=True)
        )

    def get_edit_url(self, instance):
        return super().get_edit_url(instance) if instance.agency_id in self._changeable else None

    def get_delete_url(self, instance):
        return super().get_delete_url(instance) if instance.agency_id in self._deletable else None


class TrainingIndexView(ScopedIndexView):
    related = ("staff",)

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        buttons.append(
            HeaderButton(gettext("Summary"), url=reverse("analytics_training_summary"), icon_name="doc-full")
        )
        if self.permission_policy.user_has_permission(self.request.user, "add"):
            buttons.append(
                HeaderButton(
                    gettext("Import CSV"), url=reverse("analytics_training_import"), icon_name="upload"
                )
            )
        return buttons


class ScopedCreateView(generic.CreateView):
    """Starts with the agency the link names (`?agency=`), when the user may add there."""

    def get_initial(self):
        initial = super().get_initial()
        wanted = self.request.GET.get("agency", "")
        agencies = self.permission_policy.agencies_for(self.request.user, ["add"])
        if wanted.isdigit() and agencies.filter(pk=wanted).exists():
            initial["agency"] = int(wanted)
        return initial


class ScopedEditView(SinglePolicyScopeMixin, generic.EditView):
    scope_action = "change"


class ScopedDeleteView(SinglePolicyScopeMixin, generic.DeleteView):
    scope_action = "delete"


class ScopedHistoryView(PolicyScopeMixin, HistoryView):
    pass


class ScopedUsageView(PolicyScopeMixin, UsageView):
    pass


class ScopedViewSet(ModelViewSet):
    """A viewset whose every view is walled by its `permission_policy` (an OverseenReadPolicy): reached from
    the Digital transformation pages, not the admin menu."""

    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = False  # Wagtail's inspect view looks objects up unwalled
    index_view_class = ScopedIndexView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView


class TrainingRecordViewSet(ScopedViewSet):
    """The agency's training records: its manager keeps them, the bodies overseeing it read them."""

    model = TrainingRecord
    name = "analytics_training"
    url_prefix = "transformation/training/records"
    icon = "group"
    permission_policy = views.training_policy
    index_view_class = TrainingIndexView
    list_display = [
        "course",
        Column("staff", label=capfirst(_("staff member")), accessor=lambda r: get_user_display_name(r.staff)),
        Column("agency", label=capfirst(_("agency")), accessor="agency.short_name"),
        "date",
        "hours",
        "provider",
    ]
    search_fields = ["course", "provider", "certificate"]
    ordering = ["-date", "course"]
    edit_handler = ObjectList(
        [
            FieldPanel(name)
            for name in ("agency", "staff", "course", "provider", "date", "hours", "certificate")
        ],
        base_form_class=views.TrainingRecordForm,
    )


class SecurityDeclarationViewSet(ScopedViewSet):
    """The approved security levels an agency declared: a new approval is added, old ones stay as history."""

    model = SecurityDeclaration
    name = "analytics_security_declarations"
    url_prefix = "transformation/security/declarations"
    icon = "lock"
    permission_policy = views.security_policy
    list_display = [
        "system_name",
        Column("agency", label=capfirst(_("agency")), accessor="agency.short_name"),
        "level",
        "document_number",
        "document_date",
        "approved_by",
    ]
    search_fields = ["system_name", "document_number", "approved_by"]
    ordering = ["-document_date", "-level"]
    edit_handler = ObjectList(
        [
            FieldPanel(name)
            for name in (
                "agency",
                "system_name",
                "level",
                "document_number",
                "document_date",
                "approved_by",
                "note",
            )
        ],
        base_form_class=views.SecurityDeclarationForm,
    )


@hooks.register("register_admin_viewset")
def register_staff_viewsets():
    return [TrainingRecordViewSet(), SecurityDeclarationViewSet()]


@hooks.register("register_admin_urls")
def register_staff_urls():
    return [
        path("transformation/training/", views.training_summary, name="analytics_training_summary"),
        path("transformation/training/import/", views.training_import, name="analytics_training_import"),
        path("transformation/security/", views.security_page, name="analytics_security"),
    ]


class PolicyMenuItem(MenuItem):
    """Shown to whoever may read the model's records in some agency."""

    def __init__(self, *args, policy, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy

    def is_shown(self, request):
        return self.policy.user_has_permission(request.user, "view")


@hooks.register("register_transformation_menu_item")
def register_training_menu_item():
    return PolicyMenuItem(
        _("Training"),
        reverse("analytics_training_summary"),
        name="training",
        icon_name="group",
        order=300,
        policy=views.training_policy,
    )


@hooks.register("register_transformation_menu_item")
def register_security_menu_item():
    return PolicyMenuItem(
        _("Information security"),
        reverse("analytics_security"),
        name="information-security",
        icon_name="lock",
        order=310,
        policy=views.security_policy,
    )
