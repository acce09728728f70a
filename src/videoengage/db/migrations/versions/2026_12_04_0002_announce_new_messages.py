"""Announce each stored message with NOTIFY, from the database itself, whichever path stored it.

A row trigger on ``messages`` calls ``pg_notify`` in the inserting transaction (or autocommit
statement), so the announcement goes out if and only if the message commits, and the one-statement
send and the locked-transaction fallback need no code of their own. The payload carries ids only:
``<conversation id>:<message id>``. SQLite has no NOTIFY; its workers poll instead (``realtime.bus``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 23:00:00
"""

from collections.abc import Sequence

from alembic import op

from videoengage.db.dialect import Dialect, dialect_of
from videoengage.db.listener import CHANNEL

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if dialect_of(op.get_bind()) is not Dialect.POSTGRESQL:
        return
    op.execute(
        f"""
        CREATE FUNCTION announce_message() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', NEW.conversation_id::text || ':' || NEW.id::text);
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER announce_message AFTER INSERT ON messages "
        "FOR EACH ROW EXECUTE FUNCTION announce_message()"
    )


def downgrade() -> None:
    if dialect_of(op.get_bind()) is not Dialect.POSTGRESQL:
        return
    op.execute("DROP TRIGGER announce_message ON messages")
    op.execute("DROP FUNCTION announce_message()")
