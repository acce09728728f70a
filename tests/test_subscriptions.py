"""Subscriptions over real WebSockets to a served server, on SQLite and PostgreSQL: what a client
of the graphql-transport-ws protocol sees, in order, once, with the same cursors as ``messages``."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from tests.chat import MESSAGES, SEND_MESSAGE, Chat, create_chat
from tests.conftest import make_settings
from tests.factories import create_messages
from tests.served import Served, send_text, served
from tests.sockets import MESSAGE_SENT, socket, subscriber
from videoengage.auth import issue_token
from videoengage.db.engine import Database
from videoengage.schema.pagination import encode_cursor


@pytest.fixture
async def chat(db: Database) -> Chat:
    return await create_chat(db)


@pytest.fixture(scope="module")
def shared_server(migrated_url: str) -> Iterator[Served]:
    """One server per database for the module (a start costs seconds on a busy machine); it keeps
    nothing between tests that a test could see (no viewer cache; sockets close with each test)."""
    with served(migrated_url, VIEWER_CACHE_SECONDS="0") as running:
        yield running


@pytest.fixture
def server(
    db: Database, db_url: str, request: pytest.FixtureRequest, shared_server: Served
) -> Iterator[Served]:
    marker = request.node.get_closest_marker("server_env")
    if marker is None:
        yield shared_server
        return
    with served(db_url, VIEWER_CACHE_SECONDS="0", **marker.kwargs) as running:
        yield running


def token(db_url: str, user_id: int, ttl_seconds: int = 3600) -> str:
    return issue_token(make_settings(db_url), user_id, ttl_seconds)


def page_cursors(server: Served, db_url: str, viewer: int, conversation: int) -> dict[str, str]:
    """Message id to cursor, as ``messages`` gives them."""
    response = httpx.post(
        server.graphql_url,
        json={"query": MESSAGES, "variables": {"conversationId": str(conversation), "first": 100}},
        headers={"authorization": f"Bearer {token(db_url, viewer)}"},
    )
    return {edge["node"]["id"]: edge["cursor"] for edge in response.json()["data"]["messages"]["edges"]}


def nodes(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [event["data"]["messageSent"]["node"] for event in events]


async def test_new_messages_arrive_in_order_with_the_cursors_of_messages(
    chat: Chat, server: Served, db_url: str
) -> None:
    async with subscriber(server.url, token(db_url, chat.ada)) as client:
        await client.subscribe_messages("s", chat.conversation)
        await asyncio.sleep(0.3)  # subscribed: nothing sent before it is delivered
        sent = [send_text(server, db_url, chat.grace, chat.conversation, f"#{n}") for n in range(5)]
        video = httpx.post(
            server.graphql_url,
            json={
                "query": SEND_MESSAGE,
                "variables": {
                    "input": {
                        "conversationId": str(chat.conversation),
                        "type": "SHARED_VIDEO",
                        "sharedVideoId": str(chat.video),
                    }
                },
            },
            headers={"authorization": f"Bearer {token(db_url, chat.ada)}"},
        ).json()["data"]["sendMessage"]["id"]
        events = await client.events("s", 6)
        received = nodes(events)
        assert [node["id"] for node in received] == [*sent, video]
        assert [node["body"] for node in received[:5]] == [f"#{n}" for n in range(5)]
        assert received[0]["sender"] == {"id": str(chat.grace), "displayName": "Grace"}
        assert received[5]["sharedVideo"] == {"id": str(chat.video), "title": "Morning yoga"}
        cursors = page_cursors(server, db_url, chat.ada, chat.conversation)
        assert [event["data"]["messageSent"]["cursor"] for event in events] == [
            cursors[id] for id in [*sent, video]
        ]
        await client.nothing_for(0.5)  # each once


async def test_after_catches_up_oldest_first_then_goes_live_without_gap_or_duplicate(
    db: Database, chat: Chat, server: Served, db_url: str
) -> None:
    stored = await create_messages(db, chat.conversation, chat.grace, 250)  # more than a batch
    cursors = page_cursors(server, db_url, chat.ada, chat.conversation)
    after = cursors[str(stored[-100])]  # messages(first: 100) gives the newest 100
    async with subscriber(server.url, token(db_url, chat.ada)) as client:
        await client.subscribe_messages("s", chat.conversation, after=after)
        caught_up = nodes(await client.events("s", 99))
        assert [int(node["id"]) for node in caught_up] == stored[-99:]
        live = [send_text(server, db_url, chat.grace, chat.conversation, f"live {n}") for n in range(3)]
        assert [node["id"] for node in nodes(await client.events("s", 3))] == live
        await client.nothing_for(0.5)
    # the whole backlog, from the start of the conversation, in batches paced by the client
    first = await create_messages(db, chat.conversation, chat.grace, 1)
    async with subscriber(server.url, token(db_url, chat.ada)) as client:
        from_start = "WyJtZXNzYWdlcyIsIHt9LCAwXQ"  # a cursor of another shape: refused
        await client.subscribe_messages("bad", chat.conversation, after=from_start)
        refused = await client.receive()
        assert refused["type"] == "error" and refused["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        older_cursor = encode_cursor("messages", chat.conversation, stored[0])
        await client.subscribe_messages("s", chat.conversation, after=older_cursor)
        everything = nodes(await client.events("s", 249 + 3 + 1))
        assert [int(node["id"]) for node in everything] == [*stored[1:], *map(int, live), *first]


async def test_a_burst_beyond_the_queue_ends_with_resubscribe_and_the_cursor_that_loses_nothing(
    db: Database, chat: Chat, db_url: str
) -> None:
    with served(db_url, SUBSCRIPTION_QUEUE_SIZE="5", VIEWER_CACHE_SECONDS="0") as server:
        async with subscriber(server.url, token(db_url, chat.ada)) as client:
            await client.subscribe_messages("s", chat.conversation)
            await asyncio.sleep(0.3)
            stored = await create_messages(db, chat.conversation, chat.grace, 20)  # one commit, 20 events
            ended = await client.receive()
            assert ended["type"] == "next" and ended["payload"]["data"] is None
            [error] = ended["payload"]["errors"]
            assert error["extensions"]["code"] == "RESUBSCRIBE"
            assert (await client.receive()) == {"id": "s", "type": "complete"}
            await client.subscribe_messages("again", chat.conversation, after=error["extensions"]["after"])
            assert [int(node["id"]) for node in nodes(await client.events("again", 20))] == stored


@pytest.mark.parametrize("how", ["payload", "header"])
async def test_a_token_in_the_payload_or_the_upgrade_header_is_accepted(
    chat: Chat, server: Served, db_url: str, how: str
) -> None:
    bearer = f"Bearer {token(db_url, chat.ada)}"
    headers = {"Authorization": bearer} if how == "header" else None
    async with socket(server.url, headers=headers) as client:
        await client.send(
            {"type": "connection_init", "payload": {"Authorization": bearer} if how == "payload" else {}}
        )
        assert (await client.receive())["type"] == "connection_ack"
        await client.subscribe_messages("s", chat.conversation)
        await asyncio.sleep(0.3)
        sent = send_text(server, db_url, chat.grace, chat.conversation, "hi")
        assert nodes(await client.events("s", 1))[0]["id"] == sent


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer not-a-token",
        "Basic abc",
        42,
        "Bearer {expired}",
        "Bearer {wrong_secret}",
        "Bearer {no_user}",
    ],
)
async def test_a_missing_or_bad_token_closes_the_socket_with_4403_before_any_subscription(
    chat: Chat, server: Served, db_url: str, authorization: object
) -> None:
    if isinstance(authorization, str):
        authorization = authorization.format(
            expired=token(db_url, chat.ada, ttl_seconds=-10),
            wrong_secret=issue_token(
                make_settings(db_url).model_copy(update={"jwt_secret": SecretStr("x" * 64)}), chat.ada
            ),
            no_user=token(db_url, 10_000_000),
        )
    async with socket(server.url) as client:
        payload = {} if authorization is None else {"Authorization": authorization}
        await client.send({"type": "connection_init", "payload": payload})
        await client.subscribe_messages("s", chat.conversation)
        assert await client.closed_with() == 4403


async def test_the_socket_closes_with_4403_when_its_token_expires(
    chat: Chat, server: Served, db_url: str
) -> None:
    async with subscriber(server.url, token(db_url, chat.ada, ttl_seconds=2)) as client:
        await client.subscribe_messages("s", chat.conversation)
        started = time.monotonic()
        assert await client.closed_with() == 4403
        assert 0.5 < time.monotonic() - started < 4


async def test_connection_init_must_come_within_3_seconds(server: Served) -> None:
    async with socket(server.url) as client:
        started = time.monotonic()
        assert await client.closed_with() == 4408
        assert 2.5 < time.monotonic() - started < 5


async def test_a_subscribe_before_connection_init_is_refused_by_the_protocol(
    chat: Chat, server: Served
) -> None:
    async with socket(server.url) as client:
        await client.subscribe_messages("s", chat.conversation)
        assert await client.closed_with() == 4401


async def test_an_outsider_a_foreign_id_and_a_missing_id_answer_alike(
    chat: Chat, server: Served, db_url: str
) -> None:
    async with subscriber(server.url, token(db_url, chat.stranger)) as client:
        answers = []
        for n, conversation in enumerate([chat.conversation, 10_000_000]):
            await client.subscribe_messages(f"s{n}", conversation)
            answer = await client.receive()
            answers.append({**answer, "id": None})
        assert answers[0] == answers[1]
        assert answers[0]["type"] == "error"
        assert answers[0]["payload"][0]["message"] == "Conversation not found"
        assert answers[0]["payload"][0]["extensions"] == {"code": "NOT_FOUND"}
        # and the same over HTTP
        response = httpx.post(
            server.graphql_url,
            json={"query": MESSAGES, "variables": {"conversationId": str(chat.conversation)}},
            headers={"authorization": f"Bearer {token(db_url, chat.stranger)}"},
        ).json()
        assert response["errors"][0]["message"] == "Conversation not found"


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"conversationId": "abc"}, "conversationId"),
        ({"conversationId": "1", "after": "not a cursor"}, "after"),
        ({"conversationId": "1", "after": "WyJjb252ZXJzYXRpb25zIiwxLDFd"}, "after"),  # another list's
        ({"conversationId": "1", "after": encode_cursor("messages", 1, 10**9)}, "after"),  # in the future
        ({"conversationId": "1", "after": encode_cursor("messages", 2, 1)}, "after"),  # another conversation
    ],
)
async def test_bad_arguments_are_bad_user_input_and_subscribe_nothing(
    chat: Chat, server: Served, db_url: str, variables: dict[str, str], field: str
) -> None:
    async with subscriber(server.url, token(db_url, chat.ada)) as client:
        await client.subscribe("s", MESSAGE_SENT, variables)
        answer = await client.receive()
        assert answer["type"] == "error"
        assert answer["payload"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": field}


@pytest.mark.server_env(MAX_SUBSCRIPTIONS_PER_SOCKET="2", MAX_SOCKETS="2")
async def test_subscriptions_per_socket_and_sockets_per_worker_are_capped(
    chat: Chat, server: Served, db_url: str
) -> None:
    async with subscriber(server.url, token(db_url, chat.ada)) as client:
        await client.subscribe_messages("a", chat.conversation)
        await client.subscribe_messages("b", chat.conversation)
        await client.subscribe_messages("c", chat.conversation)
        refused = await client.receive()
        assert refused["id"] == "c" and refused["type"] == "error"
        assert refused["payload"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
        await client.send({"id": "a", "type": "complete"})
        await asyncio.sleep(0.2)
        await client.subscribe_messages("c", chat.conversation)  # room again
        async with subscriber(server.url, token(db_url, chat.grace)), socket(server.url) as third:
            assert await third.closed_with() == 1013
        await asyncio.sleep(0.3)
        sent = send_text(server, db_url, chat.grace, chat.conversation, "still here")
        received = [await client.receive(), await client.receive()]
        assert sorted(message["id"] for message in received) == ["b", "c"]
        assert {message["payload"]["data"]["messageSent"]["node"]["id"] for message in received} == {sent}


@pytest.mark.parametrize(
    "document",
    [
        "subscription { conversationUpdated { " + "participants { id } " * 250 + "} }",  # MAX_FIELDS
        "subscription { conversationUpdated { id " + "__typename " * 2_100 + "} }",  # MAX_TOKENS
        "subscription { conversationUpdated { "
        + "".join(f"a{n}: id " for n in range(30))  # MAX_ALIASES
        + "} }",
        "subscription { conversationUpdated { nope } }",  # validation
        "subscription { conversationUpdated { id }",  # syntax
        "query { viewer { id } } query Other { viewer { id } }",  # no operation name to pick
    ],
)
async def test_the_document_limits_of_http_apply_to_subscribe(
    chat: Chat, server: Served, db_url: str, document: str
) -> None:
    async with subscriber(server.url, token(db_url, chat.ada)) as client:
        await client.subscribe("refused", document)
        answer = await client.receive()
        assert answer["id"] == "refused" and answer["type"] == "error", answer
        assert answer["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        # the socket stays usable
        await client.subscribe("fine", "subscription { conversationUpdated { id } }")
        await client.nothing_for(0.3)


async def test_a_malformed_subscribe_message_closes_the_socket_with_4400(
    chat: Chat, server: Served, db_url: str
) -> None:
    messages: list[dict[str, Any]] = [
        {"id": "x", "type": "subscribe", "payload": {"query": 42}},
        {"id": "x", "type": "subscribe", "payload": "nope"},
        {"id": 7, "type": "subscribe", "payload": {"query": "{ viewer { id } }"}},
        {"id": "x", "type": "subscribe", "payload": {"query": "{ viewer { id } }", "variables": [1]}},
        {"type": "nonsense"},
    ]
    for message in messages:
        async with subscriber(server.url, token(db_url, chat.ada)) as client:
            await client.send(message)
            assert await client.closed_with() == 4400, message


async def test_conversation_updated_tells_each_participant_of_a_new_message(
    chat: Chat, server: Served, db_url: str
) -> None:
    query = "subscription { conversationUpdated { id lastMessage { id body sender { id } } } }"
    async with (
        subscriber(server.url, token(db_url, chat.ada)) as ada,
        subscriber(server.url, token(db_url, chat.stranger)) as stranger,
    ):
        await ada.subscribe("inbox", query)
        await stranger.subscribe("inbox", query)
        await asyncio.sleep(0.3)
        sent = send_text(server, db_url, chat.grace, chat.conversation, "news")
        [event] = await ada.events("inbox", 1)
        assert event["data"]["conversationUpdated"] == {
            "id": str(chat.conversation),
            "lastMessage": {"id": sent, "body": "news", "sender": {"id": str(chat.grace)}},
        }
        await stranger.nothing_for(0.5)


async def test_a_subscription_over_http_is_refused(chat: Chat, server: Served, db_url: str) -> None:
    response = httpx.post(
        server.graphql_url,
        json={"query": MESSAGE_SENT, "variables": {"conversationId": str(chat.conversation)}},
        headers={"authorization": f"Bearer {token(db_url, chat.ada)}"},
    )
    assert response.status_code in {200, 400, 405}
    assert "data" not in response.json() or response.json()["data"] is None


async def test_frames_that_are_not_the_protocol_close_the_socket(
    chat: Chat, server: Served, db_url: str
) -> None:
    frames: list[tuple[str | bytes, int]] = [
        ("not json", 4400),
        (b"\x00binary", 4400),
        ("[1, 2]", 4400),
        ('{"type": 7}', 4400),
        ("x" * 300_000, 1009),
    ]
    for frame, code in frames:
        async with subscriber(server.url, token(db_url, chat.ada)) as client:
            await client.connection.send(frame)
            assert await client.closed_with() == code, frame[:20]


@pytest.mark.server_env(SOCKET_PING_SECONDS="0.5")
async def test_the_server_pings_as_the_protocol_defines(chat: Chat, server: Served, db_url: str) -> None:
    async with subscriber(server.url, token(db_url, chat.ada)) as client:
        for _ in range(2):
            raw = await asyncio.wait_for(client.connection.recv(), 5)
            assert json.loads(raw) == {"type": "ping"}
            await client.send({"type": "pong"})
        await client.send({"type": "ping"})  # and answers the client's
        assert json.loads(await asyncio.wait_for(client.connection.recv(), 5)) in (
            {"type": "pong"},
            {"type": "ping"},
        )
