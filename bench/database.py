"""Database URLs and connections for the benchmark: plain psycopg, no app code, no ORM."""

from __future__ import annotations

import os

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/videoengage_bench"


def chosen_url(given: str | None) -> str:
    """``--database-url``, else ``DATABASE_URL``, else the local server; always a plain libpq URL."""
    url = given or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgres"):
        raise SystemExit(f"bench: the benchmark runs on PostgreSQL only, not {parsed.drivername}")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def database_name(url: str) -> str:
    name = make_url(url).database
    if not name:
        raise SystemExit("bench: the database URL names no database")
    return name


def connect(url: str, *, autocommit: bool = False) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(url, autocommit=autocommit, connect_timeout=10)


def create_database(url: str) -> None:
    """Create the URL's database if it is missing (from the server's maintenance database)."""
    name = database_name(url)
    with connect(with_database(url, "postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))


def drop_database(url: str) -> None:
    name = database_name(url)
    with connect(with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(psycopg.sql.Identifier(name))
        )
