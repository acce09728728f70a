"""What tells the hubs that messages were stored: PostgreSQL's NOTIFY, or a poll on SQLite.

PostgreSQL announces each message from a trigger in the storing transaction (migration 0002), while
any worker listens (migration 0003); the worker's listening connection (``db.listener``) hears it
while the worker has subscribers. Each time LISTEN is in place again, every room catches up from its
feeds' last ids: an announcement made, or not made, while nobody listened is never needed.

SQLite has no NOTIFY and its workers are separate processes, so each worker asks the database, every
``SQLITE_POLL_SECONDS`` while it has subscribers, which conversations got messages above the highest
id it has seen: one index lookup per interval per worker (10 a second by default), and a second
statement when there is something new; none while nobody subscribes. The delay it adds is at most
one interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from videoengage.db import message_feed
from videoengage.db.engine import Database

logger = logging.getLogger(__name__)

Announce = Callable[[int, int], None]


async def poll_sqlite(
    db: Database, interval: float, announce: Announce, catch_up: Callable[[], None], busy: Callable[[], bool]
) -> None:
    """Announce each conversation with messages newer than the last seen, while anyone subscribes.

    Each round reads the newest id (one index lookup); only when it moved does a second statement
    name the conversations. When the poll (re)starts, or the newest id went down (messages deleted,
    so ids may be handed out again), every room catches up from where its feeds are."""
    seen: int | None = None
    while True:
        await asyncio.sleep(interval)
        if not busy():
            seen = None  # a subscriber that joins catches up from its own cursor
            continue
        try:
            newest = await message_feed.newest_message_id(db)
            if seen is None or newest < seen:
                seen = newest
                catch_up()
                continue
            if newest == seen:
                continue
            changed = await message_feed.conversations_changed_since(db, seen)
        except Exception:
            logger.warning("polling for new messages failed", exc_info=True)
            continue
        seen = newest
        for conversation_id, conversation_newest in changed.items():
            announce(conversation_id, conversation_newest)
