"""The engine and the session factory, set up the same way for PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from videoengage.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

# serialization_failure and deadlock_detected: the transaction did nothing and may simply run again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
TRANSACTION_ATTEMPTS = 5


def create_engine(settings: Settings) -> AsyncEngine:
    """One engine per process; created at startup and disposed at shutdown by the app's lifespan."""
    if settings.is_sqlite:
        engine = create_async_engine(settings.database_url)
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        settings.database_url,
        pool_pre_ping=True,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        # A slow or stuck database fails the request after a bounded wait instead of hanging it.
        connect_args={
            "options": f"-c statement_timeout={int(settings.db_statement_timeout_seconds * 1000)}",
            "connect_timeout": max(1, int(settings.db_pool_timeout_seconds)),
        },
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Real transactions on SQLite: foreign keys on, WAL, and BEGIN issued by us, not by the driver.

    The sqlite3 module's own transaction handling defers BEGIN and breaks SAVEPOINT; writers start
    with BEGIN IMMEDIATE so two read-then-write transactions can never deadlock on lock upgrade.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA busy_timeout = 10000")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get("sqlite_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Hands out short sessions: one per resolver or loader batch, never shared between tasks."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._reader = async_sessionmaker(engine, expire_on_commit=False)
        self._writer = async_sessionmaker(engine.execution_options(sqlite_write=True), expire_on_commit=False)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads; its transaction is rolled back at the end."""
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed when the block ends without an exception."""
        async with self._writer() as session, session.begin():
            yield session

    async def transaction(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run ``work`` in one write transaction, again (a bounded number of times) if the database
        aborted it for a serialization failure or a deadlock; such errors never reach a client."""
        for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
            try:
                async with self.write() as session:
                    return await work(session)
            except DBAPIError as error:
                if attempt == TRANSACTION_ATTEMPTS or not is_retryable(error):
                    raise
                logger.info("retrying transaction after %s (attempt %d)", _sqlstate(error), attempt)
                await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
        raise AssertionError("unreachable")

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def is_retryable(error: DBAPIError) -> bool:
    """Serialization failures and deadlocks on PostgreSQL; a busy database on SQLite."""
    return _sqlstate(error) in RETRYABLE_SQLSTATES or "database is locked" in str(error.orig)
