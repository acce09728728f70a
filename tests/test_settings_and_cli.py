"""Configuration safety and the command line, run as a user runs them."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from tests.conftest import TEST_JWT_SECRET
from tests.served import served
from tests.unmigrated import unmigrated_database
from videoengage.app import create_app
from videoengage.db.engine import Database
from videoengage.settings import ConfigurationError, Settings

ROOT = Path(__file__).parent.parent


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean_env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "JWT_SECRET"}}
    return subprocess.run(
        [sys.executable, "-m", "videoengage.cli", *args],
        capture_output=True,
        text=True,
        env={**clean_env, **env},
        timeout=60,
        check=False,
    )


def test_postgresql_without_a_secret_refuses_to_start() -> None:
    settings = Settings(database_url="postgresql://postgres@127.0.0.1/x")
    with pytest.raises(ConfigurationError, match="JWT_SECRET is not set"):
        create_app(settings)


def test_serve_on_postgresql_without_a_secret_exits_with_one_line() -> None:
    result = run_cli("serve", DATABASE_URL="postgresql://postgres@127.0.0.1/x")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "videoengage: JWT_SECRET is not set: refusing to run on PostgreSQL with the development secret"
    ]


def test_sqlite_without_a_secret_warns_loudly(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    with caplog.at_level(logging.WARNING):
        create_app(Settings(database_url=f"sqlite:///{tmp_path}/x.db"))
    assert "DEVELOPMENT secret" in caplog.text


@pytest.mark.parametrize("url", ["mysql://root@localhost/x", "redis://localhost", "nonsense"])
def test_unsupported_database_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="DATABASE_URL must be"):
        Settings(database_url=url)


def test_token_prints_a_jwt_signed_with_the_settings() -> None:
    result = run_cli("token", "42", "--ttl", "60", JWT_SECRET=TEST_JWT_SECRET)
    assert result.returncode == 0, result.stderr
    claims = jwt.decode(result.stdout.strip(), TEST_JWT_SECRET, algorithms=["HS256"])
    assert claims["sub"] == "42"
    assert claims["exp"] - claims["iat"] == 60


def test_token_refuses_a_non_positive_user_id() -> None:
    result = run_cli("token", "0")
    assert result.returncode == 2


def test_export_schema_prints_the_committed_sdl() -> None:
    result = run_cli("export-schema")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "schema.graphql").read_text()


def _seed(db_url: str) -> dict[str, Any]:
    result = run_cli("seed", "--demo", "--json", DATABASE_URL=db_url)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


async def test_seed_demo_is_idempotent_and_prints_what_exists(db: Database, db_url: str) -> None:
    first = _seed(db_url)
    second = _seed(db_url)
    assert first == second
    assert set(first) == {"users", "videos", "posts", "conversations"}
    assert len(first["users"]) >= 3
    assert len(first["videos"]["published"]) >= 6
    assert len(first["videos"]["unpublished"]) >= 1
    assert len(first["posts"]) >= 2
    [conversation] = first["conversations"]
    assert conversation["participants"] == first["users"][:2]
    assert first["users"][2] not in conversation["participants"]
    counts = await _row_counts(db)
    assert counts == {"users": 3, "videos": 7, "posts": 2, "conversations": 1, "messages": 5}


async def _row_counts(db: Database) -> dict[str, int]:
    from sqlalchemy import text

    async with db.read() as session:
        return {
            table: (await session.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
            for table in ("users", "videos", "posts", "conversations", "messages")
        }


@pytest.fixture
def unmigrated_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    with unmigrated_database(db_url, tmp_path) as url:
        yield url


def test_seed_before_migrate_says_so_in_one_line(unmigrated_url: str) -> None:
    result = run_cli("seed", "--demo", DATABASE_URL=unmigrated_url)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "videoengage: the database is not migrated: run `videoengage migrate`"
    ]


UNREACHABLE = {
    "closed port": "postgresql://postgres:hunter2@127.0.0.1:1/nothing",
    "sqlite in a missing directory": "sqlite:////nonexistent-directory/videoengage.db",
}


@pytest.mark.parametrize("command", [["migrate"], ["seed", "--demo"]])
@pytest.mark.parametrize("database", list(UNREACHABLE))
def test_a_database_that_cannot_be_reached_is_one_line_and_exit_1(command: list[str], database: str) -> None:
    result = run_cli(*command, DATABASE_URL=UNREACHABLE[database], JWT_SECRET=TEST_JWT_SECRET)
    assert result.returncode == 1
    [line] = [line for line in result.stderr.splitlines() if not line.startswith("INFO ")]
    assert line.startswith("videoengage: cannot use the database ")
    assert "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_an_unmigrated_database_says_so_once_and_serves(unmigrated_url: str) -> None:
    with served(unmigrated_url) as server:
        log_at_start = server.log()  # served() waited until /healthz answered
        ready = httpx.get(f"{server.url}/readyz")
    assert ready.status_code == 503
    assert ready.json()["reason"] == "not migrated: run `videoengage migrate`"
    [line] = [line for line in log_at_start.splitlines() if "migrate" in line]
    assert "the database is not migrated: run `videoengage migrate`" in line
    assert "Traceback" not in log_at_start


def test_the_served_app_leaves_its_startup_objects_to_no_garbage_collection(tmp_path: Path) -> None:
    # The uvicorn factory freezes what it built (the schema, the modules): a full collection would
    # walk all of it again and again under load. Apps made by tests (create_app) are not frozen.
    program = (
        "import gc; from videoengage.app import create_app_from_env; "
        "before = gc.get_freeze_count(); create_app_from_env(); print(before, gc.get_freeze_count())"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", "JWT_SECRET": TEST_JWT_SECRET}
    completed = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True, timeout=60
    )
    before, after = map(int, completed.stdout.split())
    assert before == 0 and after > 10_000, completed.stdout


def test_requests_are_logged_at_info_and_debug_and_not_above(db_url: str) -> None:
    """Access lines are built only where they are printed (uvicorn's access log is off above INFO)."""
    for level, logged in (("debug", True), ("info", True), ("warning", False)):
        with served(db_url, LOG_LEVEL=level) as server:
            assert httpx.get(f"{server.url}/healthz?probe=1").status_code == 200
        assert ('"GET /healthz?probe=1 HTTP/1.1" 200' in server.log()) is logged, (level, server.log())
