"""Slow clients: bodies and request heads that never finish end in time, and never lock others out.

All against a served instance on real sockets: what a client sees includes the connection closing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest

from bench.slow_attack import Attack, latency_summary, run_attack
from tests.api import without_cost
from tests.conftest import make_settings
from tests.factories import create_user, create_video
from tests.served import Served, served
from videoengage.auth import issue_token
from videoengage.db.engine import Database

VIEWER = json.dumps({"query": "{ viewer { id } }"}).encode()


def _address(server: Served) -> tuple[str, int]:
    parts = urlsplit(server.url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def _head(token: str, length: int) -> bytes:
    return (
        "POST /graphql HTTP/1.1\r\nHost: testserver\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


async def _until_closed(reader: asyncio.StreamReader, within: float = 10) -> bytes:
    """All the server sends until it closes the connection; a TimeoutError if it keeps it open."""
    async with asyncio.timeout(within):
        return await reader.read()


def _status_and_body(response: bytes) -> tuple[int, dict[str, object], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(body), head.lower()


class SlowBody:
    """A request whose head and first body byte are sent; the rest comes when the test says."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def finish(self) -> bytes:
        self.writer.write(VIEWER[1:])
        return await _until_closed(self.reader)


@dataclass
class Viewer:
    id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}", "content-type": "application/json"}

    @property
    def answer(self) -> dict[str, object]:
        return {"data": {"viewer": {"id": str(self.id)}}}


@pytest.fixture
async def viewer(db: Database, db_url: str) -> Viewer:
    user_id = await create_user(db)
    return Viewer(user_id, issue_token(make_settings(db_url), user_id))


def _closing_head(token: str, length: int) -> bytes:
    """A head asking the server to close after answering, so the answer can be read until it does."""
    return _head(token, length).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")


@contextlib.asynccontextmanager
async def _slow_body(server: Served, token: str) -> AsyncIterator[SlowBody]:
    reader, writer = await asyncio.open_connection(*_address(server))
    writer.write(_closing_head(token, len(VIEWER)) + VIEWER[:1])
    try:
        yield SlowBody(reader, writer)
    finally:
        writer.close()


async def test_a_body_that_does_not_arrive_in_time_gets_408_and_the_connection_is_closed(
    db_url: str, viewer: Viewer
) -> None:
    with served(db_url, REQUEST_BODY_TIMEOUT_SECONDS="1") as server:
        reader, writer = await asyncio.open_connection(*_address(server))
        writer.write(_head(viewer.token, 100_000) + b"{")
        status, body, head = _status_and_body(await _until_closed(reader))
        writer.close()
        assert status == 408
        assert body == _refusal("The request body did not arrive within 1 s", "BAD_USER_INPUT")
        assert b"connection: close" in head
        # a body that arrives in parts, within the time, is served
        reader, writer = await asyncio.open_connection(*_address(server))
        writer.write(_closing_head(viewer.token, len(VIEWER)))
        writer.write(VIEWER[:5])
        await asyncio.sleep(0.3)
        writer.write(VIEWER[5:])
        status, body, _ = _status_and_body(await _until_closed(reader))
        writer.close()
        assert (status, without_cost(body)) == (200, viewer.answer)


async def test_a_request_still_receiving_its_body_does_not_count_in_flight(
    db_url: str, viewer: Viewer
) -> None:
    with served(db_url, MAX_CONCURRENT_REQUESTS="1") as server:
        async with _slow_body(server, viewer.token) as slow:
            await asyncio.sleep(0.3)  # the slow one is now receiving, inside the server
            response = httpx.post(server.graphql_url, content=VIEWER, headers=viewer.headers, timeout=10)
            assert (response.status_code, without_cost(response.json())) == (200, viewer.answer)
            status, body, _ = _status_and_body(await slow.finish())
            assert (status, without_cost(body)) == (200, viewer.answer)


async def test_requests_receiving_their_body_have_a_cap_of_their_own(db_url: str, viewer: Viewer) -> None:
    with served(db_url, MAX_RECEIVING_REQUESTS="2") as server:
        async with _slow_body(server, viewer.token) as first, _slow_body(server, viewer.token) as second:
            await asyncio.sleep(0.3)
            refused = httpx.post(server.graphql_url, content=VIEWER, headers=viewer.headers, timeout=10)
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "1"
            assert refused.json() == _refusal(
                "Too many requests are still sending their body; retry shortly", "INTERNAL_SERVER_ERROR"
            )
            assert [_status_and_body(await slow.finish())[0] for slow in (first, second)] == [200, 200]
        # with the slow ones done, requests are received again
        served_again = httpx.post(server.graphql_url, content=VIEWER, headers=viewer.headers, timeout=10)
        assert (served_again.status_code, without_cost(served_again.json())) == (200, viewer.answer)


async def test_a_request_head_that_does_not_arrive_in_time_ends_the_connection(db_url: str) -> None:
    with served(db_url, REQUEST_HEADER_TIMEOUT_SECONDS="1") as server:
        # a connection that sends nothing
        idle_reader, idle_writer = await asyncio.open_connection(*_address(server))
        # one that sends its headers a byte at a time (slowloris)
        trickle_reader, trickle_writer = await asyncio.open_connection(*_address(server))
        # and one that was served and then trickles its next request's head
        kept_reader, kept_writer = await asyncio.open_connection(*_address(server))
        kept_writer.write(b"GET /healthz HTTP/1.1\r\nHost: testserver\r\n\r\n")
        answer = await kept_reader.readuntil(b'{"status":"ok"}')
        assert answer.startswith(b"HTTP/1.1 200 ")
        closed = asyncio.gather(*(_until_closed(r) for r in (idle_reader, trickle_reader, kept_reader)))
        for byte in b"GET /healthz HTTP/1.1\r\nHost: test":
            for writer in (trickle_writer, kept_writer):
                if not writer.is_closing():
                    writer.write(bytes([byte]))
            await asyncio.sleep(0.1)
            if closed.done():
                break
        assert await closed == [b"", b"", b""]  # closed, with nothing sent
        for writer in (idle_writer, trickle_writer, kept_writer):
            writer.close()
        # and the server still answers
        assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200


async def test_no_connection_is_closed_before_its_head_is_due(db_url: str) -> None:
    """The event loop's timers may fire early (uvloop's clock is whole milliseconds, cached per loop
    iteration, and a burst of connections is accepted in one long iteration); the deadline itself
    never is: each idle connection is held at least its timeout, counted from before it connected."""
    timeout = 0.5
    with served(db_url, REQUEST_HEADER_TIMEOUT_SECONDS=str(timeout)) as server:
        loop = asyncio.get_running_loop()

        async def held() -> float:
            opened = loop.time()
            reader, writer = await asyncio.open_connection(*_address(server))
            assert await _until_closed(reader) == b""
            writer.close()
            return loop.time() - opened

        for _ in range(3):
            assert min(await asyncio.gather(*(held() for _ in range(300)))) >= timeout


async def test_a_request_head_over_64_kib_gets_431_and_the_connection_is_closed(
    db_url: str, viewer: Viewer
) -> None:
    with served(db_url) as server:
        reader, writer = await asyncio.open_connection(*_address(server))
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: testserver\r\n")
        for _ in range(20):  # 100 KiB of headers, in parts
            writer.write(b"X-Padding: " + b"a" * 5_000 + b"\r\n")
        status, body, head = _status_and_body(await _until_closed(reader))
        writer.close()
        assert status == 431
        assert body == _refusal("The request line and headers are over 65536 bytes", "BAD_USER_INPUT")
        assert b"connection: close" in head
        # a head just under the cap, and a large body after a small head, are served
        reader, writer = await asyncio.open_connection(*_address(server))
        padding = b"X-Padding: " + b"a" * 60_000 + b"\r\n"
        writer.write(_closing_head(viewer.token, len(VIEWER)).replace(b"Host:", padding + b"Host:") + VIEWER)
        status, body, _ = _status_and_body(await _until_closed(reader))
        writer.close()
        assert (status, without_cost(body)) == (200, viewer.answer)
        query = {"query": "{ viewer { id } }" + " " * 200_000}
        response = httpx.post(server.graphql_url, json=query, headers=viewer.headers, timeout=10)
        assert (response.status_code, without_cost(response.json())) == (200, viewer.answer)


@pytest.mark.postgres_only
async def test_slow_and_idle_connections_held_for_30_s_lock_no_one_out(db: Database, db_url: str) -> None:
    """Issue #10's contract: 1,000 slow bodies and 1,000 idle connections held for 30 s at the
    default timeouts; normal reads and writes keep succeeding, and every slow body gets its 408."""
    user_id, video_id = await create_user(db), await create_video(db, duration_seconds=3_600)
    headers = {"authorization": f"Bearer {issue_token(make_settings(db_url), user_id)}"}
    with served(db_url) as server:
        host, port = _address(server)
        attack = Attack(host, port)
        async with asyncio.timeout(attack.hold_seconds + attack.body_timeout_seconds + 20):
            outcome = await run_attack(attack, server.graphql_url, headers, video_id)
        print(f"normal requests during the attack: {latency_summary([n.seconds for n in outcome.normal])}")
        assert len(outcome.normal) == attack.hold_seconds * attack.normal_per_second
        assert outcome.normal_failures == []
        # every slow body got its 408 (the first wave, and the reopened ones), none before its time
        assert outcome.slow_still_open == 0
        assert set(outcome.slow) == {"408"}
        assert outcome.slow["408"] >= attack.slow_bodies
        assert min(outcome.slow_seconds) >= attack.body_timeout_seconds
        # idle connections are closed when their head is due (10 s), so the first wave is, and reopened
        assert set(outcome.idle) <= {"closed by the server", "held to the end"}
        assert outcome.idle["closed by the server"] >= attack.idle
        assert min(outcome.idle_seconds) >= 10
        assert httpx.get(f"{server.url}/readyz", timeout=10).status_code == 200
        assert "Traceback" not in server.log()


def _refusal(message: str, code: str) -> dict[str, object]:
    """The body of a request refused before any GraphQL ran."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}
