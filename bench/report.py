"""The benchmark's report: one row per workload and concurrency, as Markdown and as JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.database import connect
from bench.load import FloorResult, WrkResult


@dataclass(frozen=True)
class Measurement:
    """One workload at one concurrency: the server's numbers, its SQL floor's, the plain Strawberry
    reference's, measured right after it (``bench/plain``; none with ``--no-reference``), and the
    peer's, measured right after that (PostGraphile, with ``--peer postgraphile``)."""

    workload: str
    title: str
    concurrency: int
    load: WrkResult
    server_cpu_seconds: float
    rss_mb_per_worker: list[float]
    statements_per_request: float  # sent by the served processes during the run
    statements_in_process: float  # a few requests through the app in-process, before the load
    floor: FloorResult | None
    reference: Measurement | None = None
    postgres_cpu_seconds: float | None = None  # what PostgreSQL's backends spent during the run
    peer: Measurement | None = None

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_seconds / self.load.requests if self.load.requests else 0.0

    @property
    def postgres_cpu_ms_per_request(self) -> float | None:
        if self.postgres_cpu_seconds is None or not self.load.requests:
            return None
        return 1000 * self.postgres_cpu_seconds / self.load.requests

    @property
    def ours_per_peer(self) -> tuple[float, float | None] | None:
        """Our server CPU per request ÷ the peer's, and the same for PostgreSQL's CPU."""
        if self.peer is None or not self.peer.cpu_ms_per_request:
            return None
        ours_pg, peer_pg = self.postgres_cpu_ms_per_request, self.peer.postgres_cpu_ms_per_request
        return (
            self.cpu_ms_per_request / self.peer.cpu_ms_per_request,
            ours_pg / peer_pg if ours_pg is not None and peer_pg else None,
        )

    @property
    def floor_ratio(self) -> float | None:
        """How many times the server's requests/s the database alone sustains with the canonical SQL."""
        if self.floor is None or not self.load.requests:
            return None
        return self.floor.tps / self.load.requests_per_second

    @property
    def ours_per_plain(self) -> float | None:
        """Our CPU per request ÷ the reference's: below 1 means cheaper than plain Strawberry."""
        if self.reference is None or not self.reference.cpu_ms_per_request:
            return None
        return self.cpu_ms_per_request / self.reference.cpu_ms_per_request

    def as_json(self) -> dict[str, Any]:
        return {
            "workload": self.workload,
            "title": self.title,
            "concurrency": self.concurrency,
            **self.served_json(),
            "statements_per_request_in_process": self.statements_in_process,
            "floor": None if self.floor is None else asdict(self.floor),
            "floor_tps_per_server_rps": None if self.floor_ratio is None else round(self.floor_ratio, 2),
            "reference": None if self.reference is None else self.reference.served_json(),
            "ours_per_plain_cpu": None if self.ours_per_plain is None else round(self.ours_per_plain, 3),
            "peer": None if self.peer is None else self.peer.served_json(),
            "ours_per_peer_cpu": _rounded(self.ours_per_peer, 0),
            "ours_per_peer_postgres_cpu": _rounded(self.ours_per_peer, 1),
        }

    def served_json(self) -> dict[str, Any]:
        """What was measured of the server under load; the reference's rows hold only this."""
        return {
            "requests": self.load.requests,
            "seconds": round(self.load.seconds, 3),
            "requests_per_second": round(self.load.requests_per_second, 1),
            "p50_ms": round(self.load.p50_ms, 2),
            "p99_ms": round(self.load.p99_ms, 2),
            "errors": self.load.errors,
            "server_cpu_seconds": round(self.server_cpu_seconds, 2),
            "server_cpu_ms_per_request": round(self.cpu_ms_per_request, 3),
            "postgres_cpu_ms_per_request": _rounded((self.postgres_cpu_ms_per_request,), 0),
            "rss_mb_per_worker": [round(mb, 1) for mb in self.rss_mb_per_worker],
            "statements_per_request": round(self.statements_per_request, 2),
        }


def _rounded(values: tuple[float | None, ...] | None, index: int) -> float | None:
    value = None if values is None else values[index]
    return None if value is None else round(value, 3)


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


@dataclass
class Report:
    machine: dict[str, Any]
    run: dict[str, Any]
    measurements: list[Measurement] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "machine": self.machine,
            "run": self.run,
            "skipped": self.skipped,
            "results": [m.as_json() for m in self.measurements],
        }

    def markdown(self) -> str:
        run, machine = self.run, self.machine
        plain = any(m.reference is not None for m in self.measurements)
        lines = [
            f"Run {run['finished_at']}: {run['workers']} workers, {run['duration_seconds']} s per workload "
            f"and concurrency, data set {run['data_set_name']}.",
            f"Machine: {machine['cpus']} CPUs ({machine['cpu_model']}), {machine['memory_gb']} GB, "
            f"{machine['postgresql']}, load average {machine['load_average']} at the start.",
            "",
            "| workload | conc. | server CPU ms/req | PostgreSQL CPU ms/req "
            + ("| plain Strawberry CPU ms/req | ours/plain " if plain else "")
            + "| req/s | p50 ms | p99 ms | errors | RSS/worker MB "
            "| stmts/req | floor tps | floor p50 ms | floor p99 ms | floor/server "
            "| floor PostgreSQL CPU ms |",
            "|---|--:|--:|--:|" + ("--:|--:|" if plain else "") + "--:|" * 11,
        ]
        for m in self.measurements:
            floor = m.floor
            reference = ""
            if plain:
                reference = (
                    "| | "
                    if m.reference is None or m.ours_per_plain is None
                    else f"| {m.reference.cpu_ms_per_request:.2f} | {m.ours_per_plain:.2f}x "
                )
            lines.append(
                f"| {m.workload} {m.title} | {m.concurrency} | **{m.cpu_ms_per_request:.2f}** "
                f"| {_ms(m.postgres_cpu_ms_per_request)} {reference}"
                f"| {m.load.requests_per_second:.0f} | {m.load.p50_ms:.1f} | {m.load.p99_ms:.1f} "
                f"| {m.load.errors} | {max(m.rss_mb_per_worker, default=0):.0f} "
                f"| {m.statements_per_request:.2f} "
                + (
                    f"| {floor.tps:.0f} | {floor.p50_ms:.2f} | {floor.p99_ms:.2f} | {m.floor_ratio:.1f}x "
                    f"| {_ms(floor.postgres_cpu_ms_per_transaction)} |"
                    if floor is not None and m.floor_ratio is not None
                    else "| | | | | |"
                )
            )
        if plain:
            lines.append("")
            lines.append(self._reference_summary())
        if any(m.peer is not None for m in self.measurements):
            lines.extend(["", *self._head_to_head()])
        for name, reason in self.skipped.items():
            lines.append(f"\n{name} skipped: {reason}.")
        return "\n".join(lines) + "\n"

    def _reference_summary(self) -> str:
        """The reference's own req/s, latency and errors, which the table leaves out."""
        runs = [
            f"{m.workload} c{m.concurrency} {m.reference.load.requests_per_second:.0f} req/s, "
            f"p99 {m.reference.load.p99_ms:.1f} ms, {m.reference.statements_per_request:.2f} stmts/req"
            + (f", **{m.reference.load.errors} errors**" if m.reference.load.errors else "")
            for m in self.measurements
            if m.reference is not None
        ]
        errors = sum(m.reference.load.errors for m in self.measurements if m.reference is not None)
        return (
            "Plain Strawberry reference (`bench/plain`, measured right after each row): "
            + "; ".join(runs)
            + (". No errors." if not errors else f". {errors} errors in all.")
        )

    def _head_to_head(self) -> list[str]:
        """Ours against the peer, run right after ours: server and PostgreSQL CPU, latency, errors."""
        lines = [
            "Head to head with the peer (server CPU / PostgreSQL CPU, ms per request):",
            "",
            "| workload | conc. | floor: PostgreSQL | peer | ours | ours/peer server | ours/peer PostgreSQL "
            "| p50 ms peer / ours | errors peer / ours |",
            "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for m in self.measurements:
            peer, ratios = m.peer, m.ours_per_peer
            if peer is None or ratios is None:
                continue
            floor = None if m.floor is None else m.floor.postgres_cpu_ms_per_transaction
            postgres_ratio = "" if ratios[1] is None else f"{ratios[1]:.2f}x"
            lines.append(
                f"| {m.workload} | {m.concurrency} | {_ms(floor)} "
                f"| {peer.cpu_ms_per_request:.2f} / {_ms(peer.postgres_cpu_ms_per_request)} "
                f"| {m.cpu_ms_per_request:.2f} / {_ms(m.postgres_cpu_ms_per_request)} "
                f"| **{ratios[0]:.2f}x** | **{postgres_ratio}** "
                f"| {peer.load.p50_ms:.1f} / {m.load.p50_ms:.1f} | {peer.load.errors} / {m.load.errors} |"
            )
        return lines

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        markdown, data = directory / "latest.md", directory / "latest.json"
        markdown.write_text(self.markdown())
        data.write_text(json.dumps(self.as_json(), indent=2) + "\n")
        return markdown, data


def describe_machine(database_url: str) -> dict[str, Any]:
    """What the numbers depend on: CPUs, memory, PostgreSQL, the client, and how busy the machine was."""
    with connect(database_url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": f"PostgreSQL {row[0] if row else '?'}".split(" (")[0],
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0] if (wrk.stdout or wrk.stderr) else "?",
        "load_average": " ".join(f"{load:.2f}" for load in os.getloadavg()),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
