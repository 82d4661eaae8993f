"""Staff management: an agency manager adds and edits their own agency's staff, and nobody else."""

from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users as user_views

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
