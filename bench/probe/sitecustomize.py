"""Loaded into the server's processes by the benchmark only: counts the SQL statements each one sends.

Python imports ``sitecustomize`` at startup from the PYTHONPATH the benchmark gives the server (uvicorn's
spawned workers inherit it). With BENCH_STATEMENT_COUNTERS naming a directory, every SQLAlchemy engine
of the process counts each statement it sends, as the tests do (``before_cursor_execute``), into an
8-byte memory-mapped file named after the process; the benchmark sums the files before and after each
run. On PostgreSQL, BEGIN, COMMIT and ROLLBACK never pass through a cursor, so they are not counted.
The cost is one short Python call per statement.
"""

from __future__ import annotations

import mmap
import os
import struct
from typing import Any

_DIRECTORY = os.environ.get("BENCH_STATEMENT_COUNTERS")


def _install(directory: str) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    path = os.path.join(directory, str(os.getpid()))
    with open(path, "w+b") as file:
        file.write(bytes(8))
        file.flush()
        counter = mmap.mmap(file.fileno(), 8)
    sent = 0

    def count(*_args: Any) -> None:
        nonlocal sent
        sent += 1
        struct.pack_into("<Q", counter, 0, sent)

    event.listen(Engine, "before_cursor_execute", count)


if _DIRECTORY:
    _install(_DIRECTORY)
