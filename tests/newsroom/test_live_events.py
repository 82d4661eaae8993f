"""The live newsroom socket: session-authenticated, one group per agency (Redis when REDIS_URL is set)."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings

from newsroom.asgi import application
from newsroom.models import Role
from tests.factories import make_story, make_user, section_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def session_cookie(user):
    """A logged-in session for `user`, made before entering the event loop."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def socket_for(cookie=None):
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, "/ws/newsroom/", headers=headers)


def test_channel_layer_matches_configuration():
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    assert backend.endswith("RedisChannelLayer" if settings.REDIS_URL else "InMemoryChannelLayer")


def test_staff_receive_their_agencys_events_and_not_others(agency, other_agency, staff):
    outsider = make_user(username="ngoai", agency=other_agency, role=Role.EDITOR)
    my_cookie, their_cookie = session_cookie(staff[Role.EDITOR]), session_cookie(outsider)
    section = section_of(agency)

    async def scenario():
        mine = socket_for(my_cookie)
        connected, _ = await mine.connect()
        assert connected
        theirs = socket_for(their_cookie)
        connected, _ = await theirs.connect()
        assert connected
        from channels.db import database_sync_to_async

        await database_sync_to_async(make_story)(section=section, title="Tin vừa đăng")
        event = await mine.receive_json_from(timeout=5)
        assert event["type"] == "story.published" and event["title"] == "Tin vừa đăng"
        assert await theirs.receive_nothing(timeout=0.5)
        await mine.disconnect()
        await theirs.disconnect()

    async_to_sync(scenario)()


def test_anonymous_and_agencyless_users_are_refused(agency):
    nobody = session_cookie(make_user(username="khong-co-toa-soan"))

    async def scenario():
        for cookie, code in [(None, 4401), (nobody, 4403)]:
            socket = socket_for(cookie)
            connected, close_code = await socket.connect()
            assert not connected and close_code == code

    async_to_sync(scenario)()
