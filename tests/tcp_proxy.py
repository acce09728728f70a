"""A TCP proxy in front of PostgreSQL that a test can cut and restore, in a thread of its own.

Cutting it is what the server sees when PostgreSQL goes away: open connections drop and new ones
are refused. The real PostgreSQL is shared with other test runs, so it is never stopped itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

from sqlalchemy.engine import make_url

from tests.served import free_port


def url_through(db_url: str, port: int) -> str:
    """``db_url`` with the proxy on ``port`` in place of the database's own address."""
    return make_url(db_url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._thread.start()

    def _run(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)  # type: ignore[arg-type]

    def up(self) -> None:
        self._run(self._up())

    def down(self) -> None:
        """Refuse new connections and drop the open ones."""
        self._run(self._down())

    def close(self) -> None:
        self.down()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _up(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _down(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._writers.add(client_writer)  # from the moment of accepting, so down() can cut it
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        if self._server is None or client_writer not in self._writers:
            # Cut while we were connecting upstream: this connection must not survive the cut.
            client_writer.transport.abort()
            server_writer.transport.abort()
            return
        self._writers.add(server_writer)

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.transport.abort()

        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))
        self._writers -= {client_writer, server_writer}


@contextlib.contextmanager
def tcp_proxy(target_host: str, target_port: int, *, up: bool = True) -> Iterator[TcpProxy]:
    proxy = TcpProxy(target_host, target_port)
    if up:
        proxy.up()
    try:
        yield proxy
    finally:
        proxy.close()
