import shutil
import tempfile

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from newsroom.models import Role
from tests.factories import make_agency, make_user


@pytest.fixture(autouse=True)
def _media_root(settings):
    """Each test writes its uploads to a fresh folder that is removed afterwards."""
    folder = tempfile.mkdtemp(prefix="newsroom-media-")
    settings.MEDIA_ROOT = folder
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def agency(db):
    return make_agency(short_name="baohaiduong", name="Báo Hải Dương")


@pytest.fixture
def other_agency(db):
    return make_agency(short_name="baosoctrang", name="Báo Sóc Trăng")


@pytest.fixture
def staff(agency):
    """One user per role in `agency`, keyed by role."""
    return {
        role: make_user(username=f"{agency.short_name}-{role}", agency=agency, role=role) for role in Role
    }


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Forget cached values after each test: database rows roll back, cached ones (Wagtail's
    site root paths, the page cache) would otherwise outlive them. On Redis only this test
    process's keys are deleted, never the whole database another process is using."""
    yield
    # Every alias, not only those this thread opened: a live server's thread fills them too.
    for alias in settings.CACHES:
        clear_own_keys(caches[alias])
    from analytics import ingest, visitors

    ingest.forget()
    visitors._salts.clear()
    # Reader events buffered in Redis outlive the test's rolled-back database too.
    if settings.ANALYTICS_BUFFER_URL:
        from analytics.store import get_store

        store = get_store()
        store.redis.delete(store.buffer_key)


def clear_own_keys(cache) -> None:
    """Empty `cache` for this test process only. Never `cache.clear()` a Redis cache in a test: that is
    FLUSHDB, which empties the other test processes' caches mid-test."""
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(f"{cache.key_prefix}:*"))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


def _database_kind(item) -> str:
    """What pytest-django will give a test: "transactional" (flushed afterwards), "rollback" or "none"."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    if (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))) or (
        "transactional_db" in fixtures or "live_server" in fixtures
    ):
        return "transactional"
    return "rollback" if marker or "db" in fixtures else "none"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Refuse a test file that mixes transactional and rolled-back database tests.

    `make test` runs each file whole on one xdist worker (--dist loadfile), and pytest-django
    schedules a file by its first test. A mixed file is sent early, and its transactional test
    flushes that worker's database (Wagtail's root page with it) for every file after it."""
    kinds: dict[str, set[str]] = {}
    for item in items:
        kinds.setdefault(item.nodeid.split("::")[0], set()).add(_database_kind(item))
    mixed = sorted(path for path, found in kinds.items() if {"transactional", "rollback"} <= found)
    if mixed:
        raise pytest.UsageError(
            "These test files mix transactional and rolled-back database tests; make each file one or "
            "the other (a file-level pytestmark, with no test-level @pytest.mark.django_db overriding it): "
            + ", ".join(mixed)
        )
