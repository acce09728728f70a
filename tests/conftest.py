"""Test databases built by the migrations, and the real app served to httpx over ASGI.

Every test that uses ``client`` runs twice: on a SQLite file and on PostgreSQL (``TEST_DATABASE_URL``).
With CI=true an unreachable PostgreSQL fails the run; elsewhere its tests are skipped, with the reason.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import event, text
from starlette.applications import Starlette

from tests.api import Api
from videoengage.app import create_app
from videoengage.db.engine import Database
from videoengage.db.migrate import upgrade
from videoengage.db.models import Base
from videoengage.settings import Settings

TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
BACKENDS = ["sqlite", "postgresql"]


def postgres_url_or_skip() -> str:
    """The PostgreSQL test database, or a skip (a failure under CI) saying why it is not there."""
    url = os.environ.get("TEST_DATABASE_URL")
    in_ci = os.environ.get("CI", "").lower() == "true"
    if not url:
        if in_ci:
            pytest.fail("CI=true but TEST_DATABASE_URL is not set")
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1/test)")
    try:
        plain = Settings(database_url=url).database_url.replace("+psycopg", "")
        psycopg.connect(plain, connect_timeout=3).close()
    except psycopg.Error as error:
        if in_ci:
            pytest.fail(f"CI=true but PostgreSQL is unreachable: {error}")
        pytest.skip(f"PostgreSQL is unreachable: {error}")
    return url


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database of each kind, upgraded to head once per session by the real migration chain."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "test.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = Settings(database_url=postgres_url_or_skip()).database_url
    upgrade(url)
    return url


@pytest.fixture
def db_url(request: pytest.FixtureRequest, migrated_url: str) -> str:
    if request.node.get_closest_marker("postgres_only") and migrated_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    return migrated_url


def make_settings(db_url: str, **overrides: Any) -> Settings:
    return Settings(database_url=db_url, jwt_secret=TEST_JWT_SECRET, **overrides)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url)


async def _empty_all_tables(db: Database) -> None:
    async with db.write() as session:
        if db.dialect == "postgresql":
            names = ", ".join(table.name for table in Base.metadata.sorted_tables)
            await session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                await session.execute(table.delete())


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    """The real app with its lifespan running, on an emptied database."""
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        await _empty_all_tables(application.state.videoengage.db)
        yield application


@pytest.fixture
def db(app: Starlette) -> Database:
    database: Database = app.state.videoengage.db
    return database


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def api(client: httpx.AsyncClient, settings: Settings) -> Api:
    return Api(client, settings)


class StatementCounter:
    """Counts SQL statements sent by the app's engine: batching is proven by a number."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.parameters: list[Any] = []  # beside each statement, e.g. to EXPLAIN it as it ran

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()
        self.parameters.clear()


@pytest.fixture
def statements(db: Database) -> Iterator[StatementCounter]:
    counter = StatementCounter()

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.strip().upper() not in {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"}:
            counter.statements.append(statement)
            counter.parameters.append(parameters)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    yield counter
    event.remove(db.engine.sync_engine, "before_cursor_execute", record)
