"""The viewers' buckets in Redis, shared by every worker and instance, leased to each worker in batches.

One Redis round trip cost a served ``saveVideoProgress`` a fifth of its CPU (bench/README.md, "The
rate limit"), more than the tenth issue #10 allows, so a worker does not ask Redis per operation: it
takes a lease of a tenth of the bucket (or the operation's cost, if more) in one atomic script and
spends it locally. The next script call hands back what is left of the previous lease, so points are
never lost while a worker keeps serving that viewer; a lease is used for at most ``LEASE_SECONDS``,
so points one worker holds come back to the others soon. Every point is in Redis, in one lease, or
spent: a viewer can never get more than the limit, and at most a tenth of the bucket per worker is
held out of another worker's reach for a second.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from videoengage.buckets import MAX_LOCAL_BUCKETS, Throttle

REDIS_TIMEOUT_SECONDS = 0.5
LEASE_FRACTION = 10  # a lease is a tenth of the bucket
LEASE_SECONDS = 1.0

# KEYS[1] the bucket; ARGV capacity, restore rate (points per second), cost, the lease wanted, the
# unspent points of the previous lease. Refills on Redis's clock (every worker agrees), takes back
# the refund, then grants the lease (at least the cost, at most what is there) or nothing. Returns
# whether it granted, the points left in the bucket and the points granted, as text (Redis would
# truncate a Lua number to an integer).
_LEASE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local wanted = tonumber(ARGV[4])
local refund = tonumber(ARGV[5])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'points', 'at')
local points = tonumber(state[1])
local at = tonumber(state[2])
if points == nil or at == nil then
  points = capacity
  at = now
end
points = math.min(capacity, points + math.max(0, now - at) * rate + refund)
local granted = 0
if cost <= points then
  granted = math.min(wanted, points)
  points = points - granted
elseif refund == 0 then
  return {0, tostring(points), '0'}
end
redis.call('HSET', KEYS[1], 'points', tostring(points), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - points) / rate * 1000) + 1000)
return {granted > 0 and 1 or 0, tostring(points), tostring(granted)}
"""


@dataclass
class Lease:
    points: float  # unspent
    shared: float  # what the bucket in Redis held when this lease was granted
    until: float  # monotonic; spent from until then


class RedisBuckets:
    def __init__(self, url: str, capacity: int, restore_rate: float) -> None:
        self.capacity = capacity
        self.restore_rate = restore_rate
        self.lease_points = max(1, capacity // LEASE_FRACTION)
        self.client = Redis.from_url(
            url,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 0),  # a failure falls back at once; no request waits on retries
        )
        self._script = self.client.register_script(_LEASE_SCRIPT)
        self._leases: OrderedDict[str, Lease] = OrderedDict()

    async def charge(self, key: str, cost: int, now: float) -> Throttle:
        """Spend from this worker's lease, or take a new one; raises RedisError or OSError when Redis
        does not answer (the lease given back is then lost, and the limit errs on the safe side)."""
        lease = self._leases.get(key)
        if lease is not None and now < lease.until and cost <= lease.points:
            lease.points -= cost
            return self._throttle(True, cost, lease.points + lease.shared)
        # Taken out before awaiting: what it holds goes back to Redis in this call, and no request
        # spends it meanwhile.
        refund = self._leases.pop(key).points if lease is not None else 0.0
        wanted = max(cost, self.lease_points)
        taken, shared, leased = await self._script(
            keys=[key], args=[self.capacity, self.restore_rate, cost, wanted, refund]
        )
        if not int(taken):
            return self._throttle(False, cost, float(shared))
        fresh = Lease(float(leased) - cost, float(shared), now + LEASE_SECONDS)
        other = self._leases.pop(key, None)  # taken by a request of this viewer during the await
        if other is not None:
            fresh.points += other.points
        self._leases[key] = fresh
        if len(self._leases) > MAX_LOCAL_BUCKETS:
            self._leases.popitem(last=False)
        return self._throttle(True, cost, fresh.points + fresh.shared)

    def _throttle(self, allowed: bool, cost: int, available: float) -> Throttle:
        return Throttle(allowed, cost, self.capacity, available, self.restore_rate)

    async def close(self) -> None:
        await self.client.aclose()
