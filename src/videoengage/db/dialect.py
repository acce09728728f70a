"""The dialect's own ``insert``: PostgreSQL and SQLite both have ``ON CONFLICT`` and ``RETURNING``."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from videoengage.db.models import Base


def dialect_insert(dialect: str, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` with the ``on_conflict_*`` methods of the named database (``engine.dialect.name``)."""
    if dialect == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def upsert_insert(conn: AsyncConnection, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` with the ``on_conflict_*`` methods of the database this connection talks to."""
    return dialect_insert(conn.dialect.name, model)
