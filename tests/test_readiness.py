"""/readyz tells the truth: 200 only when the database answers and is at the head migration."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from tests.conftest import TEST_JWT_SECRET, make_settings, serve
from tests.tcp_proxy import tcp_proxy
from tests.unmigrated import unmigrated_database
from videoengage.app import create_app
from videoengage.db.engine import Database, create_engine
from videoengage.db.migrate import downgrade

NOT_MIGRATED = {"status": "unavailable", "reason": "not migrated: run `videoengage migrate`"}


async def _migrate(db_url: str) -> None:
    """What the operator does: ``videoengage migrate``, in a process of its own."""
    env = {**os.environ, "DATABASE_URL": db_url, "JWT_SECRET": TEST_JWT_SECRET}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "videoengage.cli", "migrate", env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()


@pytest.fixture
def unmigrated_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    with unmigrated_database(db_url, tmp_path) as url:
        yield url


async def test_a_database_never_migrated_is_not_ready_until_it_is_migrated(unmigrated_url: str) -> None:
    async with serve(make_settings(unmigrated_url)) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == NOT_MIGRATED
        assert (await client.get("/healthz")).status_code == 200
        # When the operator migrates, the next check sees it: a failed check is never cached.
        await _migrate(unmigrated_url)
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {"status": "ready"}


async def test_a_database_migrated_down_to_nothing_is_not_ready(unmigrated_url: str) -> None:
    await _migrate(unmigrated_url)
    await asyncio.to_thread(downgrade, unmigrated_url)  # alembic_version is there, and empty
    async with serve(make_settings(unmigrated_url)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == NOT_MIGRATED


async def test_a_database_migrated_by_a_newer_release_is_ready(unmigrated_url: str) -> None:
    """Migrations run before a rolling deploy: the workers of the release before stay in service."""
    await _migrate(unmigrated_url)
    database = Database(create_engine(make_settings(unmigrated_url)))
    try:
        async with database.write() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = 'from_a_newer_release'"))
    finally:
        await database.dispose()
    async with serve(make_settings(unmigrated_url)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200


@pytest.mark.postgres_only
async def test_the_migration_is_checked_once_and_again_after_a_failure(db_url: str) -> None:
    url = make_url(db_url)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        application = create_app(make_settings(through))
        async with application.router.lifespan_context(application):
            statements: list[str] = []

            def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
                statements.append(statement)

            event.listen(application.state.db.engine.sync_engine, "before_cursor_execute", record)
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

                async def readyz() -> tuple[int, list[str]]:
                    statements.clear()
                    response = await client.get("/readyz")
                    return response.status_code, list(statements)

                status, sent = await readyz()
                assert status == 200 and _reads_the_revision(sent)
                status, sent = await readyz()
                assert status == 200 and sent == ["SELECT 1"]  # the positive answer is remembered

                proxy.down()
                status, _ = await readyz()
                assert status == 503
                assert (await client.get("/readyz")).json()["reason"] == "database unavailable"
                proxy.up()
                for _ in range(50):  # the pool replaces its dropped connections
                    status, sent = await readyz()
                    if status == 200:
                        break
                    await asyncio.sleep(0.1)
                assert status == 200 and _reads_the_revision(sent)


def _reads_the_revision(statements: list[str]) -> bool:
    return any("alembic_version" in statement for statement in statements)
