"""A pooled connection killed just after use is hidden from clients, but never at a write's expense.

PostgreSQL only. The pre-ping skips connections used less than ``IDLE_BEFORE_PING_SECONDS`` ago, so
a connection killed 0.2 s after use is handed out dead. Reads and the idempotent progress upsert then
run once more on a fresh connection; sends and toggles, which may have reached the database, fail
with the retryable error and are left to the client (sends carry ``clientMessageId`` for that).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.api import Api, error_codes
from tests.chat import SEND_MESSAGE, create_chat
from tests.conftest import make_settings, serve
from tests.db_state import messaging_state, progress_rows, reaction_rows
from tests.factories import create_messages, create_user
from tests.pg_locks import plain_url
from tests.tcp_proxy import tcp_proxy, url_through
from videoengage.auth import issue_token
from videoengage.db.dead_connections import RETRY_LOG_MESSAGE, once_more_if_dead
from videoengage.db.engine import IDLE_BEFORE_PING_SECONDS, Database
from videoengage.db.prepared import Connection
from videoengage.db.reaction_targets import VIDEO

pytestmark = pytest.mark.postgres_only

KILL_AFTER_USE_SECONDS = 0.2
assert KILL_AFTER_USE_SECONDS < IDLE_BEFORE_PING_SECONDS  # else the pre-ping would replace them
POOLED = 3  # connections left in the pool before each kill: the retry must not take another dead one
VIEWER = "{ viewer { id displayName } }"
# Every way a request reads: loaders, plain connections and sessions. $v is a video, $c a conversation.
READS = [
    "query($v: ID!) { video(id: $v) { id title } }",
    "query($v: ID!) { video(id: $v) { id title viewerReaction } }",
    "query($c: ID!) { messages(conversationId: $c, first: 2) { edges { node { body sender { id } } } } }",
    "{ videos(first: 2) { edges { node { title } } } }",
    "{ conversations(first: 2) { edges { node { id } } } }",
    "{ continueWatching(first: 2) { edges { node { id viewerProgress { lastPosition } } } } }",
]
SAVE = """
mutation Save($input: SaveVideoProgressInput!) {
  saveVideoProgress(input: $input) { watchedSeconds lastPosition }
}"""
PROGRESS = "query($v: ID!) { video(id: $v) { viewerProgress { watchedSeconds lastPosition } } }"
TOGGLE = """
mutation Toggle($input: ToggleReactionInput!) { toggleVideoReaction(input: $input) { action } }"""


def _reading(video_id: int, seconds: int) -> dict[str, Any]:
    return {
        "input": {
            "videoId": str(video_id),
            "watchedSeconds": seconds,
            "lastPosition": seconds,
            "durationSeconds": 3600,
        }
    }


async def _app_backends_killed(db_url: str) -> int:
    """Terminate every other client backend of the test database, waiting until each is gone."""
    async with await psycopg.AsyncConnection.connect(plain_url(db_url), autocommit=True) as admin:
        cursor = await admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'"
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0


SELECT_ONE = text("SELECT 1")


async def _kill_the_pool_just_after_use(
    db: Database, db_url: str, retry_log: pytest.LogCaptureFixture
) -> None:
    """Leave ``POOLED`` connections in each of the app's pools (the engine's and the hot statements'),
    all just used, and kill them 0.2 s later."""

    async def use_the_engines() -> None:
        async with contextlib.AsyncExitStack() as held:
            for _ in range(POOLED):
                conn = await held.enter_async_context(db.engine.connect())
                await conn.execute(SELECT_ONE)

    # The last kill left the pool that this test's requests did not use full of dead connections.
    await once_more_if_dead(use_the_engines)

    async def hold(conn: Connection) -> None:
        await conn.execute(SELECT_ONE)
        await asyncio.sleep(0.05)  # all POOLED at once: each on a connection of its own

    await asyncio.gather(*(db.fetch_prepared(hold) for _ in range(POOLED)))
    await asyncio.sleep(KILL_AFTER_USE_SECONDS)
    assert await _app_backends_killed(db_url) >= POOLED
    retry_log.clear()  # only the retries of what comes next count


def _retries(caplog: pytest.LogCaptureFixture) -> int:
    return sum(RETRY_LOG_MESSAGE in record.getMessage() for record in caplog.records)


@pytest.fixture
def retry_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="videoengage.db.dead_connections")
    return caplog


async def test_the_viewer_is_read_again_on_a_fresh_connection(
    api: Api, db: Database, db_url: str, retry_log: pytest.LogCaptureFixture
) -> None:
    # Given a viewer, and no viewer cache: each request reads the viewer's row
    chat = await create_chat(db)
    for _attempt in range(10):
        # When the pool's connections die 0.2 s after use, before each request
        await _kill_the_pool_just_after_use(db, db_url, retry_log)
        data = await api.data(VIEWER, as_user=chat.ada)
        # Then every request succeeds, after exactly one retry on a fresh connection
        assert data == {"viewer": {"id": str(chat.ada), "displayName": "Ada"}}
        assert _retries(retry_log) == 1


@pytest.mark.viewer_cache(60)
async def test_reads_are_run_again_on_a_fresh_connection(
    api: Api, db: Database, db_url: str, retry_log: pytest.LogCaptureFixture
) -> None:
    # Given a chat with messages, and the viewer remembered: the read itself meets the dead connection
    chat = await create_chat(db)
    await create_messages(db, chat.conversation, chat.grace, 3)
    await api.data(SAVE, _reading(chat.video, 30), as_user=chat.ada)
    variables = {"v": str(chat.video), "c": str(chat.conversation)}
    reads = [
        (query, {name: value for name, value in variables.items() if f"${name}" in query}) for query in READS
    ]
    expected = [await api.data(query, given, as_user=chat.ada) for query, given in reads]
    assert len(expected[2]["messages"]["edges"]) == 2  # the reads find real rows to compare
    assert len(expected[5]["continueWatching"]["edges"]) == 1
    for attempt in range(10):
        query, given = reads[attempt % len(reads)]
        # When the pool's connections die 0.2 s after use
        await _kill_the_pool_just_after_use(db, db_url, retry_log)
        # Then the read answers what it answered before, after exactly one retry
        assert await api.data(query, given, as_user=chat.ada) == expected[attempt % len(reads)]
        assert _retries(retry_log) == 1


@pytest.mark.viewer_cache(60)
async def test_progress_saves_are_run_again_on_a_fresh_connection(
    api: Api, db: Database, db_url: str, retry_log: pytest.LogCaptureFixture
) -> None:
    chat = await create_chat(db)
    await api.data(VIEWER, as_user=chat.ada)  # the viewer is remembered: the save is the first statement
    for attempt in range(10):
        await _kill_the_pool_just_after_use(db, db_url, retry_log)
        seconds = 60 * (attempt + 1)
        saved = await api.data(SAVE, _reading(chat.video, seconds), as_user=chat.ada)
        assert saved == {"saveVideoProgress": {"watchedSeconds": seconds, "lastPosition": seconds}}
        assert _retries(retry_log) == 1
    stored = await api.data(PROGRESS, {"v": str(chat.video)}, as_user=chat.ada)
    assert stored["video"]["viewerProgress"] == {"watchedSeconds": 600, "lastPosition": 600}
    assert len(await progress_rows(db)) == 1


@pytest.mark.viewer_cache(60)
async def test_a_send_on_a_dead_connection_is_not_run_again(
    api: Api, db: Database, db_url: str, retry_log: pytest.LogCaptureFixture
) -> None:
    # Given a remembered viewer: the send's own statement is the first to meet the dead connection
    chat = await create_chat(db)
    await api.data(VIEWER, as_user=chat.ada)
    send = {"conversationId": str(chat.conversation), "type": "TEXT", "body": "hi", "clientMessageId": "m-1"}
    before = await messaging_state(db)
    await _kill_the_pool_just_after_use(db, db_url, retry_log)

    # When the send meets it, the client is told to retry, and the server did not retry by itself
    failed = await api.gql(SEND_MESSAGE, {"input": send}, as_user=chat.ada)
    assert error_codes(failed) == ["INTERNAL_SERVER_ERROR"]
    assert failed["errors"][0]["message"].startswith("The database is unavailable; retry shortly")
    assert _retries(retry_log) == 0
    await db.engine.dispose()  # the test's own reads: the kill left the engine's pool dead too
    assert await messaging_state(db) == before

    # And the client's retry, with the same clientMessageId (twice), stores exactly one message
    sent = [await api.data(SEND_MESSAGE, {"input": send}, as_user=chat.ada) for _ in range(2)]
    assert sent[0]["sendMessage"]["id"] == sent[1]["sendMessage"]["id"]
    assert len((await messaging_state(db))["messages"]) == len(before["messages"]) + 1


@pytest.mark.viewer_cache(60)
async def test_a_toggle_on_a_dead_connection_is_not_run_again(
    api: Api, db: Database, db_url: str, retry_log: pytest.LogCaptureFixture
) -> None:
    chat = await create_chat(db)
    await api.data(VIEWER, as_user=chat.ada)
    await _kill_the_pool_just_after_use(db, db_url, retry_log)

    failed = await api.gql(TOGGLE, {"input": {"videoId": str(chat.video), "type": "LIKE"}}, as_user=chat.ada)

    assert error_codes(failed) == ["INTERNAL_SERVER_ERROR"]
    assert failed["errors"][0]["message"].startswith("The database is unavailable; retry shortly")
    assert _retries(retry_log) == 0
    await db.engine.dispose()  # the test's own reads: the kill left the engine's pool dead too
    assert await reaction_rows(db, VIDEO) == []


async def test_a_real_outage_still_fails_after_the_one_retry(
    db: Database, db_url: str, retry_log: pytest.LogCaptureFixture
) -> None:
    # Given a server whose database is behind a proxy, with a connection in its pool
    user_id = await create_user(db)
    url = make_url(db_url)
    with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
        settings = make_settings(url_through(db_url, proxy.port))
        headers = {"authorization": f"Bearer {issue_token(settings, user_id)}"}
        body = {"query": "{ conversations(first: 1) { edges { cursor } } }"}
        async with serve(settings) as client:
            assert "errors" not in (await client.post("/graphql", json=body, headers=headers)).json()

            # When the database goes away: open connections drop, new ones are refused
            proxy.down()
            down = (await client.post("/graphql", json=body, headers=headers)).json()

            # Then the read was tried once more, and the client is told to retry shortly
            assert error_codes(down) == ["INTERNAL_SERVER_ERROR"]
            assert down["errors"][0]["message"].startswith("The database is unavailable; retry shortly")
            assert _retries(retry_log) == 1

            # And once it is back, reads succeed again
            proxy.up()
            back = (await client.post("/graphql", json=body, headers=headers)).json()
            assert "errors" not in back, back
