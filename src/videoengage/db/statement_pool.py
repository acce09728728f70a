"""A pool of psycopg's own async connections for the hot statements, beside SQLAlchemy's pool.

SQLAlchemy's async layer (greenlet hops, its pool's events and reset, the execution context) cost
about 0.16 ms of CPU per statement on top of psycopg's 0.07. The owners of the hot operations run
their statements here instead (``db.prepared``). The connections are in autocommit, as the engine's
are; psycopg prepares a statement on the server once a connection has run it ``prepare_threshold``
times. The pool keeps the engine's rules: at most ``size`` connections, a bounded wait for one
(SQLAlchemy's ``TimeoutError`` after it), and a ping only for a connection that sat idle
(the engine's ``IDLE_BEFORE_PING_SECONDS``). A connection that broke, or came back mid-statement (a cancelled
request), is closed, never handed out again; a broken one also retires every idle connection, as
SQLAlchemy invalidates its pool, since they are probably gone with it (a restart).

Each connection keeps one cursor for the statements it runs (``cursor``): a new psycopg cursor copies
the connection's adapters map and builds a transformer, and one reused for the same statement keeps
its transformer's dumpers; that was a tenth of psycopg's CPU per statement.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError


class StatementPool:
    def __init__(
        self,
        connect_kwargs: dict[str, Any],
        size: int,
        timeout_seconds: float,
        ping_after_idle_seconds: float,
    ) -> None:
        self._connect_kwargs = connect_kwargs
        self._ping_after = ping_after_idle_seconds
        self._size = size
        self._timeout = timeout_seconds
        self._idle: list[tuple[psycopg.AsyncConnection[Any], float]] = []
        self._waiters: deque[asyncio.Future[psycopg.AsyncConnection[Any] | None]] = deque()
        self._open = 0
        self._closed = False
        self._cursors: dict[psycopg.AsyncConnection[Any], psycopg.AsyncCursor[Any]] = {}

    @property
    def open_connections(self) -> int:
        return self._open

    async def acquire(self) -> psycopg.AsyncConnection[Any]:
        """A live connection: an idle one (pinged if it sat idle), a new one, or the next one handed
        back within the pool timeout."""
        deadline = time.monotonic() + self._timeout
        while True:
            if self._closed:
                raise RuntimeError("the statement pool is closed")
            if self._idle:
                conn, idle_since = self._idle.pop()
                if time.monotonic() - idle_since < self._ping_after or await _answers(conn):
                    return conn
                await self._discard(conn)
                continue
            if self._open < self._size:
                self._open += 1
                try:
                    return await psycopg.AsyncConnection.connect(**self._connect_kwargs)
                except BaseException as error:
                    self._open -= 1
                    self._wake_one()
                    if isinstance(error, psycopg.Error):  # as SQLAlchemy reports a failed connect
                        raise DBAPIError.instance(None, None, error, psycopg.Error) from error
                    raise
            conn_or_none = await self._wait(deadline)
            if conn_or_none is not None:
                return conn_or_none

    def cursor(self, conn: psycopg.AsyncConnection[Any]) -> psycopg.AsyncCursor[Any]:
        """The cursor this connection reuses for its statements."""
        cursor = self._cursors.get(conn)
        if cursor is None:
            cursor = self._cursors[conn] = conn.cursor()
        return cursor

    async def _wait(self, deadline: float) -> psycopg.AsyncConnection[Any] | None:
        """The connection handed back next, or ``None`` when a place came free to open one."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._timed_out()
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[psycopg.AsyncConnection[Any] | None] = loop.create_future()
        self._waiters.append(waiter)
        # A timer rather than asyncio.wait_for: under load most checkouts wait, and wait_for's task
        # and shield cost more than the rest of the checkout.
        timer = loop.call_later(remaining, self._expire, waiter)
        try:
            return await waiter
        except BaseException:
            self._give_up(waiter)
            raise
        finally:
            timer.cancel()

    def _expire(self, waiter: asyncio.Future[psycopg.AsyncConnection[Any] | None]) -> None:
        if not waiter.done():
            waiter.set_exception(self._timed_out())

    def _give_up(self, waiter: asyncio.Future[psycopg.AsyncConnection[Any] | None]) -> None:
        """A waiter timed out or was cancelled: what was handed to it meanwhile goes to the next."""
        if not waiter.done():
            waiter.cancel()
        elif not waiter.cancelled() and waiter.exception() is None:
            if (handed := waiter.result()) is not None:
                self._hand_over(handed)
            else:
                self._wake_one()

    def _timed_out(self) -> PoolTimeoutError:
        return PoolTimeoutError(f"no database connection came free within {self._timeout:g} s")

    async def release(self, conn: psycopg.AsyncConnection[Any], *, broken: bool = False) -> None:
        """Hand a connection back; one that broke or is not idle (a statement still running, a
        transaction open) is closed instead."""
        usable = (
            not broken
            and not self._closed
            and not conn.closed
            and not conn.broken
            and conn.info.transaction_status == TransactionStatus.IDLE
        )
        if not usable:
            if broken:
                await self._retire_idle()
            await self._discard(conn)
            return
        self._hand_over(conn)

    def _hand_over(self, conn: psycopg.AsyncConnection[Any]) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append((conn, time.monotonic()))

    async def _discard(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._open -= 1
        self._cursors.pop(conn, None)
        await conn.close()
        self._wake_one()

    async def _retire_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            await self._discard(conn)

    def _wake_one(self) -> None:
        """A place came free: the first waiter opens a connection of its own."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    async def close(self) -> None:
        self._closed = True
        await self._retire_idle()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.cancel()


async def _answers(conn: psycopg.AsyncConnection[Any]) -> bool:
    """The cheapest ping there is: an empty statement (SQLAlchemy's own for psycopg)."""
    try:
        await conn.execute(";")
    except psycopg.Error:
        return False
    return True
