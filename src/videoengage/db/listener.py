"""The worker's one listening connection: PostgreSQL announces each stored message on ``CHANNEL``
(a trigger, migrations 0002 and 0003), and this connection hears it while the worker has subscribers.

It is a psycopg connection of its own, outside the pool (a pooled connection goes back to others;
LISTEN must stay), opened from ``LISTEN_DATABASE_URL`` (a transaction-pooling proxy cannot carry
LISTEN), and held for the worker's life. LISTEN is in place only while someone ``want``s
announcements: a worker without subscribers is not woken for every message stored anywhere (with
two workers, that was two wake-ups per send, in each server and in PostgreSQL). When the connection
drops (a restart, ``pg_terminate_backend``) it is opened again with backoff, and ``on_listening``
runs each time LISTEN is in place again, so the caller can catch up on whatever was announced while
nobody listened.

The trigger announces only while some connection holds ``LISTENING_LOCK`` (migration 0003): NOTIFY
makes sends commit one at a time, and nobody needs it while nobody listens. So this connection takes
that lock, then waits once at ``GATE_LOCK`` for the sends that looked before it took it, and only
then LISTENs and catches up: whatever commits afterwards finds it listening.
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
# Advisory locks, two int4 keys each (migration 0003): the first is the project's own space.
_LOCK_SPACE = 0x76_69_64_65  # "vide"
LISTENING_LOCK = (_LOCK_SPACE, 1)  # held shared by each connection while it listens
GATE_LOCK = (_LOCK_SPACE, 2)  # held shared by each storing transaction until it ends
_TAKE_LISTENING_LOCK = "SELECT pg_advisory_lock_shared({}, {})".format(*LISTENING_LOCK)
_DROP_LISTENING_LOCK = "SELECT pg_advisory_unlock_shared({}, {})".format(*LISTENING_LOCK)
# Two statements in one round trip, run in order: once every send holding the gate has ended.
_WAIT_AT_THE_GATE = "SELECT pg_advisory_lock({0}, {1}); SELECT pg_advisory_unlock({0}, {1})".format(
    *GATE_LOCK
)
FIRST_BACKOFF_SECONDS = 0.1
MAX_BACKOFF_SECONDS = 5.0


def libpq_url(database_url: str) -> str:
    """``postgresql+psycopg://`` (SQLAlchemy's spelling) as libpq takes it."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


class Listener:
    """Holds the listening connection; LISTENs while ``want`` outnumbers ``unwant``."""

    def __init__(
        self,
        database_url: str,
        on_message: Callable[[int, int], None],
        on_listening: Callable[[], None],
    ) -> None:
        """``on_message(conversation_id, message_id)`` for each announcement heard."""
        self._url = libpq_url(database_url)
        self._on_message = on_message
        self._on_listening = on_listening
        self._wanted = 0
        # Set while waiting is pointless: LISTEN is in place, or there is no connection to put it on
        # (then ``on_listening`` runs once there is).
        self._settled = asyncio.Event()
        self._settled.set()
        self._interrupt: asyncio.Future[None] | None = None
        self.listening = False
        self.backend_pid: int | None = None  # the connection's, while there is one
        self.heard = 0  # announcements, for the tests and the benchmark

    def want(self) -> None:
        """Someone needs announcements from now on: ``await in_place()`` before relying on them."""
        self._wanted += 1
        if self._wanted == 1:
            self._reconsider()

    def unwant(self) -> None:
        self._wanted -= 1
        if self._wanted == 0:
            self._reconsider()

    async def in_place(self) -> None:
        """Return once announcements flow, or once it is clear they cannot yet: no connection."""
        await self._settled.wait()

    async def run(self) -> None:
        """Forever (until cancelled): hold the connection, reconnecting with backoff when it fails."""
        backoff = FIRST_BACKOFF_SECONDS
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True, application_name=APPLICATION_NAME, connect_timeout=5
                )
                async with conn:
                    backoff = FIRST_BACKOFF_SECONDS
                    self.backend_pid = conn.info.backend_pid
                    # Announcements psycopg reads while it runs our LISTEN or UNLISTEN come here.
                    conn.add_notify_handler(lambda notify: self._hear(notify.payload))
                    await self._serve(conn)
            except (psycopg.Error, OSError) as error:
                logger.warning("the listening connection failed (%s); reconnecting in %.1f s", error, backoff)
            finally:
                self.listening, self.backend_pid = False, None
                self._settled.set()
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    async def _serve(self, conn: psycopg.AsyncConnection[tuple[object, ...]]) -> None:
        """Keep LISTEN in place exactly while it is wanted; hear what comes in between."""
        self._settled.clear()
        while True:
            if self._wanted and not self.listening:
                await conn.execute(_TAKE_LISTENING_LOCK)
                await conn.execute(_WAIT_AT_THE_GATE)  # for the sends that looked before the lock
                await conn.execute(f"LISTEN {CHANNEL}")
                self.listening = True
                # From here every commit is announced to us: catching up now misses nothing.
                self._on_listening()
                self._settled.set()
            elif not self._wanted and self.listening:
                self._settled.clear()
                await conn.execute(f"UNLISTEN {CHANNEL}")
                await conn.execute(_DROP_LISTENING_LOCK)
                self.listening = False
            else:
                self._interrupt = asyncio.get_running_loop().create_future()
                await _read(conn.pgconn, self._hear, self._interrupt)

    def _reconsider(self) -> None:
        """Let ``_serve`` look at what is wanted again."""
        if self._interrupt is not None and not self._interrupt.done():
            self._interrupt.set_result(None)

    def _hear(self, payload: str) -> None:
        self.heard += 1
        conversation, _, message = payload.partition(":")
        self._on_message(int(conversation), int(message))


async def _read(pgconn: PGconn, hear: Callable[[str], None], interrupt: asyncio.Future[None]) -> None:
    """Announcements as they arrive, until ``interrupt`` is resolved, or the connection fails
    (raised through ``interrupt``).

    The socket stays registered with the event loop, and each time it is readable the input is
    consumed and every announcement in it handled, with libpq's own calls. psycopg's ``notifies()``
    registers and unregisters the socket and runs its generator machinery for each one: about
    0.12 ms of CPU per announcement.
    """
    loop = asyncio.get_running_loop()

    def readable() -> None:
        try:
            pgconn.consume_input()
            while (notify := pgconn.notifies()) is not None:
                hear(notify.extra.decode())
        except Exception as error:
            if not interrupt.done():
                interrupt.set_exception(error)

    socket = pgconn.socket
    loop.add_reader(socket, readable)
    try:
        readable()  # anything that arrived with the last command's answer
        await interrupt
    finally:
        loop.remove_reader(socket)
