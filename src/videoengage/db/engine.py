"""The engine and the session factory, set up the same way for PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection as SyncConnection
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from videoengage.db.dead_connections import once_more_if_dead
from videoengage.db.dialect import dialect_of
from videoengage.db.prepared import Connection, PreparedConnection, Statements
from videoengage.db.statement_pool import StatementPool
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
    engine = create_async_engine(
        settings.database_url,
        # Autocommit by default: reads and single statements need no BEGIN/COMMIT round trips and
        # no per-checkout switching; transactions ask for READ COMMITTED (``Database.write``).
        isolation_level="AUTOCOMMIT",
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
        connect_args=_connect_args(settings),
    )
    _ping_connections_that_were_idle(engine)
    return engine


def _connect_args(settings: Settings) -> dict[str, Any]:
    """A slow or stuck database fails the request after a bounded wait instead of hanging it."""
    return {
        "options": f"-c statement_timeout={int(settings.db_statement_timeout_seconds * 1000)}",
        "connect_timeout": max(1, int(settings.db_pool_timeout_seconds)),
    }


def _statement_pool(engine: AsyncEngine, settings: Settings) -> StatementPool:
    """psycopg connections made as the engine makes its own (same URL, adapters, timeouts), in
    autocommit, preparing a statement on the server once a connection has run it
    ``DB_PREPARE_THRESHOLD`` times."""
    _, parameters = engine.dialect.create_connect_args(engine.url)
    return StatementPool(
        {
            **parameters,
            **_connect_args(settings),
            "autocommit": True,
            "prepare_threshold": settings.db_prepare_threshold,
        },
        size=settings.db_pool_size,
        timeout_seconds=settings.db_pool_timeout_seconds,
        ping_after_idle_seconds=IDLE_BEFORE_PING_SECONDS,
    )


IDLE_BEFORE_PING_SECONDS = 1.0


def _ping_connections_that_were_idle(engine: AsyncEngine) -> None:
    """Pre-ping, but only connections that sat idle: a busy pool skips the extra round trip.

    A connection handed back a moment ago was alive a moment ago; one that sat idle may have been
    closed by the server, a proxy or a restart. A failed ping makes the pool open a fresh connection
    (SQLAlchemy's documented "pessimistic" recipe: raise DisconnectionError from checkout).
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get("checked_in_at")
        if checked_in_at is None or time.monotonic() - checked_in_at < IDLE_BEFORE_PING_SECONDS:
            return
        try:
            # The dialect's own ping, as pool_pre_ping uses: it leaves no transaction open.
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError("the connection was closed while idle") from error


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
    def _on_begin(connection: SyncConnection) -> None:
        immediate = connection.get_execution_options().get("sqlite_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@asynccontextmanager
async def worker_threads_joined(within_seconds: float = 2.0) -> AsyncIterator[None]:
    """Wait, at the end of the block, for the threads started inside it (bounded).

    aiosqlite runs each connection in a thread; one that failed to open reports to the event loop
    a moment after the caller has the error. A command that then closes its loop (``asyncio.run``)
    would print that thread's traceback: waiting here keeps a failure to one line.
    """
    before = set(threading.enumerate())
    try:
        yield
    finally:
        deadline = time.monotonic() + within_seconds
        while time.monotonic() < deadline and any(
            thread.is_alive() for thread in set(threading.enumerate()) - before
        ):
            await asyncio.sleep(0.01)


class Database:
    """Hands out short sessions: one per resolver or loader batch, never shared between tasks.

    With a ``StatementPool`` (PostgreSQL with ``FAST_PATH``), the hot operations' statements go to
    psycopg directly (``fetch_prepared``, ``single_statement``; see ``db.prepared``).
    """

    def __init__(self, engine: AsyncEngine, statement_pool: StatementPool | None = None) -> None:
        self.engine = engine
        self.dialect = dialect_of(engine)
        self._statement_pool = statement_pool
        self._statements = Statements(engine)
        # On PostgreSQL the engine is in autocommit: reads need no BEGIN and no ROLLBACK round trips.
        # Writers get a real transaction: READ COMMITTED there, BEGIN IMMEDIATE on SQLite.
        self._writes = (
            engine.execution_options(isolation_level="READ COMMITTED")
            if self.dialect.autocommits
            else engine.execution_options(sqlite_write=True)
        )
        self._reader = async_sessionmaker(engine, expire_on_commit=False)
        self._writer = async_sessionmaker(self._writes, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        engine = create_engine(settings)
        prepared = settings.fast_path and not settings.is_sqlite
        return cls(engine, _statement_pool(engine, settings) if prepared else None)

    async def fetch_prepared(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """``fetch`` for the hot reads, whose statements are built once: on psycopg directly when
        there is a statement pool, else on the engine."""
        if self._statement_pool is None:
            return await self.fetch(work)
        return await once_more_if_dead(lambda: self._on_statement_pool(work))

    async def _on_statement_pool(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        assert self._statement_pool is not None
        conn = await self._statement_pool.acquire()
        prepared = PreparedConnection(conn, self._statements, self._statement_pool.cursor(conn))
        try:
            return await work(prepared)
        finally:
            await self._statement_pool.release(conn, broken=prepared.broken)

    async def fetch(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run the read ``work`` on a plain connection (the loaders' hot path, without a session's
        cost); once more on a fresh connection if the first was dead. ``work`` must return fully
        fetched results and write nothing, since it may run twice."""

        async def attempt() -> T:
            async with self.engine.connect() as conn:
                return await work(conn)

        return await once_more_if_dead(attempt)

    async def fetch_in_session(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """``fetch`` for reads written against a session (ORM rows)."""

        async def attempt() -> T:
            async with self.read() as session:
                return await work(session)

        return await once_more_if_dead(attempt)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads: autocommit on PostgreSQL, a rolled-back transaction on SQLite.
        Nothing runs again here if its connection was dead: requests read through ``fetch*``."""
        async with self._reader() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed when the block ends without an exception."""
        async with self._writer() as session, session.begin():
            yield session

    async def single_statement(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """Run ``work``, which sends ONE statement, atomic by itself, built once, on a plain
        connection: in autocommit on PostgreSQL (no BEGIN and COMMIT round trips; on the statement
        pool if there is one), in a write transaction on SQLite. Never run again if its connection
        died: the write may have reached the database."""
        if self._statement_pool is not None:
            return await self._on_statement_pool(work)
        if self.dialect.autocommits:
            async with self.engine.connect() as conn:
                return await work(conn)
        async with self._writes.begin() as conn:
            return await work(conn)

    async def idempotent_statement(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """``single_statement`` for a statement that leaves the same state however often it runs
        (the progress upsert): once more on a fresh connection if the first was dead."""
        return await once_more_if_dead(lambda: self.single_statement(work))

    async def transaction(self, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """Run ``work`` in one write transaction, again (a bounded number of times) if the database
        aborted it for a serialization failure or a deadlock; such errors never reach a client."""
        for attempt in range(1, TRANSACTION_ATTEMPTS + 1):
            try:
                async with self._writes.begin() as conn:
                    return await work(conn)
            except DBAPIError as error:
                if attempt == TRANSACTION_ATTEMPTS or not is_retryable(error):
                    raise
                logger.info("retrying transaction after %s (attempt %d)", _sqlstate(error), attempt)
                await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
        raise AssertionError("unreachable")

    async def dispose(self) -> None:
        if self._statement_pool is not None:
            await self._statement_pool.close()
        await self.engine.dispose()


def _sqlstate(error: DBAPIError) -> str | None:
    return getattr(error.orig, "sqlstate", None)


def is_retryable(error: DBAPIError) -> bool:
    """Serialization failures and deadlocks on PostgreSQL; a busy database on SQLite."""
    return _sqlstate(error) in RETRYABLE_SQLSTATES or "database is locked" in str(error.orig)
