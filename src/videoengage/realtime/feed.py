"""One subscription's bounded queue, and what it has been given so far.

Items carry increasing ids (message ids, within one conversation); a feed takes only ids above the
last it took, so loading the same rows twice, or a catch-up overlapping a live event, never
delivers an item twice. A consumer that falls ``capacity`` items behind overflows: its subscription
ends, and it resubscribes from the last cursor it received (nothing is lost, the catch-up reads it).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class Overflow(Exception):
    """The consumer fell too far behind."""


class Feed(Generic[T]):
    def __init__(self, last_id: int, capacity: int) -> None:
        self.last_id = last_id
        self.capacity = capacity
        self.overflowed = False
        self._pending: deque[tuple[int, T]] = deque()
        self._wake = asyncio.Event()

    def offer(self, items: Sequence[tuple[int, T]]) -> bool:
        """Queue the items newer than the last taken; False (and overflowed) past the capacity."""
        for item_id, item in items:
            if item_id <= self.last_id:
                continue
            if len(self._pending) >= self.capacity:
                self.overflowed = True
                self._pending.clear()
                self._wake.set()
                return False
            self._pending.append((item_id, item))
            self.last_id = item_id
            self._wake.set()
        return True

    async def take(self) -> list[tuple[int, T]]:
        """Everything queued, once there is something; ``Overflow`` if the queue overflowed."""
        while not self._pending and not self.overflowed:
            self._wake.clear()
            await self._wake.wait()
        if self.overflowed:
            raise Overflow
        items = list(self._pending)
        self._pending.clear()
        return items
