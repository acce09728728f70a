"""MIGRATE_ON_START: `videoengage serve` can upgrade the database first; without it, /readyz says 503."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_JWT_SECRET
from tests.served import served
from tests.test_settings_and_cli import run_cli
from tests.unmigrated import unmigrated_database

NOT_MIGRATED = {"status": "unavailable", "reason": "not migrated: run `videoengage migrate`"}


@pytest.fixture
def empty_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty SQLite file or PostgreSQL database: what a first deploy starts with."""
    with unmigrated_database(db_url, tmp_path) as url:
        yield url


def test_with_migrate_on_start_an_empty_database_is_ready(empty_url: str) -> None:
    with served(empty_url, MIGRATE_ON_START="true") as server:
        ready = httpx.get(f"{server.url}/readyz")
        log = server.log()
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}
    assert "Traceback" not in log
    assert "not migrated" not in log


def test_without_migrate_on_start_an_empty_database_is_not_ready(empty_url: str) -> None:
    with served(empty_url) as server:
        ready = httpx.get(f"{server.url}/readyz")
    assert ready.status_code == 503
    assert ready.json() == NOT_MIGRATED


def test_migrate_on_start_on_a_database_already_at_head_serves(db_url: str) -> None:
    """Every start of the one migrator runs it; on a database at head it finds nothing to do."""
    with served(db_url, MIGRATE_ON_START="true") as server:
        assert httpx.get(f"{server.url}/readyz").status_code == 200


@pytest.mark.parametrize(
    "database",
    ["postgresql://postgres:hunter2@127.0.0.1:1/nothing", "sqlite:////nonexistent-directory/videoengage.db"],
)
def test_migrate_on_start_that_cannot_reach_the_database_exits_1_with_one_line(database: str) -> None:
    """Told to migrate and unable to, the server does not start half-ready: the orchestrator sees it."""
    result = run_cli(
        "serve", "--port", "1", DATABASE_URL=database, JWT_SECRET=TEST_JWT_SECRET, MIGRATE_ON_START="true"
    )
    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if not line.startswith("INFO ")]
    assert line.startswith("videoengage: cannot use the database ")
    assert "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("value", ["maybe", "", "2"])
def test_a_value_that_is_not_a_boolean_stops_the_start_with_one_line(value: str) -> None:
    result = run_cli("serve", "--port", "1", MIGRATE_ON_START=value)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "videoengage: MIGRATE_ON_START: Input should be a valid boolean, unable to interpret input"
    ]
