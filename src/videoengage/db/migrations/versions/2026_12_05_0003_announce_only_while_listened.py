"""Announce a stored message only while some worker listens, and never miss one that a new listener needs.

``NOTIFY`` holds a database-wide lock from just before its transaction commits until the commit is
flushed, so every send that announces commits one at a time, across the whole database. A message
stored while no worker listens needs no announcement (a worker that starts listening catches every
room up), so sends then skip it and commit side by side. Two advisory locks (``db.listener``) keep
that exact without reading any table:

- each listening connection holds ``LISTENING_LOCK`` shared while it listens; the trigger tries it
  exclusively for an instant, and announces when that fails (someone listens, or another send is
  trying at the same instant: one announcement too many, never one too few);
- each send holds ``GATE_LOCK`` shared until it commits; a connection that starts listening takes it
  exclusively once, after taking ``LISTENING_LOCK``, so it waits for every send that may have looked
  before it, and only then LISTENs and catches up. A send that looks later sees it listening.

While a connection waits at the gate, sends that come after it wait behind it (PostgreSQL grants a
lock in the order asked), as long as the sends already in flight take to end: a pause of a few
milliseconds each time a worker goes from no subscriber to one.

The try and the release are one expression (a ``CASE``, whose order PostgreSQL keeps), so no cancel
comes between them to leave the lock held.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 11:00:00
"""

from collections.abc import Sequence

from alembic import op

from videoengage.db.dialect import Dialect, dialect_of
from videoengage.db.listener import CHANNEL, GATE_LOCK, LISTENING_LOCK

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOTIFY = f"PERFORM pg_notify('{CHANNEL}', NEW.conversation_id::text || ':' || NEW.id::text);"
_LISTENING = ", ".join(map(str, LISTENING_LOCK))
_GATE = ", ".join(map(str, GATE_LOCK))


def _announce_message(body: str, declare: str = "") -> str:
    return f"""
        CREATE OR REPLACE FUNCTION announce_message() RETURNS trigger LANGUAGE plpgsql AS $$
        {declare}
        BEGIN
            {body}
            RETURN NULL;
        END
        $$
        """


def upgrade() -> None:
    if dialect_of(op.get_bind()) is not Dialect.POSTGRESQL:
        return
    op.execute(
        _announce_message(
            f"""PERFORM pg_advisory_xact_lock_shared({_GATE});
            nobody_listens := CASE WHEN pg_try_advisory_lock({_LISTENING})
                THEN pg_advisory_unlock({_LISTENING}) ELSE false END;
            IF NOT nobody_listens THEN
                {_NOTIFY}
            END IF;""",
            declare="DECLARE nobody_listens boolean;",
        )
    )


def downgrade() -> None:
    if dialect_of(op.get_bind()) is not Dialect.POSTGRESQL:
        return
    op.execute(_announce_message(_NOTIFY))
