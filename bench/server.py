"""The servers under test, and their processes' CPU and memory: ``videoengage serve`` in production mode,
and the plain Strawberry reference (``bench/plain``) under ``uvicorn`` with the same worker count.

CPU is read from ``/proc/<pid>/stat`` (user + system time) of the uvicorn master and every process
below it, before and after each run: it counts the server's own work, whatever else the machine does.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from videoengage.settings import Settings

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROBE_DIR = Path(__file__).parent / "probe"
REPOSITORY = Path(__file__).parent.parent
START_TIMEOUT_SECONDS = 30


def stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces): state is [0]."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError):
                if int(stat_fields(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    """The process and everything it started, recursively."""
    result, queue = [], [pid]
    while queue:
        current = queue.pop()
        result.append(current)
        queue.extend(_children(current))
    return sorted(result)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    ticks = 0
    for pid in pids:
        fields = stat_fields(pid)
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    name: str  # "ours" or "plain", in the progress lines
    url: str
    process: subprocess.Popen[bytes]
    workers: int
    counters: Path

    def statements_sent(self) -> int:
        return statements_sent(self.counters)

    @property
    def processes(self) -> list[int]:
        return descendants(self.process.pid)

    def worker_pids(self) -> list[int]:
        """The processes serving requests: uvicorn's spawned workers, or the master when it is alone."""
        if self.workers == 1:
            return [self.process.pid]
        return [pid for pid in _children(self.process.pid) if b"multiprocessing.spawn" in _cmdline(pid)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def server_environment(settings: Settings, counters: Path, source: Path | None = None) -> dict[str, str]:
    """Production settings, every limit at its default, errors masked; the log quiet (warnings only).

    The rate limit is on but out of reach (``RATE_LIMIT_POINTS`` a billion, unless the environment
    sets it): each request is costed and charged to its viewer's bucket, as in production, but a
    workload driving 400 users hundreds of times a second is not a normal client and would be
    refused. ``REDIS_URL`` in the environment puts the buckets in Redis.

    Plus the statement counter (``probe/sitecustomize.py``), writing into ``counters``. The reference
    reads the same ``DATABASE_URL`` and ``JWT_SECRET``; the repository is on its path for ``bench.plain``.
    ``source``, a checkout's ``src``, serves that checkout's ``videoengage`` instead of this one's.
    """
    python_path = os.pathsep.join(
        filter(
            None,
            [str(PROBE_DIR), str(source) if source else None, os.environ.get("PYTHONPATH"), str(REPOSITORY)],
        )
    )
    return {
        "RATE_LIMIT_POINTS": "1000000000",
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "JWT_SECRET": settings.signing_secret(),
        "PRODUCTION": "true",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": python_path,
        "BENCH_STATEMENT_COUNTERS": str(counters),
    }


def statements_sent(counters: Path) -> int:
    """SQL statements the server's processes have sent so far (see ``probe/sitecustomize.py``)."""
    return sum(struct.unpack("<Q", path.read_bytes()[:8])[0] for path in counters.iterdir())


def _command(reference: bool, port: int, workers: int) -> list[str]:
    if reference:
        # The reference as its documentation would serve it: uvicorn's defaults (which pick uvloop and
        # httptools when installed, as ours asks for), with our server's log level: no access log.
        command = [sys.executable, "-m", "uvicorn", "bench.plain.app:app", "--host", "127.0.0.1"]
        return [*command, "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    command = [sys.executable, "-m", "videoengage.cli", "serve"]
    return [*command, "--port", str(port), "--workers", str(workers)]


@contextlib.contextmanager
def serve(
    settings: Settings,
    workers: int,
    log_path: Path,
    counters: Path,
    *,
    reference: bool = False,
    source: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Start ``videoengage serve`` (or, with ``reference``, the plain Strawberry reference) on a free
    port, wait until every worker is up, stop it at the end. ``extra_env`` is set on top of the
    server's environment (``python -m bench.compare --current-env``)."""
    port = free_port()
    counters.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            _command(reference, port, workers),
            env={**server_environment(settings, counters, source), **(extra_env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Server(
            "plain" if reference else "ours", f"http://127.0.0.1:{port}", process, workers, counters
        )
        try:
            _wait_until_ready(server, log_path)
            yield server
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, and a kill after 30 s if it is still there."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(server: Server, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"bench: the server ({server.name}) exited:\n{log_path.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            ready = httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200
            if ready and len(server.worker_pids()) == server.workers:
                return
        time.sleep(0.2)
    raise SystemExit(
        f"bench: the server ({server.name}) was not ready within {START_TIMEOUT_SECONDS} s:\n"
        f"{log_path.read_text()}"
    )
