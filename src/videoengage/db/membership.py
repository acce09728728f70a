"""Who takes part in a conversation: the one rule for reading its messages, sending to it and listing it."""

from __future__ import annotations

from sqlalchemy import BindParameter, ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from videoengage.db.models import ConversationParticipant


def takes_part(
    conversation_id: int | BindParameter[int], user_id: int | BindParameter[int]
) -> ColumnElement[bool]:
    """Whether the user is a participant of the conversation, as a condition of a larger statement."""
    return exists().where(
        ConversationParticipant.conversation_id == conversation_id,
        ConversationParticipant.user_id == user_id,
    )


async def is_participant(conn: AsyncSession | AsyncConnection, conversation_id: int, user_id: int) -> bool:
    return bool(await conn.scalar(select(takes_part(conversation_id, user_id))))
