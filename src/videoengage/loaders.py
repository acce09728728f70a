"""Per-request dataloaders, one per (entity, key): a page's lookups become one statement each.

Each batch opens its own short session: batches run as separate tasks, and a SQLAlchemy session must
never be shared between tasks. Results come back in key order, ``None`` for a miss.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from videoengage.db import queries
from videoengage.db.engine import Database
from videoengage.db.models import User

K = TypeVar("K")
V = TypeVar("V")

Fetch = Callable[[AsyncSession, Sequence[K]], Awaitable[dict[K, V]]]


class _KeyedLoader(DataLoader[K, V | None], Generic[K, V]):
    """Loads a batch with one query returning ``{key: value}`` and answers in key order."""

    def __init__(self, db: Database, fetch: Fetch[K, V]) -> None:
        super().__init__()
        self._db = db
        self._fetch = fetch

    async def batch_load_fn(self, keys: list[K]) -> list[V | None]:
        async with self._db.read() as session:
            found = await self._fetch(session, keys)
        return [found.get(key) for key in keys]


class UserByIdLoader(_KeyedLoader[int, User]):
    def __init__(self, db: Database) -> None:
        super().__init__(db, queries.users_by_id)


class Loaders:
    """A fresh set per request, so nothing cached outlives the request that loaded it."""

    def __init__(self, db: Database) -> None:
        self.user_by_id = UserByIdLoader(db)
