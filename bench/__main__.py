"""``python -m bench``: build the data, load the served API, the plain Strawberry reference and the
SQL floor, write the report."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bench.database import chosen_url, create_database, drop_database, with_database
from bench.dataset import FULL, SMOKE
from bench.load import LoadError, require_tools
from bench.runner import RunOptions, run, say
from bench.workloads import BY_NAME, WORKLOADS

RESULTS_DIR = Path(__file__).parent / "results"


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--concurrency", default=None, help="connections, comma-separated (default 16,64)")
    parser.add_argument("--duration", type=float, default=None, help="seconds per run (default 10)")
    parser.add_argument(
        "--warmup", type=float, default=None, help="unmeasured seconds per workload (default 2)"
    )
    parser.add_argument("--workloads", default=",".join(BY_NAME), help="e.g. W0,W1 (default all)")
    parser.add_argument("--database-url", default=None, help="default $DATABASE_URL, else the local server")
    parser.add_argument("--keep-data", action="store_true", help="reuse a data set an earlier run built")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR, help="where latest.md/.json go")
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="do not measure the plain Strawberry reference (bench/plain) after each run of ours",
    )
    parser.add_argument(
        "--peer",
        choices=["postgraphile"],
        default=None,
        help="also measure a peer server after ours on every run: PostGraphile 5 (installs it with npm)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a tiny data set in a database of its own (dropped after), every workload for 2 s at c4",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    unknown = [name for name in _list(args.workloads) if name not in BY_NAME]
    if unknown:
        say(f"unknown workloads {', '.join(unknown)}; there are {', '.join(BY_NAME)}")
        return 2
    try:
        require_tools()
    except LoadError as error:
        say(str(error))
        return 2
    smoke = args.smoke
    url = chosen_url(args.database_url)
    if smoke:
        url = with_database(url, f"videoengage_bench_smoke_{os.getpid()}")
    options = RunOptions(
        database_url=url,
        data_set=SMOKE if smoke else FULL,
        data_set_name="smoke" if smoke else "full",
        workloads=tuple(w for w in WORKLOADS if w.name in _list(args.workloads)),
        workers=args.workers,
        concurrencies=tuple(int(c) for c in _list(args.concurrency or ("4" if smoke else "16,64"))),
        duration_seconds=args.duration or (2.0 if smoke else 10.0),
        warmup_seconds=args.warmup if args.warmup is not None else (0.0 if smoke else 2.0),
        floor_seconds=args.duration or (1.0 if smoke else 10.0),
        keep_data=args.keep_data and not smoke,
        output=args.output,
        reference=not args.no_reference,
        peer=args.peer == "postgraphile",
    )
    create_database(url)
    try:
        report = run(options)
    finally:
        if smoke:
            drop_database(url)
    markdown, _ = report.write(options.output)
    print(markdown.read_text())
    errors = sum(
        m.load.errors
        + (m.floor.failed if m.floor else 0)
        + sum(other.load.errors for other in (m.reference, m.peer) if other is not None)
        for m in report.measurements
    )
    return 1 if smoke and errors else 0


if __name__ == "__main__":
    sys.exit(main())
