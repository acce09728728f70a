"""The GraphQL-over-HTTP audit suite (graphql-http's auditServer) passes against the served app."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.served import served

AUDIT_DIR = Path(__file__).parent / "http_audit"


def _node_or_skip() -> str:
    node = shutil.which("node")
    installed = (AUDIT_DIR / "node_modules" / "graphql-http").is_dir()
    if node and installed:
        return node
    reason = "the audit needs Node.js and `npm ci --prefix tests/http_audit` (scripts/test runs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def test_every_must_and_should_of_graphql_over_http_passes(migrated_url: str) -> None:
    node = _node_or_skip()
    with served(migrated_url) as server:
        result = subprocess.run(
            [node, str(AUDIT_DIR / "audit.mjs"), server.graphql_url],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    audits = json.loads(result.stdout)
    assert len(audits) > 50  # the suite ran
    failures = [(audit["name"], audit["reason"]) for audit in audits if audit["status"] != "ok"]
    assert failures == []
