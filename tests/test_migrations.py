"""One migration chain builds the schema the models describe, and it goes down and up again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from tests.conftest import postgres_url_or_skip
from videoengage.db.migrate import downgrade, upgrade
from videoengage.db.models import Base
from videoengage.settings import Settings


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own, so going down to nothing disturbs no other test."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/migrations.db"
        return
    base = make_url(Settings(database_url=postgres_url_or_skip()).database_url)
    name = f"videoengage_migrations_{uuid.uuid4().hex[:12]}"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _sync_url(url: str) -> str:
    return url.replace("+aiosqlite", "")


def _tables(url: str) -> set[str]:
    engine = create_engine(_sync_url(url))
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _differences(url: str) -> list[object]:
    engine = create_engine(_sync_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_builds_exactly_the_models(empty_database: str) -> None:
    upgrade(empty_database)
    assert _tables(empty_database) == {*Base.metadata.tables, "alembic_version"}
    assert _differences(empty_database) == []


def test_downgrade_removes_everything_and_upgrade_rebuilds_it(empty_database: str) -> None:
    upgrade(empty_database)
    downgrade(empty_database)
    assert _tables(empty_database) <= {"alembic_version"}
    upgrade(empty_database)
    assert _differences(empty_database) == []
