"""Sending messages and reading a conversation's messages, newest first, a page at a time."""

from __future__ import annotations

from typing import Annotated

import strawberry

from videoengage.context import Info
from videoengage.db import message_page
from videoengage.db import send_message as send_message_db
from videoengage.db.send_message import NewMessage, SendRefused
from videoengage.errors import BadUserInput, NotFound
from videoengage.ids import parse_id
from videoengage.message_builders import messages_from_rows, messages_of_page, sent_message
from videoengage.resolvers.message_input import new_message
from videoengage.resolvers.unset import given
from videoengage.schema.message import Message, SendMessageInput
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
    """Store a message (or find the one a retry with the same clientMessageId stored); the send's
    owner (``db.send_message``) picks its path, this checks the input and names what was refused."""
    new = new_message(input, info.context.viewer_id)
    sent = await send_message_db.send(info.context.db, new)
    if sent is SendRefused.NOT_A_PARTICIPANT:
        raise conversation_not_found()
    if sent is SendRefused.SHARED_ITEM_MISSING:
        raise _shared_item_missing(new)
    message = sent_message(info, sent)
    if message is None:
        [message] = await messages_from_rows(info, [sent])
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
    before_id = None if cursor is None else message_id_in(cursor, conversation)
    wanted = selected_below(info, "edges", "node")
    viewer_id = info.context.viewer_id

    rows = await message_page.newest_page(
        info.context.db, conversation, viewer_id, before_id, limit + 1, with_videos="sharedVideo" in wanted
    )
    if rows is None:
        raise conversation_not_found()
    messages = await messages_of_page(info, rows[:limit], shared_post="sharedPost" in wanted)
    page = [(message, encode_cursor(CURSOR_KIND, conversation, int(message.id))) for message in messages]
    return connection(page, has_next_page=len(rows) > limit)


def message_id_in(cursor: str, conversation_id: int) -> int:
    """The message id in a cursor of this conversation's messages (``messages`` or ``messageSent``)."""
    cursor_conversation, message_id = decode_cursor(CURSOR_KIND, cursor, int, int)
    if cursor_conversation != conversation_id:
        raise BadUserInput("after is a cursor of another conversation", field="after")
    assert isinstance(message_id, int)
    return message_id
