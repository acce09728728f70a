"""Reads behind the realtime feed: which conversations got messages (SQLite's poll), and what the
inbox subscription needs (a conversation's participants and its row)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from videoengage.db.engine import Database
from videoengage.db.models import Conversation, ConversationParticipant, Message
from videoengage.db.rows import ConversationRow

_MESSAGES = Message.__table__
_CONVERSATIONS = Conversation.__table__
_PARTICIPANTS = ConversationParticipant.__table__

_NEWEST = select(func.coalesce(func.max(_MESSAGES.c.id), 0))
# Each conversation that got messages after an id, with its newest: the primary key's index answers it.
_CHANGED_SINCE = (
    select(_MESSAGES.c.conversation_id, func.max(_MESSAGES.c.id))
    .where(_MESSAGES.c.id > bindparam("after_id", type_=_MESSAGES.c.id.type))
    .group_by(_MESSAGES.c.conversation_id)
)
_PARTICIPANT_IDS = select(_PARTICIPANTS.c.conversation_id, _PARTICIPANTS.c.user_id).where(
    _PARTICIPANTS.c.conversation_id.in_(bindparam("ids", expanding=True))
)
_CONVERSATIONS_BY_ID = select(_CONVERSATIONS).where(_CONVERSATIONS.c.id.in_(bindparam("ids", expanding=True)))


async def newest_message_id(db: Database) -> int:
    """The highest message id stored (0 when there is none)."""

    async def work(conn: AsyncConnection) -> int:
        return int(await conn.scalar(_NEWEST) or 0)

    return await db.fetch(work)


async def conversations_changed_since(db: Database, after_id: int) -> dict[int, int]:
    """Conversation id to its newest message id, for those with messages newer than ``after_id``.

    On SQLite writers take turns (BEGIN IMMEDIATE), so ids are handed out in commit order: nothing
    committed later can have an id at or below one already seen."""

    async def work(conn: AsyncConnection) -> dict[int, int]:
        rows = await conn.execute(_CHANGED_SINCE, {"after_id": after_id})
        return {int(conversation): int(newest) for conversation, newest in rows}

    return await db.fetch(work)


async def participant_ids(db: Database, conversation_ids: Sequence[int]) -> dict[int, list[int]]:
    async def work(conn: AsyncConnection) -> dict[int, list[int]]:
        found: dict[int, list[int]] = {conversation: [] for conversation in conversation_ids}
        for conversation, user in await conn.execute(_PARTICIPANT_IDS, {"ids": list(conversation_ids)}):
            found[int(conversation)].append(int(user))
        return found

    return await db.fetch(work)


async def conversations_by_id(db: Database, ids: Sequence[int]) -> dict[int, ConversationRow]:
    async def work(conn: AsyncConnection) -> dict[int, ConversationRow]:
        rows = await conn.execute(_CONVERSATIONS_BY_ID, {"ids": list(ids)})
        return {row.id: ConversationRow._make(row) for row in rows}

    return await db.fetch(work)
