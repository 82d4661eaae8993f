import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Collection, Page, Site, Workflow

from newsroom.models import Agency, Role, SectionPage
from newsroom.services import AgencyData, create_agency
from tests.factories import make_agency

pytestmark = pytest.mark.django_db


def test_create_agency_builds_site_home_sections_collection_groups_and_workflow():
    agency = make_agency(short_name="baohaiduong", name="Báo Hải Dương", hostname="baohaiduong.vn", port=443)
    assert agency.site.hostname == "baohaiduong.vn"
    assert agency.site.root_page.specific.__class__.__name__ == "HomePage"
    assert agency.root_page.live
    assert SectionPage.objects.child_of(agency.root_page).live().count() >= 8
    assert agency.collection.name == "Báo Hải Dương"
    assert set(agency.staff_groups.values_list("role", flat=True)) == set(Role.values)
    workflow = agency.root_page.get_workflow()
    assert [task.specific.groups.get() for task in workflow.tasks] == [
        agency.group_for(Role.EDITOR),
        agency.group_for(Role.EDITOR_IN_CHIEF),
    ]


def test_first_agency_becomes_default_site():
    first = make_agency()
    second = make_agency()
    assert first.site.is_default_site and not second.site.is_default_site


def test_duplicate_hostname_is_refused_with_a_translated_message_and_nothing_half_created(settings):
    make_agency(short_name="mot", hostname="tin.example.vn")
    counts = (
        Site.objects.count(),
        Page.objects.count(),
        Collection.objects.count(),
        Workflow.objects.count(),
    )
    with pytest.raises(ValidationError) as error:
        create_agency(
            data=AgencyData(
                name="Báo khác", short_name="khac", kind="newspaper", hostname="tin.example.vn", port=80
            )
        )
    assert "hostname" in error.value.message_dict
    assert (
        Site.objects.count(),
        Page.objects.count(),
        Collection.objects.count(),
        Workflow.objects.count(),
    ) == counts
    assert not Agency.objects.filter(short_name="khac").exists()


@pytest.mark.parametrize(
    "field,value",
    [("short_name", "Có Dấu"), ("kind", "blog"), ("hostname", "not a host"), ("port", 70000), ("name", "  ")],
)
def test_invalid_agency_data_names_the_field(field, value):
    values = {
        "name": "Báo mới",
        "short_name": "baomoi",
        "kind": "newspaper",
        "hostname": "baomoi.vn",
        "port": 80,
    }
    values[field] = value
    with pytest.raises(ValidationError) as error:
        create_agency(data=AgencyData(**values))
    assert field in error.value.message_dict
    assert not Agency.objects.exists()


def test_failure_midway_rolls_everything_back(monkeypatch):
    import newsroom.services as services

    def explode(agency):
        raise RuntimeError("workflow store down")

    monkeypatch.setattr(services, "_create_workflow", explode)
    pages = Page.objects.count()
    with pytest.raises(RuntimeError):
        make_agency(short_name="hong")
    assert Page.objects.count() == pages
    assert not Site.objects.filter(hostname="hong.localhost").exists()
    assert not Agency.objects.exists()


def test_sync_brings_existing_agencies_in_step_with_the_roles_table(agency):
    from newsroom.models import AgencyGroup
    from newsroom.services import sync_agency_permissions

    editors = AgencyGroup.objects.get(agency=agency, role="editor").group
    editors.permissions.clear()  # as an agency created before a role gained permissions
    assert sync_agency_permissions() >= 1
    assert editors.permissions.filter(
        codename="view_delivery", content_type__app_label="distribution"
    ).exists()
