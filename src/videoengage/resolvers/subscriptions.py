"""``messageSent`` and ``conversationUpdated``: checks when a client subscribes, then the stream.

Each resolver is a coroutine that checks its arguments and the viewer's membership and only then
returns the stream: a refusal (NOT_FOUND, BAD_USER_INPUT) is the subscription's ``error`` message,
and nothing is subscribed. The stream delivers from the worker's hubs (``realtime``), which load each
event once for all its subscribers; the events' fields that load per viewer use fresh loaders for
each batch, so a socket's long life caches nothing stale.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import strawberry

from videoengage.context import Info
from videoengage.db import message_page
from videoengage.errors import BadUserInput, Resubscribe
from videoengage.ids import parse_id
from videoengage.loaders import Loaders
from videoengage.realtime.feed import Overflow
from videoengage.realtime.hub import BATCH
from videoengage.realtime.service import Realtime
from videoengage.realtime.socket import SocketContext
from videoengage.resolvers.messages import CURSOR_KIND, conversation_not_found, message_id_in
from videoengage.resolvers.unset import given
from videoengage.schema.conversation import Conversation
from videoengage.schema.message import Message
from videoengage.schema.pagination import Edge, encode_cursor

BEHIND_WITH_CURSOR = "The client fell behind: subscribe again with `after` set to the last cursor received"
BEHIND = "The client fell behind: subscribe again, and read `conversations`"


def _realtime(info: Info) -> tuple[SocketContext, Realtime]:
    context = info.context
    if not isinstance(context, SocketContext) or context.realtime is None:
        raise BadUserInput("Subscriptions are served over WebSocket (graphql-transport-ws) at /graphql")
    return context, context.realtime


async def message_sent(
    info: Info,
    conversation_id: Annotated[
        strawberry.ID, strawberry.argument(description="The conversation; the viewer must take part in it.")
    ],
    after: Annotated[
        str | None,
        strawberry.argument(
            description=(
                "A cursor from `messages` or from an earlier event: every message after it is delivered "
                "first, oldest first. Without it, the subscription starts from now."
            )
        ),
    ] = strawberry.UNSET,
) -> AsyncIterator[Edge[Message]]:
    context, realtime = _realtime(info)
    conversation = parse_id(conversation_id, "conversationId")
    cursor = given(after)
    after_id = None if cursor is None else message_id_in(cursor, conversation)
    newest = await message_page.newest_id_if_participant(context.db, conversation, context.viewer_id)
    if newest is None:
        raise conversation_not_found()
    if after_id is not None and after_id > newest:  # no cursor points past the newest message
        raise BadUserInput("after is not a cursor of this conversation's messages", field="after")
    start = newest if after_id is None else after_id
    return _messages(context, realtime, conversation, start, catch_up=after_id is not None)


async def _messages(
    context: SocketContext, realtime: Realtime, conversation: int, last_id: int, *, catch_up: bool
) -> AsyncIterator[Edge[Message]]:
    """The catch-up (paced by the client: a page is read when the previous one was sent), then the
    live feed from the last id delivered; the feed takes only ids above it, so none twice. Should the
    client fall behind, it resubscribes from ``last_cursor``: where it started, or its last event."""
    last_cursor = encode_cursor(CURSOR_KIND, conversation, last_id)
    if catch_up:
        while True:
            page = await realtime.edges_after(conversation, last_id, BATCH)
            context.loaders = Loaders(context.db)
            for message_id, edge in page:
                yield edge
                last_id, last_cursor = message_id, edge.cursor
            if len(page) < BATCH:
                break
    async with realtime.message_feed(conversation, last_id) as feed:
        while True:
            try:
                batch = await feed.take()
            except Overflow:
                raise Resubscribe(BEHIND_WITH_CURSOR, after=last_cursor) from None
            context.loaders = Loaders(context.db)
            for _message_id, edge in batch:
                yield edge
                last_cursor = edge.cursor


async def conversation_updated(info: Info) -> AsyncIterator[Conversation]:
    context, realtime = _realtime(info)
    return _conversations(context, realtime, context.viewer_id)


async def _conversations(
    context: SocketContext, realtime: Realtime, viewer_id: int
) -> AsyncIterator[Conversation]:
    async with realtime.inbox_feed(viewer_id) as feed:
        while True:
            try:
                batch = await feed.take()
            except Overflow:
                raise Resubscribe(BEHIND) from None
            context.loaders = Loaders(context.db)
            for _sequence, conversation in batch:
                yield conversation
