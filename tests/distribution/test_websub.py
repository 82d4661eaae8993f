"""WebSub: the hub hears of every feed a story enters or leaves, once the publication has committed."""

from __future__ import annotations

import socket
import time
from urllib.parse import parse_qs

import httpx
import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django_tasks import TaskResultStatus
from wagtail.models import PageViewRestriction
from wagtailmedia.models import get_media_model

from distribution import websub
from distribution.websub import HubError, ping_hub, ping_websub
from tests.factories import make_story, section_of
from tests.standins import RecordingHandler, RecordingServer, serving


class _HubHandler(RecordingHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self.server.received.append(
            {"path": self.path, "content_type": self.headers["Content-Type"], "form": parse_qs(body)}
        )
        self.answer()


class HubStandIn(RecordingServer):
    """A WebSub hub that records each publish notification."""

    handler = _HubHandler
    status = 204

    def __init__(self):
        super().__init__()
        self.received: list[dict] = []

    @property
    def url(self) -> str:
        return f"{self.base_url}/hub"

    def urls(self) -> list[str]:
        return [url for notification in self.received for url in notification["form"]["hub.url"]]


@pytest.fixture
def hub(settings):
    with serving(HubStandIn()) as server:
        settings.WEBSUB_HUB_URL = server.url
        yield server


def feeds_of(agency, section=None, *, podcast=False) -> list[str]:
    root = f"http://{agency.site.hostname}"
    prefix = f"/{section.slug}" if section else ""
    names = ["rss.xml", "atom.xml", "feed.json"] + (["podcast.xml"] if podcast else [])
    return [f"{root}{prefix}/{name}" for name in names]


def publish(captured, **fields):
    """Publish a story and run what waits for the commit (the WebSub task, on the immediate backend)."""
    with captured(execute=True):
        return make_story(**fields)


def test_ping_hub_posts_a_publish_notification_per_feed(hub):
    ping_hub(["https://a.example.vn/rss.xml", "https://a.example.vn/atom.xml"])
    assert [notification["form"] for notification in hub.received] == [
        {"hub.mode": ["publish"], "hub.url": ["https://a.example.vn/rss.xml"]},
        {"hub.mode": ["publish"], "hub.url": ["https://a.example.vn/atom.xml"]},
    ]
    assert all(n["content_type"] == "application/x-www-form-urlencoded" for n in hub.received)
    assert all(n["path"] == "/hub" for n in hub.received)


def test_ping_hub_does_nothing_without_a_hub(hub, settings):
    settings.WEBSUB_HUB_URL = ""
    ping_hub(["https://a.example.vn/rss.xml"])
    assert hub.received == []


def test_a_refusing_hub_is_an_error_naming_the_feed(hub):
    hub.status = 500
    with pytest.raises(HubError) as refused:
        ping_hub(["https://a.example.vn/rss.xml", "https://a.example.vn/atom.xml"])
    assert "https://a.example.vn/atom.xml: HTTP 500" in refused.value.message
    assert len(hub.received) == 2  # one refusal does not stop the other feeds


def test_an_unreachable_or_slow_hub_is_an_error_soon(hub, settings, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.WEBSUB_HUB_URL = f"http://127.0.0.1:{closed_port}/"
    with pytest.raises(HubError, match="ConnectError"):
        ping_hub(["https://a.example.vn/rss.xml"])

    settings.WEBSUB_HUB_URL = hub.url
    hub.delay = 2
    monkeypatch.setattr(websub, "TIMEOUT", httpx.Timeout(0.3))
    started = time.monotonic()
    with pytest.raises(HubError, match="Timeout"):
        ping_hub(["https://a.example.vn/rss.xml"])
    assert time.monotonic() - started < 1.5


def test_default_timeout_is_short():
    assert websub.TIMEOUT.read <= 10 and websub.TIMEOUT.connect <= 5


def test_publishing_pings_the_agencys_and_the_sections_feeds(hub, agency, django_capture_on_commit_callbacks):
    section = section_of(agency)
    publish(django_capture_on_commit_callbacks, section=section)
    assert hub.urls() == feeds_of(agency) + feeds_of(agency, section)


def test_an_audio_story_also_pings_the_podcasts(hub, agency, django_capture_on_commit_callbacks):
    media = get_media_model().objects.create(
        title="Bản tin", file=ContentFile(b"\0", name="a.mp3"), type="audio", collection=agency.collection
    )
    section = section_of(agency, 1)
    publish(django_capture_on_commit_callbacks, section=section, lead_media=media)
    assert hub.urls() == feeds_of(agency, podcast=True) + feeds_of(agency, section, podcast=True)


def test_unpublishing_pings_too(hub, agency, django_capture_on_commit_callbacks):
    story = make_story(section=section_of(agency))
    with django_capture_on_commit_callbacks(execute=True):
        story.unpublish()
    assert hub.urls() == feeds_of(agency) + feeds_of(agency, section_of(agency))


def test_nothing_is_pinged_before_the_commit_or_after_a_rollback(
    hub, agency, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            make_story(section=section_of(agency))
            assert hub.received == []  # still inside the transaction
            raise RuntimeError("the publication fails")
    assert hub.received == []


def test_no_hub_no_task(hub, agency, settings, django_capture_on_commit_callbacks):
    settings.WEBSUB_HUB_URL = ""
    with django_capture_on_commit_callbacks() as callbacks:
        make_story(section=section_of(agency))
    assert not any("websub" in repr(callback) for callback in callbacks)
    for callback in callbacks:
        callback()
    assert hub.received == []


def test_a_restricted_story_is_not_announced(hub, agency):
    story = make_story(section=section_of(agency))
    PageViewRestriction.objects.create(page=story, restriction_type=PageViewRestriction.LOGIN)
    ping_websub.enqueue(story.pk)
    assert hub.received == []


def test_the_task_fails_when_the_hub_refuses(hub, agency):
    story = make_story(section=section_of(agency))
    hub.status = 503
    result = ping_websub.enqueue(story.pk)
    assert result.status == TaskResultStatus.FAILED
    assert len(hub.received) == 6
