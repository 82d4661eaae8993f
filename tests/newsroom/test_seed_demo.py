"""`manage.py seed_demo`: the demo a newcomer logs in to, and that running it twice changes nothing."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Max, Min
from django.http import HttpRequest
from django.utils import translation
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, WorkflowState

from newsroom.blocks import StoryBodyBlock
from newsroom.demo import DEFAULT_STORIES, DEMO_PASSWORD, corpus, logins_table
from newsroom.demo.accounts import demo_logins
from newsroom.demo.cast import AGENCIES, OVERSIGHT_USERNAME, ROLE_LOGINS
from newsroom.management.commands.seed_demo import Command
from newsroom.models import Agency, Assignment, Author, OversightBody, Role, StoryFormat, StoryPage
from newsroom.search import fold
from newsroom.selectors import search_stories

pytestmark = pytest.mark.django_db

STORIES = 40  # enough for every format, drafts and stories in review, quick enough for a test


def seed(stories: int = STORIES) -> str:
    out = io.StringIO()
    call_command("seed_demo", stories=stories, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "agencies": Agency.objects.count(),
        "pages": Page.objects.count(),
        "revisions": Revision.objects.count(),
        "workflows": WorkflowState.objects.count(),
        "authors": Author.objects.count(),
        "images": get_image_model().objects.count(),
        "live": StoryPage.objects.live().count(),
        "assignments": Assignment.objects.count(),
    }


def test_default_is_at_least_two_hundred_stories():
    assert Command().create_parser("manage.py", "seed_demo").parse_args([]).stories == DEFAULT_STORIES >= 200


def test_seed_builds_both_agencies_with_staff_stories_and_archive(client):
    output = seed()

    baohaiduong, sttv = (Agency.objects.select_related("site").get(short_name=d.short_name) for d in AGENCIES)
    assert (baohaiduong.name, baohaiduong.kind, baohaiduong.site.port) == ("Báo Hải Dương", "newspaper", 8000)
    assert (sttv.kind, sttv.site.port, sttv.province) == ("television", 8001, "Sóc Trăng")
    assert baohaiduong.governing_body == "Tỉnh ủy Hải Dương" and baohaiduong.licence_number
    body = OversightBody.objects.get()
    assert set(body.agencies.all()) == {baohaiduong, sttv}

    # Every role of every agency, the oversight officer and the superuser log in to the admin.
    usernames = [login.username for login in demo_logins()]
    for agency in (baohaiduong, sttv):
        for role in Role:
            user = get_user_model().objects.get(username=f"{agency.short_name}.{ROLE_LOGINS[role]}")
            assert agency.group_for(role) in user.groups.all()
    assert len(usernames) == 1 + 2 * len(Role) + 1
    for username in usernames:
        assert client.login(request=HttpRequest(), username=username, password=DEMO_PASSWORD), username
        assert client.get("/admin/").status_code == 200, username
        client.logout()
    assert get_user_model().objects.get(username=OVERSIGHT_USERNAME).groups.get() == body.group

    # The desk has given each reporter work, one piece of it already overdue, for the board to flag.
    for agency in (baohaiduong, sttv):
        given = Assignment.objects.filter(agency=agency)
        assert {a.reporter.username for a in given} == {f"{agency.short_name}.{ROLE_LOGINS[Role.REPORTER]}"}
        assert given.overdue().count() == 1 and given.open().count() == len(given) >= 3

    stories = StoryPage.objects.all()
    assert stories.count() >= STORIES
    for agency in (baohaiduong, sttv):
        assert set(stories.filter(agency=agency).values_list("format", flat=True)) == set(StoryFormat.values)
    live = stories.live()
    assert 0 < live.count() < stories.count()
    assert WorkflowState.objects.filter(status=WorkflowState.STATUS_IN_PROGRESS).exists()
    spread = live.aggregate(first=Min("first_published_at"), last=Max("first_published_at"))
    assert spread["last"] - spread["first"] > timedelta(days=180)
    blocks = {block.block_type for story in stories for block in story.body}
    assert set(StoryBodyBlock().child_blocks) - {"video", "audio", "embed"} <= blocks
    data_story = stories.filter(format=StoryFormat.DATA).first()
    assert any(block.block_type == "data" and block.value["csv"] for block in data_story.body)
    assert stories.filter(corrections__isnull=False).exists()
    assert stories.filter(tags__isnull=False).exists()
    assert all(fold(story.title) != story.title.lower() for story in stories)  # Vietnamese, with diacritics

    for agency in (baohaiduong, sttv):
        assert get_image_model().objects.filter(collection=agency.collection).count() >= 10
        picture = stories.filter(agency=agency, lead_image__isnull=False).first().lead_image
        assert picture.collection == agency.collection and picture.caption and picture.credit
        assert picture.file.size > 1000 and picture.width > picture.height
        assert Author.objects.filter(agency=agency, photo__isnull=False, user__isnull=False).exists()

    assert "http://127.0.0.1:8000/" in output and "http://127.0.0.1:8001/" in output
    assert DEMO_PASSWORD in output and "sttv.tongbientap" in output


def test_site_search_finds_a_seeded_story_with_and_without_diacritics(client, settings):
    # As in development: index updates go to the database queue, and no worker is running.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    seed()
    assert not DBTaskResult.objects.exists()
    agency = Agency.objects.get(short_name="baohaiduong")
    story = StoryPage.objects.live().filter(agency=agency).order_by("pk").first()
    home = agency.root_page.specific
    words = " ".join(story.title.split()[-4:])
    assert story in search_stories(home=home, query=words)
    assert story in search_stories(home=home, query=fold(words))
    draft = StoryPage.objects.filter(agency=agency, live=False).first()
    assert draft not in search_stories(home=home, query=" ".join(draft.title.split()[-4:]))

    # And through the site itself, as a reader types it.
    response = client.get("/" + home.reverse_subpage("search"), {"q": fold(words)}, **_on_site(agency))
    assert response.status_code == 200
    assert escape(story.title) in response.content.decode()


def test_every_seeded_format_renders_on_the_agency_sites(client):
    seed()
    for agency in Agency.objects.select_related("site"):
        assert client.get("/", **_on_site(agency)).status_code == 200
        for story_format in StoryFormat:
            story = StoryPage.objects.live().filter(agency=agency, format=story_format).first()
            response = client.get(story.get_url_parts()[2], **_on_site(agency))
            assert response.status_code == 200, (story_format, story.url)
            assert escape(story.title) in response.content.decode()


def _on_site(agency: Agency) -> dict:
    """Request headers for the agency's site: Wagtail matches the host name and the server's port."""
    site = agency.site
    return {"HTTP_HOST": f"{site.hostname}:{site.port}", "SERVER_PORT": str(site.port)}


def test_second_run_changes_nothing():
    seed()
    before = counts()
    with translation.override("en"):
        output = seed()
    assert counts() == before
    added = (
        "Added this time: 0 agencies, 0 accounts, 0 authors, 0 pictures, 0 audio clips, 0 videos, 0 stories, "
        "0 assignments."
    )
    assert added in output


def test_more_stories_later_adds_only_the_missing_ones():
    seed(stories=14)
    first = set(StoryPage.objects.values_list("pk", flat=True))
    seed(stories=20)
    assert StoryPage.objects.count() == 20
    assert first < set(StoryPage.objects.values_list("pk", flat=True))


def test_demo_works_without_the_shared_seed_texts(monkeypatch, tmp_path):
    monkeypatch.setattr(corpus, "SEEDS_DIR", tmp_path / "absent")
    corpus.load_corpus.cache_clear()
    try:
        text = corpus.load_corpus()
        assert text.source == str(corpus.BUNDLED)
        assert len(text.sentences) >= 20 and len(text.headlines) >= 10 and text.headings
        seed(stories=14)
        assert StoryPage.objects.count() == 14
    finally:
        corpus.load_corpus.cache_clear()


def test_logins_table_is_empty_without_demo_and_lists_every_account_after():
    assert logins_table() == ""
    seed(stories=2)
    table = logins_table()
    for login in demo_logins():
        assert login.username in table
    assert "http://127.0.0.1:8000/admin/" in table
