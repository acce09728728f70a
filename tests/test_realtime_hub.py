"""The hub's promise, counted: one statement per event per conversation, however many subscribe;
each feed gets each message once, in order, whatever it held before."""

from __future__ import annotations

import asyncio

import pytest
from starlette.applications import Starlette

from tests.chat import create_chat
from tests.conftest import StatementCounter
from tests.factories import create_message, create_messages
from videoengage.db.engine import Database
from videoengage.enums import MessageType
from videoengage.realtime.hub import MessageHub
from videoengage.realtime.service import MessageEdge, Realtime


def hub_of(app: Starlette) -> MessageHub[MessageEdge]:
    """A hub of its own, with the app's loading, and no bus poking it behind the test's back."""
    realtime: Realtime = app.state.graphql.realtime
    return MessageHub(realtime.edges_after, capacity=1_000)


async def settled(hub: MessageHub[MessageEdge]) -> None:
    for _ in range(200):
        if all(room.task is None for room in hub._rooms.values()):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the hub kept loading")


async def test_one_statement_per_event_however_many_subscribe(
    app: Starlette, db: Database, statements: StatementCounter
) -> None:
    chat = await create_chat(db)
    other = await create_chat(db)
    hub = hub_of(app)
    seen = seen_other = 0
    for subscribers in (1, 200):
        feeds = [hub.join(chat.conversation, seen) for _ in range(subscribers)]
        others = [hub.join(other.conversation, seen_other) for _ in range(subscribers)]
        await settled(hub)
        first = await create_message(db, chat.conversation, chat.grace, body="hi")
        video = await create_message(
            db, chat.conversation, chat.ada, MessageType.SHARED_VIDEO, shared_video_id=chat.video
        )
        statements.reset()
        hub.poke(chat.conversation)
        batches = await asyncio.gather(*(feed.take() for feed in feeds))
        await settled(hub)
        assert statements.count == 1  # the messages, their senders and their video cards
        for batch in batches:
            assert [message_id for message_id, _ in batch] == [first, video]
            assert batch[1][1].node.shared_video is not None and batch[1][1].node.sender.display_name == "Ada"
        assert batches[0][0][1] is batches[-1][0][1]  # built once, shared
        seen, seen_other = (
            video,
            await create_message(
                db, other.conversation, other.grace, MessageType.SHARED_POST, shared_post_id=other.post
            ),
        )
        statements.reset()
        hub.poke(other.conversation)
        await asyncio.gather(*(feed.take() for feed in others))
        assert statements.count == 2  # and the shared posts, in one batch
        for feed in feeds:
            hub.leave(chat.conversation, feed)
        for feed in others:
            hub.leave(other.conversation, feed)


async def test_feeds_holding_different_positions_each_get_what_is_new_to_them(
    app: Starlette, db: Database
) -> None:
    chat = await create_chat(db)
    stored = await create_messages(db, chat.conversation, chat.grace, 150)
    hub = hub_of(app)
    behind, ahead = hub.join(chat.conversation, stored[9]), hub.join(chat.conversation, stored[139])
    got_behind: list[int] = []
    while len(got_behind) < 140:
        got_behind += [message_id for message_id, _ in await behind.take()]
    assert got_behind == stored[10:]
    assert [message_id for message_id, _ in await ahead.take()] == stored[140:]
    hub.poke(chat.conversation)  # loading again delivers nothing twice
    await settled(hub)
    later = await create_message(db, chat.conversation, chat.ada)
    hub.poke(chat.conversation)
    assert [message_id for message_id, _ in await behind.take()] == [later]
    assert [message_id for message_id, _ in await ahead.take()] == [later]


def test_the_listening_connection_takes_its_own_url_defaulting_to_the_database() -> None:
    from pydantic import ValidationError

    from videoengage.settings import Settings

    plain = Settings(database_url="postgresql://app@db/videoengage")
    assert plain.listen_url == "postgresql+psycopg://app@db/videoengage"
    direct = Settings(
        database_url="postgresql://app@pgbouncer:6432/videoengage",
        listen_database_url="postgresql://app@db:5432/videoengage",
    )
    assert direct.listen_url == "postgresql://app@db:5432/videoengage"
    with pytest.raises(ValidationError):
        Settings(listen_database_url="sqlite:///x.db")
