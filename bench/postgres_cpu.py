"""PostgreSQL's CPU for one run: the backends serving the benchmark database, exited ones included.

The database is the tier that is hardest to scale, so what a server makes it spend counts beside the
server's own CPU. Live backends are found by their process title (``postgres: [CLUSTER:] USER
DATABASE ...``) in ``/proc``. A backend that exits during the run (a pool that opens and closes
connections under load, pgbench's clients at the end) is reaped by the postmaster, whose children's
CPU time (``cutime``, ``cstime``) then holds all of it. So the run's figure is the growth of the
live backends' CPU plus the growth of the postmaster's children's, less what the backends that exited
had used before the run. The children's time counts every process the postmaster reaped, of any
database: run the benchmark on a PostgreSQL that serves nothing else. Only a PostgreSQL on this
machine can be read; elsewhere the figure is ``None``.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench.database import connect, database_name
from bench.server import CLOCK_TICKS, cpu_seconds, stat_fields


@functools.cache
def postmaster_of(url: str) -> int | None:
    """The pid of the PostgreSQL serving ``url`` if it runs on this machine (its backend's parent)."""
    with contextlib.suppress(psycopg.Error, OSError, ValueError, IndexError), connect(url) as conn:
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        if row is not None:
            return int(stat_fields(int(str(row[0])))[1])
    return None


def _backends(postmaster: int, database: str) -> dict[int, float]:
    """CPU seconds used so far by each live backend of ``postmaster`` connected to ``database``."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            title = (entry / "cmdline").read_bytes().split(b"\0")[0].split()
            if title[0] != b"postgres:":
                continue
            words = title[2:] if title[1].endswith(b":") else title[1:]  # after the cluster's name
            pid = int(entry.name)
            if len(words) >= 3 and words[1] == database.encode() and int(stat_fields(pid)[1]) == postmaster:
                found[pid] = cpu_seconds([pid])
    return found


def _reaped_seconds(postmaster: int) -> float:
    """CPU seconds of the postmaster's children that have exited and been reaped so far."""
    fields = stat_fields(postmaster)
    return (int(fields[13]) + int(fields[14])) / CLOCK_TICKS  # cutime, cstime


@dataclass
class BackendCpu:
    """What the database's backends used between ``start`` and ``stop`` (``seconds``)."""

    url: str
    seconds: float | None = None
    _before: dict[int, float] = field(default_factory=dict)
    _postmaster: int | None = None
    _reaped_before: float = 0.0

    def start(self) -> None:
        self._postmaster = postmaster_of(self.url)
        if self._postmaster is not None:
            self._before = _backends(self._postmaster, database_name(self.url))
            self._reaped_before = _reaped_seconds(self._postmaster)

    def stop(self) -> float | None:
        if self._postmaster is None:
            return None
        with contextlib.suppress(OSError, ValueError, IndexError):
            after = _backends(self._postmaster, database_name(self.url))
            reaped = _reaped_seconds(self._postmaster) - self._reaped_before
            live = sum(used - self._before.get(pid, 0.0) for pid, used in after.items())
            exited_before = sum(used for pid, used in self._before.items() if pid not in after)
            self.seconds = live + reaped - exited_before
        return self.seconds


@contextlib.contextmanager
def backend_cpu(url: str) -> Iterator[BackendCpu]:
    """``with backend_cpu(url) as postgres: ...``; then ``postgres.seconds`` (None off this machine)."""
    sampler = BackendCpu(url)
    sampler.start()
    try:
        yield sampler
    finally:
        sampler.stop()
