"""A token bucket per viewer, charged with each operation's cost before it runs (README, "Rate limit").

Each viewer's bucket holds ``RATE_LIMIT_POINTS`` and refills continuously, the whole of it over
``RATE_LIMIT_WINDOW_SECONDS``. An operation that does not fit is not run and takes nothing from the
bucket. With ``REDIS_URL`` the buckets live in Redis, one atomic script per operation (Redis's own
clock, so every worker and instance agrees); without it each worker keeps its own. When Redis does
not answer, the server keeps serving on the worker's own buckets (it fails open to them, rather
than to no limit at all), says so once in the log, and asks Redis again a second later.

``RateLimiter.charge`` is the one way in: the HTTP pipeline calls it per operation, and anything else
that runs operations for a viewer (subscriptions) charges it the same way.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from videoengage.settings import Settings

logger = logging.getLogger(__name__)

MAX_LOCAL_BUCKETS = 100_000  # per worker; the least recently charged is forgotten (as if full)
REDIS_TIMEOUT_SECONDS = 0.5
REDIS_RETRY_SECONDS = 1.0  # after a failure, Redis is not asked again for this long

# KEYS[1] the bucket; ARGV capacity, restore rate (points per second), cost. Returns whether the
# cost was taken and what is left (as text: Redis would truncate a Lua number to an integer).
_CHARGE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'points', 'at')
local points = tonumber(state[1])
local at = tonumber(state[2])
if points == nil or at == nil then
  points = capacity
  at = now
end
points = math.min(capacity, points + math.max(0, now - at) * rate)
if cost > points then
  return {0, tostring(points)}
end
points = points - cost
redis.call('HSET', KEYS[1], 'points', tostring(points), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - points) / rate * 1000) + 1000)
return {1, tostring(points)}
"""


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


class RateLimiter:
    """Charges viewers for operations: in Redis when there is one, else in this worker's buckets."""

    def __init__(
        self, capacity: int, window_seconds: float, redis_url: str | None = None, key_prefix: str = ""
    ) -> None:
        self.capacity = capacity
        self.restore_rate = capacity / window_seconds
        self.local = LocalBuckets(capacity, self.restore_rate)
        self.key_prefix = key_prefix
        self.redis: Redis | None = None
        if redis_url is not None:
            self.redis = Redis.from_url(
                redis_url,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                retry=Retry(NoBackoff(), 0),  # a failure falls back at once; no request waits on retries
            )
            self._script = self.redis.register_script(_CHARGE_SCRIPT)
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
        if self.redis is None or time.monotonic() < self._redis_down_until:
            return self.local.charge(key, cost)
        try:
            taken, points = await self._script(keys=[key], args=[self.capacity, self.restore_rate, cost])
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
        return Throttle(bool(taken), cost, self.capacity, float(points), self.restore_rate)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
