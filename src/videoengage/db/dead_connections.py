"""Repeatable database work that met a dead connection runs once more, on a fresh one.

The pre-ping checks only connections that sat idle (``IDLE_BEFORE_PING_SECONDS``), so a connection
killed just after use is handed out dead. SQLAlchemy marks that failure apart from all others
(``DBAPIError.connection_invalidated``: the driver found the connection itself broken) and, on it,
invalidates the whole pool, so the next checkout opens a fresh connection rather than taking another
dead one. A statement timeout, or a connection that cannot be opened, is no such failure: it reaches
the client as before ("retry shortly"), and so does a second dead connection.

Only work that is safe to run twice comes here: reads that return fully fetched results (a retry
after rows were handed out would hand them out twice) and idempotent statements (the progress
upsert). A send or a toggle may have reached the database before its connection died, so it never
does: a client retries a send with its ``clientMessageId``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

logger = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_LOG_MESSAGE = "running it once more on a fresh connection"


async def once_more_if_dead(attempt: Callable[[], Awaitable[T]]) -> T:
    """``attempt()``, run a second time if its connection turned out dead; never a third."""
    try:
        return await attempt()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        logger.info("a connection was dead (%s); %s", type(error.orig).__name__, RETRY_LOG_MESSAGE)
    return await attempt()
