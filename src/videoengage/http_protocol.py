"""uvicorn's httptools protocol with a deadline for the request head: idle and slowloris connections end.

uvicorn times a connection out only between requests (its keep-alive timeout, reset by any byte) and
never before the first one, so a client that connects and sends nothing, or one header byte at a
time, holds a socket and a file descriptor for as long as it likes. This protocol closes a
connection whose request line and headers have not fully arrived within
``REQUEST_HEADER_TIMEOUT_SECONDS`` of it opening or of the previous response, as Node's
``headersTimeout`` and nginx's ``client_header_timeout`` do. The body has its own deadline, in
``RequestLimits``. ``videoengage serve`` names this class as uvicorn's ``http`` protocol.
"""

from __future__ import annotations

import asyncio
import functools

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from videoengage.settings import Settings


@functools.cache
def _head_timeout_seconds() -> float:
    """Read once per worker: uvicorn builds one protocol per connection, from an import string."""
    return Settings().request_header_timeout_seconds


class HeadTimeoutProtocol(HttpToolsProtocol):
    """Closes the connection when a request head is still incomplete at its deadline."""

    head_timer: asyncio.TimerHandle | None = None

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
        self.head_timer = self.loop.call_later(_head_timeout_seconds(), self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if not self.transport.is_closing():
            self.transport.close()
