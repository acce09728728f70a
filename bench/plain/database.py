"""The engine and the session factory, set up as SQLAlchemy's asyncio documentation shows."""

from __future__ import annotations

import os

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine


def database_url() -> str:
    url = os.environ["DATABASE_URL"]
    # Plain ``postgresql://`` means psycopg2 to SQLAlchemy; this server uses psycopg 3's async driver.
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url.removeprefix(plain)
    return url


# The defaults, except the pool's size. The default (5 kept, 10 more opened on demand and closed
# when handed back) would open and close connections all through a run: at concurrency 16 a worker
# has about 8 requests in flight, and a request may hold two sessions at once (two loader batches).
# 20 kept means no connection is opened during a run at concurrency 16, and 10 more cover the peaks
# at 64, where the rest wait in the pool's queue. More would not fit: with 2 workers that is up to
# 60 connections, next to our server's pool, under PostgreSQL's default max_connections of 100.
engine = create_async_engine(database_url(), pool_size=20, max_overflow=10)
Session = async_sessionmaker(engine, expire_on_commit=False)
