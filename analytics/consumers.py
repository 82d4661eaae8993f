"""Real-time readers over a websocket: `ws/readership/` sends the readers of the last five minutes at once and
then every few seconds (settings.ANALYTICS_REALTIME_SECONDS, 5 by default).

Session-authenticated like the live newsroom: 4401 for an anonymous visitor, 4403 for someone who sees no
agency (or asks with `?agency=` for one they may not see). Messages are analytics.panels.realtime's dict.
"""

import asyncio
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation

from newsroom.accounts import two_factor

from . import panels

logger = logging.getLogger(__name__)


def interval() -> float:
    return settings.ANALYTICS_REALTIME_SECONDS


class ReadershipConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await database_sync_to_async(two_factor.is_satisfied)(user, self.scope):
            await self.close(code=4403)  # signed in, but the second factor not yet confirmed
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            self.readership = await self._scope(user, (query.get("agency") or [""])[0])
        except panels.PanelError:
            await self.close(code=4403)
            return
        # Story titles of deleted stories are worded in the user's admin language.
        self.language = await self._language(user)
        await self.accept()
        self.ticker = asyncio.ensure_future(self._tick())

    async def disconnect(self, code):
        ticker = getattr(self, "ticker", None)
        if ticker is not None:
            ticker.cancel()

    async def _tick(self):
        while True:
            try:
                await self.send_json(await self._snapshot())
            except Exception:  # the database away for a moment: say nothing, try again next time
                logger.exception("Real-time readers could not be read")
            await asyncio.sleep(interval())

    @database_sync_to_async
    def _snapshot(self) -> dict:
        with translation.override(self.language):
            return panels.realtime(scope=self.readership)

    @database_sync_to_async
    def _scope(self, user, wanted: str) -> panels.Scope:
        return panels.scope_for(user, wanted)

    @database_sync_to_async
    def _language(self, user) -> str:
        profile = getattr(user, "wagtail_userprofile", None)
        return (profile and profile.get_preferred_language()) or settings.LANGUAGE_CODE
