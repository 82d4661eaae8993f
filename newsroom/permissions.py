"""Tenant walls: nobody but a superuser reads or writes another agency's objects.

Pages, images, documents and media are walled by Wagtail's own page and collection permissions
(granted per agency by newsroom.services). Models that carry an `agency` field go through
AgencyOwnedPermissionPolicy (or AgencyRolePermissionPolicy, when the role held in each agency matters)
and the AgencyScoped* views below, so their listings, choosers and object URLs only ever reach the
user's own agencies.
"""

from django.db.models import Q
from django.views.generic.detail import SingleObjectMixin
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry

from .models import Agency, Assignment


class AgencyOwnedPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, further limited to instances whose agency the user works for.

    `agency_path` is the lookup from the model to Agency ("agency", or "pk" for Agency itself).
    """

    def __init__(self, model, *, agency_path: str = "agency", auth_model=None):
        super().__init__(model, auth_model=auth_model)
        self.agency_path = agency_path

    def _agency_filter(self, user) -> Q:
        return Q(**{f"{self.agency_path}__in": Agency.objects.for_user(user)})

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        if not self.user_has_any_permission(user, actions):
            return False
        if user.is_superuser:
            return True
        return self.model._default_manager.filter(self._agency_filter(user), pk=instance.pk).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        queryset = self.model._default_manager.all()
        if not self.user_has_any_permission(user, actions):
            return queryset.none()
        if user.is_superuser:
            return queryset
        return queryset.filter(self._agency_filter(user)).distinct()

    def instances_user_has_permission_for(self, user, action):
        return self.instances_user_has_any_permission_for(user, [action])


class AgencyRolePermissionPolicy(ModelPermissionPolicy):
    """Model permissions as the role the user holds in each agency grants them, limited to that agency.

    Someone who edits for one agency and reports for another may act as an editor in the first only.
    `agency_path` is the lookup from the model to Agency.
    """

    def __init__(self, model, *, agency_path: str = "agency"):
        super().__init__(model)
        self.agency_path = agency_path

    def agencies_for(self, user, actions):
        """The agencies in which one of the user's roles grants one of `actions` on the model."""
        if not user.is_active:
            return Agency.objects.none()
        if user.is_superuser:
            return Agency.objects.all()
        cache = getattr(user, "_agency_role_permissions", None)
        if cache is None:  # asked several times a request (menu, views, forms): one query per question
            cache = user._agency_role_permissions = {}
        key = (self.model, frozenset(actions))
        if key not in cache:
            # One filter() call: the group that makes the user staff of the agency holds the permission.
            cache[key] = list(
                Agency.objects.filter(
                    staff_groups__group__user=user,
                    staff_groups__group__permissions__content_type=self._content_type,
                    staff_groups__group__permissions__codename__in=self._get_permission_codenames(actions),
                )
                .distinct()
                .values_list("pk", flat=True)
            )
        return Agency.objects.filter(pk__in=cache[key])

    def user_has_permission(self, user, action):
        return self.user_has_any_permission(user, [action])

    def user_has_any_permission(self, user, actions):
        return self.agencies_for(user, actions).exists()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_any_permission_for_instance(user, [action], instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.instances_user_has_any_permission_for(user, actions).filter(pk=instance.pk).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if user.is_active and user.is_superuser:
            return self.model._default_manager.all()
        return self.model._default_manager.filter(
            **{f"{self.agency_path}__in": self.agencies_for(user, actions)}
        )

    def instances_user_has_permission_for(self, user, action):
        return self.instances_user_has_any_permission_for(user, [action])


ANY_ACTION = ["add", "change", "delete", "view"]


def scoped_queryset(model, user, *, agency_path: str = "agency"):
    """Instances of `model` the user may reach at all: those of their own agencies (for a model with an
    AgencyRolePermissionPolicy, those of the agencies where their role grants some permission on it)."""
    policy = policy_registry.get_by_type(model, fallback=False)
    if not isinstance(policy, AgencyRolePermissionPolicy):
        policy = AgencyOwnedPermissionPolicy(model, agency_path=agency_path)
    return policy.instances_user_has_any_permission_for(user, ANY_ACTION)


class AgencyScopedListMixin:
    """For index views: list only objects of the user's agencies."""

    agency_path = "agency"

    def get_base_queryset(self):
        return scoped_queryset(self.model, self.request.user, agency_path=self.agency_path)


class AgencyScopedObjectMixin(AgencyScopedListMixin):
    """For single-object views: objects outside the user's agencies answer 404, as if absent."""

    def get_queryset(self):
        return self.get_base_queryset()

    def get_base_object_queryset(self):
        return self.get_base_queryset()


class AgencyScopedObjectLookupMixin:
    """For single-object views, history and usage included: only the object's lookup is walled.

    Unlike AgencyScopedObjectMixin it leaves get_base_queryset alone, which history and usage views use
    for what they list (log entries, references).
    """

    agency_path = "agency"

    def agency_scoped_queryset(self):
        return scoped_queryset(self.model, self.request.user, agency_path=self.agency_path)

    def get_base_object_queryset(self):  # history, usage and inspect views
        return self.agency_scoped_queryset()

    def get_queryset(self):
        if isinstance(self, SingleObjectMixin):  # edit and delete views
            return self.agency_scoped_queryset()
        return super().get_queryset()


class AgencyScopedChooserMixin:
    """For chooser views: offer and accept only objects of the user's agencies."""

    agency_path = "agency"

    def _scoped(self):
        return scoped_queryset(self.model_class, self.request.user, agency_path=self.agency_path)

    def get_object_list(self):
        return self._scoped()

    def get_object(self, pk):
        return self._scoped().get(pk=pk)

    def get_objects(self, pks):
        return self._scoped().filter(pk__in=pks)


def scoped_view(view_class, *, mixin=AgencyScopedObjectMixin, agency_path: str = "agency"):
    """A subclass of `view_class` that only reaches objects of the user's agencies."""
    return type(f"AgencyScoped{view_class.__name__}", (mixin, view_class), {"agency_path": agency_path})


# The desk gives out assignments in the agencies where it is the desk (newsroom.roles).
assignment_policy = AgencyRolePermissionPolicy(Assignment)
