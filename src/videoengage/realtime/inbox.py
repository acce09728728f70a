"""The worker's inbox hub: ``conversationUpdated`` subscriptions, by viewer.

Announcements are gathered per conversation while a load runs; each round reads the participants
of the conversations not yet known (direct conversations keep theirs) and the conversation rows, one
statement each, and offers each row to the feeds of its participants. An update is a nudge to show
the conversation on top: it is not replayed after a reconnect (clients read ``conversations`` then).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from videoengage.db import message_feed
from videoengage.db.engine import Database
from videoengage.db.rows import ConversationRow
from videoengage.realtime.feed import Feed

logger = logging.getLogger(__name__)

T = TypeVar("T")
KNOWN_CONVERSATIONS = 10_000


class InboxHub(Generic[T]):
    def __init__(self, db: Database, build: Callable[[ConversationRow], T], capacity: int) -> None:
        self._db = db
        self._build = build
        self.capacity = capacity
        self._feeds: dict[int, set[Feed[T]]] = {}
        self._participants: dict[int, list[int]] = {}
        self._announced: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._sequence = itertools.count(1)

    def join(self, user_id: int) -> Feed[T]:
        feed: Feed[T] = Feed(0, self.capacity)
        self._feeds.setdefault(user_id, set()).add(feed)
        return feed

    def leave(self, user_id: int, feed: Feed[T]) -> None:
        feeds = self._feeds.get(user_id)
        if feeds is not None:
            feeds.discard(feed)
            if not feeds:
                del self._feeds[user_id]

    @property
    def feeds(self) -> int:
        return sum(len(feeds) for feeds in self._feeds.values())

    def announce(self, conversation_id: int) -> None:
        if not self._feeds:
            return
        self._announced.add(conversation_id)
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        try:
            while self._announced and self._feeds:
                announced, self._announced = self._announced, set()
                try:
                    await self._deliver(sorted(announced))
                except Exception:
                    logger.warning("inbox updates for %s failed", announced, exc_info=True)
        finally:
            self._task = None

    async def _deliver(self, conversation_ids: list[int]) -> None:
        unknown = [
            conversation for conversation in conversation_ids if conversation not in self._participants
        ]
        if unknown:
            if len(self._participants) > KNOWN_CONVERSATIONS:
                self._participants.clear()
            self._participants.update(await message_feed.participant_ids(self._db, unknown))
        wanted = [
            conversation
            for conversation in conversation_ids
            if any(user in self._feeds for user in self._participants.get(conversation, ()))
        ]
        if not wanted:
            return
        rows = await message_feed.conversations_by_id(self._db, wanted)
        for conversation_id, row in rows.items():
            item = [(next(self._sequence), self._build(row))]
            for user in self._participants.get(conversation_id, ()):
                for feed in list(self._feeds.get(user, ())):
                    if not feed.offer(item):
                        self.leave(user, feed)
