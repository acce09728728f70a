"""The worker's one listening connection: PostgreSQL announces each stored message on ``CHANNEL``
(a trigger, migration 0002) and this connection hears it.

It is a psycopg connection of its own, outside the pool (a pooled connection goes back to others;
LISTEN must stay), opened from ``LISTEN_DATABASE_URL`` (a transaction-pooling proxy cannot carry
LISTEN). When it drops (a restart, ``pg_terminate_backend``) it is opened again with backoff, and
``on_listening`` runs each time LISTEN is in place again, so the caller can catch up on whatever was
announced while nobody listened.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import psycopg
from psycopg.pq.abc import PGconn

logger = logging.getLogger(__name__)

CHANNEL = "videoengage_messages"
APPLICATION_NAME = "videoengage-listener"
FIRST_BACKOFF_SECONDS = 0.1
MAX_BACKOFF_SECONDS = 5.0


def libpq_url(database_url: str) -> str:
    """``postgresql+psycopg://`` (SQLAlchemy's spelling) as libpq takes it."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


async def listen(
    database_url: str,
    on_message: Callable[[int, int], None],
    on_listening: Callable[[], None],
) -> None:
    """Forever (until cancelled): LISTEN, call ``on_message(conversation_id, message_id)`` for each
    announcement, and reconnect with backoff when the connection fails."""
    backoff = FIRST_BACKOFF_SECONDS
    while True:
        try:
            conn = await psycopg.AsyncConnection.connect(
                libpq_url(database_url), autocommit=True, application_name=APPLICATION_NAME, connect_timeout=5
            )
            async with conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                # From here every commit is announced to us: catching up now misses nothing.
                on_listening()
                backoff = FIRST_BACKOFF_SECONDS
                await _hear(conn.pgconn, on_message)
        except (psycopg.Error, OSError) as error:
            logger.warning("the listening connection failed (%s); reconnecting in %.1f s", error, backoff)
        await asyncio.sleep(backoff)
        backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


async def _hear(pgconn: PGconn, on_message: Callable[[int, int], None]) -> None:
    """Announcements as they arrive, until the connection fails (raised).

    The socket stays registered with the event loop, and each time it is readable the input is
    consumed and every announcement in it handled, with libpq's own calls. psycopg's ``notifies()``
    registers and unregisters the socket and runs its generator machinery for each one: about
    0.12 ms of CPU per announcement, paid by every worker for every message stored anywhere.
    """
    loop = asyncio.get_running_loop()
    failed: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        try:
            pgconn.consume_input()
            while (notify := pgconn.notifies()) is not None:
                conversation, _, message = notify.extra.decode().partition(":")
                on_message(int(conversation), int(message))
        except Exception as error:
            if not failed.done():
                failed.set_exception(error)

    socket = pgconn.socket
    loop.add_reader(socket, readable)
    try:
        readable()  # anything that arrived with LISTEN's answer
        await failed
    finally:
        loop.remove_reader(socket)
