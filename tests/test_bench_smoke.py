"""The benchmark keeps working: ``python -m bench --smoke`` runs every workload, without errors.

No timing is asserted: the numbers depend on the machine. What must hold is that each workload the
server has ran, got answers, and none of them was an error (non-200 or GraphQL ``errors``), and the
same for the plain Strawberry reference (``bench/plain``), which runs every workload right after ours.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.load import WRK_MISSING
from bench.peer import postgraphile
from bench.workloads import WORKLOADS, missing_fields

ROOT = Path(__file__).parent.parent
SMOKE_TIMEOUT_SECONDS = 180


def run_python(*arguments: str) -> str:
    """Run this Python with ``arguments`` from the repository root; what it printed, if it succeeded."""
    completed = subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def require_wrk() -> None:
    """Skip without wrk, with the reason; under CI=true its absence is a failure."""
    if shutil.which("wrk") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {WRK_MISSING}")
        pytest.skip(WRK_MISSING)


@pytest.mark.postgres_only
def test_the_smoke_run_drives_every_workload_without_errors(db_url: str, tmp_path: Path) -> None:
    require_wrk()

    run_python("-m", "bench", "--smoke", "--database-url", db_url, "--output", str(tmp_path))
    report = json.loads((tmp_path / "latest.json").read_text())
    served = [w.name for w in WORKLOADS if w.name not in missing_fields(WORKLOADS)]
    assert sorted({row["workload"] for row in report["results"]}) == served
    assert set(report["skipped"]) == {w.name for w in WORKLOADS} - set(served)
    for row in report["results"]:
        assert row["requests"] > 0, row
        assert row["errors"] == 0, row
        assert row["statements_per_request_in_process"] > 0, row
        assert row["floor"]["transactions"] > 0, row
        assert row["floor"]["failed"] == 0, row
        assert row["reference"]["requests"] > 0, row
        assert row["reference"]["errors"] == 0, row
        assert row["ours_per_plain_cpu"] > 0, row
        # PostgreSQL runs on this machine: its backends' CPU is read beside the server's (W0 may
        # send it nothing at all: the viewer is cached), and the floor's work is all PostgreSQL's.
        assert row["postgres_cpu_ms_per_request"] is not None, row
        assert row["reference"]["postgres_cpu_ms_per_request"] is not None, row
        assert row["floor"]["postgres_cpu_seconds"] > 0, row
    markdown = (tmp_path / "latest.md").read_text()
    assert markdown.count("| W") == len(served)
    assert "| plain Strawberry CPU ms/req | ours/plain |" in markdown
    assert "| PostgreSQL CPU ms/req |" in markdown


def test_the_peer_has_a_document_for_every_workload() -> None:
    """``--peer postgraphile`` drives the same workloads (not run here: it needs Node 22 from npm)."""
    assert set(postgraphile.DOCUMENTS) == {w.name for w in WORKLOADS}


@pytest.mark.postgres_only
def test_the_side_by_side_comparison_of_two_commits_runs(db_url: str) -> None:
    """``python -m bench.compare HEAD --smoke``: HEAD served beside this checkout, each workload once."""
    require_wrk()

    printed = run_python("-m", "bench.compare", "HEAD", "--smoke", "--database-url", db_url)

    lines = printed.splitlines()
    assert [line.split(":")[0] for line in lines] == [w.name for w in WORKLOADS], printed
    assert all("ratio" in line and "over 1 rounds" in line for line in lines), printed


@pytest.mark.postgres_only
def test_the_side_by_side_comparison_of_two_workloads_runs(db_url: str) -> None:
    """``python -m bench.pairs W5:W3,W4:W2 --smoke``: each pair once, at c4, on one server."""
    require_wrk()

    printed = run_python("-m", "bench.pairs", "W5:W3,W4:W2", "--smoke", "--database-url", db_url)

    lines = printed.splitlines()
    assert [line.split(":")[0] for line in lines] == ["W5/W3 c4", "W4/W2 c4"], printed
    assert all("ratio" in line and "over 1 rounds" in line for line in lines), printed


def test_a_pair_is_two_known_workloads() -> None:
    """A lone workload or an unknown name is refused before anything is served."""
    for pairs in ("W5", "W5:W9", "W5:W3:W2"):
        completed = subprocess.run(
            [sys.executable, "-m", "bench.pairs", pairs],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 2, completed.stdout + completed.stderr
        assert "is not two workloads" in completed.stderr, completed.stderr
