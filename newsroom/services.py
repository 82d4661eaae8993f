"""Writes to the newsroom's own model: agencies, their staff groups and oversight bodies."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_domain_name
from django.db import transaction
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from . import roles
from .models import Agency, AgencyGroup, AgencyKind, HomePage, OversightBody, Role, SectionPage

# The desks every Vietnamese general-news agency starts with; editable afterwards.
STANDARD_SECTIONS = [
    gettext_lazy("Current affairs"),
    gettext_lazy("Politics"),
    gettext_lazy("Economy"),
    gettext_lazy("Society"),
    gettext_lazy("Law"),
    gettext_lazy("Culture"),
    gettext_lazy("Education"),
    gettext_lazy("Health"),
    gettext_lazy("Sport"),
    gettext_lazy("Digital transformation"),
]


@dataclass(frozen=True)
class AgencyData:
    name: str
    short_name: str
    kind: str
    hostname: str
    port: int = 80
    licence_number: str = ""
    governing_body: str = ""
    province: str = ""
    tagline: str = ""
    require_two_factor: bool = False


def validate_agency_data(data: AgencyData) -> None:
    """Raise ValidationError (field → translated message) for anything create_agency would refuse."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = _("Give the agency's name.")
    elif Agency.objects.filter(name__iexact=data.name.strip()).exists():
        errors["name"] = _("An agency with this name already exists.")
    if not data.short_name or slugify(data.short_name) != data.short_name:
        errors["short_name"] = _("Use lower-case letters, digits and hyphens only, e.g. “baohaiduong”.")
    elif Agency.objects.filter(short_name=data.short_name).exists():
        errors["short_name"] = _("Another agency already uses this short name.")
    if data.kind not in AgencyKind.values:
        errors["kind"] = _("Choose one of the listed kinds of agency.")
    try:
        if data.hostname not in {"localhost"} and not _is_ip(data.hostname):
            validate_domain_name(data.hostname)
    except ValidationError:
        errors["hostname"] = _("“%(hostname)s” is not a valid host name.") % {"hostname": data.hostname}
    if not 1 <= int(data.port) <= 65535:
        errors["port"] = _("The port must be between 1 and 65535.")
    elif "hostname" not in errors and Site.objects.filter(hostname=data.hostname, port=data.port).exists():
        errors["hostname"] = _(
            "The host name %(hostname)s on port %(port)s already belongs to another site."
        ) % {
            "hostname": data.hostname,
            "port": data.port,
        }
    if errors:
        raise ValidationError(errors)


def _is_ip(hostname: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


@transaction.atomic
def create_agency(*, data: AgencyData, sections=STANDARD_SECTIONS) -> Agency:
    """Create an agency with its site, home page, sections, collection, staff groups and workflow.

    All or nothing: raises ValidationError and leaves no trace if any part is refused.
    """
    validate_agency_data(data)
    with translation.override(settings.LANGUAGE_CODE):
        root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title=data.name, slug=data.short_name, tagline=data.tagline))
        home.save_revision().publish()
        site = Site.objects.create(
            hostname=data.hostname,
            port=data.port,
            root_page=home,
            site_name=data.name,
            is_default_site=not Site.objects.filter(is_default_site=True).exists(),
        )
        collection = Collection.get_first_root_node().add_child(name=data.name)
        agency = Agency.objects.create(
            name=data.name.strip(),
            short_name=data.short_name,
            kind=data.kind,
            licence_number=data.licence_number,
            governing_body=data.governing_body,
            province=data.province,
            site=site,
            collection=collection,
            require_two_factor=data.require_two_factor,
        )
        for role in Role:
            group = Group.objects.create(name=f"{data.short_name} · {role.label}")
            AgencyGroup.objects.create(agency=agency, role=role, group=group)
        apply_role_permissions(agency)
        _create_workflow(agency)
        for title in sections:
            section = home.add_child(instance=SectionPage(title=str(title), slug=slugify(_ascii(str(title)))))
            section.save_revision().publish()
    return agency


def _ascii(text: str) -> str:
    from .search import fold

    return fold(text)


def _permissions(codenames: set[str]) -> list[Permission]:
    found = []
    for dotted in sorted(codenames):
        app_label, codename = dotted.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def sync_agency_permissions() -> int:
    """Re-apply newsroom.roles to every agency's staff groups (after the table changed); returns how many."""
    agencies = list(Agency.objects.select_related("site__root_page", "collection"))
    for agency in agencies:
        apply_role_permissions(agency)
    return len(agencies)


@transaction.atomic
def apply_role_permissions(agency: Agency) -> None:
    """Give each staff group of `agency` exactly the permissions its role has in newsroom.roles, all or
    nothing (so the audit log records only what really changed)."""
    home = agency.root_page
    for agency_group in agency.staff_groups.select_related("group"):
        group, role = agency_group.group, agency_group.role
        GroupPagePermission.objects.filter(group=group).delete()
        for permission_type in sorted(roles.PAGE_PERMISSIONS[role]):
            GroupPagePermission.objects.create(group=group, page=home, permission_type=permission_type)
        GroupCollectionPermission.objects.filter(group=group).delete()
        for kind, actions in roles.COLLECTION_PERMISSIONS[role].items():
            app_label, model = roles.COLLECTION_MODELS[kind].split(".")
            for action in sorted(actions):
                GroupCollectionPermission.objects.create(
                    group=group,
                    collection=agency.collection,
                    permission=Permission.objects.get(
                        content_type__app_label=app_label, codename=f"{action}_{model}"
                    ),
                )
        group.permissions.set(_permissions(roles.MODEL_PERMISSIONS[role]))


def _create_workflow(agency: Agency) -> Workflow:
    workflow = Workflow.objects.create(
        name=_("%(agency)s: review and publish") % {"agency": agency.short_name}
    )
    step_names = {
        Role.EDITOR: _("Editor review"),
        Role.EDITOR_IN_CHIEF: _("Editor-in-chief approval"),
    }
    for order, role in enumerate(roles.WORKFLOW_STEPS):
        task = GroupApprovalTask.objects.create(name=f"{agency.short_name}: {step_names[role]}")
        task.groups.set([agency.group_for(role)])
        WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=order)
    WorkflowPage.objects.create(workflow=workflow, page=agency.root_page)
    return workflow


@transaction.atomic
def create_oversight_body(*, name: str, kind: str, agencies) -> OversightBody:
    """An oversight body with its own group: admin access and read-only panels, no content rights."""
    if OversightBody.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("An oversight body with this name already exists.")})
    group = Group.objects.create(name=f"{name} · {_('Oversight')}")
    group.permissions.set(_permissions(roles.OVERSIGHT_PERMISSIONS))
    body = OversightBody.objects.create(name=name, kind=kind, group=group)
    body.agencies.set(agencies)
    return body


@transaction.atomic
def add_staff(*, agency: Agency, user, role: str) -> None:
    """Put `user` in `agency`'s group for `role`."""
    user.groups.add(agency.group_for(role))
