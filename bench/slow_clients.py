"""``python -m bench.slow_clients``: the slow-clients attack of ``tests/test_slow_clients.py``, with figures.

Serves the API in production mode on a scratch PostgreSQL database (demo data), holds slow-body and
idle connections open while normal reads and writes run, and prints the normal requests' latency,
what the attackers got, and the server's CPU time during the attack.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from pydantic import SecretStr

from bench.database import chosen_url, create_database, drop_database, with_database
from bench.server import cpu_seconds, serve
from bench.slow_attack import Attack, Outcome, latency_summary, run_attack
from videoengage.auth import issue_token
from videoengage.db.engine import Database, create_engine
from videoengage.db.migrate import upgrade
from videoengage.demo import DemoData, seed_demo
from videoengage.settings import Settings

DATABASE_NAME = "videoengage_slow_clients"
BENCH_SECRET = "bench-slow-clients-secret-long-enough-for-every-algorithm-0123456789"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.slow_clients", description=__doc__)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes (default 1)")
    parser.add_argument("--slow", type=int, default=1_000, help="slow-body connections (default 1000)")
    parser.add_argument("--idle", type=int, default=1_000, help="idle connections (default 1000)")
    parser.add_argument("--hold", type=float, default=30.0, help="seconds to hold them (default 30)")
    parser.add_argument("--per-second", type=float, default=4.0, help="normal requests a second (default 4)")
    parser.add_argument("--database-url", default=None, help="default $DATABASE_URL, else the local server")
    return parser


async def _seed(settings: Settings) -> DemoData:
    db = Database(create_engine(settings))
    try:
        return await seed_demo(db)
    finally:
        await db.dispose()


def _print(outcome: Outcome, cpu: float) -> None:
    print(f"normal requests: {latency_summary([request.seconds for request in outcome.normal])}")
    for kind in ("read", "write"):
        seconds = [request.seconds for request in outcome.normal if request.kind == kind]
        print(f"  {kind}s: {latency_summary(seconds)}")
    print(f"  failed: {len(outcome.normal_failures)} {[f.outcome for f in outcome.normal_failures][:5]}")
    waits = sorted(outcome.slow_seconds)
    span = f"{waits[0]:.2f} to {waits[-1]:.2f} s after connecting" if waits else "none"
    print(f"slow bodies: {dict(outcome.slow)}, answered {span}; never answered: {outcome.slow_still_open}")
    closes = sorted(outcome.idle_seconds)
    span = f"{closes[0]:.2f} to {closes[-1]:.2f} s after connecting" if closes else "none"
    print(f"idle connections: {dict(outcome.idle)}, closed {span}")
    print(f"server CPU during the attack: {cpu:.1f} s")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    url = with_database(chosen_url(args.database_url), DATABASE_NAME)
    create_database(url)
    try:
        settings = Settings(database_url=url, jwt_secret=SecretStr(BENCH_SECRET))
        upgrade(settings.database_url)
        demo = asyncio.run(_seed(settings))
        headers = {"authorization": f"Bearer {issue_token(settings, demo['users'][0])}"}
        with (
            tempfile.TemporaryDirectory() as scratch,
            serve(settings, args.workers, Path(scratch) / "server.log", Path(scratch) / "counters") as server,
        ):
            host, port = server.url.removeprefix("http://").split(":")
            attack = Attack(
                host, int(port), args.slow, args.idle, args.hold, normal_per_second=args.per_second
            )
            before = cpu_seconds(server.processes)
            outcome = asyncio.run(
                run_attack(attack, f"{server.url}/graphql", headers, demo["videos"]["published"][0])
            )
            _print(outcome, cpu_seconds(server.processes) - before)
    finally:
        drop_database(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
