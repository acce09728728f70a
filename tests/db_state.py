"""What the database holds, read straight from the tables: the 'then' of tests, beside the API's answer."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from videoengage.db.engine import Database
from videoengage.db.models import REACTION_COUNT_COLUMNS, Base, VideoProgress
from videoengage.db.reaction_targets import ReactionTarget
from videoengage.enums import ReactionType

EMPTY_COUNTS = {"like": 0, "love": 0, "haha": 0, "wow": 0, "sad": 0, "pray": 0, "total": 0}


async def counted_reactions(db: Database, target: ReactionTarget[Any], target_id: int) -> dict[str, int]:
    """A fresh count of the reaction rows by type, shaped like the API's ``reactionCounts``."""
    reactions = target.reactions
    async with db.read() as session:
        rows = await session.execute(
            select(reactions.c.type, func.count())
            .where(reactions.c[target.target_key] == target_id)
            .group_by(reactions.c.type)
        )
        by_type: Counter[ReactionType] = Counter({row[0]: row[1] for row in rows})
    counts = {member.value: by_type[member] for member in ReactionType}
    return {**counts, "total": sum(counts.values())}


async def stored_counters(db: Database, target: ReactionTarget[Any], target_id: int) -> dict[str, int]:
    """The target's counter columns, shaped like the API's ``reactionCounts``."""
    columns = [target.targets.c[name] for name in REACTION_COUNT_COLUMNS]
    async with db.read() as session:
        row = (await session.execute(select(*columns).where(target.targets.c.id == target_id))).one()
    counts = {
        name.removesuffix("_count"): value for name, value in zip(REACTION_COUNT_COLUMNS, row, strict=True)
    }
    return {**counts, "total": sum(counts.values())}


async def reaction_rows(db: Database, target: ReactionTarget[Any]) -> list[tuple[Any, ...]]:
    reactions = target.reactions
    async with db.read() as session:
        rows = await session.execute(
            select(reactions.c.user_id, reactions.c[target.target_key], reactions.c.type).order_by(
                reactions.c.user_id, reactions.c[target.target_key]
            )
        )
        return [tuple(row) for row in rows]


async def progress_rows(db: Database) -> list[tuple[Any, ...]]:
    """Every stored progress, every column: compared before and after a request that must write nothing."""
    columns = list(VideoProgress.__table__.c)
    async with db.read() as session:
        rows = await session.execute(select(*columns).order_by(VideoProgress.user_id, VideoProgress.video_id))
        return [tuple(row) for row in rows]


MESSAGING_TABLES = [
    Base.metadata.tables[name] for name in ("messages", "conversations", "conversation_participants")
]


async def messaging_state(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of messages, conversations and participants, in a stable order."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    async with db.read() as session:
        for table in MESSAGING_TABLES:
            rows = await session.execute(select(table).order_by(*table.primary_key))
            state[table.name] = [tuple(row) for row in rows]
    return state
