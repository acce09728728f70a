"""A token bucket's answer (``Throttle``), and the buckets one worker keeps in its own memory."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass

MAX_LOCAL_BUCKETS = 100_000  # per worker; the least recently charged is forgotten (as if full)


@dataclass(frozen=True, slots=True)
class Throttle:
    """The answer to one charge, and what ``extensions.cost`` tells the client."""

    allowed: bool
    requested: int
    maximum: int
    available: float  # after this charge (or, refused, the points there are)
    restore_rate: float  # points per second

    @property
    def fits_at_all(self) -> bool:
        return self.requested <= self.maximum

    @property
    def retry_after_seconds(self) -> float:
        """How long until the requested points are there (0 when charged)."""
        if self.allowed:
            return 0.0
        return math.ceil((self.requested - self.available) / self.restore_rate * 1000) / 1000

    def extension(self) -> dict[str, object]:
        return {
            "requested": self.requested,
            "throttleStatus": {
                "maximumAvailable": self.maximum,
                "currentlyAvailable": math.floor(self.available),
                "restoreRate": self.restore_rate,
            },
        }


class LocalBuckets:
    """The buckets of one worker, on its monotonic clock; a charge is atomic (nothing awaits in it)."""

    def __init__(self, capacity: int, restore_rate: float) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (points, at)

    def charge(self, key: str, cost: int) -> Throttle:
        now = time.monotonic()
        points, at = self._buckets.pop(key, (float(self.capacity), now))
        points = min(float(self.capacity), points + (now - at) * self.restore_rate)
        allowed = cost <= points
        if allowed:
            points -= cost
        self._buckets[key] = (points, now)
        if len(self._buckets) > MAX_LOCAL_BUCKETS:
            self._buckets.popitem(last=False)
        return Throttle(allowed, cost, self.capacity, points, self.restore_rate)
