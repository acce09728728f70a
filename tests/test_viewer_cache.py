"""The per-process viewer cache: repeat requests cost no IO, a deleted user is refused in bounded time."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, event, update

from tests.api import Api, error_codes
from tests.conftest import StatementCounter, make_settings, unreachable_url
from tests.factories import create_user
from videoengage.app import create_app
from videoengage.db import queries
from videoengage.db.engine import Database
from videoengage.db.models import User
from videoengage.db.rows import UserRow
from videoengage.viewer_cache import RECONFIRM_BATCH, ROUNDS_TASK_NAME, ViewerCache

TTL = 0.5


@pytest.mark.viewer_cache(30)
async def test_a_repeat_viewer_costs_no_statement(
    api: Api, db: Database, statements: StatementCounter
) -> None:
    user_id = await create_user(db, "Ada")
    statements.reset()
    first = await api.data("{ viewer { id displayName } }", as_user=user_id)
    assert statements.count == 1  # the viewer's row
    statements.reset()
    second = await api.data("{ viewer { id displayName } }", as_user=user_id)
    assert statements.count == 0
    assert first == second == {"viewer": {"id": str(user_id), "displayName": "Ada"}}


@pytest.mark.viewer_cache(TTL)
async def test_a_deleted_user_is_refused_within_the_cache_time(api: Api, db: Database) -> None:
    user_id = await _seen_then_deleted(api, db)
    await asyncio.sleep(TTL + 0.1)
    refused = await api.gql("{ viewer { id } }", as_user=user_id)
    assert error_codes(refused) == ["UNAUTHENTICATED"]


def test_a_remembered_token_is_forgotten_when_it_expires() -> None:
    cache = ViewerCache(ttl_seconds=30)
    cache.remember_token("token", 7, expires_at=time.time() + 0.3)
    assert cache.user_id_for("token") == 7
    time.sleep(0.4)
    assert cache.user_id_for("token") is None


def _user_reads(statements: StatementCounter) -> list[int]:
    """How many viewers each read of the users table asked for, in order."""
    return [
        len(parameters)
        for statement, parameters in zip(statements.statements, statements.parameters, strict=True)
        if "FROM users" in statement
    ]


@pytest.mark.viewer_cache(1.0)
async def test_active_viewers_are_re_read_in_rounds_never_by_their_requests(api: Api, db: Database) -> None:
    ada, bob = await create_user(db, "Ada"), await create_user(db, "Bob")
    reads: list[tuple[bool, int]] = []  # (read by a round, viewers asked for)

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if "FROM users" in statement:
            task = asyncio.current_task()
            reads.append((task is not None and task.get_name() == ROUNDS_TASK_NAME, len(parameters)))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        deadline = time.monotonic() + 2.2  # more than twice the cache time, both viewers busy throughout
        while time.monotonic() < deadline:
            for viewer in (ada, bob):
                assert await api.data("{ viewer { id } }", as_user=viewer) == {"viewer": {"id": str(viewer)}}
            await asyncio.sleep(0.02)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    assert [size for by_round, size in reads if not by_round] == [1, 1]  # each viewer's first request
    assert len([size for by_round, size in reads if by_round and size == 2]) >= 3  # a round each 0.5 s


async def test_a_round_re_reads_only_the_viewers_used_since_the_last(
    db: Database, statements: StatementCounter
) -> None:
    ada, bob = await create_user(db, "Ada"), await create_user(db, "Bob")
    cache = ViewerCache(ttl_seconds=30)
    for row in (await _rows_of(db, [ada, bob])).values():
        cache.remember_user(row)
    statements.reset()
    await cache.reconfirm(db)
    await cache.reconfirm(db)  # nobody used meanwhile: nothing to read
    assert cache.user(bob) is not None
    await cache.reconfirm(db)
    assert _user_reads(statements) == [2, 1]


async def test_a_round_forgets_deleted_viewers_and_keeps_what_the_database_now_says(db: Database) -> None:
    ada, bob = await create_user(db, "Ada"), await create_user(db, "Bob")
    cache = ViewerCache(ttl_seconds=30)
    for row in (await _rows_of(db, [ada, bob])).values():
        cache.remember_user(row)
    async with db.write() as session:
        await session.execute(delete(User).where(User.id == ada))
        await session.execute(update(User).where(User.id == bob).values(display_name="Robert"))
    assert cache.user(ada) is not None and cache.user(bob) is not None  # used: in the next round
    await cache.reconfirm(db)
    assert cache.user(ada) is None
    bob_now = cache.user(bob)
    assert bob_now is not None and bob_now.display_name == "Robert"


async def test_a_round_reads_in_batches(db: Database, statements: StatementCounter) -> None:
    cache = ViewerCache(ttl_seconds=30)
    for user_id in range(1, RECONFIRM_BATCH * 2 + 101):  # no such users: every one is forgotten
        cache.remember_user(UserRow(user_id, f"Ghost {user_id}", None, datetime.now(UTC)))
    statements.reset()
    await cache.reconfirm(db)
    assert _user_reads(statements) == [RECONFIRM_BATCH, RECONFIRM_BATCH, 100]
    assert all(cache.user(user_id) is None for user_id in range(1, RECONFIRM_BATCH * 2 + 101))


@pytest.mark.viewer_cache(TTL)
async def test_an_active_deleted_user_is_refused_within_the_cache_time(api: Api, db: Database) -> None:
    user_id = await _seen_then_deleted(api, db)
    deadline = time.monotonic() + TTL
    while True:
        sent_at = time.monotonic()
        answer = await api.gql("{ viewer { id } }", as_user=user_id)
        if error_codes(answer) == ["UNAUTHENTICATED"]:
            break
        assert sent_at < deadline, "answered after the cache time though the user was deleted"
        assert answer["data"] == {"viewer": {"id": str(user_id)}}
        await asyncio.sleep(0.02)


async def test_rounds_that_fail_change_nothing_and_go_on(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="videoengage.viewer_cache")

    def failed_rounds() -> int:
        return sum("Could not re-check the cached viewers" in r.getMessage() for r in caplog.records)

    app = create_app(make_settings(unreachable_url(db_url), viewer_cache_seconds=TTL))
    async with app.router.lifespan_context(app):
        cache: ViewerCache = app.state.graphql.viewer_cache
        ada = UserRow(7, "Ada", None, datetime.now(UTC))
        cache.remember_user(ada)
        remembered_at = time.monotonic()
        while time.monotonic() < remembered_at + TTL * 0.9:
            assert cache.user(7) is not None  # a failed round forgot nobody early
            await asyncio.sleep(0.02)
        await asyncio.sleep(TTL * 0.1 + 0.05)
        assert cache.user(7) is None  # nor kept them past their time
        failed = failed_rounds()
        assert failed >= 1
        cache.remember_user(ada)
        await asyncio.sleep(TTL)
        assert failed_rounds() > failed  # and the rounds went on


async def _seen_then_deleted(api: Api, db: Database) -> int:
    """A user whom the app has answered once as the viewer, then deleted."""
    user_id = await create_user(db, "Ada")
    assert await api.data("{ viewer { id } }", as_user=user_id) == {"viewer": {"id": str(user_id)}}
    async with db.write() as session:
        await session.execute(delete(User).where(User.id == user_id))
    return user_id


async def _rows_of(db: Database, user_ids: list[int]) -> dict[int, UserRow]:
    """The users' rows as the app reads them (the loader's statement)."""
    return await db.fetch_prepared(lambda conn: queries.users_by_id(conn, user_ids))
