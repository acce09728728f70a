"""The server survives its database going away, coming back, being slow or being killed.

PostgreSQL only. Where PostgreSQL must vanish, a TCP proxy in front of it is cut (tests/tcp_proxy.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.api import Api, error_codes
from tests.chat import SEND_MESSAGE, create_chat
from tests.conftest import make_settings, serve
from tests.db_state import messaging_state
from tests.factories import create_user
from tests.pg_locks import plain_url, users_locked
from tests.served import served
from tests.tcp_proxy import tcp_proxy, url_through
from videoengage.auth import issue_token
from videoengage.db.engine import IDLE_BEFORE_PING_SECONDS, Database

pytestmark = pytest.mark.postgres_only

VIEWER = {"query": "{ viewer { id } }"}
# Needs the database on every request, whatever the viewer cache remembers.
CONVERSATIONS = {"query": "{ conversations(first: 1) { edges { cursor } } }"}


def _terminate_other_backends(db_url: str) -> int:
    with psycopg.connect(plain_url(db_url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
        return int(row[0]) if row else 0


@pytest.fixture
async def locked_users(db_url: str) -> AsyncIterator[psycopg.AsyncConnection[object]]:
    async with users_locked(db_url) as conn:
        yield conn


async def test_connections_killed_while_idle_are_replaced(api: Api, db: Database, db_url: str) -> None:
    user_id = await create_user(db)
    for _ in range(3):
        await api.data("{ viewer { id } }", as_user=user_id)
    assert _terminate_other_backends(db_url) >= 1
    # Connections idle this long are pinged before use (a busy pool skips the ping's round trip).
    await asyncio.sleep(IDLE_BEFORE_PING_SECONDS + 0.2)
    for _ in range(5):
        assert await api.data("{ viewer { id } }", as_user=user_id) == {"viewer": {"id": str(user_id)}}


async def test_a_slow_database_fails_the_request_after_the_statement_timeout(
    db: Database, db_url: str, locked_users: object
) -> None:
    settings = make_settings(db_url, db_statement_timeout_seconds=0.5)
    async with serve(settings) as client:
        started = time.monotonic()
        response = await client.post(
            "/graphql", json=VIEWER, headers={"authorization": f"Bearer {issue_token(settings, 1)}"}
        )
        assert time.monotonic() - started < 5
    body = response.json()
    assert error_codes(body) == ["INTERNAL_SERVER_ERROR"]
    assert body["errors"][0]["message"].startswith("The database did not answer in time")


async def test_an_exhausted_pool_fails_requests_after_the_pool_timeout(
    db: Database, db_url: str, locked_users: object
) -> None:
    settings = make_settings(
        db_url, db_pool_size=1, db_max_overflow=0, db_pool_timeout_seconds=0.5, db_statement_timeout_seconds=3
    )
    headers = {"authorization": f"Bearer {issue_token(settings, 1)}"}
    async with serve(settings) as client:
        holder = asyncio.create_task(client.post("/graphql", json=VIEWER, headers=headers))
        await asyncio.sleep(0.3)  # the holder now waits on the lock, holding the only connection
        started = time.monotonic()
        waiter = await client.post("/graphql", json=VIEWER, headers=headers)
        waited = time.monotonic() - started
        await holder
    assert error_codes(waiter.json()) == ["INTERNAL_SERVER_ERROR"]
    assert waiter.json()["errors"][0]["message"].startswith("The database did not answer in time")
    assert waited < 3


def test_database_down_at_boot_then_up(db: Database, db_url: str) -> None:
    url = make_url(db_url)
    with (
        tcp_proxy(url.host or "127.0.0.1", url.port or 5432, up=False) as proxy,
        served(url_through(db_url, proxy.port)) as server,
    ):
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        assert httpx.get(f"{server.url}/readyz").status_code == 503
        proxy.up()
        assert _eventually_status(f"{server.url}/readyz", 200)
        assert server.process.poll() is None  # no crash, no restart


def _eventually_status(url: str, status: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=3).status_code == status:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    return False


async def test_database_going_away_under_load_and_coming_back(db: Database, db_url: str) -> None:
    user_id = await create_user(db)
    url = make_url(db_url)
    with (
        tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy,
        served(url_through(db_url, proxy.port)) as server,
    ):
        token = issue_token(make_settings(db_url), user_id)
        outcomes: list[tuple[str, str, bool]] = []  # (phase at start, phase at end, ok)
        phase = "before"

        async def load() -> None:
            async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
                while phase != "done":
                    current = phase
                    try:
                        response = await client.post(
                            "/graphql", json=CONVERSATIONS, headers={"authorization": f"Bearer {token}"}
                        )
                        ok = response.status_code == 200 and "errors" not in response.json()
                    except httpx.TransportError:
                        ok = False
                    outcomes.append((current, phase, ok))
                    await asyncio.sleep(0.01)

        workers = [asyncio.create_task(load()) for _ in range(4)]
        await asyncio.sleep(1)
        phase = "down"
        proxy.down()
        await asyncio.sleep(1.5)
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/readyz")).status_code == 503
        proxy.up()
        phase = "recovering"
        await asyncio.sleep(1.5)
        phase = "after"
        await asyncio.sleep(1)
        phase = "done"
        await asyncio.gather(*workers)
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/readyz")).status_code == 200
    # Requests wholly inside one phase; those spanning a change may go either way.
    within = {
        name: [ok for start, end, ok in outcomes if start == end == name] for name in ("before", "down")
    }
    after = [ok for start, _end, ok in outcomes if start == "after"]
    assert within["before"] and all(within["before"])
    assert within["down"] and not any(within["down"])
    assert after and all(after)


async def _backend_waiting_on_a_lock(db_url: str, within: float = 10.0) -> int:
    deadline = time.monotonic() + within
    async with await psycopg.AsyncConnection.connect(plain_url(db_url), autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = await (
                await conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            ).fetchone()
            if row:
                return int(row[0])
            await asyncio.sleep(0.02)
    raise AssertionError("no request started waiting on the lock")


async def test_a_connection_killed_mid_mutation_writes_nothing_and_a_retry_stores_one_message(
    api: Api, db: Database, db_url: str
) -> None:
    # Given a send that is inside its transaction, waiting on the conversation we hold locked
    chat = await create_chat(db)
    send = {"conversationId": str(chat.conversation), "type": "TEXT", "body": "hi", "clientMessageId": "m-1"}
    blocker = await psycopg.AsyncConnection.connect(plain_url(db_url))
    await blocker.execute("SELECT id FROM conversations WHERE id = %s FOR UPDATE", (chat.conversation,))
    first = asyncio.create_task(api.gql(SEND_MESSAGE, {"input": send}, as_user=chat.ada))

    # When its database connection is killed
    victim = await _backend_waiting_on_a_lock(db_url)
    async with await psycopg.AsyncConnection.connect(plain_url(db_url), autocommit=True) as admin:
        await admin.execute("SELECT pg_terminate_backend(%s)", (victim,))
    result = await first
    await blocker.rollback()
    await blocker.close()

    # Then the client gets a masked INTERNAL_SERVER_ERROR and nothing was written
    assert error_codes(result) == ["INTERNAL_SERVER_ERROR"]
    assert (await messaging_state(db))["messages"] == []
    # And retrying the same send (twice) stores exactly one message
    retried = [await api.data(SEND_MESSAGE, {"input": send}, as_user=chat.ada) for _ in range(2)]
    assert retried[0]["sendMessage"]["id"] == retried[1]["sendMessage"]["id"]
    assert len((await messaging_state(db))["messages"]) == 1
