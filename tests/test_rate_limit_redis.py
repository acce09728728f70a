"""Buckets in Redis: shared by app instances, and a server that keeps serving when Redis goes away.

Redis is the one on this machine (``TEST_REDIS_URL``, default ``redis://127.0.0.1:6379/0``); each test
writes under a key prefix of its own and deletes it afterwards. Under CI=true a Redis that does not
answer fails the run; elsewhere these tests are skipped, with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import redis

from tests.api import Api, error_codes
from tests.chat import Chat, create_chat
from tests.conftest import make_settings, serve
from tests.served import free_port
from tests.tcp_proxy import tcp_proxy
from tests.test_rate_limit import SEND, aliased_sends, stored_messages, text_message
from videoengage.db.engine import Database
from videoengage.rate_limit import REDIS_RETRY_SECONDS
from videoengage.settings import Settings

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_url_or_skip() -> str:
    url = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but Redis at {url} does not answer: {error}")
        pytest.skip(f"Redis at {url} does not answer ({error}); set TEST_REDIS_URL")
    return url


@pytest.fixture
def redis_url() -> str:
    return redis_url_or_skip()


@pytest.fixture
def key_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"videoengage-test-{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def settings(db_url: str, redis_url: str, key_prefix: str) -> Settings:
    """The app of the ``client`` fixture: one instance on the shared Redis."""
    return small_bucket(db_url, redis_url, key_prefix)


@pytest.fixture
async def chat(db: Database) -> Chat:
    return await create_chat(db)


def small_bucket(db_url: str, redis_url: str, key_prefix: str) -> Settings:
    """100 points that refill over 1,000 s: ten sends, and nothing comes back during a test."""
    return make_settings(
        db_url,
        rate_limit_points=100,
        rate_limit_window_seconds=1_000,
        redis_url=redis_url,
        redis_key_prefix=key_prefix,
    )


async def send(http: httpx.AsyncClient, settings: Settings, chat: Chat, body: str) -> dict[str, Any]:
    return await Api(http, settings).gql(SEND, text_message(chat, body), as_user=chat.ada)


def available(result: dict[str, Any]) -> int:
    points: int = result["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
    return points


def limiter_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "videoengage.rate_limit"]


async def test_two_app_instances_draw_on_one_bucket(
    db: Database, client: httpx.AsyncClient, settings: Settings, chat: Chat, redis_url: str, key_prefix: str
) -> None:
    one = client
    async with serve(settings) as other:
        results = [await send((one, other)[n % 2], settings, chat, f"shared {n}") for n in range(10)]
        assert [available(result) for result in results] == [90, 80, 70, 60, 50, 40, 30, 20, 10, 0]
        for instance in (one, other):
            refused = await send(instance, settings, chat, "over")
            assert error_codes(refused) == ["RATE_LIMITED"]
    assert await stored_messages(db) == 10
    stored = redis.Redis.from_url(redis_url).hgetall(f"{key_prefix}rate:{chat.ada}")
    assert float(stored[b"points"]) < 1  # 0, plus what came back since


async def test_a_redis_nobody_listens_on_leaves_each_worker_its_own_buckets(
    db: Database, db_url: str, chat: Chat, key_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Fails open to the worker's own buckets: every request is served (and still limited), the
    log says so once, and the worker stays ready."""
    settings = small_bucket(db_url, f"redis://127.0.0.1:{free_port()}/0", key_prefix)
    caplog.set_level(logging.WARNING, logger="videoengage.rate_limit")
    async with serve(settings) as http:
        results = [await send(http, settings, chat, f"local {n}") for n in range(12)]
        assert [error_codes(result) for result in results] == [[]] * 10 + [["RATE_LIMITED"]] * 2
        assert [available(result) for result in results[:10]] == [90, 80, 70, 60, 50, 40, 30, 20, 10, 0]
        ready = await http.get("/readyz")
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    assert await stored_messages(db) == 10
    warnings = limiter_warnings(caplog)
    assert len(warnings) == 1
    assert "Redis does not answer (ConnectionError)" in warnings[0]


async def test_redis_cut_and_restored_mid_traffic(
    db: Database,
    db_url: str,
    chat: Chat,
    redis_url: str,
    key_prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Through a TCP proxy that the test cuts: the shared bucket until the cut, the worker's own
    during it (a fresh one), the shared one again once Redis answers, one log line at each change."""
    address = urlsplit(redis_url)
    caplog.set_level(logging.WARNING, logger="videoengage.rate_limit")
    with tcp_proxy(address.hostname or "127.0.0.1", address.port or 6379) as proxy:
        proxied = redis_url.replace(f"{address.hostname}:{address.port}", f"127.0.0.1:{proxy.port}")
        settings = small_bucket(db_url, proxied, key_prefix)
        async with serve(settings) as http:
            before = [await send(http, settings, chat, f"before {n}") for n in range(5)]
            assert available(before[-1]) == 50

            proxy.down()
            during = [await send(http, settings, chat, f"during {n}") for n in range(3)]
            assert [available(result) for result in during] == [90, 80, 70]  # this worker's bucket
            ready = await http.get("/readyz")
            assert ready.status_code == 200

            proxy.up()
            await asyncio.sleep(REDIS_RETRY_SECONDS + 0.2)
            after = await send(http, settings, chat, "after")
            assert available(after) == 40  # the shared bucket again
    assert all("errors" not in result for result in [*before, *during, after])
    assert await stored_messages(db) == 9
    warnings = limiter_warnings(caplog)
    assert len(warnings) == 2, warnings
    assert "Redis does not answer" in warnings[0]
    assert "Redis answers again" in warnings[1]


async def test_a_worker_leases_a_tenth_of_the_bucket_and_gives_back_what_is_left(
    db: Database, db_url: str, chat: Chat, redis_url: str, key_prefix: str
) -> None:
    """1,000 points refilled at 1 a second: a worker takes 100 at a time from Redis and spends them
    itself; an operation its lease cannot cover gives the rest back in the same round trip."""
    settings = make_settings(
        db_url,
        rate_limit_points=1_000,
        rate_limit_window_seconds=1_000,
        redis_url=redis_url,
        redis_key_prefix=key_prefix,
    )
    bucket = redis.Redis.from_url(redis_url)
    started = time.monotonic()

    def in_redis(expected: float) -> bool:
        points = float(bucket.hget(f"{key_prefix}rate:{chat.ada}", "points") or -1)
        return expected <= points <= expected + (time.monotonic() - started) + 0.01

    async with serve(settings) as http:
        first = await send(http, settings, chat, "first")
        assert available(first) == 990  # 900 in Redis, 90 in this worker's lease
        assert in_redis(900)
        for n in range(9):
            assert "errors" not in await send(http, settings, chat, f"leased {n}")
        assert in_redis(900)  # nine sends, no round trip
        await send(http, settings, chat, "eleventh")
        assert in_redis(800)  # the lease was spent: another 100
        ten = await Api(http, settings).gql(
            aliased_sends(10), {"c": str(chat.conversation)}, as_user=chat.ada
        )
        assert "errors" not in ten
        assert in_redis(790)  # 90 given back, 100 taken for the ten
    bucket.close()
    assert await stored_messages(db) == 21
