"""Signal receivers of the audit log (connected by NewsroomConfig.ready).

Permission changes are noted here and written on commit by newsroom.audit.permission_changes: group
memberships (User.groups), a group's model permissions (Group.permissions), Wagtail's page and collection
permissions, superuser and active flags. Wagtail's page and collection permission forms write new rows with
bulk_create, which sends no signal: the group's own save, in the same transaction
(newsroom.audit.middleware makes the group editor one), notes the group first.

Wagtail's log entries of a deletion also get the agency of the deleted object here (attribution.AGENCY_KEY),
which nothing could tell once the object is gone.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_init, post_save, pre_delete, pre_save
from django.dispatch import receiver
from wagtail.models import GroupCollectionPermission, GroupPagePermission, ModelLogEntry, PageLogEntry

from newsroom.models import Agency

from . import permission_changes as changes
from .attribution import AGENCY_KEY, agency_of_object

User = get_user_model()
BEFORE_CHANGE = {"pre_add", "pre_remove", "pre_clear"}


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit-membership")
def membership_changing(sender, instance, action, reverse, pk_set, using, **kwargs):
    if action not in BEFORE_CHANGE:
        return
    if not reverse:  # user.groups.add(...)
        changes.note(changes.MEMBERSHIP, instance.pk, using=using, label=instance.get_username())
        return
    # group.user_set.add(...): pk_set holds users (none for clear(): every member)
    user_ids = pk_set if pk_set is not None else instance.user_set.values_list("pk", flat=True)
    for user_id in user_ids:
        changes.note(changes.MEMBERSHIP, user_id, using=using)


@receiver(m2m_changed, sender=Group.permissions.through, dispatch_uid="audit-group-permissions")
def group_permissions_changing(sender, instance, action, reverse, pk_set, using, **kwargs):
    if action not in BEFORE_CHANGE:
        return
    group_ids = [instance.pk] if not reverse else (pk_set or instance.group_set.values_list("pk", flat=True))
    for group_id in group_ids:
        changes.note(changes.GROUP, group_id, using=using)


@receiver(pre_save, sender=Group, dispatch_uid="audit-group-saving")
def group_saving(sender, instance, raw=False, using=None, **kwargs):
    if instance.pk is not None and not raw:
        changes.note(changes.GROUP, instance.pk, using=using)


@receiver(post_save, sender=Group, dispatch_uid="audit-group-created")
def group_created(sender, instance, created, raw=False, using=None, **kwargs):
    if created and not raw:
        changes.note(changes.GROUP, instance.pk, using=using, before=lambda: changes.NEW_GROUP)


@receiver(pre_delete, sender=Group, dispatch_uid="audit-group-deleting")
def group_deleting(sender, instance, using, **kwargs):
    changes.note(changes.GROUP, instance.pk, using=using)


def _grant_created(grant):
    def receiver_(sender, instance, created, raw=False, using=None, **kwargs):
        if created and not raw:

            def before():  # the row exists already: the state before is the state without it
                state = changes.read_group(instance.group_id) or changes.NEW_GROUP
                return changes.GroupState(state.name, state.agency_ids, state.grants - {grant(instance)})

            changes.note(changes.GROUP, instance.group_id, using=using, before=before)

    return receiver_


def _grant_deleting(sender, instance, using, **kwargs):
    changes.note(changes.GROUP, instance.group_id, using=using)


post_save.connect(_grant_created(changes.page_grant), sender=GroupPagePermission, weak=False)
post_save.connect(_grant_created(changes.collection_grant), sender=GroupCollectionPermission, weak=False)
pre_delete.connect(_grant_deleting, sender=GroupPagePermission, dispatch_uid="audit-page-grant")
pre_delete.connect(_grant_deleting, sender=GroupCollectionPermission, dispatch_uid="audit-collection-grant")


@receiver(post_init, sender=User, dispatch_uid="audit-account-loaded")
def account_loaded(sender, instance, **kwargs):
    # From __dict__: a deferred flag is not loaded just to remember it (None: unknown).
    instance._audit_flags = {flag: instance.__dict__.get(flag) for flag in changes.FLAGS}


@receiver(post_save, sender=User, dispatch_uid="audit-account-saved")
def account_saved(sender, instance, created, raw=False, using=None, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not set(update_fields) & set(changes.FLAGS)):
        return
    known = getattr(instance, "_audit_flags", {})
    # A new account starts as an active non-superuser: creating a superuser is the change worth an entry.
    before = {"is_superuser": False, "is_active": instance.is_active} if created else dict(known)
    now = {flag: getattr(instance, flag) for flag in changes.FLAGS}
    instance._audit_flags = now
    if any(before.get(flag) is not None and before[flag] != now[flag] for flag in changes.FLAGS):
        label = instance.get_username()
        changes.note(changes.ACCOUNT, instance.pk, using=using, before=lambda: before, label=label)


@receiver(pre_delete, sender=User, dispatch_uid="audit-account-deleting")
def account_deleting(sender, instance, using, **kwargs):
    # Deleting a user drops their memberships without m2m signals: note them first.
    changes.note(changes.MEMBERSHIP, instance.pk, using=using, label=instance.get_username())


@receiver(pre_save, sender=PageLogEntry, dispatch_uid="audit-page-deletion-agency")
def page_deletion_agency(sender, instance, raw=False, **kwargs):
    if raw or not (instance._state.adding and instance.deleted) or instance.page_id is None:
        return
    agency = Agency.objects.for_page(instance.page)
    if agency is not None:
        instance.data = {**(instance.data or {}), AGENCY_KEY: agency.pk}


@receiver(pre_save, sender=ModelLogEntry, dispatch_uid="audit-object-deletion-agency")
def object_deletion_agency(sender, instance, raw=False, **kwargs):
    if raw or not (instance._state.adding and instance.deleted):
        return
    model = instance.content_type.model_class()
    agency_id = agency_of_object(model, instance.object_id) if model is not None else None
    if agency_id is not None:
        instance.data = {**(instance.data or {}), AGENCY_KEY: agency_id}
