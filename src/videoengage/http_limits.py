"""ASGI middleware that refuses oversized (413), slow (408) and excess (503) requests before any parsing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from videoengage.http_request import error_body
from videoengage.task_deadlines import TaskDeadlines

RETRY = {"retry-after": "1"}
# Answers a request from its body and returns True, or sends nothing and returns False (``lean_http``).
BodyHandler = Callable[[Scope, bytes, Receive, Send], Awaitable[bool]]


class RequestLimits:
    """Caps the request body, the time it may take to arrive, and the requests in this worker.

    The body is read (up to the cap) before the app sees it, so a GraphQL document is never parsed
    from a body over the limit. A request counts as *receiving* until its body has arrived, and only
    then as *in flight*: clients that trickle a body in cannot take the places of requests that are
    ready to run, and one that has not finished within the body timeout is refused with 408. Either
    cap answers 503 at once instead of queueing without bound.

    With a ``lean`` handler, a request within the limits is offered to it with its body first; one it
    does not answer goes on to the app, its body replayed.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_concurrent_requests: int,
        max_receiving_requests: int,
        body_timeout_seconds: float,
        lean: BodyHandler | None = None,
    ) -> None:
        self.app = app
        self.lean = lean
        self.max_body_bytes = max_body_bytes
        self.max_concurrent_requests = max_concurrent_requests
        self.max_receiving_requests = max_receiving_requests
        self.body_timeout_seconds = body_timeout_seconds
        self.receiving = TaskDeadlines(body_timeout_seconds)
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(self.receiving) >= self.max_receiving_requests:
            await _refuse(send, 503, "Too many requests are still sending their body; retry shortly", RETRY)
            return
        task = asyncio.current_task()
        assert task is not None  # an ASGI app always runs in a task
        self.receiving.start(task)
        try:
            body = await self._read_body(scope, receive)
        except asyncio.CancelledError:
            if not self.receiving.expired(task):
                raise
            seconds = f"{self.body_timeout_seconds:g}"
            await _refuse(send, 408, f"The request body did not arrive within {seconds} s")
            return
        finally:
            self.receiving.stop(task)
        if body is None:
            await _refuse(send, 413, f"The request body is over {self.max_body_bytes} bytes")
            return
        if self.in_flight >= self.max_concurrent_requests:
            await _refuse(send, 503, "The server is overloaded; retry shortly", RETRY)
            return
        self.in_flight += 1
        try:
            if self.lean is None or not await self.lean(scope, body, receive, send):
                await self.app(scope, _replay(body, receive), send)
        finally:
            self.in_flight -= 1

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body, or None as soon as it is known to be over the cap."""
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_body_bytes):
                return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect, as the server would

    return replay


async def _refuse(send: Send, status: int, message: str, headers: dict[str, str] | None = None) -> None:
    body = error_body(status, message)
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((key.encode(), value.encode()) for key, value in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
