"""The one reaction toggle, for every target: lock the target, change the reaction, move its counters.

Runs inside the caller's write transaction. The target row is locked first, so every toggle on one
target is serialised: the reaction read that follows is current, two toggles never both insert, and
the counters move by exactly what the reaction rows did. Locks are always taken target first, then
reaction, so toggles cannot deadlock each other. (On SQLite, BEGIN IMMEDIATE serialises all writers.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from videoengage.db.queries import Record
from videoengage.db.reaction_targets import M, ReactionTarget
from videoengage.db.types import utcnow
from videoengage.enums import ReactionAction, ReactionType


@dataclass(frozen=True)
class Toggled:
    """What the toggle did, the viewer's reaction after it, and the target row with its new counters."""

    action: ReactionAction
    type: ReactionType | None
    target: Record


def counter_column(type: ReactionType) -> str:
    return f"{type.value}_count"


async def toggle_reaction(
    conn: AsyncConnection, target: ReactionTarget[M], user_id: int, target_id: int, type: ReactionType
) -> Toggled | None:
    """Add, change or remove ``user_id``'s reaction; ``None`` if the target is missing or not visible."""
    model = target.model
    locked = await conn.scalar(
        select(model.id)
        .where(model.id == target_id, target.visible())
        # NO KEY UPDATE: blocks other toggles, not inserts elsewhere that only reference this row.
        .with_for_update(key_share=True)
    )
    if locked is None:
        return None

    reactions = target.reactions
    this_reaction = (reactions.c.user_id == user_id) & (reactions.c[target.target_key] == target_id)
    previous: ReactionType | None = await conn.scalar(select(reactions.c.type).where(this_reaction))

    if previous is None:
        action, current = ReactionAction.ADDED, type
        await conn.execute(
            insert(reactions).values(user_id=user_id, **{target.target_key: target_id}, type=type)
        )
    elif previous is type:
        action, current = ReactionAction.REMOVED, None
        await conn.execute(delete(reactions).where(this_reaction))
    else:
        action, current = ReactionAction.CHANGED, type
        await conn.execute(update(reactions).where(this_reaction).values(type=type, updated_at=utcnow()))
    deltas: dict[str, int] = {}
    if previous is not None:
        deltas[counter_column(previous)] = -1
    if current is not None:
        deltas[counter_column(current)] = 1

    targets = target.targets
    result = await conn.execute(
        update(targets)
        .where(targets.c.id == target_id)
        .values(_increments(target, deltas))
        .returning(*targets.c)
    )
    row = result.first()
    assert row is not None  # locked above, in this transaction
    return Toggled(action=action, type=current, target=row)


def _increments(target: ReactionTarget[Any], deltas: dict[str, int]) -> dict[str, ColumnElement[int]]:
    columns = target.targets.c
    return {name: columns[name] + delta for name, delta in deltas.items()}
