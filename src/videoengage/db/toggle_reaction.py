"""The owner of the reaction toggle, for every target: lock the target, change the reaction, move its
counters, and return what was done with the target's typed row.

Every toggle on one target is serialised on the target's row lock, and the counters move by exactly
what the reaction rows did. Locks are always taken target first, then reaction, so toggles cannot
deadlock each other.

PostgreSQL toggles in one autocommit statement, because toggles are hot and each round trip costs
more than the work it carries. That statement reads the reaction in its snapshot, taken before it
waited for the lock, so a concurrent toggle of the *same* reaction may have changed it meanwhile.
Each of its writes is therefore conditioned on the row it read, and the counters move by what the
writes returned, never by what was read: the statement either does the toggle exactly or changes
nothing and says so, and the locked transaction (lock, then the same statement with a fresh
snapshot) runs instead. SQLite has no data-modifying CTEs: its transaction reads, writes the
reaction and moves the counters as separate statements (BEGIN IMMEDIATE serialises all writers
there). A toggle is never run again after its connection died: it may have reached the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Generic

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    Integer,
    Row,
    Select,
    bindparam,
    cast,
    delete,
    exists,
    insert,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from videoengage.db.dialect import Dialect
from videoengage.db.engine import Database
from videoengage.db.models import counter_column
from videoengage.db.prepared import Connection
from videoengage.db.reaction_targets import R, ReactionTarget
from videoengage.db.types import utcnow
from videoengage.enums import ReactionAction, ReactionType


@dataclass(frozen=True)
class Toggled(Generic[R]):
    """What the toggle did, the viewer's reaction after it, and the target row with its new counters."""

    action: ReactionAction
    type: ReactionType | None
    target: R


async def toggle(
    db: Database, target: ReactionTarget[R], user_id: int, target_id: int, type: ReactionType
) -> Toggled[R] | None:
    """Add, change or remove ``user_id``'s reaction; ``None`` if the target is missing or not visible."""
    if db.dialect.writes_in_one_statement:
        toggled = await db.single_statement(
            lambda conn: _toggle_in_one_statement(conn, target, user_id, target_id, type)
        )
        if toggled is not None:
            return toggled
    return await db.transaction(
        lambda conn: _toggle_in_transaction(conn, db.dialect, target, user_id, target_id, type)
    )


async def _toggle_in_transaction(
    conn: AsyncConnection,
    dialect: Dialect,
    target: ReactionTarget[R],
    user_id: int,
    target_id: int,
    type: ReactionType,
) -> Toggled[R] | None:
    """Lock the target first; then the one statement (its snapshot is now current) or SQLite's steps."""
    statements = _statements(target)
    keys = {"who": user_id, "what": target_id}
    if await conn.scalar(statements.lock, keys) is None:
        return None
    if dialect.writes_in_one_statement:
        toggled = await _toggle_in_one_statement(conn, target, user_id, target_id, type)
        assert toggled is not None  # with the lock held, its snapshot is current: it always toggles
        return toggled

    previous: ReactionType | None = await conn.scalar(statements.read, keys)
    if previous is None:
        await conn.execute(statements.add, {**keys, "reaction": type})
    elif previous is type:
        await conn.execute(statements.remove, keys)
    else:
        await conn.execute(statements.change, {**keys, "reaction": type, "changed_at": utcnow()})
    current = None if previous is type else type
    moved = (await conn.execute(_move_counters(target, previous, current), keys)).one()  # locked above
    return _toggled(target, previous, current, moved)


async def _toggle_in_one_statement(
    conn: Connection, target: ReactionTarget[R], user_id: int, target_id: int, type: ReactionType
) -> Toggled[R] | None:
    """PostgreSQL: the whole toggle in one statement; ``None`` if it changed nothing (the target is
    missing or not visible, or a concurrent toggle of this reaction got there first)."""
    parameters = {"who": user_id, "what": target_id, "reaction": type, "now": utcnow()}
    row = (await conn.execute(_statements(target).toggle, parameters)).first()
    return None if row is None else _toggled(target, row.previous, row.current, row)


def _toggled(
    target: ReactionTarget[R], previous: ReactionType | None, current: ReactionType | None, row: Row[Any]
) -> Toggled[R]:
    """What a toggle did, named from the viewer's reaction before and after it; ``row`` starts with
    the target's columns in table order."""
    if previous is None:
        action = ReactionAction.ADDED
    elif current is None:
        action = ReactionAction.REMOVED
    else:
        action = ReactionAction.CHANGED
    return Toggled(action=action, type=current, target=target.row._make(row[: len(target.row._fields)]))


@dataclass(frozen=True)
class _ToggleStatements:
    lock: Executable
    toggle: Executable  # PostgreSQL: the whole toggle
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
    lock = (
        select(targets.c.id)
        .where(targets.c.id == target_id, target.visible())
        # NO KEY UPDATE: blocks other toggles, not inserts elsewhere that only reference this row.
        .with_for_update(key_share=True)
    )
    return _ToggleStatements(
        lock=lock,
        toggle=_one_statement(target, lock, this_reaction, target_id, user_id),
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


def _one_statement(
    target: ReactionTarget[Any],
    lock: Select[Any],
    this_reaction: ColumnElement[bool],
    target_id: BindParameter[int],
    user_id: BindParameter[int],
) -> Executable:
    """Lock the target, then remove, change or add the reaction and move the counters by what was
    done, returning the target row, the reaction before (``previous``) and after (``current``).

    Every part sees the snapshot taken when the statement began. The writes read from ``locked``, so
    none happens before the lock is held. Each write is conditioned on the reaction the snapshot
    shows, which PostgreSQL re-checks against the current row after the lock wait: a write whose row
    changed meanwhile skips it. ``done`` holds what the one matching write did, or nothing; the
    counters move by it and the statement returns a row only when it holds something.
    """
    targets, reactions = target.targets, target.reactions
    key = reactions.c[target.target_key]
    wanted = bindparam("reaction", type_=reactions.c.type.type)
    now = bindparam("now", type_=reactions.c.updated_at.type)
    no_type = cast(null(), reactions.c.type.type)
    locked = lock.cte("locked")
    before = select(reactions.c.type).where(this_reaction).cte("before")
    removed = (
        delete(reactions)
        .where(this_reaction, key == locked.c.id, reactions.c.type == wanted)
        .returning(key.label("id"), reactions.c.type.label("old"), no_type.label("new"))
        .cte("removed")
    )
    changed = (
        update(reactions)
        .where(
            this_reaction, key == locked.c.id, reactions.c.type == before.c.type, reactions.c.type != wanted
        )
        .values(type=wanted, updated_at=now)
        .returning(key.label("id"), before.c.type.label("old"), reactions.c.type.label("new"))
        .cte("changed")
    )
    added = (
        postgresql.insert(reactions)
        .from_select(
            ["user_id", target.target_key, "type", "created_at", "updated_at"],
            select(user_id, locked.c.id, wanted, now, now).where(~exists(before.select())),
        )
        .on_conflict_do_nothing(index_elements=["user_id", target.target_key])
        .returning(key.label("id"), no_type.label("old"), reactions.c.type.label("new"))
        .cte("added")
    )
    done = union_all(removed.select(), changed.select(), added.select()).subquery("done")
    return (
        update(targets)
        .where(targets.c.id == done.c.id)
        .values(
            {
                counter_column(type): targets.c[counter_column(type)]
                + cast(done.c.new.is_not_distinct_from(type), Integer)
                - cast(done.c.old.is_not_distinct_from(type), Integer)
                for type in ReactionType
            }
        )
        .returning(*targets.c, done.c.old.label("previous"), done.c.new.label("current"))
    )
