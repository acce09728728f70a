"""A worker LISTENs only while it has subscribers: without them it is not woken for every message
stored anywhere, and with them it misses nothing, whenever they come and go and whatever happens to
its connection. Against real PostgreSQL: a listener of the test's own, and a served server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import psycopg
import pytest

from tests.chat import MESSAGES, create_chat
from tests.conftest import make_settings, unreachable_url
from tests.pg_locks import plain_url
from tests.served import send_text, served
from tests.sockets import subscriber
from videoengage.auth import issue_token
from videoengage.db.engine import Database
from videoengage.db.listener import APPLICATION_NAME, CHANNEL, Listener

pytestmark = pytest.mark.postgres_only

QUIET_SECONDS = 0.3  # long enough for a NOTIFY to reach a listening connection on this machine


class Heard:
    def __init__(self) -> None:
        self.messages: list[tuple[int, int]] = []
        self.caught_up = 0

    def message(self, conversation: int, message: int) -> None:
        self.messages.append((conversation, message))

    def catch_up(self) -> None:
        self.caught_up += 1


@contextlib.asynccontextmanager
async def running(url: str) -> AsyncIterator[tuple[Listener, Heard]]:
    heard = Heard()
    listener = Listener(url, heard.message, heard.catch_up)
    async with running_listener(listener):
        yield listener, heard


@contextlib.asynccontextmanager
async def running_listener(listener: Listener) -> AsyncIterator[None]:
    task = asyncio.create_task(listener.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def eventually(condition: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    for _ in range(300):
        result = condition()
        if result if isinstance(result, bool) else await result:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never: {what}")


async def notify(db_url: str, payload: str) -> None:
    async with await psycopg.AsyncConnection.connect(plain_url(db_url), autocommit=True) as conn:
        await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


async def terminate(db_url: str, pid: int) -> None:
    async with await psycopg.AsyncConnection.connect(plain_url(db_url), autocommit=True) as conn:
        await conn.execute("SELECT pg_terminate_backend(%s)", (pid,))


async def test_announcements_are_heard_exactly_while_wanted(db: Database, db_url: str) -> None:
    async with running(db_url) as (listener, heard):
        await eventually(lambda: listener.backend_pid is not None, "connected")
        await notify(db_url, "1:1")
        await asyncio.sleep(QUIET_SECONDS)
        assert heard.messages == [] and not listener.listening

        listener.want()
        await listener.in_place()
        assert listener.listening and heard.caught_up == 1
        await notify(db_url, "1:2")  # right after in_place: LISTEN must already be there
        await eventually(lambda: heard.messages == [(1, 2)], "heard while wanted")

        listener.want()  # a second subscriber: nothing to wait for
        await asyncio.wait_for(listener.in_place(), 0.01)
        listener.unwant()
        await notify(db_url, "2:3")
        await eventually(lambda: heard.messages == [(1, 2), (2, 3)], "heard while one still wants")

        listener.unwant()
        await eventually(lambda: not listener.listening, "UNLISTEN once nobody wants")
        await notify(db_url, "2:4")
        await asyncio.sleep(QUIET_SECONDS)
        assert heard.messages == [(1, 2), (2, 3)] and listener.heard == 2


async def test_the_connection_is_held_and_reopened_and_listening_resumes_with_a_catch_up(
    db: Database, db_url: str
) -> None:
    async with running(db_url) as (listener, heard):
        await eventually(lambda: listener.backend_pid is not None, "connected")
        idle = listener.backend_pid
        assert idle is not None
        await terminate(db_url, idle)
        await eventually(lambda: listener.backend_pid not in (None, idle), "reconnected while idle")
        assert heard.caught_up == 0 and not listener.listening

        listener.want()
        await listener.in_place()
        listening = listener.backend_pid
        assert listening is not None and heard.caught_up == 1
        await terminate(db_url, listening)
        await eventually(lambda: listener.backend_pid not in (None, listening), "reconnected")
        await listener.in_place()
        assert listener.listening and heard.caught_up == 2  # every room catches up after it
        await notify(db_url, "5:6")
        await eventually(lambda: heard.messages == [(5, 6)], "heard after the reconnect")
        listener.unwant()


async def test_a_subscriber_is_not_held_while_the_database_is_away(db_url: str) -> None:
    async with running(unreachable_url(db_url)) as (listener, _heard):
        listener.want()
        await asyncio.wait_for(listener.in_place(), 1.0)  # LISTEN comes with the connection
        assert not listener.listening


LISTENING = (
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
    " AND datname = current_database() AND query LIKE 'LISTEN %%'"
)


async def listening_connections(db_url: str) -> int:
    """Listening connections of apps on the test's database whose last command was LISTEN."""
    async with await psycopg.AsyncConnection.connect(plain_url(db_url), autocommit=True) as conn:
        row = await (await conn.execute(LISTENING, (APPLICATION_NAME,))).fetchone()
        return 0 if row is None else int(row[0])


async def test_a_served_worker_listens_while_a_subscription_is_open_and_misses_nothing(
    db: Database, db_url: str
) -> None:
    chat = await create_chat(db)
    with served(db_url, VIEWER_CACHE_SECONDS="0") as server:
        first = send_text(server, db_url, chat.grace, chat.conversation, "before anyone subscribes")
        assert await listening_connections(db_url) == 0  # the server's and the test app's
        token = issue_token(make_settings(db_url), chat.ada)
        async with subscriber(server.url, token) as client:
            after = first
            for round_ in range(8):
                # Subscribed from the last message, and a message sent at once: whether it lands
                # before LISTEN is in place or after, it arrives, once.
                cursor = await cursor_of(server.graphql_url, token, chat.conversation, after)
                await client.subscribe_messages(f"s{round_}", chat.conversation, after=cursor)
                sent = send_text(server, db_url, chat.grace, chat.conversation, f"#{round_}")
                events = await client.events(f"s{round_}", 1)
                assert events[0]["data"]["messageSent"]["node"]["id"] == sent
                assert await listening_connections(db_url) == 1
                await client.send({"id": f"s{round_}", "type": "complete"})
                await client.nothing_for(0.2)
                await eventually(lambda: _none_listening(db_url), "UNLISTEN after the last subscription")
                after = sent


async def _none_listening(db_url: str) -> bool:
    return await listening_connections(db_url) == 0


async def cursor_of(graphql_url: str, token: str, conversation: int, message_id: str) -> str:
    """The ``messages`` cursor of one message, as a client holds it."""
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            graphql_url,
            json={"query": MESSAGES, "variables": {"conversationId": str(conversation), "first": 100}},
            headers={"authorization": f"Bearer {token}"},
        )
    edges = response.json()["data"]["messages"]["edges"]
    cursors: dict[str, str] = {edge["node"]["id"]: edge["cursor"] for edge in edges}
    return cursors[message_id]
