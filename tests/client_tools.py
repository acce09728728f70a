"""clients/' npm tools (codegen, tsc, graphql-inspector) for tests: skipped without them, failed in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
CLIENTS = PROJECT / "clients"
CLIENTS_BIN = CLIENTS / "node_modules" / ".bin"


def clients_bin_or_skip(tool: str) -> Path:
    """The tool in clients/node_modules/.bin (with the Node 22 that clients/ installs beside it)."""
    path = CLIENTS_BIN / tool
    if path.exists() and (CLIENTS_BIN / "node").exists():
        return path
    reason = f"{tool} needs clients/' npm packages: npm ci --prefix clients (scripts/clients runs it)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def clients_env() -> dict[str, str]:
    """The environment with clients/' bin first, so its tools run on its Node 22."""
    return {**os.environ, "PATH": f"{CLIENTS_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
