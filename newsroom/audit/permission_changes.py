"""Audit entries for permission changes: who joined or left which group, what each group may do, and whose
account became a superuser's or was switched off.

newsroom.audit.receivers notes each change as it happens; the entries are written when the transaction
commits, one per person or group, as the difference between before and after. Wagtail's group editor deletes
and re-creates permission rows, and newsroom.services re-applies the role table after each migration: an
entry per row would bury the real changes under ones that change nothing, and a transaction rolled back
changed nothing at all. (Written just after the commit, so a crash in that instant loses them.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from newsroom.models import Agency, AgencyGroup, OversightBody

from .context import current_actor, current_request
from .services import record

MEMBERSHIP, GROUP, ACCOUNT = "membership", "group", "account"
FLAGS = ("is_superuser", "is_active")


@dataclass(frozen=True)
class GroupState:
    """What a group may do: (kind, target pk or None, permission pk) for model, page and collection grants."""

    name: str
    agency_ids: frozenset[int]
    grants: frozenset[tuple[str, int | None, int]]


NEW_GROUP = GroupState(name="", agency_ids=frozenset(), grants=frozenset())


@dataclass
class Change:
    kind: str
    object_id: int
    before: object
    actor: object
    request: object
    label: str = ""


@dataclass
class Batch:
    """The changes of one transaction on one connection, each with its state before; called on commit."""

    connection: object
    changes: dict[tuple[str, int], Change] = field(default_factory=dict)

    def pending(self) -> bool:
        return any(hook[1] is self for hook in self.connection.run_on_commit)

    def __call__(self):
        if getattr(_local, "batch", None) is self:
            _local.batch = None
        changes, self.changes = self.changes, {}
        for change in changes.values():
            WRITERS[change.kind](change)


_local = threading.local()


def _batch(using: str) -> Batch:
    connection = transaction.get_connection(using)
    batch = getattr(_local, "batch", None)
    # A batch whose commit hook is gone was rolled back: what it noted never happened.
    if batch is None or batch.connection is not connection or not batch.pending():
        batch = _local.batch = Batch(connection)
    return batch


def note(kind: str, object_id: int, *, using: str, before: Callable[[], object] | None = None, label=""):
    """Remember the state of (kind, object_id) before its first change in this transaction, and write its
    entry on commit (at once outside a transaction). `before` gives that state when it can no longer be read
    (the change is already made); otherwise it is read now."""
    batch = _batch(using)
    key = (kind, object_id)
    if key not in batch.changes:
        state = before() if before is not None else READERS[kind](object_id)
        batch.changes[key] = Change(kind, object_id, state, current_actor(), current_request(), label)
    # Registered at each change, not once: a hook registered inside a savepoint later rolled back is dropped
    # with it. Writing the batch empties it, so the later calls find nothing to write.
    transaction.on_commit(batch, using=using, robust=True)


# --- reading the state -----------------------------------------------------------------------------------
def read_membership(user_id: int) -> frozenset[int]:
    through = get_user_model().groups.through
    return frozenset(through.objects.filter(user_id=user_id).values_list("group_id", flat=True))


def read_group(group_id: int) -> GroupState | None:
    name = Group.objects.filter(pk=group_id).values_list("name", flat=True).first()
    if name is None:
        return None
    model = Group.permissions.through.objects.filter(group_id=group_id).values_list(
        "permission_id", flat=True
    )
    pages = GroupPagePermission.objects.filter(group_id=group_id).values_list("page_id", "permission_id")
    collections = GroupCollectionPermission.objects.filter(group_id=group_id).values_list(
        "collection_id", "permission_id"
    )
    grants = {("model", None, pk) for pk in model}
    grants |= {("page", page, pk) for page, pk in pages}
    grants |= {("collection", collection, pk) for collection, pk in collections}
    return GroupState(
        name=name, agency_ids=frozenset(_group_agencies([group_id])[group_id]), grants=frozenset(grants)
    )


def read_account(user_id: int) -> dict | None:
    return get_user_model().objects.filter(pk=user_id).values(*FLAGS).first()


def page_grant(row: GroupPagePermission) -> tuple[str, int, int]:
    return ("page", row.page_id, row.permission_id)


def collection_grant(row: GroupCollectionPermission) -> tuple[str, int, int]:
    return ("collection", row.collection_id, row.permission_id)


def _group_agencies(group_ids) -> dict[int, set[int]]:
    """{group pk: agencies it concerns}: a staff group's agency, or those its oversight body oversees."""
    found: dict[int, set[int]] = {pk: set() for pk in group_ids}
    for group_id, agency_id in AgencyGroup.objects.filter(group_id__in=group_ids).values_list(
        "group_id", "agency_id"
    ):
        found[group_id].add(agency_id)
    overseen = OversightBody.agencies.through.objects.filter(oversightbody__group_id__in=group_ids)
    for group_id, agency_id in overseen.values_list("oversightbody__group_id", "agency_id"):
        found[group_id].add(agency_id)
    return found


# --- writing the entries ------------------------------------------------------------------------------
def _agencies(ids) -> dict[int, Agency]:
    return Agency.objects.in_bulk(set(ids))


def _user_stand_in(user_id: int, label: str):
    """The user, or an unsaved stand-in with their pk and name once the account is gone."""
    User = get_user_model()
    return User.objects.filter(pk=user_id).first() or User(pk=user_id, **{User.USERNAME_FIELD: label})


def write_membership(change: Change) -> None:
    after = read_membership(change.object_id)
    added, removed = after - change.before, change.before - after
    if not added and not removed:
        return
    user = _user_stand_in(change.object_id, change.label)
    deleted = user._state.adding
    names = dict(Group.objects.filter(pk__in=added | removed).values_list("pk", "name"))
    by_agency: dict[int | None, dict[str, list[str]]] = {}
    for group_id, agencies in _group_agencies(added | removed).items():
        side = "added" if group_id in added else "removed"
        for agency_id in agencies or {None}:
            lists = by_agency.setdefault(agency_id, {"added": [], "removed": []})
            lists[side].append(names.get(group_id, f"#{group_id}"))
    agencies = _agencies(key for key in by_agency if key is not None)
    for agency_id, lists in by_agency.items():
        data = {"user": user.get_username(), **{side: sorted(names) for side, names in lists.items()}}
        if deleted:
            data["account_deleted"] = True
        record(
            "permissions.membership",
            request=change.request,
            user=change.actor,
            agencies=[agencies[agency_id]] if agency_id in agencies else [],
            obj=user,
            data=data,
        )


def write_group(change: Change) -> None:
    before: GroupState = change.before or NEW_GROUP
    after = read_group(change.object_id)
    current = after or NEW_GROUP
    added, removed = current.grants - before.grants, before.grants - current.grants
    if not added and not removed:
        return
    name = current.name or before.name
    permissions = {
        pk: f"{app}.{codename}"
        for pk, app, codename in Permission.objects.filter(
            pk__in={grant[2] for grant in added | removed}
        ).values_list("pk", "content_type__app_label", "codename")
    }
    pages = Page.objects.in_bulk({grant[1] for grant in added | removed if grant[0] == "page"})
    collections = Collection.objects.in_bulk(
        {grant[1] for grant in added | removed if grant[0] == "collection"}
    )
    agency_ids = set(before.agency_ids | current.agency_ids)
    targets = list(Agency.objects.select_related("site__root_page", "collection"))
    for page in pages.values():
        agency_ids |= {agency.pk for agency in targets if page.path.startswith(agency.root_page.path)}
    for collection in collections.values():
        agency_ids |= {agency.pk for agency in targets if collection.path.startswith(agency.collection.path)}

    def described(grants):
        rows = []
        for kind, target, permission in sorted(grants, key=lambda grant: (grant[0], grant[1] or 0, grant[2])):
            row = {"permission": permissions.get(permission, f"#{permission}")}
            if kind == "page":
                row["page"] = pages[target].title if target in pages else f"#{target}"
            elif kind == "collection":
                row["collection"] = collections[target].name if target in collections else f"#{target}"
            rows.append(row)
        return rows

    data = {"group": name, "added": described(added), "removed": described(removed)}
    if before == NEW_GROUP:
        data["group_created"] = True
    if after is None:
        data["group_deleted"] = True
    record(
        "permissions.changed",
        request=change.request,
        user=change.actor,
        agencies=[agency for agency in targets if agency.pk in agency_ids],
        obj=Group(pk=change.object_id, name=name),
        data=data,
    )


def write_account(change: Change) -> None:
    after = read_account(change.object_id)
    if after is None:  # deleted: the membership entry says so
        return
    changed = {
        flag: [change.before[flag], after[flag]] for flag in FLAGS if change.before[flag] != after[flag]
    }
    if not changed:
        return
    user = _user_stand_in(change.object_id, change.label)
    agency_ids = {
        agency
        for agencies in _group_agencies(read_membership(change.object_id)).values()
        for agency in agencies
    }
    record(
        "permissions.account",
        request=change.request,
        user=change.actor,
        agencies=list(_agencies(agency_ids).values()),
        obj=user,
        data={"user": user.get_username(), "changes": changed},
    )


READERS = {MEMBERSHIP: read_membership, GROUP: read_group, ACCOUNT: read_account}
WRITERS = {MEMBERSHIP: write_membership, GROUP: write_group, ACCOUNT: write_account}
