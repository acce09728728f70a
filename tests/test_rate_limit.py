"""The rate limit, over HTTP on both databases: a viewer's bucket of operation cost, and what clients see.

These tests run with the real defaults (1,000 points per 10 s) unless a test says otherwise; other
suites get a generous limit from ``make_settings``.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.api import Api, error_codes
from tests.chat import Chat, create_chat
from tests.conftest import make_settings, serve
from tests.factories import create_messages
from videoengage.db.engine import Database
from videoengage.db.models import Message
from videoengage.settings import Settings

DEFAULT_POINTS: int = Settings.model_fields["rate_limit_points"].default
DEFAULT_WINDOW: float = Settings.model_fields["rate_limit_window_seconds"].default
GRAPHQL_RESPONSE = {"accept": "application/graphql-response+json"}

SEND = "mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id } }"  # cost 10


def aliased_sends(count: int, selection: str = "id") -> str:
    """One request of ``count`` sendMessage, each aliased and each 10 points (plus its selection)."""
    fields = " ".join(
        f'm{n}: sendMessage(input: {{conversationId: $c, type: TEXT, body: "hi {n}"}}) {{ {selection} }}'
        for n in range(count)
    )
    return f"mutation Sends($c: ID!) {{ {fields} }}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return make_settings(db_url, rate_limit_points=DEFAULT_POINTS, rate_limit_window_seconds=DEFAULT_WINDOW)


@pytest.fixture
async def chat(db: Database) -> Chat:
    return await create_chat(db)


async def stored_messages(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(Message)) or 0)


def text_message(chat: Chat, body: str) -> dict[str, Any]:
    return {"input": {"conversationId": str(chat.conversation), "type": "TEXT", "body": body}}


async def test_a_burst_of_200_sends_is_limited_once_the_bucket_is_empty(
    api: Api, db: Database, chat: Chat
) -> None:
    """The issue's attack: one token sends 200 messages as fast as it can. 1,000 points hold 100
    sends; after that a send gets through only as points come back (100 a second, one send per
    0.1 s), so the count accepted is bounded by the time the burst took, read from the real clock."""
    started = time.monotonic()
    results = [await api.gql(SEND, text_message(chat, f"burst {n}"), as_user=chat.ada) for n in range(200)]
    elapsed = time.monotonic() - started

    accepted = [n for n, result in enumerate(results) if "errors" not in result]
    refused = [result for result in results if "errors" in result]
    assert accepted[:100] == list(range(100))  # the full bucket
    assert refused, f"200 sends took {elapsed:.1f} s, long enough for the bucket to refill"
    assert 100 <= len(accepted) <= 100 + elapsed * DEFAULT_POINTS / DEFAULT_WINDOW / 10 + 1
    assert len(refused) >= 200 - (100 + elapsed * 10 + 1)
    for result in refused:
        assert error_codes(result) == ["RATE_LIMITED"]
        assert "data" not in result
        assert 0 < result["errors"][0]["extensions"]["retryAfterSeconds"] <= 0.1
        assert result["extensions"]["cost"]["requested"] == 10
        assert result["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 10
    assert await stored_messages(db) == len(accepted)


@pytest.mark.parametrize("media_type", ["application/json", "application/graphql-response+json"])
async def test_aliased_sends_each_count_and_a_request_that_does_not_fit_is_refused_whole(
    db: Database, chat: Chat, settings: Settings, media_type: str
) -> None:
    """A bucket of 100 points that refills over 1,000 s (0.1 a second: nothing comes back meanwhile)."""
    small = make_settings(settings.database_url, rate_limit_points=100, rate_limit_window_seconds=1_000)
    async with serve(small) as client:
        small_api = Api(client, small)
        variables = {"c": str(chat.conversation)}
        ten = await small_api.post(
            aliased_sends(10), variables, as_user=chat.ada, headers={"accept": media_type}
        )
        assert ten.status_code == 200
        assert len(ten.json()["data"]) == 10
        assert ten.json()["extensions"]["cost"] == {
            "requested": 100,
            "throttleStatus": {"maximumAvailable": 100, "currentlyAvailable": 0, "restoreRate": 0.1},
        }
        assert await stored_messages(db) == 10

        again = await small_api.post(
            aliased_sends(2), variables, as_user=chat.ada, headers={"accept": media_type}
        )
        body = again.json()
        assert error_codes(body) == ["RATE_LIMITED"]
        assert "data" not in body
        retry = body["errors"][0]["extensions"]["retryAfterSeconds"]
        assert 190 < retry <= 200  # 20 points at 0.1 a second, less what came back since
        assert again.headers["retry-after"] == str(math.ceil(retry))
        assert again.status_code == (429 if media_type != "application/json" else 200)
        assert body["extensions"]["cost"]["requested"] == 20
        assert await stored_messages(db) == 10  # neither of the two


async def test_an_operation_costing_more_than_the_bucket_holds_is_refused_whole(
    db: Database, chat: Chat, settings: Settings
) -> None:
    """Ten sends with their sender (11 points each) can never fit in 100 points: BAD_USER_INPUT,
    nothing stored, and the bucket untouched (waiting would not help, so it is not RATE_LIMITED)."""
    small = make_settings(settings.database_url, rate_limit_points=100, rate_limit_window_seconds=1_000)
    async with serve(small) as client:
        small_api = Api(client, small)
        response = await small_api.post(
            aliased_sends(10, "id sender { id }"), {"c": str(chat.conversation)}, as_user=chat.ada
        )
        body = response.json()
        assert error_codes(body) == ["BAD_USER_INPUT"]
        assert "110 points, more than a viewer's 100 (RATE_LIMIT_POINTS)" in body["errors"][0]["message"]
        assert body["extensions"]["cost"]["requested"] == 110
        assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 100
        assert await stored_messages(db) == 0


PAGE = """
query Page($c: ID!, $first: Int, $after: String) {
  messages(conversationId: $c, first: $first, after: $after) {
    edges { cursor node { id body sender { displayName } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""  # 2 once (the connection, pageInfo), 3 per edge (edges, node, sender)

PROGRESS = """
mutation Save($input: SaveVideoProgressInput!) {
  saveVideoProgress(input: $input) { watchedSeconds lastPosition completed }
}
"""  # 10


async def test_a_normal_client_never_comes_near_the_limit(api: Api, db: Database, chat: Chat) -> None:
    """A player saves progress every 5 s while its viewer reads a chat: a page of 20 older messages
    and a message sent every other beat. Run twenty times faster than life, with the bucket's window
    twenty times shorter too (the same 1,000 points, refilled in 0.5 s), so the arithmetic is the
    defaults' over real time: the bucket never drops below half."""
    speedup = 20
    fast = make_settings(
        api.settings.database_url,
        rate_limit_points=DEFAULT_POINTS,
        rate_limit_window_seconds=DEFAULT_WINDOW / speedup,
    )
    await create_messages(db, chat.conversation, chat.grace, 300)
    lowest = DEFAULT_POINTS
    async with serve(fast) as client:
        player = Api(client, fast)
        first_page = await player.data(PAGE, {"c": str(chat.conversation), "first": 20}, as_user=chat.ada)
        cursor = first_page["messages"]["pageInfo"]["endCursor"]
        for beat in range(24):  # two minutes of use
            started = time.monotonic()
            reading = {
                "videoId": str(chat.video),
                "watchedSeconds": 5 * beat,
                "lastPosition": 5 * beat,
                "durationSeconds": 1260,
            }
            answers = [await player.gql(PROGRESS, {"input": reading}, as_user=chat.ada)]
            if beat % 2 == 0:
                page = await player.gql(
                    PAGE, {"c": str(chat.conversation), "first": 20, "after": cursor}, as_user=chat.ada
                )
                cursor = page["data"]["messages"]["pageInfo"]["endCursor"] or cursor
                answers += [
                    page,
                    await player.gql(SEND, text_message(chat, f"beat {beat}"), as_user=chat.ada),
                ]
            for answer in answers:
                assert "errors" not in answer, answer
                lowest = min(lowest, answer["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"])
            await asyncio.sleep(max(0.0, 5 / speedup - (time.monotonic() - started)))
    assert lowest >= DEFAULT_POINTS / 2


HOSTILE_PAGE = """
query Page($c: ID!, $first: Int) {
  messages(conversationId: $c, first: $first) { edges { node { id sender { id } } } pageInfo { hasNextPage } }
}
"""


@pytest.mark.parametrize(
    ("first", "code", "requested"),
    [
        (30, None, 2 + 30 * 3),
        (100, None, 2 + 100 * 3),
        (101, "BAD_USER_INPUT", 2 + 100 * 3),  # the page cap: charged as 100, refused by the resolver
        (2_147_483_647, "BAD_USER_INPUT", 2 + 100 * 3),
        (10**12, "BAD_USER_INPUT", 2 + 100 * 3),  # not a 32-bit Int: refused by coercion
        (1e308, "BAD_USER_INPUT", 2 + 100 * 3),
        (-5, "BAD_USER_INPUT", 2),
        (0, "BAD_USER_INPUT", 2),
        (None, "BAD_USER_INPUT", 2),
        ("many", "BAD_USER_INPUT", 2),
        ([100, 100], "BAD_USER_INPUT", 2),
        ({"first": 100}, "BAD_USER_INPUT", 2),
        (True, "BAD_USER_INPUT", 2),
        (2.5, "BAD_USER_INPUT", 2),
    ],
)
async def test_first_from_hostile_variables_is_charged_within_the_page_cap(
    api: Api, chat: Chat, first: object, code: str | None, requested: int
) -> None:
    result = await api.gql(HOSTILE_PAGE, {"c": str(chat.conversation), "first": first}, as_user=chat.ada)
    assert error_codes(result) == ([] if code is None else [code])
    assert result["extensions"]["cost"]["requested"] == requested


async def test_first_left_out_costs_its_default(api: Api, chat: Chat) -> None:
    """The argument's default (50), or the operation's own default for its variable."""
    plain = await api.gql(HOSTILE_PAGE, {"c": str(chat.conversation)}, as_user=chat.ada)
    assert plain["extensions"]["cost"]["requested"] == 2 + 50 * 3
    own_default = HOSTILE_PAGE.replace("$first: Int)", "$first: Int = 7)")
    seven = await api.gql(own_default, {"c": str(chat.conversation)}, as_user=chat.ada)
    assert seven["extensions"]["cost"]["requested"] == 2 + 7 * 3


async def test_every_charged_response_reports_its_cost_and_the_bucket(api: Api, chat: Chat) -> None:
    """A fresh bucket is full: the first answer shows 1,000 less the cost; the next, less both (or
    a little more, as points come back)."""
    viewer = await api.gql("{ viewer { id displayName } }", as_user=chat.ada)
    assert viewer["extensions"]["cost"] == {
        "requested": 1,
        "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": 999, "restoreRate": 100.0},
    }
    page = await api.gql(HOSTILE_PAGE, {"c": str(chat.conversation), "first": 10}, as_user=chat.ada)
    status = page["extensions"]["cost"]["throttleStatus"]
    assert page["extensions"]["cost"]["requested"] == 32
    assert 1000 - 1 - 32 <= status["currentlyAvailable"] <= 1000 - 32
    # Errors during execution are charged and reported too; refusals before the viewer is known are not.
    missing = await api.gql(
        '{ messages(conversationId: "999999", first: 5) { pageInfo { hasNextPage } } }', as_user=chat.ada
    )
    assert error_codes(missing) == ["NOT_FOUND"]
    assert missing["extensions"]["cost"]["requested"] == 2
    unauthenticated = await api.gql("{ viewer { id } }")
    assert error_codes(unauthenticated) == ["UNAUTHENTICATED"]
    assert "extensions" not in unauthenticated


async def test_each_viewer_has_a_bucket_of_their_own(api: Api, chat: Chat) -> None:
    settings = make_settings(
        api.settings.database_url, rate_limit_points=100, rate_limit_window_seconds=1_000
    )
    async with serve(settings) as client:
        small_api = Api(client, settings)
        for user in (chat.ada, chat.grace):
            result = await small_api.gql(aliased_sends(10), {"c": str(chat.conversation)}, as_user=user)
            assert "errors" not in result
        refused = await small_api.gql(SEND, text_message(chat, "one more"), as_user=chat.ada)
        assert error_codes(refused) == ["RATE_LIMITED"]
