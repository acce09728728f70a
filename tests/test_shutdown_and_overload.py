"""Graceful shutdown on SIGTERM and a fast 503 under overload (PostgreSQL: requests held on a lock)."""

from __future__ import annotations

import asyncio
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api import without_cost
from tests.conftest import make_settings, serve
from tests.factories import create_user
from tests.pg_locks import users_locked
from tests.served import served
from videoengage.auth import issue_token
from videoengage.db.engine import Database

pytestmark = pytest.mark.postgres_only

VIEWER = {"query": "{ viewer { id } }"}


def _accepts_connections(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=1):
            return True
    except OSError:
        return False


async def test_sigterm_finishes_requests_in_flight_and_refuses_new_ones(db: Database, db_url: str) -> None:
    user_id = await create_user(db)
    headers = {"authorization": f"Bearer {issue_token(make_settings(db_url), user_id)}"}
    with (
        served(db_url, SHUTDOWN_GRACE_SECONDS="20", LOG_LEVEL="info") as server,
        ThreadPoolExecutor(2) as pool,
    ):
        async with users_locked(db_url) as users_lock:
            in_flight = pool.submit(httpx.post, server.graphql_url, json=VIEWER, headers=headers, timeout=30)
            await asyncio.sleep(0.5)  # the request now waits on the lock, inside the server
            server.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 5
            while _accepts_connections(server.url) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert not _accepts_connections(server.url)  # new connections are refused
            assert server.process.poll() is None  # still serving the request in flight
            await users_lock.rollback()  # let it finish
            response = in_flight.result(timeout=10)
            assert response.status_code == 200
            assert without_cost(response.json()) == {"data": {"viewer": {"id": str(user_id)}}}
            # uvicorn shuts down cleanly, then re-raises SIGTERM so supervisors see why it ended
            assert server.process.wait(timeout=10) in {0, -signal.SIGTERM}
            assert "Finished server process" in server.log()


async def test_sigterm_exits_within_the_grace_period_even_if_a_request_is_stuck(
    db: Database, db_url: str
) -> None:
    headers = {"authorization": f"Bearer {issue_token(make_settings(db_url), 1)}"}
    async with users_locked(db_url):
        with served(db_url, SHUTDOWN_GRACE_SECONDS="1") as server, ThreadPoolExecutor(1) as pool:
            pool.submit(httpx.post, server.graphql_url, json=VIEWER, headers=headers, timeout=30)
            await asyncio.sleep(0.5)
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=10)
            assert time.monotonic() - started < 4


async def test_overload_answers_503_at_once_instead_of_queueing(db: Database, db_url: str) -> None:
    settings = make_settings(db_url, max_concurrent_requests=2)
    headers = {"authorization": f"Bearer {issue_token(settings, 1)}"}
    async with serve(settings) as client, users_locked(db_url) as users_lock:
        held = [asyncio.create_task(client.post("/graphql", json=VIEWER, headers=headers)) for _ in range(2)]
        await asyncio.sleep(0.3)  # both now wait on the lock
        started = time.monotonic()
        refused = await client.post("/graphql", json=VIEWER, headers=headers)
        assert time.monotonic() - started < 1
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
        await users_lock.rollback()
        assert [(await task).status_code for task in held] == [200, 200]
        # and with the load gone, requests are served again
        assert (await client.get("/readyz")).status_code == 200
