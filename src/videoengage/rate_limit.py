"""A token bucket per viewer, charged with each operation's cost before it runs (README, "Rate limit").

Each viewer's bucket holds ``RATE_LIMIT_POINTS`` and refills continuously, the whole of it over
``RATE_LIMIT_WINDOW_SECONDS``. An operation that does not fit is not run and takes nothing from the
bucket. With ``REDIS_URL`` the buckets live in Redis and each worker leases points from them in
batches (``redis_buckets``); without it each worker keeps its own. When Redis does
not answer, the server keeps serving on the worker's own buckets (it fails open to them, rather
than to no limit at all), says so once in the log, and asks Redis again a second later.

``RateLimiter.charge`` is the one way in: the HTTP pipeline calls it per operation, and anything else
that runs operations for a viewer (subscriptions) charges it the same way.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from videoengage.buckets import LocalBuckets, Throttle
from videoengage.redis_buckets import RedisBuckets
from videoengage.settings import Settings

logger = logging.getLogger(__name__)

REDIS_RETRY_SECONDS = 1.0  # after a failure, Redis is not asked again for this long


class RateLimiter:
    """Charges viewers for operations: in Redis when there is one, else in this worker's buckets."""

    def __init__(
        self, capacity: int, window_seconds: float, redis_url: str | None = None, key_prefix: str = ""
    ) -> None:
        self.capacity = capacity
        self.restore_rate = capacity / window_seconds
        self.local = LocalBuckets(capacity, self.restore_rate)
        self.key_prefix = key_prefix
        self.redis = None if redis_url is None else RedisBuckets(redis_url, capacity, self.restore_rate)
        self._redis_down_until = 0.0
        self._redis_down = False

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        return cls(
            settings.rate_limit_points,
            settings.rate_limit_window_seconds,
            settings.redis_url,
            f"{settings.redis_key_prefix}rate:",
        )

    @property
    def shared(self) -> bool:
        """Whether charges go to Redis now (not during an outage, nor without REDIS_URL)."""
        return self.redis is not None and not self._redis_down

    async def charge(self, viewer_id: int, cost: int) -> Throttle:
        """Take ``cost`` points from the viewer's bucket if they are there; nothing is taken otherwise."""
        key = f"{self.key_prefix}{viewer_id}"
        now = time.monotonic()
        if self.redis is None or now < self._redis_down_until:
            return self.local.charge(key, cost)
        try:
            throttle = await self.redis.charge(key, cost, now)
        except (RedisError, OSError) as error:
            self._redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
            if not self._redis_down:
                self._redis_down = True
                logger.warning(
                    "Redis does not answer (%s): rate limiting with this worker's own buckets until it does",
                    type(error).__name__,
                )
            return self.local.charge(key, cost)
        if self._redis_down:
            self._redis_down = False
            logger.warning("Redis answers again: rate limiting with the shared buckets")
        return throttle

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.close()
