"""Fixtures for the distribution tests: platform stand-ins, channels that point at them, story snapshots.

Each `<kind>_standin` fixture is a fresh local server (see standins.py), stopped after the test.
`make_channel(kind, ...)` creates a channel of that kind wired to its stand-in (starting it if the test did
not ask for it). `http_client` is an httpx client with a short timeout: a stand-in's slow answer times out.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import httpx
import pytest
from django.utils import translation

from distribution.content import Block, Picture, StoryContent
from distribution.models import DOMESTIC_KINDS, Channel
from tests.distribution.standins import STANDINS
from tests.factories import make_agency

# The stand-ins answer in milliseconds; their slow answers take StandIn.slow_seconds (2 s).
CLIENT_TIMEOUT = httpx.Timeout(0.5, connect=1.0)
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _english_for_adapter_tests(request):
    """The adapter tests read the adapters' error messages, written in English (Vietnamese is the default)."""
    if request.module.__name__.rsplit(".", 1)[-1].startswith("test_adapters_"):
        with translation.override("en"):
            yield
    else:
        yield


# --- platform stand-ins -------------------------------------------------------------------------------------
def _standin(kind: str):
    with STANDINS[kind]() as standin:
        yield standin


@pytest.fixture
def zalo_standin():
    yield from _standin("zalo")


@pytest.fixture
def webhook_standin():
    yield from _standin("webhook")


@pytest.fixture
def facebook_standin():
    yield from _standin("facebook")


@pytest.fixture
def telegram_standin():
    yield from _standin("telegram")


@pytest.fixture
def mastodon_standin():
    yield from _standin("mastodon")


@pytest.fixture
def http_client():
    with httpx.Client(timeout=CLIENT_TIMEOUT, follow_redirects=False) as client:
        yield client


# --- channels -----------------------------------------------------------------------------------------------
@pytest.fixture
def make_channel(request):
    """make_channel(kind, *, agency=None, saved=True, settings={}, credentials={}, **fields) -> Channel.

    The channel talks to the `<kind>_standin` of the test. `settings` and `credentials` are merged over what
    the stand-in expects; other fields go to the model. Saved channels belong to `agency`, or to a new one
    from make_agency(); `saved=False` gives an unsaved channel without agency, for tests that never touch
    the database (building an agency costs about a second).
    """

    def make(kind: str, *, agency=None, saved=True, settings=None, credentials=None, **fields) -> Channel:
        config = request.getfixturevalue(f"{kind}_standin").channel_config()
        fields.setdefault("base_url", config["base_url"])
        fields.setdefault("name", f"{kind} {next(_numbers)}")
        fields.setdefault("domestic", kind in DOMESTIC_KINDS)
        channel = Channel(
            kind=kind,
            settings={**config["settings"], **(settings or {})},
            credentials={**config["credentials"], **(credentials or {})},
            **fields,
        )
        if saved:
            channel.agency = agency or make_agency()
            channel.save()
        return channel

    return make


# --- story snapshots ----------------------------------------------------------------------------------------
@pytest.fixture
def make_content():
    """make_content(**fields) -> a StoryContent with plain, realistic values; any field may be overridden."""

    def make(**fields) -> StoryContent:
        n = next(_numbers)
        published = datetime.now(UTC)
        values = {
            "story_id": 1000 + n,
            "revision_id": 5000 + n,
            "agency_id": None,
            "agency_name": "Báo Hải Dương",
            "url": f"https://baohaiduong.vn/thoi-su/tin-so-{n}/",
            "title": f"Hải Dương khởi công cầu vượt sông Thái Bình số {n}",
            "kicker": "Giao thông",
            "sapo": "Cây cầu dài 1,2 km nối hai huyện, dự kiến hoàn thành sau 24 tháng thi công.",
            "section": "Thời sự",
            "section_slug": "thoi-su",
            "format": "article",
            "language": "vi",
            "authors": ["Nguyễn Văn An", "Trần Thị Bình"],
            "tags": ["giao thông", "hạ tầng"],
            "first_published_at": published,
            "last_published_at": published,
            "cover": Picture(
                url=f"https://baohaiduong.vn/media/images/cau-{n}.width-1200.jpg", caption="Phối cảnh"
            ),
            "blocks": [
                Block("text", html="<p>Sáng nay, tỉnh Hải Dương <b>khởi công</b> cầu.</p>", text="Sáng nay…"),
                Block("heading", html="<h2>Vốn đầu tư</h2>", text="Vốn đầu tư"),
                Block("text", html="<p>Tổng vốn 1.500 tỷ đồng.</p>", text="Tổng vốn 1.500 tỷ đồng."),
            ],
        }
        values.update(fields)
        return StoryContent(**values)

    return make
