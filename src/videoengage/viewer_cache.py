"""Per-process memory of verified tokens and recently seen viewers, so most requests need no IO.

A token is verified once and then trusted until it expires. A viewer's row is reused for
``VIEWER_CACHE_SECONDS``: a user deleted meanwhile is still accepted for at most that long by a
worker that saw them recently (documented in the README); 0 turns the cache off.
"""

from __future__ import annotations

import time
from typing import TypeVar

from videoengage.db.rows import UserRow

K = TypeVar("K")
V = TypeVar("V")

MAX_ENTRIES = 50_000


class ViewerCache:
    def __init__(self, ttl_seconds: float) -> None:
        self.ttl_seconds = ttl_seconds
        self._tokens: dict[str, tuple[int, float]] = {}  # token -> (user id, expiry, epoch seconds)
        self._users: dict[int, tuple[UserRow, float]] = {}  # user id -> (row, fresh until, monotonic)

    def user_id_for(self, token: str) -> int | None:
        """The user id of a token verified before and not expired since."""
        return _fresh(self._tokens, token, time.time())

    def remember_token(self, token: str, user_id: int, expires_at: float) -> None:
        if self.ttl_seconds > 0:
            _put(self._tokens, token, (user_id, expires_at))

    def user(self, user_id: int) -> UserRow | None:
        return _fresh(self._users, user_id, time.monotonic())

    def remember_user(self, row: UserRow) -> None:
        if self.ttl_seconds > 0:
            _put(self._users, row.id, (row, time.monotonic() + self.ttl_seconds))


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
