"""The walls newsroom/walls.py puts around views Wagtail and wagtailmedia mount: each shows a person of one
agency that agency's things and nothing of another's, and a superuser everything."""

import json
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtailmedia.models import get_media_model

from newsroom.models import Role
from tests.factories import make_image, make_story, make_user, section_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(agency):
    return make_user(username="bientap", agency=agency, role=Role.EDITOR)


@pytest.fixture
def superuser(db):
    return make_user(username="quantri", is_superuser=True)


def document_of(agency, title):
    return get_document_model().objects.create(
        title=title, file=ContentFile(b"%PDF-1.4\n%%EOF", name="tai-lieu.pdf"), collection=agency.collection
    )


def media_of(agency, title):
    return get_media_model().objects.create(
        title=title,
        file=ContentFile(b"\x00" * 64, name="clip.mp4"),
        type="video",
        collection=agency.collection,
        duration=1,
    )


def titles(response) -> set[str]:
    assert response.status_code == 200
    return {item["title"] for item in response.json()["items"]}


@pytest.mark.parametrize("endpoint", ["images", "documents"])
def test_the_admin_api_lists_and_finds_only_what_the_user_may_choose(
    client, agency, other_agency, editor, superuser, endpoint
):
    make = make_image if endpoint == "images" else (lambda agency, title: document_of(agency, title))
    own = make(agency=agency, title="Ảnh lũ Thanh Hà")
    foreign = make(agency=other_agency, title="Ảnh mật Sóc Trăng")
    api = f"/admin/api/main/{endpoint}/"

    client.force_login(editor)
    assert titles(client.get(api)) == {own.title}
    assert client.get(f"{api}{own.pk}/").json()["title"] == own.title
    assert client.get(f"{api}{foreign.pk}/").status_code == 404
    assert client.get(f"{api}find/?id={foreign.pk}").status_code == 404

    client.force_login(superuser)
    assert titles(client.get(api)) == {own.title, foreign.title}


def test_an_officer_without_asset_rights_gets_nothing_from_the_admin_api(client, agency):
    from newsroom.services import create_oversight_body

    body = create_oversight_body(name="Sở Văn hóa và Thông tin", kind="province", agencies=[agency])
    officer = make_user(username="chuyenvien")
    officer.groups.add(body.group)
    make_image(agency=agency, title="Ảnh của báo")
    client.force_login(officer)
    response = client.get("/admin/api/main/images/")
    assert response.status_code == 200 and response.json()["items"] == []


def test_the_page_choosers_last_step_answers_only_the_users_own_pages(client, agency, other_agency, editor):
    own = make_story(section=section_of(agency), title="Tin của Hải Dương")
    foreign = make_story(section=section_of(other_agency), title="Tin nháp Sóc Trăng", publish=False)
    client.force_login(editor)
    response = client.get("/admin/choose-page/chosen-multiple/", {"id": [own.pk, foreign.pk, "x"]})
    assert response.status_code == 200
    result = json.loads(response.content)["result"]
    assert [page["id"] for page in result] == [own.pk]
    assert "Sóc Trăng" not in response.content.decode()


def test_the_page_types_report_counts_and_names_only_the_users_agencies(client, agency, other_agency, editor):
    make_story(section=section_of(agency), title="Tin Hải Dương")
    make_story(section=section_of(other_agency), title="Tin mới nhất Sóc Trăng")  # edited last, of all
    make_story(section=section_of(other_agency), title="Tin thứ hai Sóc Trăng")
    client.force_login(editor)
    page = client.get("/admin/reports/page-types-usage/").content.decode()
    assert "Sóc Trăng" not in page  # neither its stories nor its site in the filter
    assert "Tin Hải Dương" in page
    story_row = re.search(r"(?s)<tr[^>]*>(?:(?!</tr>).)*Tin Hải Dương(?:(?!</tr>).)*</tr>", page).group(0)
    assert re.search(r">\s*1\s*<", story_row), "one story of the editor's agency, not three"


def test_the_media_usage_page_is_only_for_the_medias_own_agency(
    client, agency, other_agency, editor, superuser
):
    own, foreign = media_of(agency, "Phóng sự Hải Dương"), media_of(other_agency, "Phóng sự mật Sóc Trăng")
    client.force_login(editor)
    assert client.get(f"/admin/media/usage/{own.pk}/").status_code == 200
    refused = client.get(f"/admin/media/usage/{foreign.pk}/")
    assert refused.status_code in (302, 403) and "Sóc Trăng" not in refused.content.decode()
    assert client.get("/admin/media/usage/999999/").status_code == 404
    client.force_login(superuser)
    assert "Phóng sự mật Sóc Trăng" in client.get(f"/admin/media/usage/{foreign.pk}/").content.decode()


def test_the_page_listings_filters_offer_only_the_users_agencies_owners_editors_and_sites(
    client, agency, other_agency, editor
):
    own_owner = make_user(username="phongvien-hd", agency=agency, role=Role.REPORTER)
    foreign_owner = make_user(username="phongvien-st", agency=other_agency, role=Role.REPORTER)
    foreign_owner.first_name, foreign_owner.last_name = "Trần", "Bí Mật"
    foreign_owner.save()
    make_story(section=section_of(agency), title="Tin Hải Dương", owner=own_owner)
    foreign = make_story(section=section_of(other_agency), title="Tin Sóc Trăng", owner=foreign_owner)
    foreign.save_revision(user=foreign_owner, log_action=True)  # an edit: its author is an "Edited by" choice
    client.force_login(editor)
    for url in (f"/admin/pages/{agency.root_page.pk}/", "/admin/pages/search/?q=Tin"):
        page = client.get(url).content.decode()
        assert client.get(url).status_code == 200
        assert "Bí Mật" not in page and "Sóc Trăng" not in page, url
    explorer = client.get(f"/admin/pages/{agency.root_page.pk}/").content.decode()
    assert f'value="{own_owner.pk}"' in explorer  # the owner filter still offers the agency's own
    # A foreign owner in the query is not a valid choice: the filter is left out, nothing of B's is listed.
    filtered = client.get(f"/admin/pages/{agency.root_page.pk}/?owner={foreign_owner.pk}")
    assert filtered.status_code == 200 and "Tin Sóc Trăng" not in filtered.content.decode()


def bulk(action: str, *users) -> str:
    return (
        reverse("wagtail_bulk_action", args=["auth", "user", action])
        + "?"
        + "&".join(f"id={u.pk}" for u in users)
    )


@pytest.fixture
def managers(agency, other_agency):
    return (
        make_user(username="quanly-hd", agency=agency, role=Role.MANAGER),
        make_user(username="phongvien-st", agency=other_agency, role=Role.REPORTER),
    )


def test_a_manager_cannot_deactivate_or_delete_another_agencys_staff_in_bulk(client, agency, managers):
    manager, foreign = managers
    own = make_user(username="phongvien-hd", agency=agency, role=Role.REPORTER)
    client.force_login(manager)
    confirmation = client.get(bulk("set_active_state", own, foreign)).content.decode()
    assert own.last_name in confirmation
    assert foreign.last_name not in confirmation  # counted, never named

    client.post(bulk("set_active_state", own, foreign), {"mark_as_active": "False"})
    own.refresh_from_db(), foreign.refresh_from_db()
    assert own.is_active is False and foreign.is_active is True

    client.post(bulk("delete", foreign))
    assert type(foreign).objects.filter(pk=foreign.pk).exists()


def test_a_manager_hands_out_only_their_agencys_roles_in_bulk(client, agency, other_agency, managers):
    manager, foreign = managers
    foreign_manager_group = other_agency.group_for(Role.MANAGER)
    client.force_login(manager)
    form = client.get(bulk("assign_role", manager)).content.decode()
    assert foreign_manager_group.name not in form and agency.group_for(Role.EDITOR).name in form

    client.post(bulk("assign_role", manager), {"role": foreign_manager_group.pk})
    client.post(bulk("assign_role", foreign), {"role": agency.group_for(Role.EDITOR).pk})
    assert foreign_manager_group not in manager.groups.all()
    assert agency.group_for(Role.EDITOR) not in foreign.groups.all()

    client.post(bulk("assign_role", manager), {"role": agency.group_for(Role.EDITOR).pk})
    assert agency.group_for(Role.EDITOR) in manager.groups.all()  # the agency's own roles still work
