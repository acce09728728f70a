"""schemathesis in GraphQL mode against the served app: no server errors and no masked errors.

A fixed seed and a bounded number of examples keep the run reproducible and short.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import make_settings
from tests.served import served
from videoengage.auth import issue_token
from videoengage.db.engine import Database
from videoengage.demo import seed_demo

SEED = 20261127
EXAMPLES_PER_FIELD = 25


async def test_schemathesis_finds_no_server_error(db: Database, db_url: str, tmp_path: Path) -> None:
    demo = await seed_demo(db)
    token = issue_token(make_settings(db_url), demo["users"][0])
    with served(db_url) as server:
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "st"),
                "run",
                server.graphql_url,
                "--header",
                f"Authorization: Bearer {token}",
                "--seed",
                str(SEED),
                "--max-examples",
                str(EXAMPLES_PER_FIELD),
                "--checks",
                "not_a_server_error",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=tmp_path,  # schemathesis keeps a cache in its working directory
        )
        server_log = server.log()
    assert result.returncode == 0, result.stdout[-4000:]
    assert "unexpected error" not in server_log, server_log[-4000:]
