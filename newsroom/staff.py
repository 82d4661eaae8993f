"""Staff management: an agency manager adds and edits their own agency's staff, and nobody else."""

from django.contrib.auth.models import Group
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users as user_views
from wagtail.users.views.bulk_actions.assign_role import AssignRoleBulkAction
from wagtail.users.views.bulk_actions.delete import DeleteBulkAction
from wagtail.users.views.bulk_actions.set_active_state import SetActiveStateBulkAction

from .models import Agency
from .permissions import AgencyScopedObjectLookupMixin, AgencyScopedObjectMixin


def staff_queryset(user):
    """Users the given user may manage: everyone for a superuser, else the staff of their agencies."""
    from django.contrib.auth import get_user_model

    users = get_user_model()._default_manager.all()
    if user.is_superuser:
        return users
    return users.filter(
        groups__agency_role__agency__in=Agency.objects.for_user(user), is_superuser=False
    ).distinct()


def assignable_groups(user):
    if user.is_superuser:
        return Group.objects.all()
    return Group.objects.filter(agency_role__agency__in=Agency.objects.for_user(user))


class StaffFormMixin:
    """Limits the groups a manager can hand out to their agencies' roles, and hides the superuser flag."""

    def __init__(self, *args, for_user=None, **kwargs):
        self.for_user = for_user
        super().__init__(*args, **kwargs)
        if for_user is None or for_user.is_superuser:
            return
        self.fields.pop("is_superuser", None)
        if "groups" in self.fields:
            self.fields["groups"].queryset = assignable_groups(for_user)

    def clean(self):
        cleaned = super().clean()
        if self.for_user is not None and not self.for_user.is_superuser and not cleaned.get("groups"):
            self.add_error("groups", _("Choose at least one role in your agency."))
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=False)
        if commit:
            user.save()
            self._save_groups(user)
        return user

    def save_m2m(self):
        self._save_groups(self.instance)

    def _save_groups(self, user):
        if "groups" not in self.cleaned_data:
            return
        if self.for_user is None or self.for_user.is_superuser:
            user.groups.set(self.cleaned_data["groups"])
            return
        # Memberships outside the manager's reach (another agency, oversight) are kept as they were.
        allowed = assignable_groups(self.for_user)
        kept = user.groups.exclude(pk__in=allowed) if user.pk else Group.objects.none()
        user.groups.set([*kept, *self.cleaned_data["groups"]])


class StaffCreationForm(StaffFormMixin, UserCreationForm):
    pass


class StaffEditForm(StaffFormMixin, UserEditForm):
    pass


class _StaffScope:
    def get_base_queryset(self):
        return staff_queryset(self.request.user)


class StaffIndexView(_StaffScope, user_views.IndexView):
    def get_base_queryset(self):
        return _StaffScope.get_base_queryset(self).select_related("wagtail_userprofile")


class StaffFormKwargsMixin:
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "for_user": self.request.user}


class StaffCreateView(StaffFormKwargsMixin, user_views.CreateView):
    pass


class StaffEditView(StaffFormKwargsMixin, _StaffScope, AgencyScopedObjectMixin, user_views.EditView):
    pass


class StaffDeleteView(_StaffScope, AgencyScopedObjectMixin, user_views.DeleteView):
    pass


class _StaffLookup(AgencyScopedObjectLookupMixin):
    """History and usage list log entries and references: only the user looked up is walled."""

    def agency_scoped_queryset(self):
        return staff_queryset(self.request.user)


class StaffHistoryView(_StaffLookup, user_views.HistoryView):
    pass


class StaffUsageView(_StaffLookup, user_views.UserViewSet.usage_view_class):
    pass


class AgencyUserViewSet(user_views.UserViewSet):
    copy_view_enabled = False
    usage_view_class = StaffUsageView
    index_view_class = StaffIndexView
    add_view_class = StaffCreateView
    edit_view_class = StaffEditView
    delete_view_class = StaffDeleteView
    history_view_class = StaffHistoryView

    def get_form_class(self, for_update=False):
        return StaffEditForm if for_update else StaffCreationForm


# --- bulk actions in the staff listing ------------------------------------------------------------------
class _StaffBulkAction:
    """Wagtail's user bulk actions check the model permission only: a manager could deactivate, delete or give
    a role to another agency's staff, and hand anyone, themselves too, any group of the deployment. These act
    on the user's own staff only (the others are counted, never named: see the list_items_with_no_access
    templates) and hand out the user's agencies' roles only."""

    @cached_property
    def manageable_ids(self) -> set[int]:
        return set(staff_queryset(self.request.user).values_list("pk", flat=True))

    def check_perm(self, obj):
        return super().check_perm(obj) and (self.request.user.is_superuser or obj.pk in self.manageable_ids)

    def get_all_objects_in_listing_query(self, parent_id):
        listed = super().get_all_objects_in_listing_query(parent_id)
        if self.request.user.is_superuser:
            return listed
        return [pk for pk in listed if pk in self.manageable_ids]


class StaffAssignRoleBulkAction(_StaffBulkAction, AssignRoleBulkAction):
    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["role"].queryset = assignable_groups(self.request.user)
        return form


class StaffSetActiveStateBulkAction(_StaffBulkAction, SetActiveStateBulkAction):
    pass


class StaffDeleteBulkAction(_StaffBulkAction, DeleteBulkAction):
    pass


STAFF_BULK_ACTIONS = [StaffAssignRoleBulkAction, StaffSetActiveStateBulkAction, StaffDeleteBulkAction]
