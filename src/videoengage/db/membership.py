"""Who takes part in a conversation: the one rule for reading its messages, sending to it and listing it."""

from __future__ import annotations

from sqlalchemy import BindParameter, ColumnElement, bindparam, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from videoengage.db.models import ConversationParticipant
from videoengage.db.prepared import Connection


def takes_part(
    conversation_id: int | BindParameter[int], user_id: int | BindParameter[int]
) -> ColumnElement[bool]:
    """Whether the user is a participant of the conversation, as a condition of a larger statement."""
    return exists().where(
        ConversationParticipant.conversation_id == conversation_id,
        ConversationParticipant.user_id == user_id,
    )


# Built once, with bound parameters: statements on the hot paths are (``db.prepared``).
_IS_PARTICIPANT = select(takes_part(bindparam("conversation_id"), bindparam("user_id")))


async def is_participant(conn: AsyncSession | Connection, conversation_id: int, user_id: int) -> bool:
    parameters = {"conversation_id": conversation_id, "user_id": user_id}
    return bool(await conn.scalar(_IS_PARTICIPANT, parameters))
