"""A PostgreSQL cluster of a test's own, on its own port, that the test may stop and restart.

Built with initdb and run with pg_ctl from the installed PostgreSQL (``/usr/lib/postgresql/*/bin``),
as the ``postgres`` user when the tests run as root (PostgreSQL refuses to run as root). It is
removed afterwards. Never the shared server: that one is not ours to restart.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.served import free_port


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


@dataclass
class Cluster:
    bin_dir: Path
    data: Path
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@contextlib.contextmanager
def own_cluster() -> Iterator[Cluster]:
    bin_dir = _bin_dir()
    if not bin_dir or (os.geteuid() == 0 and shutil.which("runuser") is None):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but initdb/pg_ctl (or runuser) are not installed")
        pytest.skip("a restartable PostgreSQL needs initdb and pg_ctl (/usr/lib/postgresql/*/bin)")
    root = Path(tempfile.mkdtemp(prefix="videoengage-cluster-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(bin_dir, root / "data", free_port(), root / "postgresql.log")
    try:
        cluster._run("initdb", "-D", str(cluster.data), "-U", "postgres", "-A", "trust", "--no-sync")
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
