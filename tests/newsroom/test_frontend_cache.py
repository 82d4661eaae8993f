"""The CDN purge: a story's publication purges the story and everything that shows it, once it commits."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django_tasks.signals import task_enqueued
from taggit.models import Tag

from newsroom.frontend_cache import check_backends, story_listing_urls
from newsroom.models import Role, StoryPage
from tests.factories import make_author, make_story, section_of
from tests.newsroom.test_workflow import add_url, story_form
from tests.standins import RecordingHandler, RecordingServer, serving

pytestmark = pytest.mark.django_db


class _PurgeHandler(RecordingHandler):
    def do_PURGE(self):
        self.server.purged.append((self.headers["Host"], self.path))
        if self.server.drop:
            self.close_connection = True
            return
        self.answer()


class CacheStandIn(RecordingServer):
    """An HTTP cache (Varnish-like) that records each PURGE as (Host, path); `drop` closes the connection
    without an answer."""

    handler = _PurgeHandler

    def __init__(self):
        super().__init__()
        self.purged: list[tuple[str, str]] = []
        self.drop = False

    @property
    def url(self) -> str:
        return self.base_url

    def paths(self, host: str) -> set[str]:
        return {path for purged_host, path in self.purged if purged_host == host}


@pytest.fixture
def cdn(settings):
    with serving(CacheStandIn()) as server:
        settings.WAGTAILFRONTENDCACHE = {
            "cdn": {"BACKEND": "newsroom.frontend_cache.HTTPPurgeBackend", "LOCATION": server.url}
        }
        yield server


@pytest.fixture
def purge_batches():
    """The URL lists of every purge task queued while the test runs."""
    batches: list[list[str]] = []

    def record(sender, task_result, **kwargs):
        if task_result.task.name == "purge_urls_from_cache_task":
            batches.append(list(task_result.args[0]))

    task_enqueued.connect(record)
    yield batches
    task_enqueued.disconnect(record)


def listing_paths(section, story) -> set[str]:
    """What shows a story besides its own page, written out as readers' addresses."""
    feeds = {"/rss.xml", "/atom.xml", "/feed.json", "/podcast.xml"}
    return (
        {"/", f"/{section.slug}/", "/sitemap.xml", "/sitemap-news.xml"}
        | feeds
        | {f"/{section.slug}{feed}" for feed in feeds}
        | {quote(f"/chu-de/{tag.slug}/") for tag in story.tags.all()}
        | {f"/tac-gia/{author.slug}/" for author in story.authors.all()}
    )


def publish_in_editor(client, staff, section, author, captured):
    """The editor-in-chief publishes a story from the page editor, as in the newsroom."""
    client.force_login(staff[Role.EDITOR_IN_CHIEF])
    with captured(execute=True):
        form = story_form(tags="chuyển đổi số, kinh tế", **{"action-publish": "Publish"})
        response = client.post(add_url(section), {**form, "authors": [author.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    story = StoryPage.objects.get(slug="hai-duong-chuyen-doi-so")
    assert story.live
    return story


def test_publishing_purges_the_story_its_section_home_page_feeds_tag_and_author_pages(
    client, agency, staff, cdn, purge_batches, django_capture_on_commit_callbacks
):
    section = section_of(agency)
    author = make_author(agency=agency)
    story = publish_in_editor(client, staff, section, author, django_capture_on_commit_callbacks)

    host = agency.site.hostname
    expected = listing_paths(section, story)
    assert len(expected) == 15 and story.authors.get() == author  # two tag pages and an author page
    assert quote("/chu-de/chuyển-đổi-số/") in expected
    assert cdn.paths(host) == expected | {story.url}
    assert {purged_host for purged_host, _ in cdn.purged} == {host}
    # The story and everything that lists it, in one batch.
    [batch] = purge_batches
    assert {url.removeprefix(f"http://{host}") for url in batch} == expected | {story.url}


def test_nothing_is_purged_before_the_publication_commits(
    agency, cdn, purge_batches, django_capture_on_commit_callbacks
):
    section = section_of(agency)
    with django_capture_on_commit_callbacks() as callbacks:
        story = make_story(section=section)
        assert cdn.purged == [] and purge_batches == []  # the CDN would fetch the old page again
    for callback in callbacks:
        callback()
    assert cdn.paths(agency.site.hostname) == listing_paths(section, story) | {story.url}


def test_unpublishing_purges_the_same_pages(client, agency, staff, cdn, django_capture_on_commit_callbacks):
    section = section_of(agency, 1)
    story = make_story(section=section)
    story.tags.add("kinh tế")
    story.save()
    cdn.purged.clear()

    client.force_login(staff[Role.EDITOR_IN_CHIEF])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("wagtailadmin_pages:unpublish", args=[story.pk]))
    assert response.status_code == 302
    story.refresh_from_db()
    assert not story.live
    expected = listing_paths(section, story)
    assert quote("/chu-de/kinh-tế/") in expected
    assert cdn.paths(agency.site.hostname) == expected | {story.url}


def test_deleting_a_live_story_purges_what_listed_it(agency, cdn, django_capture_on_commit_callbacks):
    section = section_of(agency)
    story = make_story(section=section)
    expected = listing_paths(section, story) | {story.url}
    cdn.purged.clear()
    with django_capture_on_commit_callbacks(execute=True):
        StoryPage.objects.get(pk=story.pk).delete()
    assert cdn.paths(agency.site.hostname) == expected


def test_other_pages_purge_their_own_address(agency, cdn, django_capture_on_commit_callbacks):
    section = section_of(agency)
    section.title = "Thời sự trong nước"
    with django_capture_on_commit_callbacks(execute=True):
        section.save_revision().publish()
    assert cdn.purged == [(agency.site.hostname, f"/{section.slug}/")]


def test_urls_are_on_the_agencys_own_site(agency, other_agency, cdn, django_capture_on_commit_callbacks):
    agency.site.port = 8443
    agency.site.save()
    with django_capture_on_commit_callbacks(execute=True):
        story = make_story(section=section_of(agency))
    urls = story_listing_urls(story)
    assert urls and all(url.startswith(f"http://{agency.site.hostname}:8443/") for url in urls)
    assert {host for host, _ in cdn.purged} == {f"{agency.site.hostname}:8443"}


def test_a_cdn_for_another_agencys_hosts_gets_nothing(
    agency, cdn, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILFRONTENDCACHE["cdn"]["HOSTNAMES"] = [".sttv.vn"]
    with django_capture_on_commit_callbacks(execute=True):
        make_story(section=section_of(agency))
    assert cdn.purged == []


def test_nothing_is_queued_or_sent_without_a_cdn(
    agency, cdn, settings, purge_batches, django_capture_on_commit_callbacks
):
    settings.WAGTAILFRONTENDCACHE = {}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_story(section=section_of(agency)).unpublish()
    assert not any("PurgeBatch" in repr(callback) for callback in callbacks)
    assert purge_batches == [] and cdn.purged == []


@pytest.mark.parametrize("failure", ["status", "drop", "slow", "unreachable"])
def test_a_failing_cdn_does_not_fail_the_publication(
    failure, agency, cdn, settings, caplog, django_capture_on_commit_callbacks
):
    config = settings.WAGTAILFRONTENDCACHE["cdn"]
    config["TIMEOUT"] = 0.5
    if failure == "status":
        cdn.status = 503
    elif failure == "drop":
        cdn.drop = True
    elif failure == "slow":
        cdn.delay = 3
    else:
        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            config["LOCATION"] = f"http://127.0.0.1:{probe.getsockname()[1]}"

    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="newsroom.frontend_cache"):
        with django_capture_on_commit_callbacks(execute=True):
            story = make_story(section=section_of(agency))
    assert StoryPage.objects.get(pk=story.pk).live
    failed = [record.getMessage() for record in caplog.records if record.name == "newsroom.frontend_cache"]
    urls = [story.get_full_url(), *story_listing_urls(story)]
    assert all(any(url in message for message in failed) for url in urls)  # each one logged
    if failure == "status":
        assert len(failed) == len(urls) and "HTTP 503" in failed[0]
    else:
        # A cache that does not answer is tried once per batch, not once per URL.
        assert len(failed) == 1 and f"{len(urls) - 1} more not tried" in failed[0]
        assert time.monotonic() - started < 0.5 + 3


def run_settings(env: dict, code: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter with the test settings and `env` (settings read the environment
    once, at start)."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("CDN_")}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "newsroom.settings.test", **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_cdns_are_configured_from_the_environment():
    code = "from django.conf import settings; import json; print(json.dumps(settings.WAGTAILFRONTENDCACHE))"
    env = {
        "CDN_PURGE_URL": "http://127.0.0.1:6081",
        "CDN_CLOUDFLARE_API_TOKEN": "cf-token",
        "CDN_CLOUDFLARE_ZONES": ".baohaiduong.vn=zone-a, .sttv.vn=zone-b",
        "CDN_CLOUDFRONT_DISTRIBUTIONS": "E2QWRUHEXAMPLE",
    }
    done = run_settings(env, code)
    assert done.returncode == 0, done.stderr
    backends = json.loads(done.stdout.splitlines()[-1])
    assert backends == {
        "http": {"BACKEND": "newsroom.frontend_cache.HTTPPurgeBackend", "LOCATION": "http://127.0.0.1:6081"},
        "cloudflare-0": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
            "BEARER_TOKEN": "cf-token",
            "ZONEID": "zone-a",
            "HOSTNAMES": [".baohaiduong.vn"],
        },
        "cloudflare-1": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
            "BEARER_TOKEN": "cf-token",
            "ZONEID": "zone-b",
            "HOSTNAMES": [".sttv.vn"],
        },
        "cloudfront-0": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudfrontBackend",
            "DISTRIBUTION_ID": "E2QWRUHEXAMPLE",
            "HOSTNAMES": ["*"],
        },
    }
    done = run_settings({}, code)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {}


def test_manage_check_reports_a_cloudflare_zone_without_its_token(settings):
    settings.WAGTAILFRONTENDCACHE = {
        "cloudflare-0": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.CloudflareBackend",
            "BEARER_TOKEN": "",
            "ZONEID": "zone-a",
        }
    }
    [error] = check_backends()
    assert error.id == "newsroom.E101" and "CDN_" in error.hint
    settings.WAGTAILFRONTENDCACHE["cloudflare-0"]["BEARER_TOKEN"] = "cf-token"
    assert check_backends() == []


def test_every_purged_address_is_one_the_site_answers(client, agency):
    """What is purged is what readers fetch: each listing URL answers 200 on the agency's site."""
    author = make_author(agency=agency)
    story = make_story(section=section_of(agency), authors=[author])
    story.tags.add("chuyển đổi số")
    story.save_revision().publish()
    urls = story_listing_urls(story)
    assert len(urls) == 14  # 12 pages and feeds, a tag page and an author page
    root = agency.site.root_url
    for url in urls:
        response = client.get(url.removeprefix(root), HTTP_HOST=agency.site.hostname)
        assert response.status_code == 200, url
    tag = Tag.objects.get(name="chuyển đổi số")
    page = client.get(f"/chu-de/{tag.slug}/", HTTP_HOST=agency.site.hostname).content.decode()
    assert story.title in page
