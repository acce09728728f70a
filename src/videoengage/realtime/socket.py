"""The graphql-transport-ws socket: Strawberry's protocol handler with our authentication, token
expiry, keep-alive pings, limits and text frames.

The token comes in ``connection_init``'s payload (``{"Authorization": "Bearer …"}``) or in the
upgrade request's ``Authorization`` header; the endpoint's ``on_ws_connect`` checks it, and a bad
or missing one closes the socket with 4403 before any subscription. The socket closes with 4403 when
the token expires. Everything a socket sends is masked in the schema (``schema.error_masking``),
exactly as over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http import GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)

from videoengage.context import Context
from videoengage.errors import ErrorCode
from videoengage.http_request import RequestRefused
from videoengage.persisted_documents import PersistedDocuments
from videoengage.realtime.service import Realtime

TOKEN_EXPIRED = 4403
INVALID_MESSAGE = 4400


@dataclass
class SocketContext(Context):
    """The context of one socket, shared by its operations; the endpoint gives each operation's
    events fresh loaders (``fresh_loaders``) so nothing cached outlives an event."""

    realtime: Realtime | None = None
    connection_params: dict[str, Any] = field(default_factory=dict)
    expires_at: float | None = None


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Text frames, as the protocol's clients expect (browsers hand binary frames over as Blobs)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class SocketHandler(BaseGraphQLTransportWSHandler[Context, None]):
    _watchers: list[asyncio.Task[None]]

    async def handle_message(self, message: Message) -> None:
        """A JSON value that is not an object with a text ``type`` is not a message of the protocol:
        4400, as for any other malformed message (Strawberry would fail on it with a TypeError)."""
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.websocket.close(INVALID_MESSAGE, "Invalid message")
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged and not getattr(self, "_watchers", None):
            self._watchers = [asyncio.create_task(self._watch())]

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        payload: object = message.get("payload")
        if (
            not isinstance(message.get("id"), str)
            or not isinstance(payload, dict)
            or not isinstance(payload.get("query") or "", str)
            or not isinstance(payload.get("variables") or {}, dict)
            or not isinstance(payload.get("operationName") or "", str)
            or not isinstance(payload.get("extensions") or {}, dict)
        ):
            await self.websocket.close(INVALID_MESSAGE, "Invalid subscribe message")
            return
        try:
            if self.connection_acknowledged:  # else Strawberry closes the socket with 4401
                payload["query"] = self._document(payload)
        except RequestRefused as refusal:
            code = refusal.code or ErrorCode.BAD_USER_INPUT
            error = {"message": refusal.reason, "extensions": {"code": code.value}}
            await self.websocket.send_json({"id": message["id"], "type": "error", "payload": [error]})
            return
        limit = self.context.settings.max_subscriptions_per_socket
        if (
            self.connection_acknowledged
            and message["id"] not in self.operations
            and len(self.operations) >= limit
        ):
            refused = {
                "message": f"A socket may hold at most {limit} subscriptions; complete one first",
                "extensions": {"code": ErrorCode.BAD_USER_INPUT.value},
            }
            await self.websocket.send_json({"id": message["id"], "type": "error", "payload": [refused]})
            return
        await super().handle_subscribe(message)

    def _document(self, payload: dict[str, Any]) -> str:
        """The operation's document, as over HTTP: sent as text, or by its hash
        (``extensions.persistedQuery``) from the trusted documents or those clients registered; with
        TRUSTED_DOCUMENTS_ONLY, a trusted one or nothing (``PERSISTED_QUERY_NOT_FOUND``)."""
        request = GraphQLRequestData(
            query=payload.get("query") or None,  # graphql-ws sends "" with a document sent by hash
            variables=payload.get("variables"),
            operation_name=payload.get("operationName"),
            extensions=payload.get("extensions"),
        )
        documents: PersistedDocuments | None = getattr(self.view, "documents", None)
        if documents is not None:
            request = documents.resolve(request)
        if request.query is None:
            raise RequestRefused(400, "The subscribe message has no query")
        return request.query

    async def shutdown(self) -> None:
        for task in getattr(self, "_watchers", ()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await super().shutdown()

    async def _watch(self) -> None:
        """One timer per socket: the protocol's keep-alive ping every ``SOCKET_PING_SECONDS`` (the
        client answers with a pong), and the close with 4403 when the token expires."""
        context = self.context
        interval = context.settings.socket_ping_seconds
        expires = None
        if isinstance(context, SocketContext) and context.expires_at is not None:
            expires = context.expires_at + context.settings.jwt_leeway_seconds
        with contextlib.suppress(Exception):
            while True:
                wait = interval if expires is None else min(interval, expires - time.time())
                await asyncio.sleep(max(0.0, wait))
                if expires is not None and time.time() >= expires:
                    await self.websocket.close(TOKEN_EXPIRED, "Token expired")
                    return
                if wait == interval:
                    await self.send_message({"type": "ping"})
