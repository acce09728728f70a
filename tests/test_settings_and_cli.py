"""Configuration safety and the command line, run as a user runs them."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.conftest import TEST_JWT_SECRET
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
