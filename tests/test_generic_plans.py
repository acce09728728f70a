"""PostgreSQL plans each hot statement once, not on every execution.

A prepared statement is planned for its values ("custom") on its first five executions; then
PostgreSQL keeps one generic plan unless that plan's estimate looks worse. With the page's LIMIT
sent as a parameter it always looked worse, and the page was planned again on every request, more
than twice the statement's own work. The benchmark's operations run a dozen times here on one
pooled connection, which then tells (``pg_prepared_statements``) how each statement was planned.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from bench.workloads import WORKLOADS
from tests.api import Api
from tests.conftest import make_settings, serve
from tests.factories import create_conversation, create_user, create_videos
from videoengage.db.engine import Database
from videoengage.db.prepared import Connection

pytestmark = pytest.mark.postgres_only

CONVERSATIONS, MESSAGES = 100, 1_000
RUNS = 12
# Pages read on the engine (SQLAlchemy's connections, which psycopg prepares the same way).
ENGINE_PAGES = (
    "{ videos(first: 5) { edges { node { id } } } }",
    "{ continueWatching(first: 5) { edges { node { id } } } }",
    "{ conversations(first: 5) { edges { node { id } } } }",
)  # more than PostgreSQL's five custom plans, and psycopg's five executions before preparing


@pytest.fixture
async def one_connection(app: Any, db_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """A served app whose statement pool has one connection (``app`` emptied the database)."""
    async with serve(make_settings(db_url, db_pool_size=1)) as client:
        yield client, client._transport.app.state.db  # type: ignore[attr-defined]


async def test_the_hot_statements_are_planned_once(
    one_connection: tuple[httpx.AsyncClient, Database], db_url: str
) -> None:
    client, db = one_connection
    api = Api(client, make_settings(db_url))
    viewer = await create_user(db, display_name="Ada")
    # Conversations of the benchmark's shape (many, each with many messages), their statistics known.
    conversations = [
        await create_conversation(db, viewer, await create_user(db)) for _ in range(CONVERSATIONS)
    ]
    conversation = conversations[-1]
    async with db.write() as session:
        await session.execute(
            text(
                "INSERT INTO messages (conversation_id, sender_id, type, body, created_at)"
                " SELECT c, :viewer, 'text', 'hi', now() FROM unnest(CAST(:conversations AS bigint[])) AS c,"
                " generate_series(1, :messages)"
            ),
            {"viewer": viewer, "conversations": conversations, "messages": MESSAGES},
        )
        await session.execute(text("ANALYZE"))
    videos = await create_videos(db, 3)
    variables: dict[str, dict[str, Any]] = {
        "W0": {},
        "W1": {"conversationId": str(conversation)},
        "W2": {"videoId": str(videos[0]), "watchedSeconds": 5, "durationSeconds": 100, "lastPosition": 5},
        "W3": {"videoId": str(videos[1]), "type": "LOVE"},
        "W4": {"id": str(videos[2])},
        "W5": {"conversationId": str(conversation), "body": "hello"},
    }
    for workload in WORKLOADS:
        for _ in range(RUNS):
            await api.data(workload.document, variables[workload.name], as_user=viewer)
    for document in ENGINE_PAGES:
        for _ in range(RUNS):
            await api.data(document, as_user=viewer)

    async def plans(conn: Connection) -> list[Any]:
        query = "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements"
        return list((await conn.execute(text(query))).all())

    on_the_pool = _hot(await db.fetch_prepared(plans))
    async with db.engine.connect() as conn:
        on_the_engine = _hot(await plans(conn))
    # The page, the upsert, the toggle, the video with the viewer's reaction and the send, at least;
    # and on the engine, the three pages above.
    assert len(on_the_pool) >= 5, on_the_pool
    assert sum(" LIMIT " in row.statement for row in on_the_engine) >= len(ENGINE_PAGES), on_the_engine
    for row in on_the_pool + on_the_engine:
        assert row.custom_plans <= 5 and row.generic_plans > 0, row


def _hot(planned: list[Any]) -> list[Any]:
    return [row for row in planned if "pg_prepared_statements" not in row.statement]
