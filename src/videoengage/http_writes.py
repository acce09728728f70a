"""One write per response: a response's head goes out with its body, not in a system call of its own.

uvicorn writes a response's status line and headers as soon as the application starts the response,
and its body when the body comes; on an idle socket each write is a system call, and for a small
answer (``{ viewer { id } }``) the head's own write cost several per cent of the request's CPU. This
protocol holds a head that announces a ``content-length`` (the body follows at once, and a client can
do nothing with the head alone) and sends it with the next write. Nothing else is held: not a
``100 Continue``, not a streamed (chunked) head, not a WebSocket's frames; and what is held goes out
before anything else does, when the response completes, or when the connection is closed or
half-closed, so the bytes on the wire are exactly uvicorn's.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_STATUS_LINE_START = b"HTTP/1.1 "
_CONTENT_LENGTH = b"\r\ncontent-length: "  # uvicorn writes header names in lower case


def _is_sized_head(data: bytes) -> bool:
    """A whole response head (status line to blank line) that announces its body's length."""
    return data.startswith(_STATUS_LINE_START) and data.endswith(b"\r\n\r\n") and _CONTENT_LENGTH in data


class HeadWithBody:
    """The connection's transport, holding a sized response head until the next write."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._head is not None:
            data, self._head = self._head + data, None
        elif _is_sized_head(data):
            self._head = data
            return
        self._transport.write(data)

    def flush(self) -> None:
        """Send a held head now (its response is complete: a HEAD request's has no body)."""
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def is_closing(self) -> bool:
        return self._transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        # Everything else (extra info, flow control, handing over to a WebSocket protocol) as is.
        return getattr(self._transport, name)


class OneWritePerResponse(HttpToolsProtocol):
    """uvicorn's httptools protocol on a ``HeadWithBody`` transport."""

    transport: HeadWithBody  # type: ignore[assignment]

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(HeadWithBody(transport))  # type: ignore[arg-type]

    def on_response_complete(self) -> None:
        self.transport.flush()
        super().on_response_complete()
