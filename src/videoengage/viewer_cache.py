"""Per-process memory of verified tokens and recently seen viewers, so most requests need no IO.

A token is verified once and then trusted until it expires. A viewer's row is trusted for
``VIEWER_CACHE_SECONDS`` after the database last showed it: a user deleted meanwhile is still
accepted for at most that long by a worker that saw them recently (documented in the README); 0 turns
the cache off. Every half of that time, one statement per batch re-reads the viewers used since the
last round (``keep_confirmed``), so an active viewer is never re-read by one of their requests, and a
worker pays one statement per interval, not one per viewer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import TypeVar

from videoengage.db import queries
from videoengage.db.engine import Database
from videoengage.db.rows import UserRow

K = TypeVar("K")
V = TypeVar("V")

logger = logging.getLogger(__name__)

MAX_ENTRIES = 50_000
# Viewers re-read per statement: well under SQLite's and PostgreSQL's limits on bound parameters.
RECONFIRM_BATCH = 500
ROUNDS_TASK_NAME = "viewer-cache-rounds"


class ViewerCache:
    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._tokens: dict[str, tuple[int, float]] = {}  # token -> (user id, expiry, epoch seconds)
        self._users: dict[int, tuple[UserRow, float]] = {}  # user id -> (row, fresh until, monotonic)
        self._used: set[int] = set()  # users answered from here or remembered since the last round

    def user_id_for(self, token: str) -> int | None:
        """The user id of a token verified before and not expired since."""
        return _fresh(self._tokens, token, time.time())

    def remember_token(self, token: str, user_id: int, expires_at: float) -> None:
        if self.ttl_seconds > 0:
            _put(self._tokens, token, (user_id, expires_at))

    def user(self, user_id: int) -> UserRow | None:
        row = _fresh(self._users, user_id, time.monotonic())
        if row is not None and len(self._used) < MAX_ENTRIES:
            self._used.add(user_id)
        return row

    def remember_user(self, row: UserRow) -> None:
        if self.ttl_seconds > 0:
            _put(self._users, row.id, (row, time.monotonic() + self.ttl_seconds))
            if len(self._used) < MAX_ENTRIES:
                self._used.add(row.id)

    async def reconfirm(self, db: Database) -> None:
        """Re-read the viewers used since the last round: those still there are trusted for another
        ``ttl_seconds`` from before the read was sent, the others are forgotten. Viewers not used
        meanwhile are left to expire, so the work follows the traffic, not the cache's size."""
        used, self._used = self._used, set()
        ids = [user_id for user_id in used if user_id in self._users]
        for start in range(0, len(ids), RECONFIRM_BATCH):
            batch = ids[start : start + RECONFIRM_BATCH]
            fresh_until = time.monotonic() + self.ttl_seconds
            rows = await _users_by_id(db, batch)
            for user_id in batch:
                if user_id not in self._users:  # dropped meanwhile: stale, or pushed out when full
                    continue
                row = rows.get(user_id)
                if row is None:
                    del self._users[user_id]
                else:
                    self._users[user_id] = (row, fresh_until)

    async def keep_confirmed(self, db: Database) -> None:
        """Runs for the worker's life (the app's lifespan). A round that fails changes nothing: each
        viewer's entry then expires in its time and their next request re-reads them."""
        while True:
            await asyncio.sleep(self.ttl_seconds / 2)
            try:
                await self.reconfirm(db)
            except Exception as error:  # the next round, or the viewer's next request, tries again
                logger.warning("Could not re-check the cached viewers: %s", type(error).__name__)


async def _users_by_id(db: Database, ids: Sequence[int]) -> dict[int, UserRow]:
    return await db.fetch_prepared(lambda conn: queries.users_by_id(conn, ids))


def _fresh(entries: dict[K, tuple[V, float]], key: K, now: float) -> V | None:
    """The value stored under ``key`` if it is still fresh at ``now``; a stale one is dropped."""
    found = entries.get(key)
    if found is None:
        return None
    value, fresh_until = found
    if now >= fresh_until:
        del entries[key]
        return None
    return value


def _put(entries: dict[K, V], key: K, value: V) -> None:
    """Insert, dropping the oldest entries when full: a bounded memory, whatever the traffic."""
    entries.pop(key, None)
    entries[key] = value
    while len(entries) > MAX_ENTRIES:
        del entries[next(iter(entries))]
