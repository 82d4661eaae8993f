"""Channels in the admin: managers run their agency's channels, editors look, credentials stay secret."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from wagtail.users.models import UserProfile

from distribution.adapters import adapter_class
from distribution.models import Channel, ChannelKind
from newsroom.models import Role
from tests.factories import make_user, section_of

pytestmark = pytest.mark.django_db

SECRET = "zalo-access-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
HOME = "/admin/"


def make_channel(agency, name="Zalo OA", **fields):
    fields.setdefault("kind", "zalo")
    sections = fields.pop("sections", [])
    channel = Channel.objects.create(agency=agency, name=name, **fields)
    if sections:
        channel.sections.set(sections)
        channel.save()  # a ParentalManyToManyField is written on save
    return channel


def speaks_english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


def outcome(response) -> str:
    """What the admin did: showed the page, hid it (404), refused the role, or asked to log in."""
    if response.status_code == 302:
        return "refused" if response["Location"] == HOME else "login"
    return {200: "shown", 404: "hidden", 403: "refused"}.get(response.status_code, str(response.status_code))


def form_data(agency, **overrides):
    data = {
        "agency": agency.pk,
        "kind": "zalo",
        "name": "Báo Hải Dương trên Zalo",
        "enabled": "on",
        "domestic": "on",
        "base_url": "",
        "auto_publish": "on",
        "tags": "",
        "platform__zalo__setting__app_id": "4318",
        "platform__zalo__credential__access_token": SECRET,
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


@pytest.fixture
def other_manager(other_agency):
    return make_user(username="soctrang-quanly", agency=other_agency, role=Role.MANAGER)


@pytest.fixture
def channel(agency):
    return make_channel(agency, credentials={"access_token": SECRET}, settings={"app_id": "4318"})


def urls_of(channel):
    return {
        "index": reverse("distribution_channels:index"),
        "add": reverse("distribution_channels:add"),
        "edit": reverse("distribution_channels:edit", args=[channel.pk]),
        "inspect": reverse("distribution_channels:inspect", args=[channel.pk]),
        "delete": reverse("distribution_channels:delete", args=[channel.pk]),
        "history": reverse("distribution_channels:history", args=[channel.pk]),
    }


# "refused": the role lacks the permission (the admin redirects home with a message); "hidden": the object is
# outside what the role may reach in any agency, so it answers 404 as if absent.
DESK = {
    "index": "shown",
    "add": "refused",
    "edit": "refused",
    "inspect": "shown",
    "delete": "hidden",
    "history": "refused",
}
EXPECTED = {
    Role.REPORTER: {
        "index": "refused",
        "add": "refused",
        "edit": "refused",
        "inspect": "hidden",
        "delete": "hidden",
        "history": "hidden",
    },
    Role.EDITOR: DESK,
    Role.EDITOR_IN_CHIEF: DESK,
    Role.MANAGER: dict.fromkeys(["index", "add", "edit", "inspect", "delete", "history"], "shown"),
    "other_manager": {
        "index": "shown",
        "add": "shown",
        "edit": "hidden",
        "inspect": "hidden",
        "delete": "hidden",
        "history": "hidden",
    },
    "anonymous": dict.fromkeys(["index", "add", "edit", "inspect", "delete", "history"], "login"),
}


EXTRA = {"other_manager", "anonymous"}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_role_matrix_of_the_channel_screens(client, staff, other_manager, channel, who):
    user = {"other_manager": other_manager, "anonymous": None}[who] if who in EXTRA else staff[who]
    if user:
        client.force_login(user)
    seen = {name: outcome(client.get(url)) for name, url in urls_of(channel).items()}
    assert seen == EXPECTED[who]


def test_a_manager_never_sees_another_agencys_channels(client, agency, other_agency, other_manager):
    make_channel(agency, "Kênh Hải Dương")
    make_channel(other_agency, "Kênh Sóc Trăng")
    client.force_login(other_manager)
    page = client.get(reverse("distribution_channels:index")).content.decode()
    assert "Kênh Sóc Trăng" in page
    assert "Kênh Hải Dương" not in page


def test_a_manager_of_one_agency_who_edits_for_another_manages_only_the_first(client, agency, other_agency):
    both = make_user(username="hai-viec", agency=agency, role=Role.MANAGER)
    from newsroom.services import add_staff

    add_staff(agency=other_agency, user=both, role=Role.EDITOR)
    theirs = make_channel(other_agency, "Kênh Sóc Trăng")
    client.force_login(both)
    assert client.get(reverse("distribution_channels:inspect", args=[theirs.pk])).status_code == 200
    assert client.get(reverse("distribution_channels:edit", args=[theirs.pk])).status_code == 404
    form = client.get(reverse("distribution_channels:add")).context["form"]
    assert list(form.fields["agency"].queryset) == [agency]


def test_manager_creates_a_channel_whose_credentials_are_encrypted_and_never_shown(client, agency, staff):
    manager = staff[Role.MANAGER]
    client.force_login(manager)
    response = client.post(reverse("distribution_channels:add"), form_data(agency))
    assert response.status_code == 302, response.content.decode()[:3000]

    channel = Channel.objects.get(name="Báo Hải Dương trên Zalo")
    assert channel.credentials == {"access_token": SECRET}
    assert channel.settings == {"app_id": "4318"}
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM distribution_channel WHERE id = %s", [channel.pk])
        stored = cursor.fetchone()[0]
    assert SECRET not in stored and SECRET[:12] not in stored

    editor = staff[Role.EDITOR]
    pages = [
        (manager, reverse("distribution_channels:index")),
        (manager, reverse("distribution_channels:edit", args=[channel.pk])),
        (manager, reverse("distribution_channels:inspect", args=[channel.pk])),
        (manager, reverse("distribution_channels:history", args=[channel.pk])),
        (editor, reverse("distribution_channels:inspect", args=[channel.pk])),
    ]
    for user, url in pages:
        client.force_login(user)
        html = client.get(url).content.decode()
        assert SECRET not in html and SECRET[:12] not in html, url
    client.force_login(manager)
    edit_page = client.get(reverse("distribution_channels:edit", args=[channel.pk])).content.decode()
    assert "••••••••" + SECRET[-4:] in edit_page  # masked, as help text


def test_a_refused_form_does_not_echo_the_typed_secret(client, agency, staff):
    client.force_login(staff[Role.MANAGER])
    response = client.post(reverse("distribution_channels:add"), form_data(agency, name=""))
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert SECRET not in response.content.decode()


def test_an_empty_credential_keeps_the_stored_one_and_a_new_one_replaces_it(client, agency, staff, channel):
    client.force_login(staff[Role.MANAGER])
    url = reverse("distribution_channels:edit", args=[channel.pk])
    data = form_data(agency, name="Zalo OA mới", platform__zalo__credential__access_token="")
    assert client.post(url, data).status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.credentials) == ("Zalo OA mới", {"access_token": SECRET})

    data["platform__zalo__credential__refresh_token"] = "refresh-0123456789abcdef"
    assert client.post(url, data).status_code == 302
    channel.refresh_from_db()
    assert channel.credentials == {"access_token": SECRET, "refresh_token": "refresh-0123456789abcdef"}


def test_the_platform_of_a_channel_cannot_change(client, agency, staff, channel):
    client.force_login(staff[Role.MANAGER])
    url = reverse("distribution_channels:edit", args=[channel.pk])
    assert client.post(url, form_data(agency, kind="telegram")).status_code == 302
    channel.refresh_from_db()
    assert channel.kind == "zalo"


def test_the_form_offers_only_the_agencys_sections_and_refuses_others(client, agency, other_agency, staff):
    client.force_login(staff[Role.MANAGER])
    form = client.get(reverse("distribution_channels:add")).context["form"]
    offered = set(form.fields["sections"].queryset)
    assert section_of(agency) in offered and section_of(other_agency) not in offered

    data = form_data(agency, sections=[section_of(other_agency).pk])
    response = client.post(reverse("distribution_channels:add"), data)
    assert response.status_code == 200 and "sections" in response.context["form"].errors
    assert not Channel.objects.exists()


def test_the_rules_are_saved(client, agency, staff):
    client.force_login(staff[Role.MANAGER])
    politics = section_of(agency)
    data = form_data(agency, sections=[politics.pk], formats=["video", "news"], tags="Chuyển đổi số")
    assert client.post(reverse("distribution_channels:add"), data).status_code == 302
    channel = Channel.objects.get()
    assert (list(channel.sections.all()), channel.formats, channel.tags) == (
        [politics],
        ["video", "news"],
        "Chuyển đổi số",
    )


@pytest.mark.parametrize("kind", ChannelKind.values)
def test_the_new_channel_form_defaults_domestic_from_the_platform(client, staff, kind):
    client.force_login(staff[Role.MANAGER])
    form = client.get(reverse("distribution_channels:add"), {"kind": kind}).context["form"]
    assert form.initial["kind"] == kind
    assert form.initial["domestic"] is adapter_class(kind).domestic


def test_the_list_shows_platform_origin_rules_and_last_weeks_counts(client, agency, staff):
    from distribution.models import Delivery, DeliveryState

    channel = make_channel(agency, "Kênh đối ngoại", kind="telegram", formats=["video"])
    for state in [DeliveryState.DELIVERED, DeliveryState.DELIVERED, DeliveryState.FAILED]:
        Delivery.objects.create(
            story_title="Tin", channel=channel, action="publish", state=state, delivered_at=channel.created_at
        )
    manager = speaks_english(staff[Role.MANAGER])
    client.force_login(manager)
    with translation.override("en"):
        response = client.get(reverse("distribution_channels:index"))
        row = next(row for row in response.context["object_list"] if row.pk == channel.pk)
        html = response.content.decode()
    assert (row.delivered_recently, row.failed_recently) == (2, 1)
    assert "Telegram channel" in html and "Foreign" in html and "Enabled" in html
    assert "formats: Video" in html
    assert f"failed/?channel={channel.pk}" in html


def test_the_menu_shows_distribution_to_editors_not_reporters(client, staff):
    client.force_login(speaks_english(staff[Role.EDITOR]))
    with translation.override("en"):
        assert "Distribution" in client.get(HOME).content.decode()
    client.force_login(speaks_english(staff[Role.REPORTER]))
    with translation.override("en"):
        assert "Distribution" not in client.get(HOME).content.decode()
