"""Every role of one agency against every admin URL that reaches another agency's objects: all denied.

And, as the control that proves the walls are walls and not a broken admin, the same URLs answer
the other agency's own staff.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.models import Page
from wagtailmedia.models import get_media_model

from newsroom.models import Role
from newsroom.services import create_oversight_body
from tests.factories import PASSWORD, make_agency, make_author, make_image, make_story, make_user, section_of

pytestmark = pytest.mark.django_db
DENIED = {302, 403, 404}


def build_newsroom(short_name):
    agency = make_agency(short_name=short_name, name=f"Báo {short_name}")
    staff = {role: make_user(username=f"{short_name}-{role}", agency=agency, role=role) for role in Role}
    secret = f"bimat{short_name}"
    section = section_of(agency)
    draft = make_story(section=section, publish=False, owner=staff[Role.REPORTER], title=f"{secret} bản nháp")
    live = make_story(section=section, owner=staff[Role.REPORTER], title=f"{secret} đã đăng")
    image = make_image(agency=agency, title=f"{secret} ảnh")
    from django.core.files.base import ContentFile

    document = get_document_model().objects.create(
        title=f"{secret} tài liệu",
        file=ContentFile(b"%PDF-1.4", name="tai-lieu.pdf"),
        collection=agency.collection,
    )
    media = get_media_model().objects.create(
        title=f"{secret} video",
        file=ContentFile(b"\x00" * 64, name="clip.mp4"),
        type="video",
        collection=agency.collection,
        duration=1,
    )
    author = make_author(agency=agency, name=f"{secret} tác giả")
    return {
        "agency": agency,
        "staff": staff,
        "secret": secret,
        "section": section,
        "draft": draft,
        "live": live,
        "image": image,
        "document": document,
        "media": media,
        "author": author,
    }


@pytest.fixture
def newsrooms():
    a, b = build_newsroom("toaa"), build_newsroom("toab")
    oversight = create_oversight_body(name="Sở TT&TT thử nghiệm", kind="province", agencies=[a["agency"]])
    a["oversight"] = make_user(username="so-toaa")
    a["oversight"].groups.add(oversight.group)
    return a, b


def object_urls(n):
    """Admin URLs that act on one agency's objects; none may answer another agency's staff."""
    draft, live, section, home = n["draft"].pk, n["live"].pk, n["section"].pk, n["agency"].root_page.pk
    revision = n["draft"].latest_revision_id
    return [
        reverse("wagtailadmin_explore", args=[section]),
        reverse("wagtailadmin_explore", args=[home]),
        reverse("wagtailadmin_pages:edit", args=[draft]),
        reverse("wagtailadmin_pages:edit", args=[live]),
        reverse("wagtailadmin_pages:view_draft", args=[draft]),
        reverse("wagtailadmin_pages:delete", args=[draft]),
        reverse("wagtailadmin_pages:unpublish", args=[live]),
        reverse("wagtailadmin_pages:move", args=[draft]),
        reverse("wagtailadmin_pages:copy", args=[live]),
        reverse("wagtailadmin_pages:add_subpage", args=[section]),
        reverse("wagtailadmin_pages:add", args=["newsroom", "storypage", section]),
        reverse("wagtailadmin_pages:history", args=[draft]),
        reverse("wagtailadmin_pages:revisions_index", args=[draft]),
        reverse("wagtailadmin_pages:revisions_view", args=[draft, revision]),
        reverse("wagtailadmin_pages:usage", args=[live]),
        reverse("wagtailadmin_pages:lock", args=[live]),
        reverse("wagtailadmin_pages:set_privacy", args=[live]),
        reverse("wagtailadmin_pages:workflow_history", args=[draft]),
        reverse("wagtailimages:edit", args=[n["image"].pk]),
        reverse("wagtailimages:delete", args=[n["image"].pk]),
        reverse("wagtailimages:url_generator", args=[n["image"].pk]),
        reverse("wagtailimages:image_usage", args=[n["image"].pk]),
        reverse("wagtailimages_chooser:chosen", args=[n["image"].pk]),
        reverse("wagtailimages_chooser:select_format", args=[n["image"].pk]),
        reverse("wagtaildocs:edit", args=[n["document"].pk]),
        reverse("wagtaildocs:delete", args=[n["document"].pk]),
        reverse("wagtaildocs:document_usage", args=[n["document"].pk]),
        reverse("wagtaildocs_chooser:chosen", args=[n["document"].pk]),
        reverse("wagtailmedia:edit", args=[n["media"].pk]),
        reverse("wagtailmedia:delete", args=[n["media"].pk]),
        reverse("wagtailsnippets_newsroom_author:edit", args=[n["author"].pk]),
        reverse("wagtailsnippets_newsroom_author:delete", args=[n["author"].pk]),
        reverse("wagtailsnippets_newsroom_author:history", args=[n["author"].pk]),
        reverse("wagtailsnippets_newsroom_author:usage", args=[n["author"].pk]),
        reverse("wagtailsnippetchoosers_newsroom_author:chosen", args=[n["author"].pk]),
        reverse("agencies:edit", args=[n["agency"].pk]),
        reverse("agencies:history", args=[n["agency"].pk]),
        reverse("agencies:delete", args=[n["agency"].pk]),
        reverse("wagtailusers_users:edit", args=[n["staff"][Role.REPORTER].pk]),
        reverse("wagtailusers_users:delete", args=[n["staff"][Role.REPORTER].pk]),
        reverse("wagtailusers_users:history", args=[n["staff"][Role.REPORTER].pk]),
    ]


def listing_urls(n):
    """Listings, searches, choosers and reports: they may answer, but never show another agency's things."""
    secret = n["secret"]
    return [
        reverse("wagtailadmin_home"),
        reverse("wagtailadmin_explore_root"),
        reverse("wagtailadmin_pages:search") + f"?q={secret}",
        reverse("wagtailadmin_choose_page"),
        reverse("wagtailadmin_choose_page_child", args=[n["agency"].root_page.pk]),
        reverse("wagtailadmin_choose_page_search") + f"?q={secret}",
        reverse("wagtailimages:index"),
        reverse("wagtailimages_chooser:choose"),
        reverse("wagtaildocs:index"),
        reverse("wagtaildocs_chooser:choose"),
        reverse("wagtailmedia:index"),
        reverse("wagtailmedia:chooser"),
        reverse("wagtailsnippets_newsroom_author:list"),
        reverse("wagtailsnippetchoosers_newsroom_author:choose"),
        reverse("agencies:index"),
        reverse("wagtailusers_users:index"),
        reverse("wagtailadmin_reports:locked_pages"),
        reverse("wagtailadmin_reports:workflow"),
        reverse("wagtailadmin_reports:workflow_tasks"),
        reverse("wagtailadmin_reports:site_history"),
        reverse("wagtailadmin_reports:aging_pages"),
    ]


def object_titles(n):
    return [n[key].title for key in ("draft", "live", "image", "document", "media")] + [n["author"].name]


def actors(n):
    people = dict(n["staff"])
    if "oversight" in n:
        people["oversight"] = n["oversight"]
    return people


@pytest.mark.parametrize("direction", ["a-to-b", "b-to-a"])
def test_no_role_reaches_another_agencys_objects(client, newsrooms, direction):
    mine, theirs = newsrooms if direction == "a-to-b" else newsrooms[::-1]
    failures = []
    for role, user in actors(mine).items():
        client.force_login(user)
        for url in object_urls(theirs):
            response = client.get(url)
            if response.status_code not in DENIED | {405}:
                failures.append(f"{role} GET {url} → {response.status_code}")
            if response.status_code == 302 and response.url.rstrip("/").endswith(url.rstrip("/")):
                failures.append(f"{role} GET {url} → redirected to itself")
            response = client.post(url, {})
            if response.status_code not in DENIED | {405}:
                failures.append(f"{role} POST {url} → {response.status_code}")
        for url in listing_urls(theirs):
            response = client.get(url)
            content = response.content.decode()
            for title in object_titles(theirs):
                if response.status_code == 200 and title in content:
                    failures.append(f"{role} GET {url} shows “{title}”")
    assert not failures, "\n".join(failures)


def test_nothing_of_another_agency_was_changed_by_the_posts(client, newsrooms):
    a, b = newsrooms
    for user in actors(a).values():
        client.force_login(user)
        for url in object_urls(b):
            client.post(url, {})
    assert Page.objects.filter(pk=b["draft"].pk).exists()
    assert Page.objects.get(pk=b["live"].pk).live
    assert b["image"].__class__.objects.filter(pk=b["image"].pk).exists()
    assert b["author"].__class__.objects.filter(pk=b["author"].pk).exists()
    assert b["staff"][Role.REPORTER].__class__.objects.get(pk=b["staff"][Role.REPORTER].pk).is_active


# The control: the walls keep others out, and let the agency's own staff in.
OWN_ACCESS = {
    Role.EDITOR: ["wagtailadmin_pages:edit", "wagtailimages:edit", "wagtailsnippets_newsroom_author:edit"],
    Role.EDITOR_IN_CHIEF: ["wagtailadmin_pages:edit", "wagtailadmin_pages:unpublish", "wagtaildocs:edit"],
    Role.MANAGER: [
        "agencies:edit",
        "wagtailusers_users:edit",
        "wagtailusers_users:history",
        "wagtailusers_users:usage",
    ],
}


def own_url(name, n):
    args = {
        "wagtailadmin_pages:edit": n["draft"].pk,
        "wagtailadmin_pages:unpublish": n["live"].pk,
        "wagtailimages:edit": n["image"].pk,
        "wagtaildocs:edit": n["document"].pk,
        "wagtailsnippets_newsroom_author:edit": n["author"].pk,
        "agencies:edit": n["agency"].pk,
        "wagtailusers_users:edit": n["staff"][Role.REPORTER].pk,
        "wagtailusers_users:history": n["staff"][Role.REPORTER].pk,
        "wagtailusers_users:usage": n["staff"][Role.REPORTER].pk,
    }[name]
    return reverse(name, args=[args])


@pytest.mark.parametrize("role", list(OWN_ACCESS))
def test_own_staff_reach_their_own_objects(client, newsrooms, role):
    mine = newsrooms[0]
    client.force_login(mine["staff"][role])
    for name in OWN_ACCESS[role]:
        response = client.get(own_url(name, mine))
        assert response.status_code == 200, f"{role} {name}"


def test_own_listings_show_own_objects(client, newsrooms):
    mine = newsrooms[0]
    client.force_login(mine["staff"][Role.EDITOR])
    listings = {
        reverse("wagtailimages:index"): mine["image"].title,
        reverse("wagtailsnippets_newsroom_author:list"): mine["author"].name,
        reverse("wagtailadmin_pages:search") + f"?q={mine['secret']}": mine["live"].title,
        reverse("wagtailmedia:index"): mine["media"].title,
    }
    for url, title in listings.items():
        assert title in client.get(url).content.decode(), url


def test_reporter_cannot_edit_another_reporters_draft_or_publish(client, newsrooms):
    mine = newsrooms[0]
    colleague = make_user(username="toaa-reporter-2", agency=mine["agency"], role=Role.REPORTER)
    client.force_login(colleague)
    assert client.get(reverse("wagtailadmin_pages:edit", args=[mine["draft"].pk])).status_code in DENIED
    assert client.get(reverse("wagtailadmin_pages:unpublish", args=[mine["live"].pk])).status_code in DENIED


def new_staff_form(group):
    """The admin's add-user form, asking for superuser rights and one group."""
    return {
        "username": "moi",
        "email": "moi@example.vn",
        "first_name": "Mới",
        "last_name": "Người",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "is_superuser": "on",
        "is_active": "on",
        "groups": [group.pk],
    }


def test_manager_cannot_grant_superuser_or_another_agencys_role(client, newsrooms):
    from django.contrib.auth import get_user_model

    a, b = newsrooms
    client.force_login(a["staff"][Role.MANAGER])
    foreign_group = b["agency"].group_for(Role.EDITOR_IN_CHIEF)
    response = client.post(reverse("wagtailusers_users:add"), new_staff_form(foreign_group))
    assert response.status_code == 200  # the form comes back with an error
    assert not get_user_model().objects.filter(username="moi").exists()
    own_group = a["agency"].group_for(Role.REPORTER)
    response = client.post(reverse("wagtailusers_users:add"), new_staff_form(own_group))
    assert response.status_code == 302
    created = get_user_model().objects.get(username="moi")
    assert not created.is_superuser
    assert list(created.groups.all()) == [own_group]
    assert Group.objects.filter(pk=foreign_group.pk, user=created).count() == 0


def test_anonymous_is_sent_to_login(client, newsrooms):
    for url in object_urls(newsrooms[1])[:5]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response.url
