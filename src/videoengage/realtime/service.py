"""The worker's realtime service: its two hubs, the bus feeding them, and the socket count.

Created with the app, started by its lifespan (the bus needs the database), closed at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from videoengage.db import message_page
from videoengage.db.dialect import Dialect
from videoengage.db.engine import Database
from videoengage.db.listener import Listener
from videoengage.message_builders import messages_of_event
from videoengage.realtime.bus import poll_sqlite
from videoengage.realtime.feed import Feed
from videoengage.realtime.hub import MessageHub
from videoengage.realtime.inbox import InboxHub
from videoengage.resolvers.messages import CURSOR_KIND  # the same cursors as ``messages``
from videoengage.schema.conversation import Conversation
from videoengage.schema.message import Message
from videoengage.schema.pagination import Edge, encode_cursor
from videoengage.settings import Settings

MessageEdge = Edge[Message]


class Realtime:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.messages: MessageHub[MessageEdge] = MessageHub(
            self.edges_after, settings.subscription_queue_size
        )
        self.inbox: InboxHub[Conversation] = InboxHub(
            db, Conversation.from_row, settings.subscription_queue_size
        )
        self.sockets = 0
        self.listener: Listener | None = None  # PostgreSQL's; SQLite polls
        self._bus: asyncio.Task[None] | None = None

    async def edges_after(
        self, conversation_id: int, after_id: int, limit: int
    ) -> list[tuple[int, MessageEdge]]:
        """Up to ``limit`` messages after ``after_id``, oldest first, as edges with their ids: one
        statement (and one more only if some share a post)."""
        rows = await message_page.oldest_after(self.db, conversation_id, after_id, limit)
        messages = await messages_of_event(self.db, rows)
        return [
            (row.id, Edge(cursor=encode_cursor(CURSOR_KIND, conversation_id, row.id), node=message))
            for row, message in zip(rows, messages, strict=True)
        ]

    def announce(self, conversation_id: int, _message_id: int) -> None:
        self.messages.poke(conversation_id)
        self.inbox.announce(conversation_id)

    def start(self) -> None:
        if self.db.dialect is Dialect.POSTGRESQL:
            self.listener = Listener(self.settings.listen_url, self.announce, self.messages.poke_all)
            bus = self.listener.run()
        else:
            bus = poll_sqlite(
                self.db, self.settings.sqlite_poll_seconds, self.announce, self.messages.poke_all, self._busy
            )
        self._bus = asyncio.create_task(bus)

    @contextlib.asynccontextmanager
    async def message_feed(self, conversation_id: int, after_id: int) -> AsyncIterator[Feed[MessageEdge]]:
        """A ``messageSent`` subscription's feed (``MessageHub.join``), for as long as it is held."""
        async with self._announcements():
            feed = self.messages.join(conversation_id, after_id)
            try:
                yield feed
            finally:
                self.messages.leave(conversation_id, feed)

    @contextlib.asynccontextmanager
    async def inbox_feed(self, viewer_id: int) -> AsyncIterator[Feed[Conversation]]:
        """A ``conversationUpdated`` subscription's feed (``InboxHub.join``), for as long as it is held."""
        async with self._announcements():
            feed = self.inbox.join(viewer_id)
            try:
                yield feed
            finally:
                self.inbox.leave(viewer_id, feed)

    @contextlib.asynccontextmanager
    async def _announcements(self) -> AsyncIterator[None]:
        """Held around each feed: on PostgreSQL the worker listens while anyone holds it, and the
        first holder waits for LISTEN to be in place (one round trip on the connection the worker
        keeps), so what commits after it is announced. (SQLite's poll runs while any feed is joined.)"""
        listener = self.listener
        if listener is None:
            yield
            return
        listener.want()
        try:
            await listener.in_place()
            yield
        finally:
            listener.unwant()

    def _busy(self) -> bool:
        return self.messages.feeds > 0 or self.inbox.feeds > 0

    async def close(self) -> None:
        if self._bus is not None:
            self._bus.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._bus
        await self.messages.close()
        await self.inbox.close()
