"""Statements for conversations: the one direct conversation per pair, and the viewer's list."""

from __future__ import annotations

from sqlalchemy import and_, func, insert, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from videoengage.db.dialect import dialect_of
from videoengage.db.engine import Database
from videoengage.db.membership import takes_part
from videoengage.db.models import Conversation, ConversationParticipant, User
from videoengage.db.page_size import page_size
from videoengage.db.rows import ConversationRow

# Conversations without messages sort after all others: no message id is below 1.
_recency = func.coalesce(Conversation.last_message_id, 0)

ConversationPosition = tuple[int, int]


def position(conversation: Conversation | ConversationRow) -> ConversationPosition:
    """Where a conversation sits in the list: (newest message id or 0, conversation id)."""
    return (conversation.last_message_id or 0, conversation.id)


async def start_direct(db: Database, viewer_id: int, other_id: int) -> ConversationRow | None:
    """The pair's direct conversation, created with both participants on first use; ``None`` if the
    other user does not exist. One transaction, run again on a serialization failure or deadlock."""

    async def work(conn: AsyncConnection) -> ConversationRow | None:
        created = await insert_direct(conn, viewer_id, other_id)
        if created is not None:
            return created
        # Nothing was written: the pair has its conversation, or the other user does not exist.
        return await direct_between(conn, viewer_id, other_id)

    return await db.transaction(work)


async def insert_direct(conn: AsyncConnection, viewer_id: int, other_id: int) -> ConversationRow | None:
    """Create the pair's direct conversation with both participants, if the other user exists.

    ``None`` when nothing was written: the pair already has one (the unique pair makes concurrent
    calls safe), or the other user does not exist (checked in the same statement as the insert).
    """
    low, high = sorted((viewer_id, other_id))
    columns = Conversation.__table__.c
    row = select(
        literal(low, columns.direct_low_user_id.type), literal(high, columns.direct_high_user_id.type)
    ).where(select(User.id).where(User.id == other_id).exists())
    result = await conn.execute(
        dialect_of(conn)
        .insert(Conversation)
        .from_select(["direct_low_user_id", "direct_high_user_id"], row)
        .on_conflict_do_nothing(index_elements=["direct_low_user_id", "direct_high_user_id"])
        .returning(*columns)
    )
    created = result.first()
    if created is None:
        return None
    await conn.execute(
        insert(ConversationParticipant).values(
            [{"conversation_id": created.id, "user_id": user_id} for user_id in (low, high)]
        )
    )
    return ConversationRow._make(created)


async def direct_between(conn: AsyncConnection, a: int, b: int) -> ConversationRow | None:
    low, high = sorted((a, b))
    table = Conversation.__table__
    result = await conn.execute(
        select(table).where(table.c.direct_low_user_id == low, table.c.direct_high_user_id == high)
    )
    row = result.first()
    return None if row is None else ConversationRow._make(row)


async def conversation_of_participant(
    session: AsyncSession, conversation_id: int, user_id: int
) -> Conversation | None:
    """The conversation, if the user takes part in it: to anyone else it is not there."""
    return await session.scalar(
        select(Conversation).where(Conversation.id == conversation_id, takes_part(conversation_id, user_id))
    )


async def conversations_of(
    session: AsyncSession, user_id: int, after: ConversationPosition | None, limit: int
) -> list[Conversation]:
    """The user's conversations, the most recent message first, from after ``after``."""
    query = select(Conversation).join(
        ConversationParticipant,
        and_(
            ConversationParticipant.conversation_id == Conversation.id,
            ConversationParticipant.user_id == user_id,
        ),
    )
    if after is not None:
        sort_key, conversation_id = after
        query = query.where(
            or_(_recency < sort_key, and_(_recency == sort_key, Conversation.id < conversation_id))
        )
    rows = await session.scalars(
        query.order_by(_recency.desc(), Conversation.id.desc()).limit(page_size(limit))
    )
    return list(rows)
