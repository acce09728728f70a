"""Sending messages and reading a conversation's messages, newest first, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Annotated

import strawberry
from sqlalchemy.ext.asyncio import AsyncConnection

from videoengage.context import Info
from videoengage.db import messages as db_messages
from videoengage.db.messages import NewMessage
from videoengage.db.queries import Record
from videoengage.errors import BadUserInput, NotFound
from videoengage.ids import parse_id
from videoengage.resolvers.message_input import new_message
from videoengage.resolvers.unset import given
from videoengage.schema.message import Message, SendMessageInput, messages_from_rows, messages_of_page
from videoengage.schema.pagination import (
    Connection,
    check_page_size,
    connection,
    decode_cursor,
    encode_cursor,
)
from videoengage.schema.selection import selected_below

CURSOR_KIND = "messages"


def conversation_not_found() -> NotFound:
    """The one answer for a conversation that does not exist and one the viewer is not in."""
    return NotFound("Conversation not found")


async def send_message(
    info: Info,
    input: Annotated[SendMessageInput, strawberry.argument(description="The message and where it goes.")],
) -> Message:
    """Store a message (or find the one a retry with the same clientMessageId stored) in one transaction.

    On PostgreSQL the usual send is first tried as one statement; only when that writes nothing does
    the transaction run, to find the earlier message or to say what is wrong."""
    new = new_message(input, info.context.viewer_id)

    async def work(conn: AsyncConnection) -> Record:
        if not await db_messages.lock_conversation_for_sender(conn, new.conversation_id, new.sender_id):
            raise conversation_not_found()
        stored = await db_messages.insert_message(conn, new)
        if stored is not None:
            await db_messages.set_last_message(conn, stored)
            return stored
        if new.client_message_id is not None:
            earlier = await db_messages.message_by_client_id(
                conn, new.conversation_id, new.sender_id, new.client_message_id
            )
            if earlier is not None:
                return earlier
        raise _shared_item_missing(new)

    stored = await info.context.db.in_one_statement_else_transaction(
        partial(db_messages.send_in_one_statement, new=new), work
    )
    [message] = await messages_from_rows(info, [stored])
    return message


def _shared_item_missing(new: NewMessage) -> BadUserInput:
    if new.shared_video_id is not None:
        return BadUserInput("sharedVideoId is not a published video", field="sharedVideoId")
    return BadUserInput("sharedPostId is not an existing post", field="sharedPostId")


async def messages(
    info: Info,
    conversation_id: Annotated[
        strawberry.ID, strawberry.argument(description="The conversation; the viewer must take part in it.")
    ],
    first: Annotated[int | None, strawberry.argument(description="How many messages: 1 to 100.")] = 50,
    after: Annotated[
        str | None,
        strawberry.argument(
            description="The endCursor of the previous page, to continue with older messages."
        ),
    ] = strawberry.UNSET,
) -> Connection[Message]:
    """Newest first, by id: a conversation's ids grow in commit order, so pages never skip or repeat."""
    conversation = parse_id(conversation_id, "conversationId")
    limit = check_page_size(0 if first is None else first)  # null is no page size
    cursor = given(after)
    before_id = None if cursor is None else _message_id_in(cursor, conversation)
    wanted = selected_below(info, "edges", "node")
    viewer_id = info.context.viewer_id

    async def page_or_none(conn: AsyncConnection) -> Sequence[Record] | None:
        """The page's rows, or ``None`` when the viewer is not in the conversation."""
        rows = await db_messages.newest_messages_of_participant(
            conn, conversation, viewer_id, before_id, limit + 1, with_videos="sharedVideo" in wanted
        )
        # An empty page costs a second look, to tell "no (older) messages" from "not yours".
        if not rows and not await db_messages.is_participant(conn, conversation, viewer_id):
            return None
        return rows

    rows = await info.context.db.fetch(page_or_none)
    if rows is None:
        raise conversation_not_found()
    messages = await messages_of_page(info, rows[:limit], shared_post="sharedPost" in wanted)
    page = [(message, encode_cursor(CURSOR_KIND, conversation, int(message.id))) for message in messages]
    return connection(page, has_next_page=len(rows) > limit)


def _message_id_in(cursor: str, conversation_id: int) -> int:
    cursor_conversation, message_id = decode_cursor(CURSOR_KIND, cursor, int, int)
    if cursor_conversation != conversation_id:
        raise BadUserInput("after is a cursor of another conversation", field="after")
    assert isinstance(message_id, int)
    return message_id
