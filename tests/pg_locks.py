"""Holding PostgreSQL locks from outside the app, to keep its requests in flight on purpose."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import psycopg
from sqlalchemy.engine import make_url


def plain_url(db_url: str) -> str:
    """The URL psycopg itself takes (no SQLAlchemy driver name)."""
    return make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.asynccontextmanager
async def users_locked(db_url: str) -> AsyncIterator[psycopg.AsyncConnection[object]]:
    """An exclusive lock on users: authenticated requests wait (in flight) until it is released."""
    conn = await psycopg.AsyncConnection.connect(plain_url(db_url))
    await conn.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
    try:
        yield conn
    finally:
        await conn.rollback()
        await conn.close()
