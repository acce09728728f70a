"""The one place that tells PostgreSQL from SQLite; the owners of the hot operations pick their path by it.

PostgreSQL runs single statements in autocommit and writes in data-modifying CTEs, so a hot write can
be one round trip; SQLite has neither, and its writers run step by step in a BEGIN IMMEDIATE
transaction. Both have ``ON CONFLICT`` and ``RETURNING``, through each dialect's own ``insert``.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from videoengage.db.models import Base


class Dialect(StrEnum):
    """The database an engine talks to; equal to SQLAlchemy's dialect name."""

    POSTGRESQL = "postgresql"
    SQLITE = "sqlite"

    @property
    def autocommits(self) -> bool:
        """Whether a single statement commits by itself, without BEGIN and COMMIT round trips."""
        return self is Dialect.POSTGRESQL

    @property
    def writes_in_one_statement(self) -> bool:
        """Whether a write that takes several steps can be sent as one statement (data-modifying CTEs)."""
        return self is Dialect.POSTGRESQL

    def insert(self, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
        """An ``INSERT`` with this database's ``on_conflict_*`` methods."""
        if self is Dialect.POSTGRESQL:
            return postgresql.insert(model)
        return sqlite.insert(model)


def dialect_of(bind: AsyncEngine | AsyncConnection | Connection) -> Dialect:
    """The dialect of an engine or connection (a migration's too); any other database is refused here,
    once."""
    return Dialect(bind.dialect.name)
