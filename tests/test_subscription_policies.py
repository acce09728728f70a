"""What HTTP's policies ask of an operation, asked of a subscribe too: the viewer's rate limit charges
each one (a refused subscribe subscribes to nothing), and a server that runs only trusted documents
runs no other over a socket, while a trusted one may be sent by its hash alone."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from pathlib import Path
from typing import Any

import pytest
from graphql import parse

from tests.chat import SEND_MESSAGE, Chat, create_chat
from tests.conftest import make_settings
from tests.served import send_text, served
from tests.sockets import MESSAGE_SENT, Socket, socket, subscriber
from videoengage.auth import issue_token
from videoengage.db.engine import Database
from videoengage.persisted_documents import sha256_hex
from videoengage.schema.operation_cost import operation_cost
from videoengage.schema.schema import schema

BUCKET_POINTS = 100  # the smallest RATE_LIMIT_POINTS; an hour to refill, so nothing comes back here


@pytest.fixture
async def chat(db: Database) -> Chat:
    return await create_chat(db)


async def answers(client: Socket, count: int) -> list[dict[str, Any]]:
    return [await client.receive() for _ in range(count)]


async def test_each_subscribe_is_charged_and_one_over_the_bucket_subscribes_to_nothing(
    chat: Chat, db_url: str
) -> None:
    variables = {"conversationId": str(chat.conversation)}
    cost = operation_cost(schema._schema, parse(MESSAGE_SENT), "Sent").priced(variables)
    fitting = math.floor(BUCKET_POINTS / cost)
    env = {"RATE_LIMIT_POINTS": str(BUCKET_POINTS), "RATE_LIMIT_WINDOW_SECONDS": "3600"}
    with served(db_url, VIEWER_CACHE_SECONDS="0", **env) as server:
        token = issue_token(make_settings(db_url), chat.ada, 3600)
        # Given one viewer's subscriptions over sockets of 20 (the per-socket limit), two past the bucket
        per_socket = 20
        sockets = math.ceil((fitting + 2) / per_socket)
        async with contextlib.AsyncExitStack() as stack:
            clients = [await stack.enter_async_context(subscriber(server.url, token)) for _ in range(sockets)]
            for n in range(fitting + 2):
                await clients[n // per_socket].subscribe(f"s{n}", MESSAGE_SENT, variables)
            await asyncio.sleep(1.0)  # every subscribe has been charged or refused

            # When a message is sent into the conversation
            send_text(server, db_url, chat.grace, chat.conversation)

            # Then the two that did not fit were answered RATE_LIMITED and completed, the others see it
            received = [message for client in clients for message in await drain(client)]
            refused = [m for m in received if m["type"] == "next" and "errors" in m["payload"]]
            delivered = [m for m in received if m["type"] == "next" and m["payload"].get("data")]
            completed = {m["id"] for m in received if m["type"] == "complete"}
            assert len(refused) == 2, received
            assert {m["id"] for m in refused} == completed, received
            assert sorted(m["id"] for m in delivered) == sorted(
                f"s{n}" for n in range(fitting + 2) if f"s{n}" not in completed
            )
            for message in refused:
                assert message["payload"]["data"] is None, message
                [error] = message["payload"]["errors"]
                assert error["extensions"]["code"] == "RATE_LIMITED", error
                assert error["extensions"]["retryAfterSeconds"] > 0, error


async def drain(client: Socket) -> list[dict[str, Any]]:
    """Every message that arrives until the socket has been quiet for a second."""
    messages = []
    while True:
        try:
            messages.append(await client.receive(1.0))
        except TimeoutError:
            return messages


def persisted(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(document)}}


async def test_trusted_documents_only_runs_no_other_document_over_a_socket(
    chat: Chat, db_url: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({sha256_hex(doc): doc for doc in (MESSAGE_SENT, SEND_MESSAGE)}))
    env = {"TRUSTED_DOCUMENTS": str(manifest), "TRUSTED_DOCUMENTS_ONLY": "true"}
    with served(db_url, VIEWER_CACHE_SECONDS="0", **env) as server:
        token = issue_token(make_settings(db_url), chat.ada, 3600)
        variables = {"conversationId": str(chat.conversation)}
        async with subscriber(server.url, token) as client:
            # A document outside the manifest, a subscription or a query, is refused, unrun
            conversation = str(chat.conversation)
            other = 'subscription { messageSent(conversationId: "' + conversation + '") { cursor } }'
            await client.subscribe("other", other)
            await client.send({"id": "query", "type": "subscribe", "payload": {"query": "{ viewer { id } }"}})
            for message in await answers(client, 2):
                assert message["type"] == "error", message
                assert message["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
            # The trusted one runs, sent by its hash alone (graphql-ws sends an empty query beside it)
            payload = {"query": "", "variables": variables, "extensions": persisted(MESSAGE_SENT)}
            await client.send({"id": "trusted", "type": "subscribe", "payload": payload})
            await asyncio.sleep(0.5)
            send_text(server, db_url, chat.grace, chat.conversation)
            [event] = await client.events("trusted", 1)
            assert event["data"]["messageSent"]["node"]["body"] == "hi"
            await client.nothing_for(0.5)


async def test_a_hash_the_server_does_not_know_is_persisted_query_not_found(chat: Chat, db_url: str) -> None:
    with served(db_url, VIEWER_CACHE_SECONDS="0") as server:
        token = issue_token(make_settings(db_url), chat.ada, 3600)
        async with subscriber(server.url, token) as client:
            payload = {"extensions": persisted("subscription { conversationUpdated { id } }")}
            await client.send({"id": "unknown", "type": "subscribe", "payload": payload})
            [message] = await answers(client, 1)
            assert message["type"] == "error", message
            assert message["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
            # A hash that is not its document's, and a persistedQuery of the wrong shape
            for extensions in (persisted("{ viewer { id } }"), {"persistedQuery": {"version": 2}}):
                await client.send(
                    {
                        "id": "bad",
                        "type": "subscribe",
                        "payload": {"query": MESSAGE_SENT, "extensions": extensions},
                    }
                )
                [message] = await answers(client, 1)
                assert message["type"] == "error", message
                assert message["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        # The socket's protocol refuses an extensions member that is not an object
        async with socket(server.url) as raw:
            assert (await raw.init(token))["type"] == "connection_ack"
            await raw.send(
                {"id": "x", "type": "subscribe", "payload": {"query": MESSAGE_SENT, "extensions": "no"}}
            )
            assert await raw.closed_with() == 4400
