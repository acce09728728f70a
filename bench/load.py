"""The two load generators: wrk against the server, pgbench against the database (the floor)."""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

WRK_SCRIPT = Path(__file__).parent / "wrk" / "workload.lua"
WRK_MISSING = (
    "wrk is not installed; the benchmark drives the server with it. Install it with "
    "`apt-get install -y wrk` (Debian, Ubuntu), `brew install wrk` (macOS), "
    "or build it from https://github.com/wg/wrk"
)
CLIENT_THREADS = 2  # the machine's client side; the server's CPU is measured apart from it


class LoadError(RuntimeError):
    """A load generator failed to run (not: requests failed, which are counted)."""


def require_tools() -> None:
    if shutil.which("wrk") is None:
        raise LoadError(WRK_MISSING)
    if shutil.which("pgbench") is None:
        raise LoadError("pgbench is not installed; it comes with PostgreSQL's client programs")


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    errors: int  # non-200, GraphQL errors, and requests that got no answer at all
    p50_ms: float
    p99_ms: float

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(url: str, workload: str, data_file: Path, concurrency: int, seconds: float) -> WrkResult:
    """Drive ``workload`` at ``concurrency`` connections for ``seconds``, each request with fresh ids."""
    completed = subprocess.run(
        [
            "wrk",
            f"--threads={min(CLIENT_THREADS, concurrency)}",
            f"--connections={concurrency}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=30s",
            f"--script={WRK_SCRIPT}",
            f"{url}/graphql",
        ],
        env={**os.environ, "BENCH_WORKLOAD": workload, "BENCH_DATA": str(data_file)},
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"^BENCH_RESULT (\{.*\})$", completed.stdout, re.MULTILINE)
    if completed.returncode != 0 or found is None:
        raise LoadError(f"wrk failed ({completed.returncode}): {completed.stdout}{completed.stderr}")
    raw = json.loads(found.group(1))
    unanswered = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return WrkResult(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        errors=raw["errors"] + unanswered,
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
    )


@dataclass(frozen=True)
class FloorResult:
    transactions: int
    failed: int
    tps: float
    p50_ms: float
    p99_ms: float
    postgres_cpu_seconds: float | None = None  # its backends', when PostgreSQL runs on this machine

    @property
    def postgres_cpu_ms_per_transaction(self) -> float | None:
        if self.postgres_cpu_seconds is None or not self.transactions:
            return None
        return 1000 * self.postgres_cpu_seconds / self.transactions


def run_pgbench(
    database_url: str, sql_file: Path, variables: dict[str, int], concurrency: int, seconds: float
) -> FloorResult:
    """The workload's canonical SQL straight on the database, prepared, at the same concurrency."""
    with tempfile.TemporaryDirectory(prefix="bench-pgbench-") as log_dir:
        completed = subprocess.run(
            [
                "pgbench",
                "--no-vacuum",
                "--protocol=prepared",
                f"--file={sql_file}",
                f"--client={concurrency}",
                f"--jobs={min(CLIENT_THREADS, concurrency)}",
                f"--time={max(1, round(seconds))}",
                "--log",
                f"--log-prefix={log_dir}/tx",
                *(f"--define={name}={value}" for name, value in variables.items()),
                database_url,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise LoadError(f"pgbench failed ({completed.returncode}): {completed.stdout}{completed.stderr}")
        latencies = sorted(_logged_latencies_ms(Path(log_dir)))
    out = completed.stdout
    return FloorResult(
        transactions=int(_field(out, r"number of transactions actually processed: (\d+)")),
        failed=int(_field(out, r"number of failed transactions: (\d+)", default="0")),
        tps=float(_field(out, r"tps = ([\d.]+)")),
        p50_ms=_percentile(latencies, 50),
        p99_ms=_percentile(latencies, 99),
    )


def _field(output: str, pattern: str, default: str | None = None) -> str:
    found = re.search(pattern, output)
    if found is None:
        if default is None:
            raise LoadError(f"pgbench printed no {pattern!r}: {output}")
        return default
    return found.group(1)


def _logged_latencies_ms(log_dir: Path) -> list[float]:
    """Per-transaction latencies from pgbench's logs: ``client tx latency_us script epoch us``."""
    latencies = []
    for log in log_dir.iterdir():
        for line in log.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdigit():
                latencies.append(int(fields[2]) / 1000)
    return latencies


def _percentile(ordered: list[float], percent: int) -> float:
    if not ordered:
        return 0.0
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[percent - 1]
