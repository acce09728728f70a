"""A database of the same kind as the test database that no migration has touched, dropped afterwards."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from tests.pg_locks import plain_url


@contextlib.contextmanager
def unmigrated_database(db_url: str, directory: Path) -> Iterator[str]:
    """A SQLite file in ``directory``, or a fresh PostgreSQL database beside ``db_url``'s."""
    if db_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{directory / 'unmigrated.db'}"
        return
    name = f"{make_url(db_url).database}_unmigrated_{uuid.uuid4().hex[:8]}"
    admin = plain_url(db_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(db_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
