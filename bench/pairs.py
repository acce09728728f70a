"""``python -m bench.pairs W5:W3,W4:W2``: two workloads on one server, measured side by side.

Some targets compare one workload with another (a send at or below a toggle, the video screen at or
below a progress save). ``python -m bench`` measures each cell minutes after the other, and on a
shared machine CPU per request drifts between them by more than such a gap. So this serves this
checkout once and, at each concurrency, drives the two workloads in turn, ``--rounds`` times,
alternating which goes first. It prints, per pair and concurrency, each workload's median CPU
ms/request and the median and range of the per-round ratios (the first ÷ the second).

It needs a data set that ``python -m bench`` built (``--smoke`` builds a tiny one of its own).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.compare import cpu_ms_per_request, measured_data, ratio_summary
from bench.dataset import DataSet, forget_sent_messages
from bench.load import run_wrk
from bench.lua_data import write_lua_data
from bench.runner import say, served_settings
from bench.server import serve
from bench.workloads import BY_NAME, Workload

Pair = tuple[Workload, Workload]


@dataclass(frozen=True)
class PairedRuns:
    first: str
    second: str
    concurrency: int
    first_ms: list[float]  # CPU ms/request, one per round
    second_ms: list[float]  # the same rounds

    @property
    def ratios(self) -> list[float]:
        return [one / other for one, other in zip(self.first_ms, self.second_ms, strict=True)]

    def line(self) -> str:
        return (
            f"{self.first}/{self.second} c{self.concurrency}: "
            f"{self.first} {statistics.median(self.first_ms):.2f}, "
            f"{self.second} {statistics.median(self.second_ms):.2f} CPU ms/req; {ratio_summary(self.ratios)}"
        )


def measure_pairs(
    url: str, data: DataSet, pairs: list[Pair], concurrencies: list[int], *, rounds: int, seconds: float
) -> list[PairedRuns]:
    settings, tokens = served_settings(url, data)
    workloads = tuple(dict.fromkeys(workload for pair in pairs for workload in pair))
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        work = Path(scratch)
        data_file = work / "data.lua"
        write_lua_data(data_file, data, tokens, workloads)
        with serve(settings, 2, work / "server.log", work / "statements") as server:
            for first, second in pairs:
                forget_sent_messages(url, data)
                for concurrency in concurrencies:
                    for workload in (first, second):
                        run_wrk(server.url, workload.name, data_file, concurrency, 1)  # warm-up
                    first_ms: list[float] = []
                    second_ms: list[float] = []
                    turns = [(first, first_ms), (second, second_ms)]
                    for round in range(rounds):
                        for workload, measured in turns if round % 2 == 0 else turns[::-1]:
                            measured.append(
                                cpu_ms_per_request(server, workload, data_file, seconds, concurrency)
                            )
                    results.append(PairedRuns(first.name, second.name, concurrency, first_ms, second_ms))
                    say(results[-1].line())
    return results


def _pairs(text: str) -> list[Pair]:
    """``W5:W3,W4:W2`` as workloads; an unknown name or a lone workload is refused."""
    pairs = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        names = item.split(":")
        if len(names) != 2 or not all(name in BY_NAME for name in names):
            raise argparse.ArgumentTypeError(f"{item!r} is not two workloads, e.g. W5:W3")
        pairs.append((BY_NAME[names[0]], BY_NAME[names[1]]))
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pairs", description=__doc__)
    parser.add_argument(
        "pairs", nargs="?", type=_pairs, default="W5:W3,W4:W2", help="e.g. W5:W3,W4:W2 (the default)"
    )
    parser.add_argument("--concurrency", default="1,16,64", help="connections, comma-separated (1,16,64)")
    parser.add_argument("--rounds", type=int, default=6, help="rounds per pair and concurrency (default 6)")
    parser.add_argument("--seconds", type=float, default=3.0, help="each run (default 3)")
    parser.add_argument("--database-url", default=None, help="default $DATABASE_URL, else the local server")
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny data set of its own, one 1 s round at c4"
    )
    args = parser.parse_args(argv)
    concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]
    with measured_data(args.database_url, args.smoke, "pairs") as measured:
        if measured is None:
            return 2
        url, data = measured
        results = measure_pairs(
            url,
            data,
            args.pairs,
            [4] if args.smoke else concurrencies,
            rounds=1 if args.smoke else args.rounds,
            seconds=1 if args.smoke else args.seconds,
        )
    for result in results:
        print(result.line())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
