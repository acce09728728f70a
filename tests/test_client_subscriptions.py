"""The clients' subscriptions (clients/operations) run by hash alone over a socket, as
clients/src/usage.ts sends them (graphql-ws: an empty query beside the hash), on a server that runs
only the clients' manifest; what they deliver is what the chat screen and the inbox read."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.chat import Chat, create_chat
from tests.conftest import make_settings
from tests.served import Served, served
from tests.sockets import subscriber
from tests.test_client_documents import MANIFEST, manifest_by_name
from videoengage.auth import issue_token
from videoengage.db.engine import Database


def by_hash(name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    sha, _ = manifest_by_name()[name]
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
    return {"query": "", "variables": variables or {}, "extensions": extensions}


def send_by_hash(server: Served, token: str, conversation: int, body: str) -> None:
    payload = by_hash(
        "SendMessage", {"input": {"conversationId": str(conversation), "type": "TEXT", "body": body}}
    )
    del payload["query"]  # over HTTP, as `execute` in usage.ts sends it
    response = httpx.post(
        server.graphql_url, json=payload, headers={"authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text


async def test_the_clients_subscriptions_run_by_hash_on_the_trusted_documents_only_server(
    db: Database, db_url: str
) -> None:
    chat: Chat = await create_chat(db)
    settings = make_settings(db_url)
    ada, grace = issue_token(settings, chat.ada, 3600), issue_token(settings, chat.grace, 3600)
    env = {"TRUSTED_DOCUMENTS": str(MANIFEST), "TRUSTED_DOCUMENTS_ONLY": "true", "VIEWER_CACHE_SECONDS": "0"}
    with served(db_url, **env) as server:
        async with subscriber(server.url, ada) as client:
            conversation = {"conversationId": str(chat.conversation)}
            await client.send(
                {"id": "chat", "type": "subscribe", "payload": by_hash("MessageSent", conversation)}
            )
            await client.send({"id": "inbox", "type": "subscribe", "payload": by_hash("ConversationUpdated")})
            await asyncio.sleep(0.5)  # both subscribed before the send

            send_by_hash(server, grace, chat.conversation, "Seen the yoga video?")

            received = {
                message["id"]: message["payload"]["data"]
                for message in [await client.receive(), await client.receive()]
            }
            chat_event = received["chat"]["messageSent"]
            assert chat_event["node"]["body"] == "Seen the yoga video?"
            assert chat_event["node"]["sender"] == {"displayName": "Grace"}
            assert chat_event["cursor"]
            inbox_event = received["inbox"]["conversationUpdated"]
            assert inbox_event["id"] == str(chat.conversation)
            assert inbox_event["lastMessage"]["body"] == "Seen the yoga video?"
