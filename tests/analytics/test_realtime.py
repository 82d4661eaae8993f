"""Real-time readers over the websocket: session-authenticated, the user's agencies only, sent at once and
then every few seconds, so a new reader shows up without asking."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from analytics.store import get_store
from newsroom.asgi import application
from newsroom.models import Role
from newsroom.services import create_oversight_body
from tests.analytics.conftest import story_records
from tests.factories import make_story, make_user, section_of
from tests.newsroom.test_live_events import session_cookie

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def socket_for(cookie=None, query=""):
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, f"/ws/readership/{query}", headers=headers)


def reading(story, *, readers: int, minutes_ago: float = 1) -> None:
    get_store().insert(
        story_records(story, at=timezone.now() - timedelta(minutes=minutes_ago), views=readers)
    )


@pytest.fixture
def fast(settings):
    settings.ANALYTICS_REALTIME_SECONDS = 0.2


def test_anonymous_agencyless_and_other_agencies_are_refused(agency, other_agency):
    nobody = session_cookie(make_user(username="khong-co-toa-soan"))
    staff = session_cookie(make_user(agency=agency, role=Role.EDITOR))

    async def scenario():
        for cookie, query, code in [
            (None, "", 4401),
            (nobody, "", 4403),
            (staff, f"?agency={other_agency.pk}", 4403),
            (staff, "?agency=abc", 4403),
        ]:
            socket = socket_for(cookie, query)
            connected, close_code = await socket.connect()
            assert not connected and close_code == code

    async_to_sync(scenario)()


def test_staff_see_their_readers_at_once_and_new_ones_live(agency, other_agency, fast):
    story = make_story(section=section_of(agency), title="Cầu Phú Lương thông xe")
    reading(story, readers=3)
    reading(story, readers=4, minutes_ago=7)  # left more than five minutes ago
    reading(make_story(section=section_of(other_agency)), readers=9)
    cookie = session_cookie(make_user(agency=agency, role=Role.REPORTER))

    async def scenario():
        socket = socket_for(cookie)
        connected, _ = await socket.connect()
        assert connected
        first = await socket.receive_json_from(timeout=5)
        assert first == {
            "type": "realtime",
            "readers": {str(agency.pk): 3},
            "total": 3,
            "stories": [
                {"id": story.pk, "title": "Cầu Phú Lương thông xe", "agency_id": agency.pk, "readers": 3}
            ],
        }
        await database_sync_to_async(reading)(story, readers=2)
        for _attempt in range(20):
            message = await socket.receive_json_from(timeout=5)
            if message["total"] == 5:
                break
        assert message["readers"] == {str(agency.pk): 5} and message["stories"][0]["readers"] == 5
        await socket.disconnect()

    async_to_sync(scenario)()


def test_oversight_sees_each_agency_and_the_total(agency, other_agency, fast):
    reading(make_story(section=section_of(agency)), readers=2)
    reading(make_story(section=section_of(other_agency), title="Lễ hội Oóc Om Bóc"), readers=6)
    body = create_oversight_body(name="Sở TT&TT", kind="province", agencies=[agency, other_agency])
    inspector = make_user(username="so-tttt")
    inspector.groups.add(body.group)
    cookie = session_cookie(inspector)

    async def scenario():
        every = socket_for(cookie)
        assert (await every.connect())[0]
        message = await every.receive_json_from(timeout=5)
        assert message["readers"] == {str(agency.pk): 2, str(other_agency.pk): 6} and message["total"] == 8
        assert message["stories"][0]["title"] == "Lễ hội Oóc Om Bóc"
        await every.disconnect()
        one = socket_for(cookie, f"?agency={other_agency.pk}")
        assert (await one.connect())[0]
        message = await one.receive_json_from(timeout=5)
        assert message["readers"] == {str(other_agency.pk): 6} and message["total"] == 6
        await one.disconnect()

    async_to_sync(scenario)()
