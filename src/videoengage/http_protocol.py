"""uvicorn's httptools protocol with a deadline for the request head: idle and slowloris connections end.

uvicorn times a connection out only between requests (its keep-alive timeout, reset by any byte) and
never before the first one, so a client that connects and sends nothing, or one header byte at a
time, holds a socket and a file descriptor for as long as it likes. This protocol closes a
connection whose request line and headers have not fully arrived within
``REQUEST_HEADER_TIMEOUT_SECONDS`` of it opening or of the previous response, as Node's
``headersTimeout`` and nginx's ``client_header_timeout`` do. The body has its own deadline, in
``RequestLimits``. Nor does uvicorn bound the head's size (20 MB of headers are taken in and kept
until they end): a head over ``MAX_HEAD_BYTES`` gets HTTP 431 and the connection is closed.
``videoengage serve`` names ``ServedProtocol`` (this and ``http_writes``) as uvicorn's ``http`` protocol.
"""

from __future__ import annotations

import asyncio
import functools
import time

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from videoengage.http_request import error_body
from videoengage.http_writes import OneWritePerResponse
from videoengage.settings import Settings

# Node's default is 16 KiB and Go's 1 MiB; our clients send a bearer token and a few headers.
MAX_HEAD_BYTES = 65_536
LINGER_SECONDS = 2.0


@functools.cache
def _head_timeout_seconds() -> float:
    """Read once per worker: uvicorn builds one protocol per connection, from an import string."""
    return Settings().request_header_timeout_seconds


class HeadTimeoutProtocol(HttpToolsProtocol):
    """Ends a connection whose request head is incomplete at its deadline, or over MAX_HEAD_BYTES (431)."""

    head_timer: asyncio.TimerHandle | None = None  # set while a request head is due
    head_due = 0.0  # its deadline, on time.monotonic() (uvloop's timers can fire early; see TaskDeadlines)
    head_bytes = 0  # received of the head that is due
    refused = False  # answered 431: what the client still sends is read and dropped

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        head_due = self.head_timer is not None
        super().data_received(data)
        if head_due and self.head_timer is not None:  # all of this chunk belongs to the head
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
                self._refuse_head()

    def _refuse_head(self) -> None:
        """Answer 431 and end the connection, reading on for a moment (a lingering close, as nginx
        does): closing with unread data would reset the connection, and the client could lose the
        answer before reading it."""
        self._cancel_head_timer()
        self.refused = True
        self.transport.write(HEAD_TOO_LARGE)
        self.transport.write_eof()
        self.head_due = time.monotonic() + LINGER_SECONDS
        self.head_timer = self.loop.call_later(LINGER_SECONDS, self._head_timed_out)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # The next request's head is due now, unless it has already arrived (pipelined).
        if not self.transport.is_closing() and self.timeout_keep_alive_task is not None:
            self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self.head_bytes = 0
        self.head_due = time.monotonic() + _head_timeout_seconds()
        self.head_timer = self.loop.call_later(_head_timeout_seconds(), self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        left = self.head_due - time.monotonic()
        if left > 0:  # fired early: wait out the rest
            self.head_timer = self.loop.call_later(left, self._head_timed_out)
            return
        self.head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def _refusal(status: int, reason: str, message: str) -> bytes:
    body = error_body(status, message)
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    )
    return head.encode() + body


HEAD_TOO_LARGE = _refusal(
    431, "Request Header Fields Too Large", f"The request line and headers are over {MAX_HEAD_BYTES} bytes"
)


class ServedProtocol(OneWritePerResponse, HeadTimeoutProtocol):
    """What ``videoengage serve`` runs: the head's deadline and size limit, and one write per response."""
