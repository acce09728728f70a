"""The one reaction toggle, for every target: lock the target, change the reaction, move its counters.

Runs inside the caller's write transaction. The target row is locked first, so every toggle on one
target is serialised: the reaction read that follows is current, two toggles never both insert, and
the counters move by exactly what the reaction rows did. Locks are always taken target first, then
reaction, so toggles cannot deadlock each other. (On SQLite, BEGIN IMMEDIATE serialises all writers.)

After the lock, PostgreSQL does the rest in one statement (data-modifying CTEs): toggles are hot,
and each round trip costs more than the work it carries. Its snapshot is taken after the lock, so
what it reads is as current as a separate read would be. SQLite has no data-modifying CTEs and runs
the same steps as separate statements (read, write the reaction, move the counters), which the
tests run against too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    Integer,
    bindparam,
    case,
    cast,
    delete,
    exists,
    insert,
    null,
    select,
    update,
)
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
    statements = _statements(target)
    keys = {"who": user_id, "what": target_id}
    if await conn.scalar(statements.lock, keys) is None:
        return None
    if conn.dialect.name == "postgresql":
        toggled = (await conn.execute(statements.toggle, {**keys, "reaction": type, "now": utcnow()})).one()
        return _toggled(toggled.previous, type, toggled)

    previous: ReactionType | None = await conn.scalar(statements.read, keys)
    if previous is None:
        await conn.execute(statements.add, {**keys, "reaction": type})
    elif previous is type:
        await conn.execute(statements.remove, keys)
    else:
        await conn.execute(statements.change, {**keys, "reaction": type, "changed_at": utcnow()})
    current = None if previous is type else type
    moved = (await conn.execute(_move_counters(target, previous, current), keys)).one()  # locked above
    return _toggled(previous, type, moved)


def _toggled(previous: ReactionType | None, wanted: ReactionType, target: Record) -> Toggled:
    if previous is None:
        return Toggled(action=ReactionAction.ADDED, type=wanted, target=target)
    if previous is wanted:
        return Toggled(action=ReactionAction.REMOVED, type=None, target=target)
    return Toggled(action=ReactionAction.CHANGED, type=wanted, target=target)


@dataclass(frozen=True)
class _ToggleStatements:
    lock: Executable
    toggle: Executable  # PostgreSQL: everything after the lock
    read: Executable
    add: Executable
    remove: Executable
    change: Executable


@cache
def _statements(target: ReactionTarget[Any]) -> _ToggleStatements:
    """A toggle's statements, built once per target with bound parameters: toggles are hot, and
    building statements anew on each one cost more CPU than running them."""
    targets, reactions = target.targets, target.reactions
    # Parameter names differ from column names: SQLAlchemy reserves those in INSERT and UPDATE.
    target_id = bindparam("what", type_=targets.c.id.type)
    user_id = bindparam("who", type_=reactions.c.user_id.type)
    this_reaction = (reactions.c.user_id == user_id) & (reactions.c[target.target_key] == target_id)
    return _ToggleStatements(
        lock=select(targets.c.id)
        .where(targets.c.id == target_id, target.visible())
        # NO KEY UPDATE: blocks other toggles, not inserts elsewhere that only reference this row.
        .with_for_update(key_share=True),
        toggle=_toggle_in_one_statement(target, this_reaction, target_id, user_id),
        read=select(reactions.c.type).where(this_reaction),
        add=insert(reactions).values(
            {
                "user_id": user_id,
                target.target_key: target_id,
                "type": bindparam("reaction", type_=reactions.c.type.type),
            }
        ),
        remove=delete(reactions).where(this_reaction),
        change=update(reactions)
        .where(this_reaction)
        .values(
            type=bindparam("reaction", type_=reactions.c.type.type),
            updated_at=bindparam("changed_at", type_=reactions.c.updated_at.type),
        ),
    )


@cache
def _move_counters(
    target: ReactionTarget[Any], previous: ReactionType | None, current: ReactionType | None
) -> Executable:
    """Move the target's counters by what the reaction rows did, returning the row with them."""
    targets = target.targets
    deltas: dict[str, int] = {}
    if previous is not None:
        deltas[counter_column(previous)] = -1
    if current is not None:
        deltas[counter_column(current)] = 1
    return (
        update(targets)
        .where(targets.c.id == bindparam("what", type_=targets.c.id.type))
        .values({name: targets.c[name] + delta for name, delta in deltas.items()})
        .returning(*targets.c)
    )


def _toggle_in_one_statement(
    target: ReactionTarget[Any],
    this_reaction: ColumnElement[bool],
    target_id: BindParameter[int],
    user_id: BindParameter[int],
) -> Executable:
    """Remove, change or add the reaction and move the counters by the same amounts, returning the
    target row and the reaction before the toggle (``previous``). PostgreSQL only.

    All parts of one statement see the same snapshot, the one before any of them ran: each of the
    three writes finds the reaction as it was, and at most one of them matches.
    """
    targets, reactions = target.targets, target.reactions
    wanted = bindparam("reaction", type_=reactions.c.type.type)
    now = bindparam("now", type_=reactions.c.updated_at.type)
    removed = delete(reactions).where(this_reaction, reactions.c.type == wanted).cte("removed")
    changed = (
        update(reactions)
        .where(this_reaction, reactions.c.type != wanted)
        .values(type=wanted, updated_at=now)
        .cte("changed")
    )
    added = (
        insert(reactions)
        .from_select(
            ["user_id", target.target_key, "type", "created_at", "updated_at"],
            select(user_id, target_id, wanted, now, now).where(~exists().where(this_reaction)),
        )
        .cte("added")
    )
    before = select(select(reactions.c.type).where(this_reaction).scalar_subquery().label("old")).subquery()
    delta = select(
        target_id.label("id"),
        before.c.old,
        case((before.c.old == wanted, null()), else_=wanted).label("new"),
    ).subquery("delta")
    return (
        update(targets)
        .where(targets.c.id == delta.c.id)
        .values(
            {
                counter_column(type): targets.c[counter_column(type)]
                + cast(delta.c.new.is_not_distinct_from(type), Integer)
                - cast(delta.c.old.is_not_distinct_from(type), Integer)
                for type in ReactionType
            }
        )
        .returning(*targets.c, delta.c.old.label("previous"))
        .add_cte(removed, changed, added)
    )
