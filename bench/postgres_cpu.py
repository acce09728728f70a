"""PostgreSQL's CPU for one run: the backends serving the benchmark database, exited ones included.

The database is the tier that is hardest to scale, so what a server makes it spend counts beside the
server's own CPU. Backends are found by their process title (``postgres: [CLUSTER:] USER DATABASE ...``) in
``/proc`` and sampled every ``INTERVAL_SECONDS`` while the run lasts: a backend that exits during the
run keeps its last sample (it loses at most one interval of work), one that starts during the run
counts from zero. Only a PostgreSQL on this machine can be read; elsewhere the figure is ``None``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from bench.server import cpu_seconds

INTERVAL_SECONDS = 0.2


def _backends(database: str) -> dict[int, float]:
    """CPU seconds used so far by each live backend connected to ``database``."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            title = (entry / "cmdline").read_bytes().split(b"\0")[0].split()
            if title[0] != b"postgres:":
                continue
            words = title[2:] if title[1].endswith(b":") else title[1:]  # after the cluster's name
            if len(words) >= 3 and words[1] == database.encode():
                found[int(entry.name)] = cpu_seconds([int(entry.name)])
    return found


class BackendCpu:
    """Samples the database's backends from ``start`` to ``stop``; ``seconds`` is what they used."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._baseline: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self.seconds: float | None = None  # set by stop()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)

    def _sample(self) -> None:
        self._last.update(_backends(self.database))

    def _sample_until_stopped(self) -> None:
        while not self._stopped.wait(INTERVAL_SECONDS):
            self._sample()

    def start(self) -> None:
        self._baseline = _backends(self.database)
        self._last = dict(self._baseline)
        self._thread.start()

    def stop(self) -> float | None:
        """The CPU seconds of the run, or None when no backend of the database was seen here."""
        self._stopped.set()
        self._thread.join()
        self._sample()
        if self._last:
            self.seconds = sum(used - self._baseline.get(pid, 0.0) for pid, used in self._last.items())
        return self.seconds


@contextlib.contextmanager
def backend_cpu(database: str) -> Iterator[BackendCpu]:
    """``with backend_cpu(name) as pg: ...``; then ``pg.seconds`` (None off this machine)."""
    sampler = BackendCpu(database)
    sampler.start()
    try:
        yield sampler
    finally:
        sampler.stop()
