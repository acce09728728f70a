"""``python -m bench.rate_limit``: the CPU one charge of the rate limit costs, per bucket store.

Issue #10 asks for one atomic Redis script per operation unless a round trip costs more than a tenth
of W2's CPU per request, in which case tokens are leased to workers in batches (they are). This measures
the client's side of that round trip in-process, on uvloop as the server runs (the CPU the worker
spends: ``time.process_time``, which includes the kernel's loopback send), beside a charge to the
worker's own buckets and the pricing of the benchmark's documents. The served figure, W2 with and
without Redis side by side, is ``python -m bench.compare HEAD --workloads W2 --current-env
REDIS_URL=…`` (bench/README.md, "The rate limit").
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Awaitable, Callable

import redis
import uvloop
from graphql import parse

from bench.workloads import BY_NAME
from videoengage.rate_limit import RateLimiter
from videoengage.schema.operation_cost import operation_cost
from videoengage.schema.schema import schema


async def _cpu_us_per_call(call: Callable[[int], Awaitable[object]], count: int) -> float:
    for n in range(min(count, 200)):  # warm: connections open, the script loaded
        await call(n)
    started = time.process_time()
    for n in range(count):
        await call(n)
    return (time.process_time() - started) / count * 1e6


async def measure(redis_url: str | None, count: int) -> list[str]:
    lines = []
    local = RateLimiter(1_000_000_000, 10)
    lines.append(
        f"local buckets: {await _cpu_us_per_call(lambda n: local.charge(n % 2000, 10), count):.1f} µs"
    )
    if redis_url is not None:
        prefix = f"bench-rate-limit-{uuid.uuid4().hex}:"
        shared = RateLimiter(1_000_000_000, 10, redis_url, prefix)
        assert shared.redis is not None
        try:
            for lease, label in ((1, "a round trip per charge"), (100, "a lease of 10 charges")):
                shared.redis.lease_points = lease
                per_call = await _cpu_us_per_call(lambda n: shared.charge(n % 20, 10), count)
                assert shared.shared, "Redis stopped answering during the measurement"
                lines.append(f"Redis, {label}: {per_call:.1f} µs")
        finally:
            await shared.close()
            client = redis.Redis.from_url(redis_url)
            for key in client.scan_iter(f"{prefix}*"):
                client.delete(key)
            client.close()
    for name in ("W1", "W2"):
        workload = BY_NAME[name]
        document = parse(workload.document)
        started = time.process_time()
        for _ in range(count):
            cost = operation_cost(schema._schema, document, None)
        once = (time.process_time() - started) / count * 1e6
        started = time.process_time()
        for _ in range(count):
            cost.priced({"first": 50})
        priced = (time.process_time() - started) / count * 1e6
        lines.append(
            f"{name} cost {cost.priced({})}: worked out once per document {once:.1f} µs, "
            f"priced per request {priced:.2f} µs"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rate_limit", description=__doc__)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="'' to skip Redis")
    parser.add_argument("--charges", type=int, default=5_000)
    args = parser.parse_args(argv)
    for line in uvloop.run(measure(args.redis_url or None, args.charges)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
