"""The worker's message hub: every ``messageSent`` subscription of one conversation shares a room,
and a room loads what is new once for all of them (Hasura's multiplexing).

A room is poked when the bus announces a message in its conversation (or, after the listening
connection came back, for every room). It then loads the messages after the oldest id any of its
feeds holds, in batches, oldest first, and offers them to each feed, which keeps what is newer than
its own last id. One room loads at a time (pokes while it loads make it load again), so each feed
receives ids in order, each once. A feed that overflows leaves the room; its subscription ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from videoengage.realtime.feed import Feed

logger = logging.getLogger(__name__)

T = TypeVar("T")
BATCH = 100
RETRY_SECONDS = 0.5

Load = Callable[[int, int, int], Awaitable[list[tuple[int, T]]]]


class _Room(Generic[T]):
    def __init__(self) -> None:
        self.feeds: set[Feed[T]] = set()
        self.dirty = False
        self.task: asyncio.Task[None] | None = None


class MessageHub(Generic[T]):
    def __init__(self, load: Load[T], capacity: int) -> None:
        """``load(conversation_id, after_id, limit)``: up to ``limit`` items newer than ``after_id``,
        oldest first, each with its id."""
        self._load = load
        self.capacity = capacity
        self._rooms: dict[int, _Room[T]] = {}
        self.loads = 0  # statements run, for the tests and the benchmark

    def join(self, conversation_id: int, after_id: int) -> Feed[T]:
        """A feed of the conversation's items after ``after_id``; what is already stored comes first."""
        feed: Feed[T] = Feed(after_id, self.capacity)
        self._rooms.setdefault(conversation_id, _Room()).feeds.add(feed)
        self.poke(conversation_id)
        return feed

    def leave(self, conversation_id: int, feed: Feed[T]) -> None:
        room = self._rooms.get(conversation_id)
        if room is not None:
            room.feeds.discard(feed)
            if not room.feeds and room.task is None:
                del self._rooms[conversation_id]

    def poke(self, conversation_id: int) -> None:
        """Something may have been stored in the conversation: load it, now or right after the load
        running now."""
        room = self._rooms.get(conversation_id)
        if room is None:
            return
        room.dirty = True
        if room.task is None:
            room.task = asyncio.create_task(self._run(conversation_id, room))

    def poke_all(self) -> None:
        for conversation_id in list(self._rooms):
            self.poke(conversation_id)

    @property
    def feeds(self) -> int:
        return sum(len(room.feeds) for room in self._rooms.values())

    async def close(self) -> None:
        tasks = [room.task for room in self._rooms.values() if room.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, conversation_id: int, room: _Room[T]) -> None:
        try:
            while room.dirty and room.feeds:
                room.dirty = False
                try:
                    await self._deliver(conversation_id, room)
                except Exception:
                    # The database is away: keep every feed where it is and try again; a poke from
                    # the reconnected listener may come first.
                    logger.warning(
                        "loading new messages of conversation %s failed", conversation_id, exc_info=True
                    )
                    room.dirty = True
                    await asyncio.sleep(RETRY_SECONDS)
        finally:
            room.task = None
            if not room.feeds and self._rooms.get(conversation_id) is room:
                del self._rooms[conversation_id]

    async def _deliver(self, conversation_id: int, room: _Room[T]) -> None:
        after = min(feed.last_id for feed in room.feeds)
        while True:
            self.loads += 1
            items = await self._load(conversation_id, after, BATCH)
            for feed in list(room.feeds):
                if not feed.offer(items):
                    room.feeds.discard(feed)
            if len(items) < BATCH or not room.feeds:
                return
            after = items[-1][0]
