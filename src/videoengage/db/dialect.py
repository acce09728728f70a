"""The dialect's own ``insert``: PostgreSQL and SQLite both have ``ON CONFLICT`` and ``RETURNING``."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from videoengage.db.models import Base


def upsert_insert(session: AsyncSession, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` with the ``on_conflict_*`` methods of the database this session talks to."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
