"""``python -m bench.compare REV``: this checkout against another commit, served side by side.

On a shared machine CPU per request drifts by tens of per cent between runs minutes apart, far more
than most single optimisations change it. So both builds are served at once (each its own
``videoengage serve``, the same workers and database), and each round drives a workload on one and
then on the other, alternating which goes first. The answer is the median of the per-round ratios
(this checkout ÷ REV) with their range: two runs made seconds apart see the same machine.

It needs a data set that ``python -m bench`` built (``--smoke`` builds a tiny one of its own).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench.database import chosen_url
from bench.dataset import SMOKE, DataSet, existing_data_set, forget_sent_messages, smoke_data_set
from bench.load import LoadError, require_tools, run_wrk
from bench.lua_data import write_lua_data
from bench.runner import say, served_settings
from bench.server import REPOSITORY, Server, cpu_seconds, serve
from bench.workloads import BY_NAME, Workload


@dataclass(frozen=True)
class Comparison:
    workload: str
    baseline_ms: list[float]  # CPU ms/request of REV, one per round
    current_ms: list[float]  # of this checkout, same rounds

    @property
    def ratios(self) -> list[float]:
        return [now / then for now, then in zip(self.current_ms, self.baseline_ms, strict=True)]

    def line(self, baseline: str) -> str:
        return (
            f"{self.workload}: {baseline} {statistics.median(self.baseline_ms):.2f}, "
            f"this checkout {statistics.median(self.current_ms):.2f} CPU ms/req; {ratio_summary(self.ratios)}"
        )


def ratio_summary(ratios: list[float]) -> str:
    """Per-round ratios as the tools print them: the median, the range and how many rounds."""
    return (
        f"ratio {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}) "
        f"over {len(ratios)} rounds"
    )


@contextlib.contextmanager
def measured_data(database_url: str | None, smoke: bool, tool: str) -> Iterator[tuple[str, DataSet] | None]:
    """The database and data set to drive: the one ``python -m bench`` built there, or with ``smoke``
    a tiny one in a database of its own (dropped afterwards). None, having said why, when wrk is
    missing or the database holds no data set."""
    try:
        require_tools()
    except LoadError as error:
        say(str(error))
        yield None
        return
    url = chosen_url(database_url)
    if smoke:
        with smoke_data_set(url, tool) as smoke_url:
            yield smoke_url, SMOKE
        return
    data = existing_data_set(url)
    if data is None:
        say(f"{url.rsplit('/', 1)[-1]} holds no benchmark data set: run python -m bench first")
    yield None if data is None else (url, data)


@contextlib.contextmanager
def checkout_of(revision: str) -> Iterator[Path]:
    """A detached worktree of ``revision``, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as scratch:
        path = Path(scratch) / "checkout"
        git = ["git", "-C", str(REPOSITORY)]
        subprocess.run(
            [*git, "worktree", "add", "--detach", str(path), revision], check=True, capture_output=True
        )
        try:
            yield path
        finally:
            subprocess.run(
                [*git, "worktree", "remove", "--force", str(path)], check=False, capture_output=True
            )


def compare(
    url: str,
    data: DataSet,
    revision: str,
    workloads: tuple[Workload, ...],
    *,
    rounds: int,
    seconds: float,
    current_env: dict[str, str] | None = None,
) -> list[Comparison]:
    settings, tokens = served_settings(url, data)
    results = []
    with checkout_of(revision) as checkout, tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        work = Path(scratch)
        data_file = work / "data.lua"
        write_lua_data(data_file, data, tokens, workloads)
        with (
            serve(settings, 2, work / "baseline.log", work / "baseline", source=checkout / "src") as baseline,
            serve(settings, 2, work / "current.log", work / "current", extra_env=current_env) as current,
        ):
            for workload in workloads:
                forget_sent_messages(url, data)
                for server in (baseline, current):
                    run_wrk(server.url, workload.name, data_file, 16, 1)  # warm-up
                then: list[float] = []
                now: list[float] = []
                pairs = [(baseline, then), (current, now)]
                for round in range(rounds):
                    for server, measured in pairs if round % 2 == 0 else pairs[::-1]:
                        measured.append(cpu_ms_per_request(server, workload, data_file, seconds))
                results.append(Comparison(workload.name, then, now))
                say(results[-1].line(revision))
    return results


def cpu_ms_per_request(
    server: Server, workload: Workload, data_file: Path, seconds: float, concurrency: int = 16
) -> float:
    """The server's CPU per request over one wrk run; a run with any error is refused, not measured."""
    processes = server.processes
    before = cpu_seconds(processes)
    load = run_wrk(server.url, workload.name, data_file, concurrency, seconds)
    if load.errors or not load.requests:
        raise LoadError(f"{workload.name} on {server.name}: {load.errors} errors in {load.requests} requests")
    return (cpu_seconds(processes) - before) / load.requests * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("revision", help="the commit to compare against, e.g. HEAD~3 or a tag")
    parser.add_argument("--workloads", default=",".join(BY_NAME), help="e.g. W1,W4 (default all)")
    parser.add_argument("--rounds", type=int, default=8, help="paired runs per workload (default 8)")
    parser.add_argument("--seconds", type=float, default=3.0, help="each run (default 3)")
    parser.add_argument("--database-url", default=None, help="default $DATABASE_URL, else the local server")
    parser.add_argument("--smoke", action="store_true", help="a tiny data set of its own, one 1 s round")
    parser.add_argument(
        "--current-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set on this checkout's server only, e.g. REDIS_URL=redis://127.0.0.1:6379/0 (repeatable)",
    )
    args = parser.parse_args(argv)
    current_env = dict(item.split("=", 1) for item in args.current_env)
    workloads = tuple(BY_NAME[name.strip()] for name in args.workloads.split(",") if name.strip())
    with measured_data(args.database_url, args.smoke, "compare") as measured:
        if measured is None:
            return 2
        url, data = measured
        smoke = args.smoke
        results = compare(
            url,
            data,
            args.revision,
            workloads,
            rounds=1 if smoke else args.rounds,
            seconds=1 if smoke else args.seconds,
            current_env=None if smoke else current_env,
        )
    for result in results:
        print(result.line(args.revision))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
