"""Statements for direct messages: the serialised, idempotent send and newest-first pages.

Sends in one conversation run one at a time (the conversation row is locked first), so message ids
grow in commit order within a conversation: keyset paging by id then never skips or repeats one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, exists, literal, select, true, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from videoengage.db.dialect import upsert_insert
from videoengage.db.models import Conversation, ConversationParticipant, Message, Post, Video
from videoengage.db.queries import Record
from videoengage.enums import MessageType

_MESSAGES = Message.__table__


@dataclass(frozen=True)
class NewMessage:
    """A message that passed input validation: exactly the columns a send writes."""

    conversation_id: int
    sender_id: int
    type: MessageType
    body: str | None = None
    media_url: str | None = None
    shared_post_id: int | None = None
    shared_video_id: int | None = None
    client_message_id: str | None = None


def takes_part(conversation_id: int, user_id: int) -> ColumnElement[bool]:
    """Whether the user is a participant of the conversation; the one rule for reading and sending."""
    return exists().where(
        ConversationParticipant.conversation_id == conversation_id,
        ConversationParticipant.user_id == user_id,
    )


async def is_participant(conn: AsyncSession | AsyncConnection, conversation_id: int, user_id: int) -> bool:
    return bool(await conn.scalar(select(takes_part(conversation_id, user_id))))


async def lock_conversation_for_sender(conn: AsyncConnection, conversation_id: int, sender_id: int) -> bool:
    """Whether the sender takes part; if so the conversation stays locked until commit.

    One statement checks membership and serialises the conversation's sends. On SQLite ``FOR ...``
    renders as nothing: a writing transaction there starts with BEGIN IMMEDIATE, which is stronger.
    """
    found = await conn.scalar(
        select(Conversation.id)
        .where(Conversation.id == conversation_id, takes_part(conversation_id, sender_id))
        .with_for_update(key_share=True)  # FOR NO KEY UPDATE: foreign keys to the row still work
    )
    return found is not None


def _shared_item_is_there(new: NewMessage) -> ColumnElement[bool]:
    """A shared video must be published and a shared post must exist when the message is written."""
    if new.shared_video_id is not None:
        return exists().where(Video.id == new.shared_video_id, Video.is_published.is_(True))
    if new.shared_post_id is not None:
        return exists().where(Post.id == new.shared_post_id)
    return true()


async def insert_message(conn: AsyncConnection, new: NewMessage) -> Record | None:
    """Write the message; ``None`` if its shared item is gone or this client id was already stored.

    ``INSERT ... SELECT ... WHERE EXISTS`` checks the shared item in the same statement that writes,
    and ``ON CONFLICT DO NOTHING`` makes a retry (even a concurrent one) write nothing.
    """
    values = asdict(new)
    row = select(*(literal(value, _MESSAGES.c[name].type).label(name) for name, value in values.items()))
    statement = (
        upsert_insert(conn, Message)
        .from_select(list(values), row.where(_shared_item_is_there(new)))
        .on_conflict_do_nothing(index_elements=["conversation_id", "sender_id", "client_message_id"])
        .returning(*_MESSAGES.c)
    )
    return (await conn.execute(statement)).first()


async def message_by_client_id(
    conn: AsyncConnection, conversation_id: int, sender_id: int, client_message_id: str
) -> Record | None:
    """The message a previous attempt of the same send stored."""
    result = await conn.execute(
        select(_MESSAGES).where(
            _MESSAGES.c.conversation_id == conversation_id,
            _MESSAGES.c.sender_id == sender_id,
            _MESSAGES.c.client_message_id == client_message_id,
        )
    )
    return result.first()


async def set_last_message(conn: AsyncConnection, message: Record) -> None:
    """Keep the conversation's newest message in step, in the send's own transaction."""
    await conn.execute(
        update(Conversation)
        .where(Conversation.id == message.conversation_id)
        .values(last_message_id=message.id)
    )


async def newest_messages_of_participant(
    session: AsyncSession, conversation_id: int, user_id: int, before_id: int | None, limit: int
) -> Sequence[Row[Any]]:
    """Up to ``limit`` messages older than ``before_id`` (or the newest), newest first; none unless
    ``user_id`` takes part. Membership and page in one statement; plain rows, no ORM objects."""
    query = select(_MESSAGES).where(
        _MESSAGES.c.conversation_id == conversation_id, takes_part(conversation_id, user_id)
    )
    if before_id is not None:
        query = query.where(_MESSAGES.c.id < before_id)
    result = await session.execute(query.order_by(_MESSAGES.c.id.desc()).limit(limit))
    return result.all()
