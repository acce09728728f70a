"""Test databases built by the migrations, and the real app served to httpx over ASGI.

Every test that uses ``client`` runs twice: on a SQLite file and on PostgreSQL (``TEST_DATABASE_URL``).
With CI=true an unreachable PostgreSQL fails the run; elsewhere its tests are skipped, with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from pydantic import SecretStr
from sqlalchemy import event, text
from starlette.applications import Starlette

from tests.api import Api
from videoengage.app import create_app
from videoengage.db.engine import Database
from videoengage.db.migrate import upgrade
from videoengage.db.models import Base
from videoengage.settings import Settings

TEST_JWT_SECRET = "test-secret-long-enough-for-every-hs-algorithm-0123456789abcdefghij"
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


BURST_POOL_TIMEOUT_SECONDS = 60


def make_settings(db_url: str, **overrides: Any) -> Settings:
    """Test settings. The viewer cache is off by default so statement counts are the same for the
    first request and the next; tests/test_viewer_cache.py covers the cache itself."""
    overrides.setdefault("viewer_cache_seconds", 0)
    # The concurrency tests fire hundreds of requests at once to provoke races, not the overload
    # limit; tests/test_shutdown_and_overload.py sets its own.
    overrides.setdefault("max_concurrent_requests", 1_000)
    # Many tests send hundreds of operations as one viewer (storms, races); the rate limit's own
    # tests (tests/test_rate_limit.py) use the real defaults.
    overrides.setdefault("rate_limit_points", 1_000_000_000)
    return Settings(database_url=db_url, jwt_secret=SecretStr(TEST_JWT_SECRET), **overrides)


def unreachable_url(db_url: str) -> str:
    """A database of the same kind as ``db_url`` that cannot be reached."""
    if db_url.startswith("sqlite"):
        return "sqlite+aiosqlite:////nonexistent-directory/videoengage.db"
    return "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=1"


@contextlib.asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app of its own, running its lifespan, and a client for it.

    aiosqlite stops a connection that failed to open without awaiting it; its worker thread must end
    before the test's event loop closes, or it reports to a closed loop. So we wait for new threads.
    """
    threads_before = set(threading.enumerate())
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    for _ in range(500):
        if not any(thread.is_alive() for thread in set(threading.enumerate()) - threads_before):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("a database worker thread did not stop")


@pytest.fixture
def settings(request: pytest.FixtureRequest, db_url: str) -> Settings:
    marker = request.node.get_closest_marker("viewer_cache")
    overrides: dict[str, Any] = {"viewer_cache_seconds": marker.args[0] if marker else 0}
    if request.node.get_closest_marker("burst"):
        # Hundreds of requests queue for one process's pool; on a busy machine the last may wait
        # longer than the 5 s default, which would fail the test for the load, not for the race.
        overrides["db_pool_timeout_seconds"] = BURST_POOL_TIMEOUT_SECONDS
    return make_settings(db_url, **overrides)


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
        await _empty_all_tables(application.state.db)
        yield application


@pytest.fixture
def db(app: Starlette) -> Database:
    database: Database = app.state.db
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
