"""The live newsroom: staff receive their agencies' events over a websocket authenticated by the session.

Events are made in newsroom.live (and distribution.notifications); each recipient's copy is marked "mine"
when the recipient did it and "for_me" when it concerns the recipient's own story or assignment.
"""

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from .accounts import two_factor
from .models import Agency


def agency_group_name(agency_id: int) -> str:
    return f"agency.{agency_id}"


# Fields of an event that name the person it concerns (the story's reporter, the assignment's).
CONCERNED_FIELDS = ("owner_id", "reporter_id")


def send_newsroom_event(*, agency_id: int, event: dict) -> None:
    """Send `event` (a JSON-able dict with a "type" like "story.published") to the agency's staff."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(
            agency_group_name(agency_id), {"type": "newsroom.event", "event": event}
        )


class NewsroomConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # 4401: an application close code, like HTTP's 401.
            await self.close(code=4401)
            return
        if not await database_sync_to_async(two_factor.is_satisfied)(user, self.scope):
            await self.close(code=4403)  # signed in, but the second factor not yet confirmed
            return
        self.groups_joined = [agency_group_name(pk) for pk in await self._agency_ids(user)]
        if not self.groups_joined:
            await self.close(code=4403)
            return
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def newsroom_event(self, message):
        event = message["event"]
        user_id = self.scope["user"].pk
        marks = {}
        if event.get("by_id") is not None and event.get("by_id") == user_id:
            marks["mine"] = True
        if any(event.get(name) == user_id for name in CONCERNED_FIELDS):
            marks["for_me"] = True
        await self.send_json({**event, **marks} if marks else event)

    @database_sync_to_async
    def _agency_ids(self, user) -> list[int]:
        return list(Agency.objects.for_user(user).values_list("pk", flat=True))
