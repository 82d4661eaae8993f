"""Who may see and choose which archive asset, on top of Wagtail's collection permissions.

Collections wall each agency's assets off. Sharing loosens or tightens that per asset: "private" keeps an
asset to its uploader (and superusers); "every agency" lets the staff of any agency of the deployment find and
choose it, but never edit or delete it.
"""

from django.db.models import Q
from wagtail.permission_policies.collections import CollectionOwnershipPermissionPolicy

from newsroom.models import Agency

from .models import Sharing


def is_newsroom_staff(user) -> bool:
    """Active staff of some agency, or a superuser: who may use the archive at all."""
    return user.is_active and (user.is_superuser or Agency.objects.for_user(user).exists())


def not_private_to_others(user) -> Q:
    return ~Q(sharing=Sharing.PRIVATE) | Q(uploaded_by_user=user)


class ArchivePermissionPolicy(CollectionOwnershipPermissionPolicy):
    def instances_user_has_any_permission_for(self, user, actions):
        instances = super().instances_user_has_any_permission_for(user, actions)
        if not user.is_active or user.is_superuser:
            return instances
        visible = Q(pk__in=instances.values("pk"))
        if "choose" in actions and is_newsroom_staff(user):
            visible |= Q(sharing=Sharing.DEPLOYMENT)
        return self.model._default_manager.filter(visible).filter(not_private_to_others(user))

    def user_has_permission_for_instance(self, user, action, instance):
        if user.is_active and user.is_superuser:
            return True
        if instance.sharing == Sharing.PRIVATE and instance.uploaded_by_user_id != user.pk:
            return False
        if action == "choose" and instance.sharing == Sharing.DEPLOYMENT and is_newsroom_staff(user):
            return True
        return super().user_has_permission_for_instance(user, action, instance)
