"""Fan-out across server processes: a subscriber on one receives, in order and exactly once, what is
sent through another, while the listening connection is killed, while PostgreSQL restarts (a
cluster of the test's own), across a client's reconnect with ``after``; and on SQLite between the
processes of one machine."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import signal
import socket as socket_module
from collections.abc import AsyncIterator

import httpx
import psycopg
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.conftest import make_settings
from tests.factories import create_conversation, create_user
from tests.pg_cluster import own_cluster
from tests.pg_locks import plain_url
from tests.served import Served, served
from tests.sockets import Socket, subscriber, ws_url
from videoengage.auth import issue_token
from videoengage.db.engine import Database, create_engine
from videoengage.db.listener import APPLICATION_NAME
from videoengage.db.migrate import upgrade
from videoengage.db.models import Message
from videoengage.enums import MessageType

SEND = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }"


class Sender:
    """Sends through one server, retrying each send with its clientMessageId until it is stored."""

    def __init__(self, server: Served, db_url: str, sender: int, conversation: int) -> None:
        self.server = server
        self.headers = {"authorization": f"Bearer {issue_token(make_settings(db_url), sender)}"}
        self.conversation = conversation
        self.sent: list[str] = []
        self._numbers = itertools.count()

    async def send(self, http: httpx.AsyncClient) -> str:
        number = next(self._numbers)
        variables = {
            "input": {
                "conversationId": str(self.conversation),
                "type": "TEXT",
                "body": f"#{number}",
                "clientMessageId": f"m{number}",
            }
        }
        for _ in range(200):
            with contextlib.suppress(httpx.TransportError):
                response = await http.post(
                    self.server.graphql_url,
                    json={"query": SEND, "variables": variables},
                    headers=self.headers,
                )
                body = response.json()
                if "errors" not in body:
                    message_id: str = body["data"]["sendMessage"]["id"]
                    self.sent.append(message_id)
                    return message_id
            await asyncio.sleep(0.1)  # the database is away: "retry shortly"
        raise AssertionError("a send never succeeded")


@contextlib.asynccontextmanager
async def pair(db_url: str) -> AsyncIterator[tuple[Served, Served, int, int, int]]:
    """Two servers on one database, and a conversation of two users."""
    db = Database(create_engine(make_settings(db_url)))
    try:
        ada, grace = await create_user(db, "Ada"), await create_user(db, "Grace")
        conversation = await create_conversation(db, ada, grace)
    finally:
        await db.dispose()
    with served(db_url, VIEWER_CACHE_SECONDS="0") as one, served(db_url, VIEWER_CACHE_SECONDS="0") as other:
        yield one, other, ada, grace, conversation


LISTENERS = "SELECT {} FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()"


async def listening(db_url: str) -> int:
    """How many listening connections the database has: one per app on it (the two servers, and the
    test's own app, whose lifespan starts one too)."""
    async with await psycopg.AsyncConnection.connect(plain_url(db_url), autocommit=True) as conn:
        row = await (await conn.execute(LISTENERS.format("count(*)"), (APPLICATION_NAME,))).fetchone()
        return 0 if row is None else int(row[0])


async def kill_listeners(db_url: str, expected: int) -> int:
    """Terminate every listening connection, once all ``expected`` are back: a kill that came while
    one was still reconnecting (0.1 s of backoff, about 20 sends on a quiet machine) would miss it,
    and each round must kill listeners that are really listening."""
    for _ in range(200):
        if await listening(db_url) >= expected:
            break
        await asyncio.sleep(0.05)
    async with await psycopg.AsyncConnection.connect(plain_url(db_url), autocommit=True) as conn:
        killed = await (
            await conn.execute(LISTENERS.format("pg_terminate_backend(pid)"), (APPLICATION_NAME,))
        ).fetchall()
        return len(killed)


async def received_ids(client: object, id: str, count: int) -> list[str]:
    from tests.sockets import Socket

    assert isinstance(client, Socket)
    events = await client.events(id, count, timeout=30)
    return [event["data"]["messageSent"]["node"]["id"] for event in events]


@pytest.mark.postgres_only
async def test_exactly_once_in_order_from_another_server_while_its_listener_is_killed(
    db: Database, db_url: str
) -> None:
    async with pair(db_url) as (one, other, ada, grace, conversation), httpx.AsyncClient(timeout=10) as http:
        sender = Sender(other, db_url, grace, conversation)
        async with subscriber(one.url, issue_token(make_settings(db_url), ada)) as client:
            await client.subscribe_messages("s", conversation)
            await asyncio.sleep(0.5)
            listeners = await listening(db_url)
            assert listeners >= 2  # both servers'
            killed = 0
            for round_ in range(6):
                for _ in range(10):
                    await sender.send(http)
                if round_ % 2 == 0:
                    killed += await kill_listeners(db_url, listeners)
            assert killed == 3 * listeners
            assert await received_ids(client, "s", 60) == sender.sent
            await client.nothing_for(1.0)
        assert "reconnecting" in one.log()


@pytest.mark.postgres_only
async def test_a_reconnect_with_after_misses_nothing_and_repeats_nothing(db: Database, db_url: str) -> None:
    async with pair(db_url) as (one, other, ada, grace, conversation), httpx.AsyncClient(timeout=10) as http:
        sender = Sender(other, db_url, grace, conversation)
        token = issue_token(make_settings(db_url), ada)
        async with subscriber(one.url, token) as client:
            await client.subscribe_messages("s", conversation)
            await asyncio.sleep(0.5)
            for _ in range(5):
                await sender.send(http)
            events = await client.events("s", 5)
        last_cursor = events[-1]["data"]["messageSent"]["cursor"]
        for _ in range(7):  # sent while the client is away
            await sender.send(http)
        async with subscriber(other.url, token) as client:  # back, on the other server
            await client.subscribe_messages("s", conversation, after=last_cursor)
            assert await received_ids(client, "s", 7) == sender.sent[5:]
            for _ in range(3):
                await sender.send(http)
            assert await received_ids(client, "s", 3) == sender.sent[12:]
            await client.nothing_for(0.5)


async def test_postgresql_restarting_loses_nothing_and_repeats_nothing() -> None:
    with own_cluster() as cluster:
        await asyncio.to_thread(upgrade, cluster.url)
        async with (
            pair(cluster.url) as (one, other, ada, grace, conversation),
            httpx.AsyncClient(timeout=10) as http,
        ):
            sender = Sender(other, cluster.url, grace, conversation)
            async with subscriber(one.url, issue_token(make_settings(cluster.url), ada)) as client:
                await client.subscribe_messages("s", conversation)
                await asyncio.sleep(0.5)
                for _ in range(5):
                    await sender.send(http)
                cluster.stop()
                await asyncio.sleep(1.0)  # both servers' connections are gone now
                cluster.start()
                for _ in range(10):
                    await sender.send(http)
                assert await received_ids(client, "s", 15) == sender.sent
                await client.nothing_for(1.0)
            assert "reconnecting" in one.log()


async def test_sqlite_processes_of_one_machine_see_each_others_messages(db: Database, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the SQLite poll (PostgreSQL has its own tests above)")
    async with pair(db_url) as (one, other, ada, grace, conversation), httpx.AsyncClient(timeout=10) as http:
        sender = Sender(other, db_url, grace, conversation)
        async with subscriber(one.url, issue_token(make_settings(db_url), ada)) as client:
            await client.subscribe_messages("s", conversation)
            await asyncio.sleep(0.5)
            for _ in range(20):
                await sender.send(http)
            assert await received_ids(client, "s", 20) == sender.sent
            await client.nothing_for(0.5)


async def test_sigterm_closes_sockets_with_1001_so_clients_reconnect_elsewhere(
    db: Database, db_url: str
) -> None:
    async with pair(db_url) as (one, other, ada, _grace, conversation):
        async with subscriber(one.url, issue_token(make_settings(db_url), ada)) as client:
            await client.subscribe_messages("s", conversation)
            await asyncio.sleep(0.3)
            one.process.send_signal(signal.SIGTERM)
            assert await client.closed_with() == 1001
        assert await asyncio.to_thread(one.process.wait, 30) in {0, -signal.SIGTERM}
        async with subscriber(other.url, issue_token(make_settings(db_url), ada)) as client:
            await client.subscribe_messages("s", conversation)  # the other server takes it
            await client.nothing_for(0.3)


@pytest.mark.postgres_only
async def test_a_client_that_stops_reading_is_ended_with_resubscribe_and_loses_nothing(
    db: Database, db_url: str
) -> None:
    """A real slow consumer: it reads nothing while 1,500 messages of 4,000 characters are stored,
    so the server's socket buffers fill, its sends wait, and the subscription's queue overflows."""
    ada, grace = await create_user(db, "Ada"), await create_user(db, "Grace")
    conversation = await create_conversation(db, ada, grace)
    with served(db_url, SUBSCRIPTION_QUEUE_SIZE="20", VIEWER_CACHE_SECONDS="0") as server:
        small = socket_module.socket()
        small.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_RCVBUF, 4096)  # no autotuning
        small.connect(("127.0.0.1", int(server.url.rsplit(":", 1)[1])))
        async with connect(
            ws_url(server.url), sock=small, subprotocols=[Subprotocol("graphql-transport-ws")], max_queue=4
        ) as connection:
            client = Socket(connection)
            assert (await client.init(issue_token(make_settings(db_url), ada)))["type"] == "connection_ack"
            await client.subscribe_messages("s", conversation)
            await asyncio.sleep(0.5)
            stored: list[int] = []
            async with db.write() as session:
                rows = [
                    Message(
                        conversation_id=conversation, sender_id=grace, type=MessageType.TEXT, body="x" * 4000
                    )
                    for _ in range(1_500)
                ]
                session.add_all(rows)
                await session.flush()
                stored = [row.id for row in rows]
            await asyncio.sleep(3)  # the server fills the buffers and the queue, then gives up
            received: list[int] = []
            while True:
                message = await client.receive(timeout=30)
                if message["type"] == "next" and message["payload"].get("errors"):
                    [error] = message["payload"]["errors"]
                    assert error["extensions"]["code"] == "RESUBSCRIBE"
                    resume = error["extensions"]["after"]
                    break
                received.append(int(message["payload"]["data"]["messageSent"]["node"]["id"]))
            assert (await client.receive()) == {"id": "s", "type": "complete"}
            assert len(received) < len(stored)
            await client.subscribe_messages("again", conversation, after=resume)
            rest = [
                int(event["data"]["messageSent"]["node"]["id"])
                for event in await client.events("again", len(stored) - len(received), timeout=60)
            ]
            assert received + rest == stored
