"""Agencies in the admin: superusers create them (all parts at once), managers edit their own."""

import pytest
from django.urls import reverse
from wagtail.models import Page, Site
from wagtail.users.models import UserProfile

from newsroom.models import Agency, Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Tạp chí Chuyển đổi số",
    "short_name": "tapchicds",
    "kind": "magazine",
    "licence_number": "123/GP-BTTTT",
    "governing_body": "Bộ Thông tin và Truyền thông",
    "province": "Hà Nội",
    "hostname": "tapchicds.vn",
    "port": "443",
}


def set_language(user, language):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()


@pytest.fixture
def superuser(db):
    return make_user(username="quantri", is_superuser=True, is_staff=True)


def test_superuser_creates_an_agency_with_everything(client, superuser):
    client.force_login(superuser)
    response = client.post(reverse("agencies:add"), FORM)
    assert response.status_code == 302, response.content.decode()[:3000]
    agency = Agency.objects.get(short_name="tapchicds")
    assert agency.site.hostname == "tapchicds.vn" and agency.site.port == 443
    assert agency.root_page.get_children().count() >= 8
    assert agency.staff_groups.count() == len(Role)


def test_duplicate_hostname_in_the_admin_form_is_a_translated_error_and_creates_nothing(
    client, superuser, agency
):
    client.force_login(superuser)
    pages, sites = Page.objects.count(), Site.objects.count()
    response = client.post(
        reverse("agencies:add"), {**FORM, "hostname": agency.site.hostname, "port": agency.site.port}
    )
    assert response.status_code == 200
    assert "đã thuộc về một trang khác" in response.content.decode()
    assert (Page.objects.count(), Site.objects.count()) == (pages, sites)


def test_english_speaking_user_gets_english_errors(client, superuser, agency):
    set_language(superuser, "en")
    client.force_login(superuser)
    response = client.post(
        reverse("agencies:add"), {**FORM, "hostname": agency.site.hostname, "port": agency.site.port}
    )
    assert "already belongs to another site" in response.content.decode()


def test_manager_edits_own_agency_but_cannot_create_one(client, agency, staff):
    client.force_login(staff[Role.MANAGER])
    assert client.get(reverse("agencies:add")).status_code in (302, 403)
    response = client.post(
        reverse("agencies:edit", args=[agency.pk]),
        {
            "name": agency.name,
            "kind": "e-newspaper",
            "licence_number": "9/GP",
            "governing_body": "UBND",
            "province": "Hải Dương",
            "language": "vi",
        },
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.kind == "e-newspaper" and agency.licence_number == "9/GP"


def test_admin_follows_each_users_language(client, staff):
    editor = staff[Role.EDITOR]
    client.force_login(editor)
    assert 'lang="vi"' in client.get(reverse("wagtailadmin_home")).content.decode()
    set_language(editor, "en")
    assert 'lang="en"' in client.get(reverse("wagtailadmin_home")).content.decode()
