"""Slow clients against a served instance, on raw sockets, beside a steady stream of normal requests.

Slow-body connections send their headers with ``Content-Length: 100000`` and then one byte a second;
idle ones connect and send nothing. Each is held open until the server ends it and is then opened
again, so the attack keeps its size for the whole hold. Normal clients send a ``{ viewer { id } }``
and a ``saveVideoProgress`` in turn, each on a new connection, on a fixed schedule (a stall shows
as latency, not as fewer requests), from a thread and event loop of their own. Shared by
``tests/test_slow_clients.py`` and ``python -m bench.slow_clients``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from videoengage.cli import raise_open_files_limit

SLOW_BODY_BYTES = 100_000
TRICKLE_SECONDS = 1.0
NORMAL_TIMEOUT_SECONDS = 10.0
CONNECTS_AT_ONCE = 100  # new attacker connections in progress at a time: a burst, not a SYN flood
SAVE = (
    "mutation Save($input: SaveVideoProgressInput!) { saveVideoProgress(input: $input) { watchedSeconds } }"
)


@dataclass
class Attack:
    host: str
    port: int
    slow_bodies: int = 1_000
    idle: int = 1_000
    hold_seconds: float = 30.0
    # A slow-body connection is opened again until half a body timeout before the end of the hold,
    # so slow bodies are held throughout and the last 408s come at most half a timeout after it.
    body_timeout_seconds: float = 10.0
    normal_per_second: float = 4.0


@dataclass
class Normal:
    kind: str  # "read" or "write"
    outcome: str  # "ok", an HTTP status with the first error's message, or the transport error
    seconds: float


@dataclass
class Outcome:
    slow: Counter[str] = field(default_factory=Counter)  # the status each slow body got
    slow_seconds: list[float] = field(default_factory=list)  # from its connect to the answer
    slow_still_open: int = 0  # a slow body the server never answered or closed
    idle: Counter[str] = field(default_factory=Counter)  # "closed by the server", "held to the end"
    idle_seconds: list[float] = field(default_factory=list)  # from connect to the server's close
    normal: list[Normal] = field(default_factory=list)

    @property
    def normal_failures(self) -> list[Normal]:
        return [request for request in self.normal if request.outcome != "ok"]


def latency_summary(seconds: list[float]) -> str:
    """p50, p99 and max in milliseconds, and how many."""
    if not seconds:
        return "none"
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    median = statistics.median(ordered)
    figures = f"p50 {median * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, max {ordered[-1] * 1000:.1f} ms"
    return f"{len(ordered)} requests, {figures}"


async def run_attack(attack: Attack, graphql_url: str, headers: dict[str, str], video_id: int) -> Outcome:
    """Hold the slow and idle connections for ``hold_seconds`` while normal requests run; wait for
    every slow body's answer (the last are due one body timeout after the last reopening)."""
    raise_open_files_limit()  # two thousand sockets on this side too
    outcome = Outcome()
    loop = asyncio.get_running_loop()
    start = loop.time()
    end = start + attack.hold_seconds
    connecting = asyncio.Semaphore(CONNECTS_AT_ONCE)
    slow_head = (
        f"POST /graphql HTTP/1.1\r\nHost: {attack.host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {SLOW_BODY_BYTES}\r\n\r\n{{"
    ).encode()

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        async with connecting:
            return await asyncio.open_connection(attack.host, attack.port)

    async def slow_body() -> None:
        while True:
            opened = loop.time()
            reader, writer = await connect()
            writer.write(slow_head)
            status = await _answer_while_trickling(reader, writer, end + attack.body_timeout_seconds + 5)
            if status is None:
                outcome.slow_still_open += 1
                return
            outcome.slow[status] += 1
            outcome.slow_seconds.append(loop.time() - opened)
            if status != "408" or loop.time() > end - attack.body_timeout_seconds / 2:
                return  # refused at once, or the hold is (nearly) over: no reopening

    async def idle() -> None:
        while True:
            opened = loop.time()
            reader, writer = await connect()
            try:
                async with asyncio.timeout_at(end):
                    sent = await _read_until_closed(reader)
            except TimeoutError:
                outcome.idle["held to the end"] += 1
                writer.close()
                return
            writer.close()
            outcome.idle["closed by the server" if not sent else f"answered {sent[:12]!r}"] += 1
            outcome.idle_seconds.append(held := loop.time() - opened)
            if held < TRICKLE_SECONDS:
                return  # turned away at once: no reopening in a tight loop

    async def normal() -> None:
        # in a thread of its own, so the attackers' event loop does not delay the normal clients
        stream = _normal_stream(
            attack, graphql_url, headers, video_id, time.monotonic() + start - loop.time()
        )
        outcome.normal.extend(await asyncio.to_thread(asyncio.run, stream))

    async with asyncio.TaskGroup() as group:
        group.create_task(normal())
        for _ in range(attack.slow_bodies):
            group.create_task(slow_body())
        for _ in range(attack.idle):
            group.create_task(idle())
    return outcome


async def _answer_while_trickling(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, give_up_at: float
) -> str | None:
    """Send a body byte a second until the server answers and closes; its status (None: it never did)."""
    read = asyncio.ensure_future(_read_until_closed(reader))
    loop = asyncio.get_running_loop()
    while not read.done() and loop.time() < give_up_at:
        await asyncio.wait({read}, timeout=TRICKLE_SECONDS)
        if not read.done() and not writer.is_closing():
            writer.write(b" ")
    writer.close()
    if not read.done():
        read.cancel()
        return None
    response = read.result()
    if not response.startswith(b"HTTP/1.1 "):
        return "closed without an answer"
    status = response.split(b" ", 2)[1].decode()
    _head, _, body = response.partition(b"\r\n\r\n")
    try:
        errors = json.loads(body).get("errors")
    except (ValueError, AttributeError):
        errors = None
    if not errors:
        return f"{status} without a GraphQL error"
    return status


async def _read_until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection (a reset after it counts as closed)."""
    received = bytearray()
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65_536):
            received += chunk
    return bytes(received)


async def _normal_stream(
    attack: Attack, graphql_url: str, headers: dict[str, str], video_id: int, start: float
) -> list[Normal]:
    """Normal requests on a fixed schedule from ``start`` (``time.monotonic()``) for the hold."""
    limits = httpx.Limits(max_keepalive_connections=0)  # a new connection for every request
    async with httpx.AsyncClient(limits=limits, timeout=NORMAL_TIMEOUT_SECONDS) as http:
        requests = []
        number = 0
        while (due := start + number / attack.normal_per_second) < start + attack.hold_seconds:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            requests.append(asyncio.create_task(_normal(http, graphql_url, headers, video_id, number)))
            number += 1
        return list(await asyncio.gather(*requests))


async def _normal(
    http: httpx.AsyncClient, graphql_url: str, headers: dict[str, str], video_id: int, number: int
) -> Normal:
    kind = "read" if number % 2 == 0 else "write"
    if kind == "read":
        payload: dict[str, object] = {"query": "{ viewer { id } }"}
    else:
        reading = {"videoId": str(video_id), "watchedSeconds": number, "lastPosition": number}
        payload = {"query": SAVE, "variables": {"input": {**reading, "durationSeconds": 3_600}}}
    started = time.monotonic()
    try:
        response = await http.post(graphql_url, json=payload, headers=headers)
    except httpx.HTTPError as error:
        return Normal(kind, type(error).__name__, time.monotonic() - started)
    seconds = time.monotonic() - started
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code == 200 and body.get("data") and not body.get("errors"):
        return Normal(kind, "ok", seconds)
    first_error = (body.get("errors") or [{}])[0].get("message")
    return Normal(kind, f"{response.status_code} {first_error}", seconds)
