"""Masking lives in the schema: ``schema.execute``, HTTP and a socket give a client the same coded,
masked errors with the request id, and never a traceback, SQL or a driver's words."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import psycopg
import pytest

from tests.api import assert_no_internals_in
from tests.chat import MESSAGES, create_chat
from tests.conftest import make_settings, unreachable_url
from tests.pg_locks import plain_url
from tests.served import served
from tests.sockets import subscriber
from videoengage.auth import issue_token
from videoengage.context import build_context
from videoengage.db.engine import Database, create_engine, worker_threads_joined
from videoengage.schema.schema import build_schema
from videoengage.viewer_cache import ViewerCache


async def test_schema_execute_masks_as_http_does(db_url: str) -> None:
    settings = make_settings(unreachable_url(db_url))
    async with worker_threads_joined():  # aiosqlite's thread for the connection that failed
        database = Database(create_engine(settings))
        try:
            context = build_context(
                settings, database, ViewerCache(0), "request-1", f"Bearer {issue_token(settings, 1)}"
            )
            result = await build_schema(settings).execute("{ viewer { id } }", context_value=context)
        finally:
            await database.dispose()
    assert result.errors is not None
    [error] = [error.formatted for error in result.errors]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "request-1"}
    assert "request-1" in error["message"]
    assert_no_internals_in(str(error))


@contextlib.asynccontextmanager
async def messages_locked(db_url: str) -> AsyncIterator[None]:
    """Reads of messages wait on this lock until the statement timeout cancels them."""
    conn = await psycopg.AsyncConnection.connect(plain_url(db_url))
    await conn.execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")
    try:
        yield
    finally:
        await conn.rollback()
        await conn.close()


@pytest.mark.postgres_only
async def test_a_database_failure_is_masked_alike_over_http_and_on_a_socket(
    db: Database, db_url: str
) -> None:
    chat = await create_chat(db)
    token = issue_token(make_settings(db_url), chat.ada)
    variables = {"conversationId": str(chat.conversation)}
    with served(db_url, DB_STATEMENT_TIMEOUT_SECONDS="1", VIEWER_CACHE_SECONDS="0") as server:
        async with subscriber(server.url, token) as client, messages_locked(db_url):
            await client.subscribe_messages("s", chat.conversation)
            on_socket = await client.receive(timeout=20)
            over_http = await asyncio.to_thread(
                httpx.post,
                server.graphql_url,
                json={"query": MESSAGES, "variables": variables},
                headers={"authorization": f"Bearer {token}"},
                timeout=20,
            )
    assert on_socket["type"] == "error"
    [socket_error] = on_socket["payload"]
    [http_error] = over_http.json()["errors"]
    for error in (socket_error, http_error):
        assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
        request_id = error["extensions"]["requestId"]
        assert len(request_id) == 32 and request_id in error["message"]
        assert_no_internals_in(str(error))
    assert socket_error["message"].split(" (request id")[0] == http_error["message"].split(" (request id")[0]
    assert socket_error["extensions"]["requestId"] in server.log()  # the details are in the log, under it
