"""What the messaging tables hold, to assert that a refused request wrote nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from videoengage.db.engine import Database
from videoengage.db.models import Base

TABLES = [Base.metadata.tables[name] for name in ("messages", "conversations", "conversation_participants")]


async def messaging_state(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of messages, conversations and participants, in a stable order."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    async with db.read() as session:
        for table in TABLES:
            rows = await session.execute(select(table).order_by(*table.primary_key))
            state[table.name] = [tuple(row) for row in rows]
    return state
