"""A small graphql-transport-ws client for tests, over a real WebSocket (the ``websockets`` package).

Every message a socket receives is checked for internals (``assert_no_internals_in``), as ``Api``
checks every HTTP response.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.api import assert_no_internals_in

PROTOCOL = "graphql-transport-ws"
WAIT_SECONDS = 10.0

MESSAGE_SENT = """
subscription Sent($conversationId: ID!, $after: String) {
  messageSent(conversationId: $conversationId, after: $after) {
    cursor
    node { id conversationId type body sender { id displayName } sharedVideo { id title } }
  }
}
"""


def ws_url(http_url: str) -> str:
    return http_url.replace("http://", "ws://", 1) + "/graphql"


class Socket:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
        """The next message; pings are answered and skipped."""
        while True:
            raw = await asyncio.wait_for(self.connection.recv(), timeout)
            assert isinstance(raw, str), "the protocol's messages are text frames"
            assert_no_internals_in(raw)
            message: dict[str, Any] = json.loads(raw)
            if message.get("type") == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def init(self, token: str | None = None) -> dict[str, Any]:
        payload = {} if token is None else {"Authorization": f"Bearer {token}"}
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def subscribe(self, id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": id, "type": "subscribe", "payload": payload})

    async def subscribe_messages(self, id: str, conversation_id: int, after: str | None = None) -> None:
        variables: dict[str, Any] = {"conversationId": str(conversation_id)}
        if after is not None:
            variables["after"] = after
        await self.subscribe(id, MESSAGE_SENT, variables)

    async def closed_with(self, timeout: float = WAIT_SECONDS) -> int | None:
        """The close code, once the server closes the socket (messages before it are dropped)."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                raw = await asyncio.wait_for(self.connection.recv(), timeout)
                assert_no_internals_in(str(raw))
        return self.connection.close_code

    async def events(self, id: str, count: int, timeout: float = WAIT_SECONDS) -> list[dict[str, Any]]:
        """The next ``count`` ``next`` payloads of subscription ``id`` (any other message fails)."""
        received: list[dict[str, Any]] = []
        while len(received) < count:
            message = await self.receive(timeout)
            assert message.get("id") == id and message["type"] == "next", message
            received.append(message["payload"])
        return received

    async def nothing_for(self, seconds: float) -> None:
        """Nothing but pings arrives for ``seconds``."""
        with contextlib.suppress(TimeoutError):
            message = await self.receive(seconds)
            raise AssertionError(f"unexpected message: {message}")


@contextlib.asynccontextmanager
async def socket(
    http_url: str, *, headers: dict[str, str] | None = None, protocol: str = PROTOCOL
) -> AsyncIterator[Socket]:
    async with connect(
        ws_url(http_url),
        subprotocols=[Subprotocol(protocol)],
        additional_headers=headers,
        open_timeout=WAIT_SECONDS,
    ) as connection:
        yield Socket(connection)


@contextlib.asynccontextmanager
async def subscriber(http_url: str, token: str) -> AsyncIterator[Socket]:
    """A socket past connection_init."""
    async with socket(http_url) as client:
        assert (await client.init(token))["type"] == "connection_ack"
        yield client
