"""Wagtail's site history report (Reports → Site history), walled by agency (newsroom/audit/site_history.py).

What Wagtail's own report showed staff of one agency about another (the first test fails without
newsroom.walls.WalledViewsMiddleware): the model log entries of every agency for any model the reader holds a
permission on (editors and editors-in-chief, who may add authors, saw every agency's author edits and
deletions; a manager also every agency's record and staff accounts; an oversight officer every agency's
record), and, to everyone down to reporters, a person filter naming whoever ever edited a page in any
agency. Pages, images, documents and media did not leak (Wagtail walls them by page and collection
permissions).
"""

import pytest
from django.urls import reverse
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from newsroom.models import Role
from newsroom.services import create_oversight_body
from tests.factories import make_user
from tests.newsroom.test_permissions_matrix import actors, build_newsroom

pytestmark = pytest.mark.django_db
REPORT = "wagtailadmin_reports:site_history"
RESULTS = "wagtailadmin_reports:site_history_results"


@pytest.fixture
def newsrooms():
    """Two agencies with staff and things (as in the permission matrix), each with an oversight officer."""
    pair = build_newsroom("toaa"), build_newsroom("toab")
    for n in pair:
        body = create_oversight_body(name=f"Sở của {n['secret']}", kind="province", agencies=[n["agency"]])
        n["oversight"] = make_user(username=f"so-{n['secret']}")
        n["oversight"].groups.add(body.group)
    return pair


def log_admin_work(n):
    """The log entries the admin writes as an agency's staff edit their things (and delete an author)."""
    manager, editor = n["staff"][Role.MANAGER], n["staff"][Role.EDITOR]
    for thing in (n["agency"], n["staff"][Role.REPORTER]):
        log(thing, "wagtail.edit", user=manager)
    for thing in (n["author"], n["image"], n["document"], n["media"], n["live"]):
        log(thing, "wagtail.edit", user=editor)
    gone = n["author"].__class__.objects.create(
        agency=n["agency"], name=f"{n['secret']} tác giả đã xoá", slug=f"{n['secret']}-da-xoa"
    )
    log(gone, "wagtail.delete", user=manager, deleted=True)
    gone.delete()


def foreign_marks(n) -> list[str]:
    """What must never appear to another agency: its objects' names and its people's user names."""
    return [n["secret"], *(person.username for person in n["staff"].values())]


@pytest.mark.parametrize("direction", ["a-to-b", "b-to-a"])
def test_no_one_but_a_superuser_sees_another_agencys_history(client, newsrooms, direction):
    mine, theirs = newsrooms if direction == "a-to-b" else newsrooms[::-1]
    log_admin_work(mine)
    log_admin_work(theirs)
    failures = []
    for role, user in actors(mine).items():
        client.force_login(user)
        for url in (reverse(REPORT), reverse(RESULTS), reverse(REPORT) + "?export=csv"):
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            content = body.decode()
            failures += [f"{role} {url} shows {mark}" for mark in foreign_marks(theirs) if mark in content]
    assert not failures, "\n".join(failures)


def test_staff_still_see_their_own_agencys_history(client, newsrooms):
    mine, theirs = newsrooms
    log_admin_work(mine)
    log_admin_work(theirs)
    client.force_login(mine["staff"][Role.MANAGER])
    content = client.get(reverse(REPORT)).content.decode()
    for shown in (mine["agency"].name, mine["author"].name, mine["staff"][Role.REPORTER].username):
        assert shown in content
    assert f"{mine['secret']} tác giả đã xoá" in content  # deleted, and still the agency's
    # Pages, as Wagtail has it, for those who may edit them (and images for no one but superusers: Wagtail
    # shows a model's entries to holders of a model permission, and images are granted by collection).
    client.force_login(mine["staff"][Role.EDITOR])
    content = client.get(reverse(REPORT)).content.decode()
    for shown in (mine["author"].name, mine["live"].title):
        assert shown in content


def test_a_superuser_sees_every_agency_in_wagtails_own_report(client, newsrooms, django_user_model):
    for n in newsrooms:
        log_admin_work(n)
    client.force_login(django_user_model.objects.create_superuser("quantri", "qt@example.vn", "x"))
    content = client.get(reverse(REPORT)).content.decode()
    assert all(n["author"].name in content for n in newsrooms)
    assert ModelLogEntry.objects.count() >= 2 * 7
