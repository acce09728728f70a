"""What the messaging tables hold, to assert that a refused request wrote nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from videoengage.db.engine import Database
from videoengage.db.models import Conversation, ConversationParticipant, Message

TABLES = (Message.__table__, Conversation.__table__, ConversationParticipant.__table__)


async def messaging_state(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of messages, conversations and participants, in a stable order."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    async with db.read() as session:
        for table in TABLES:
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            state[table.name] = [tuple(row) for row in rows]
    return state
