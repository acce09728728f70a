"""Conversations: starting the one direct conversation of a pair, one conversation, the viewer's list."""

from __future__ import annotations

from typing import Annotated

import strawberry

from videoengage.context import Info
from videoengage.db import conversations as db_conversations
from videoengage.errors import BadUserInput
from videoengage.ids import parse_id
from videoengage.resolvers.unset import given
from videoengage.schema.conversation import Conversation, StartDirectConversationInput
from videoengage.schema.pagination import (
    Connection,
    check_page_size,
    connection,
    decode_cursor,
    encode_cursor,
)

CURSOR_KIND = "conversations"


async def start_direct_conversation(
    info: Info,
    input: Annotated[StartDirectConversationInput, strawberry.argument(description="The user to talk to.")],
) -> Conversation:
    """The pair's direct conversation: found, or created with both participants; one per pair, ever."""
    viewer_id = info.context.viewer_id
    other_id = parse_id(input.user_id, "userId")
    if other_id == viewer_id:
        raise BadUserInput("A direct conversation needs another user", field="userId")

    row = await db_conversations.start_direct(info.context.db, viewer_id, other_id)
    if row is None:
        raise BadUserInput("userId is not an existing user", field="userId")
    return Conversation.from_row(row)


async def conversation(
    info: Info,
    id: Annotated[strawberry.ID, strawberry.argument(description="The conversation's id.")],
) -> Conversation | None:
    """Null both for a conversation that does not exist and for one the viewer is not in."""
    conversation_id = parse_id(id, "id")
    row = await info.context.db.fetch_in_session(
        lambda session: db_conversations.conversation_of_participant(
            session, conversation_id, info.context.viewer_id
        )
    )
    return None if row is None else Conversation.from_row(row)


async def conversations(
    info: Info,
    first: Annotated[int | None, strawberry.argument(description="How many conversations: 1 to 100.")] = 20,
    after: Annotated[
        str | None,
        strawberry.argument(description="The endCursor of the previous page, to continue the list."),
    ] = strawberry.UNSET,
) -> Connection[Conversation]:
    """The viewer's conversations, the one with the most recent message first."""
    limit = check_page_size(0 if first is None else first)  # null is no page size
    cursor = given(after)
    position = None if cursor is None else _position_in(cursor)
    rows = await info.context.db.fetch_in_session(
        lambda session: db_conversations.conversations_of(
            session, info.context.viewer_id, position, limit + 1
        )
    )
    page = [
        (Conversation.from_row(row), encode_cursor(CURSOR_KIND, *db_conversations.position(row)))
        for row in rows[:limit]
    ]
    return connection(page, has_next_page=len(rows) > limit)


def _position_in(cursor: str) -> db_conversations.ConversationPosition:
    sort_key, conversation_id = decode_cursor(CURSOR_KIND, cursor, int, int)
    assert isinstance(sort_key, int) and isinstance(conversation_id, int)
    return sort_key, conversation_id
