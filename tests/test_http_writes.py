"""One write per response: a served answer's head and body leave in one system call, and every
response that holds nothing back (a HEAD request's, a ``100 Continue``) still arrives when due.

Against a served instance on real sockets. The writes are the server process's own count of write
system calls (``syscw`` in ``/proc/<pid>/io``); responses are read off the socket as a client reads
them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.api import without_cost
from tests.conftest import make_settings
from tests.factories import create_user
from tests.served import Served, served
from videoengage.auth import issue_token
from videoengage.db.engine import Database

REQUESTS = 100
VIEWER = json.dumps({"query": "{ viewer { id } }"}).encode()
HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: testserver\r\n\r\n"

pytestmark = pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs /proc/<pid>/io")


def _writes(server: Served) -> int:
    """The write system calls the server process has made so far."""
    for line in Path(f"/proc/{server.process.pid}/io").read_text().splitlines():
        if line.startswith("syscw:"):
            return int(line.split()[1])
    raise AssertionError("no syscw in /proc/<pid>/io")


def _graphql(token: str, body: bytes, *extra: str) -> bytes:
    head = [
        "POST /graphql HTTP/1.1",
        "Host: testserver",
        "Content-Type: application/json",
        f"Authorization: Bearer {token}",
        f"Content-Length: {len(body)}",
        *extra,
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode()


async def _response(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One response's head and body, read as far as its content-length says."""
    async with asyncio.timeout(10):
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.lower().split(b"\r\n")
            if line.startswith(b"content-length:")
        )
        return head, await reader.readexactly(length)


@dataclass
class Viewer:
    id: int
    token: str


@pytest.fixture
async def viewer(db: Database, db_url: str) -> Viewer:
    user_id = await create_user(db)
    return Viewer(user_id, issue_token(make_settings(db_url), user_id))


Connection = tuple[Served, asyncio.StreamReader, asyncio.StreamWriter]


@contextlib.asynccontextmanager
async def _connected(db_url: str) -> AsyncIterator[Connection]:
    """A served instance and one keep-alive connection to it, closed afterwards."""
    with served(db_url) as server:
        parts = urlsplit(server.url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            yield server, reader, writer
        finally:
            writer.close()


async def test_each_answer_leaves_the_server_in_one_write(db_url: str, viewer: Viewer) -> None:
    async with _connected(db_url) as (server, reader, writer):
        for request in (HEALTHZ, _graphql(viewer.token, VIEWER) + VIEWER):  # the viewer is read, then cached
            writer.write(request)
            await _response(reader)
        await asyncio.sleep(0.2)  # any write of the warm-up has been made

        before = _writes(server)
        for _ in range(REQUESTS):
            writer.write(HEALTHZ)
            head, body = await _response(reader)
            assert head.startswith(b"HTTP/1.1 200 OK\r\n") and json.loads(body) == {"status": "ok"}
        healthz = _writes(server) - before

        before = _writes(server)
        for _ in range(REQUESTS):
            writer.write(_graphql(viewer.token, VIEWER) + VIEWER)
            head, body = await _response(reader)
            assert without_cost(json.loads(body)) == {"data": {"viewer": {"id": str(viewer.id)}}}, body
        graphql = _writes(server) - before

    assert healthz == REQUESTS, f"{healthz} writes for {REQUESTS} answers"
    # The viewer's periodic re-check may wake the loop from another thread (a write of its own).
    assert REQUESTS <= graphql <= REQUESTS + 5, f"{graphql} writes for {REQUESTS} answers"


async def test_a_head_request_is_answered_at_once_and_the_connection_goes_on(db_url: str) -> None:
    """A HEAD request's response is a head announcing a length and no body: it leaves when the
    response completes, not with the next response's bytes."""
    async with _connected(db_url) as (_, reader, writer):
        writer.write(HEALTHZ.replace(b"GET", b"HEAD"))
        async with asyncio.timeout(10):
            head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"content-length: 15" in head.lower()

        writer.write(HEALTHZ)
        _, body = await _response(reader)
        assert json.loads(body) == {"status": "ok"}


async def test_100_continue_arrives_before_the_client_sends_its_body(db_url: str, viewer: Viewer) -> None:
    async with _connected(db_url) as (_, reader, writer):
        writer.write(_graphql(viewer.token, VIEWER, "Expect: 100-continue"))
        async with asyncio.timeout(10):
            interim = await reader.readuntil(b"\r\n\r\n")
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"

        writer.write(VIEWER)
        head, body = await _response(reader)
        assert head.startswith(b"HTTP/1.1 200 OK\r\n")
        assert without_cost(json.loads(body)) == {"data": {"viewer": {"id": str(viewer.id)}}}
