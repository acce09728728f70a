"""The hot statements through psycopg directly (``db.prepared``) against SQLAlchemy's general path.

PostgreSQL only. Every statement the owners of the hot operations send is run both ways with the same
parameters, drawn by Hypothesis (ids that exist and do not, empty and repeated ``IN`` lists, each
reaction, datetimes in any offset, text with quotes and percent signs, values out of range), inside a
transaction rolled back each time, so writes compare too. The rows must be equal value for value and
type for type, with the same column names; a statement that fails must fail with the same SQLAlchemy
exception class and SQLSTATE. Then the pool itself: hand-backs, timeouts, a cancelled request.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Executable
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from tests.factories import create_conversation, create_message, create_post, create_user, create_video
from tests.pg_locks import plain_url
from videoengage.db import message_page, queries, save_progress, send_message, video_with_reaction
from videoengage.db.dialect import Dialect
from videoengage.db.engine import Database
from videoengage.db.membership import _IS_PARTICIPANT
from videoengage.db.prepared import PreparedConnection, Statements
from videoengage.db.reaction_targets import POST, VIDEO
from videoengage.db.statement_pool import StatementPool
from videoengage.db.toggle_reaction import _statements as toggle_statements
from videoengage.enums import MessageType, ReactionType

pytestmark = pytest.mark.postgres_only

Draw = Callable[[st.DrawFn], tuple[Executable, dict[str, Any]]]
IDS = st.sampled_from([0, 1, 1, 1, 2, 2, 3, 4, 9])  # the seeded ids are 1 to 3 or 4
HUGE = st.sampled_from([2**31, 2**63 - 1, 2**63, -(2**63) - 1])
TEXT = st.text(alphabet=st.sampled_from("ab %'\"\\;é\u2603\x00"), max_size=12)
WHEN = st.builds(
    lambda seconds, minutes: (
        datetime(2026, 1, 1, tzinfo=timezone(timedelta(minutes=minutes))) + timedelta(seconds=seconds)
    ),
    st.integers(min_value=0, max_value=10**8),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
REACTIONS = st.sampled_from(list(ReactionType))


def _id_or_huge() -> st.SearchStrategy[int]:
    return st.one_of(IDS, IDS, IDS, HUGE)


@st.composite
def hot_statement(draw: st.DrawFn) -> tuple[Executable, dict[str, Any]]:
    """One of the statements the hot operations send, with parameters for it."""
    kind = draw(st.sampled_from(sorted(_DRAWS)))
    return _DRAWS[kind](draw)


def _by_ids(statement: Executable) -> Draw:
    return lambda draw: (statement, {"ids": draw(st.lists(IDS, max_size=6))})


def _page(draw: st.DrawFn) -> tuple[Executable, dict[str, Any]]:
    older, cards = draw(st.booleans()), draw(st.booleans())
    parameters = {"conversation_id": draw(_id_or_huge()), "user_id": draw(IDS), "limit": draw(IDS)}
    if older:
        parameters["before_id"] = draw(IDS)
    return message_page._page(older, cards), parameters


def _newer(draw: st.DrawFn) -> tuple[Executable, dict[str, Any]]:
    return message_page._newer(), {"conversation_id": draw(IDS), "after_id": draw(IDS), "limit": draw(IDS)}


def _progress(draw: st.DrawFn) -> tuple[Executable, dict[str, Any]]:
    reading = save_progress.ProgressReading(
        user_id=draw(_id_or_huge()),
        video_id=draw(IDS),
        watched_seconds=draw(st.integers(min_value=-5, max_value=2**31 + 5)),
        last_position=draw(st.integers(min_value=0, max_value=5000)),
        duration_seconds=draw(st.integers(min_value=0, max_value=5000)),
        completed=draw(st.booleans()),
        recorded_at=draw(WHEN),
        saved_at=draw(WHEN),
    )
    parameters = {**asdict(reading), "updated_at": reading.saved_at}
    del parameters["saved_at"]
    return save_progress._upsert(Dialect.POSTGRESQL), parameters


def _toggle(draw: st.DrawFn) -> tuple[Executable, dict[str, Any]]:
    target = draw(st.sampled_from([VIDEO, POST]))
    parameters = {
        "who": draw(_id_or_huge()),
        "what": draw(IDS),
        "reaction": draw(REACTIONS),
        "now": draw(WHEN),
    }
    return toggle_statements(target).toggle, parameters


def _send(draw: st.DrawFn) -> tuple[Executable, dict[str, Any]]:
    shares = draw(st.sampled_from([None, "video", "post"]))
    new = send_message.NewMessage(
        conversation_id=draw(_id_or_huge()),
        sender_id=draw(IDS),
        type={None: MessageType.TEXT, "video": MessageType.SHARED_VIDEO, "post": MessageType.SHARED_POST}[
            shares
        ],
        body=draw(TEXT) if shares is None else None,
        shared_video_id=draw(IDS) if shares == "video" else None,
        shared_post_id=draw(IDS) if shares == "post" else None,
        client_message_id=draw(st.none() | TEXT),
    )
    return send_message._one_statement(shares), asdict(new)


_DRAWS: dict[str, Draw] = {
    "users": _by_ids(queries._USERS_BY_ID),
    "videos": _by_ids(queries._PUBLISHED_VIDEOS_BY_ID),
    "posts": _by_ids(queries._POSTS_BY_ID),
    "messages": _by_ids(queries._MESSAGES_BY_ID),
    "page": _page,
    "newer": _newer,
    "newest": lambda draw: (
        message_page._NEWEST_IF_PARTICIPANT,
        {"conversation_id": draw(_id_or_huge()), "user_id": draw(IDS)},
    ),
    "participant": lambda draw: (_IS_PARTICIPANT, {"conversation_id": draw(IDS), "user_id": draw(IDS)}),
    "video": lambda draw: (
        video_with_reaction._PUBLISHED_VIDEO_WITH_REACTION,
        {"video_id": draw(_id_or_huge()), "viewer": draw(IDS)},
    ),
    "progress": _progress,
    "toggle": _toggle,
    "send": _send,
}

Outcome = tuple[str, ...] | list[tuple[tuple[str, ...], tuple[Any, ...], tuple[type, ...]]]
RECENT = timedelta(minutes=5)


def _rows(rows: Sequence[Any]) -> Outcome:
    """Names, values and types; a datetime made just now (a send's ``created_at``, from the clock at
    each run) as its time zone only."""
    since = datetime.now(UTC) - RECENT
    return [
        (
            tuple(row._fields),
            tuple(("recent", v.tzinfo) if isinstance(v, datetime) and v > since else v for v in row),
            tuple(map(type, row)),
        )
        for row in rows
    ]


def _failure(error: DBAPIError) -> tuple[str, ...]:
    return (type(error).__name__, type(error.orig).__name__, str(getattr(error.orig, "sqlstate", None)))


async def _general(db: Database, statement: Executable, parameters: Mapping[str, Any]) -> Outcome:
    # The engine is in autocommit; this connection is not, so the rollback undoes a write.
    async with db.engine.execution_options(isolation_level="READ COMMITTED").connect() as conn:
        transaction = await conn.begin()
        try:
            rows = (await conn.execute(statement, parameters)).all()
        except DBAPIError as error:
            return _failure(error)
        finally:
            await transaction.rollback()
    return _rows(rows)


async def _prepared(
    conn: psycopg.AsyncConnection[Any],
    statements: Statements,
    statement: Executable,
    parameters: Mapping[str, Any],
) -> Outcome:
    try:
        rows = (await PreparedConnection(conn, statements).execute(statement, parameters)).all()
    except DBAPIError as error:
        return _failure(error)
    finally:
        await conn.rollback()
    return _rows(rows)


async def _seed(db: Database) -> None:
    """A little of everything the statements read: ids 1 to 3 mostly exist, the rest do not."""
    ada, grace, _ = (
        await create_user(db, "Ada"),
        await create_user(db, "Grace"),
        await create_user(db, "Linus"),
    )
    videos = [await create_video(db, f"Video {n}", published=n != 2) for n in range(3)]
    post = await create_post(db, ada)
    conversation = await create_conversation(db, ada, grace)
    await create_message(db, conversation, ada, body="100% 'quoted'")
    await create_message(db, conversation, grace, type=MessageType.SHARED_VIDEO, shared_video_id=videos[0])
    await create_message(db, conversation, grace, type=MessageType.SHARED_VIDEO, shared_video_id=videos[1])
    await create_message(db, conversation, ada, type=MessageType.SHARED_POST, shared_post_id=post)
    await toggle_statements_seeded(db, ada, videos[0])


async def toggle_statements_seeded(db: Database, user_id: int, video_id: int) -> None:
    from videoengage.db.toggle_reaction import toggle

    await toggle(db, VIDEO, user_id, video_id, ReactionType.LOVE)


def _drawn(count: int) -> list[tuple[Executable, dict[str, Any]]]:
    """Statements and parameters drawn by Hypothesis, the same on every run (derandomised)."""
    drawn: list[tuple[Executable, dict[str, Any]]] = []

    @settings(max_examples=count, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(case=hot_statement())
    def collect(case: tuple[Executable, dict[str, Any]]) -> None:
        drawn.append(case)

    collect()
    return drawn


async def test_every_hot_statement_answers_as_the_general_path(db: Database, db_url: str) -> None:
    await _seed(db)
    statements = Statements(db.engine)
    answered: dict[str, int] = {"rows": 0, "no rows": 0, "failed": 0}
    _, connect = db.engine.dialect.create_connect_args(db.engine.url)
    async with await psycopg.AsyncConnection.connect(plain_url(db_url), context=connect["context"]) as conn:
        for statement, parameters in _drawn(600):
            # A send draws the same message id both ways: the sequence is set back between them.
            cursor = await conn.execute("SELECT last_value, is_called FROM messages_id_seq")
            sequence = await cursor.fetchone()
            await conn.commit()
            general = await _general(db, statement, parameters)
            await conn.execute("SELECT setval('messages_id_seq', %s, %s)", sequence)
            await conn.commit()
            prepared = await _prepared(conn, statements, statement, parameters)
            assert prepared == general, (str(statement), parameters)
            answered["failed" if isinstance(general, tuple) else "rows" if general else "no rows"] += 1
    # The comparison met real rows, empty answers and failures alike.
    assert min(answered.values()) >= 30, answered


@contextlib.asynccontextmanager
async def _pool(db_url: str, size: int, timeout_seconds: float = 5.0) -> AsyncIterator[StatementPool]:
    pool = StatementPool(
        {"conninfo": plain_url(db_url), "autocommit": True},
        size=size,
        timeout_seconds=timeout_seconds,
        ping_after_idle_seconds=1.0,
    )
    try:
        yield pool
    finally:
        await pool.close()


async def test_the_pool_holds_at_most_its_size_and_hands_back_in_turn(db_url: str) -> None:
    async with _pool(db_url, size=2) as pool:
        first, second = await pool.acquire(), await pool.acquire()
        third = asyncio.create_task(pool.acquire())
        await asyncio.sleep(0.05)
        assert not third.done() and pool.open_connections == 2  # waits: no third connection opened
        await pool.release(first)
        assert await third is first  # the waiter gets the one handed back
        await pool.release(second)
        assert await pool.acquire() is second  # an idle one is reused
        assert pool.open_connections == 2


async def test_a_full_pool_refuses_after_its_timeout_as_the_engine_does(db_url: str) -> None:
    async with _pool(db_url, size=1, timeout_seconds=0.2) as pool:
        held = await pool.acquire()
        with pytest.raises(PoolTimeoutError):
            await pool.acquire()
        await pool.release(held)
        assert await pool.acquire() is held  # nothing was lost to the waiter that gave up


async def test_a_connection_handed_to_a_cancelled_waiter_goes_to_the_next(db_url: str) -> None:
    async with _pool(db_url, size=1) as pool:
        held = await pool.acquire()
        cancelled, patient = asyncio.create_task(pool.acquire()), asyncio.create_task(pool.acquire())
        await asyncio.sleep(0.05)
        await pool.release(held)  # handed to the first waiter...
        cancelled.cancel()  # ...which is cancelled before it runs
        await asyncio.wait([cancelled])
        if not cancelled.cancelled():  # asyncio let it finish with the connection: its request goes on
            await pool.release(cancelled.result())
        assert await patient is held  # either way, nothing was lost


async def test_a_connection_back_in_a_transaction_or_broken_is_never_reused(db_url: str) -> None:
    async with _pool(db_url, size=2) as pool:
        # A request cancelled while its statement runs: psycopg cancels the statement and waits for
        # the connection to be idle again, so it may serve the next request
        busy = await pool.acquire()
        statement = asyncio.create_task(busy.execute("SELECT pg_sleep(5)"))
        await asyncio.sleep(0.1)
        statement.cancel()
        with pytest.raises(asyncio.CancelledError):
            await statement
        await pool.release(busy)
        again = await pool.acquire()
        assert (await (await again.execute("SELECT 1")).fetchone()) == (1,)
        # One left inside a transaction is closed, never handed out
        await again.execute("BEGIN")
        await pool.release(again)
        assert again.closed and pool.open_connections == 0
        idle, broken = await pool.acquire(), await pool.acquire()
        await pool.release(idle)
        await pool.release(broken, broken=True)  # a broken one retires the idle ones with it
        assert idle.closed and broken.closed and pool.open_connections == 0
        fresh = await pool.acquire()
        assert fresh is not idle and (await (await fresh.execute("SELECT 1")).fetchone()) == (1,)


async def test_a_failed_connect_is_reported_as_the_engine_reports_it_and_frees_its_place(db_url: str) -> None:
    pool = StatementPool(
        {"conninfo": "postgresql://postgres@127.0.0.1:1/nothing", "connect_timeout": 1},
        size=1,
        timeout_seconds=1.0,
        ping_after_idle_seconds=1.0,
    )
    for _ in range(2):  # the place is free again: the second attempt connects (and fails) too
        with pytest.raises(DBAPIError) as raised:
            await pool.acquire()
        assert type(raised.value).__name__ == "OperationalError"
        assert pool.open_connections == 0
    await pool.close()
