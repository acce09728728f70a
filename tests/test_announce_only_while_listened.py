"""A message is announced only while some worker listens (NOTIFY makes sends commit one at a time),
and a worker that starts listening still misses none: it waits for the sends that looked before it.
Against real PostgreSQL: the app's sends over HTTP, listeners of the test's own, and a plain LISTEN
connection that hears whatever the trigger announces."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import psycopg
import pytest

from tests.api import Api
from tests.chat import SEND_MESSAGE, Chat, create_chat
from tests.pg_locks import plain_url
from tests.test_listening_on_demand import QUIET_SECONDS, eventually, running, running_listener
from videoengage.db.engine import Database
from videoengage.db.listener import CHANNEL, LISTENING_LOCK, Listener

pytestmark = pytest.mark.postgres_only


@contextlib.asynccontextmanager
async def overhearing(db_url: str) -> AsyncIterator[list[str]]:
    """Every announcement on the channel, heard by a connection that LISTENs but takes no lock."""
    heard: list[str] = []
    async with await psycopg.AsyncConnection.connect(plain_url(db_url), autocommit=True) as conn:
        await conn.execute(f"LISTEN {CHANNEL}")

        async def read() -> None:
            async for notify in conn.notifies():
                heard.append(notify.payload)

        reader = asyncio.create_task(read())
        try:
            yield heard
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def send(api: Api, chat: Chat, body: str) -> str:
    data = await api.data(
        SEND_MESSAGE,
        {"input": {"conversationId": str(chat.conversation), "type": "TEXT", "body": body}},
        as_user=chat.ada,
    )
    message_id: str = data["sendMessage"]["id"]
    return message_id


async def listening_locks(db_url: str) -> int:
    """Connections holding the listening lock: as many as listen, none left behind by a send."""
    async with await psycopg.AsyncConnection.connect(plain_url(db_url), autocommit=True) as conn:
        row = await (
            await conn.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 2",
                LISTENING_LOCK,
            )
        ).fetchone()
        return 0 if row is None else int(row[0])


async def test_sends_are_announced_exactly_while_some_worker_listens(
    api: Api, db: Database, db_url: str
) -> None:
    chat = await create_chat(db)
    async with overhearing(db_url) as overheard, running(db_url) as (one, _), running(db_url) as (two, _):
        await send(api, chat, "nobody listens")
        await asyncio.sleep(QUIET_SECONDS)
        assert overheard == [] and await listening_locks(db_url) == 0

        one.want()
        two.want()
        await one.in_place()
        await two.in_place()
        assert await listening_locks(db_url) == 2
        heard = await send(api, chat, "two listen")
        await eventually(lambda: overheard == [f"{chat.conversation}:{heard}"], "announced")

        one.unwant()
        await eventually(lambda: not one.listening, "the first stops listening")
        assert await listening_locks(db_url) == 1
        still = await send(api, chat, "one still listens")
        await eventually(lambda: len(overheard) == 2, "announced while one listens")
        assert overheard[1] == f"{chat.conversation}:{still}"

        two.unwant()
        await eventually(lambda: not two.listening, "the second stops listening")
        assert await listening_locks(db_url) == 0
        for body in ("nobody again", "and again"):
            await send(api, chat, body)
        await asyncio.sleep(QUIET_SECONDS)
        assert len(overheard) == 2 and await listening_locks(db_url) == 0


INSERT = (
    "INSERT INTO messages (conversation_id, sender_id, type, body, created_at)"
    " VALUES (%s, %s, 'text', 'looked before', now()) RETURNING id"
)


async def test_a_worker_starting_to_listen_waits_for_a_send_that_looked_before_it(
    db: Database, db_url: str
) -> None:
    """A send whose trigger found nobody listening is not announced: the new listener must not
    catch up before it commits, or it would never learn of it."""
    chat = await create_chat(db)
    committed = asyncio.Event()
    committed_at_catch_up: list[bool] = []
    heard: list[tuple[int, int]] = []
    listener = Listener(
        db_url,
        lambda *message: heard.append(message),
        lambda: committed_at_catch_up.append(committed.is_set()),
    )
    async with (
        overhearing(db_url) as overheard,
        running_listener(listener),
        await psycopg.AsyncConnection.connect(plain_url(db_url)) as sender,
    ):
        await eventually(lambda: listener.backend_pid is not None, "connected")
        await sender.execute(INSERT, (chat.conversation, chat.ada))  # its transaction stays open

        listener.want()
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(listener.in_place()), QUIET_SECONDS)
        assert committed_at_catch_up == [] and not listener.listening

        await sender.commit()
        committed.set()
        await asyncio.wait_for(listener.in_place(), 5)
        assert listener.listening and committed_at_catch_up == [True]
        await asyncio.sleep(QUIET_SECONDS)
        assert overheard == [] and heard == []  # the catch-up is what finds it
        listener.unwant()
