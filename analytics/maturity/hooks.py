"""Admin hooks of the maturity self-assessment: its pages and menu item, and the framework editor.

The framework is a snippet with drafts and revisions (Wagtail gives history, compare, publish and unpublish);
only superusers change it, while every member of staff who sees an agency may read it.
"""

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.blocks import StreamBlockValidationError
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from newsroom.models import Agency

from ..models import MaturityFramework
from . import views
from .validation import problems

MENU_HOOK = "register_transformation_menu_item"  # analytics.wagtail_hooks.TRANSFORMATION_MENU_HOOK


class FrameworkPermissionPolicy(ModelPermissionPolicy):
    """Superusers do everything; staff of an agency and oversight officers only view."""

    def _may(self, user, action: str) -> bool:
        if not user.is_active:
            return False
        if user.is_superuser:
            return True
        return action == "view" and Agency.objects.overseen_by(user).exists()

    def user_has_permission(self, user, action):
        return self._may(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self._may(user, action) for action in actions)

    def users_with_any_permission(self, actions, exclude_groups=None):
        return super().users_with_any_permission(actions, exclude_groups).filter(is_superuser=True)

    def user_has_permission_for_instance(self, user, action, instance):
        return self._may(user, action)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions)

    def instances_user_has_any_permission_for(self, user, actions):
        queryset = self.model._default_manager.all()
        return queryset if self.user_has_any_permission(user, actions) else queryset.none()

    def instances_user_has_permission_for(self, user, action):
        return self.instances_user_has_any_permission_for(user, [action])


register_permission_policy(MaturityFramework, FrameworkPermissionPolicy(MaturityFramework))


class FrameworkForm(WagtailAdminModelForm):
    """Checks what no single block can: criterion codes unique across pillars, and the levels against the
    total of the pillars."""

    def clean(self):
        data = super().clean()
        if self.errors or "pillars" not in data or "levels" not in data:
            return data
        pillars = [child.value for child in data["pillars"]]
        levels = [child.value for child in data["levels"]]
        for problem in problems(pillars, levels):
            self.add_error(
                problem.field,
                StreamBlockValidationError(non_block_errors=ErrorList([ValidationError(problem.message)])),
            )
        return data


class MaturityFrameworkViewSet(SnippetViewSet):
    model = MaturityFramework
    icon = "table"
    menu_label = _("Maturity frameworks")
    menu_order = 510
    menu_hook = MENU_HOOK
    list_display = ["decision", "title", "first_year", "issued_on"]
    search_fields = ["title", "decision"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("decision"),
            FieldPanel("issued_on"),
            FieldPanel("issued_by"),
            FieldPanel("first_year"),
            FieldPanel("pillars"),
            FieldPanel("levels"),
        ],
        base_form_class=FrameworkForm,
    )


register_snippet(MaturityFrameworkViewSet)


@hooks.register("register_admin_urls")
def register_maturity_urls():
    return [
        path("transformation/maturity/", views.index, name="analytics_maturity"),
        path(
            "transformation/maturity/<int:agency_id>/<int:year>/",
            views.assessment,
            name="analytics_maturity_assessment",
        ),
    ]


class MaturityMenuItem(MenuItem):
    def is_shown(self, request):
        return Agency.objects.overseen_by(request.user).exists()


@hooks.register(MENU_HOOK)
def register_maturity_menu_item():
    return MaturityMenuItem(
        _("Maturity self-assessment"), reverse("analytics_maturity"), icon_name="tasks", order=500
    )
