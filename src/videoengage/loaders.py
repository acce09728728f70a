"""Per-request dataloaders, one per (entity, key): a page's lookups become one statement each.

Each batch opens its own short connection: batches run as separate tasks, and a SQLAlchemy session or
connection must never be shared between tasks. Results come back in key order, ``None`` for a miss.
Values are typed rows (``db.rows``); the progress loader may also hold the ORM rows that
``continueWatching`` read and primed it with.
"""

from __future__ import annotations

import asyncio
from asyncio import Future
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, Self, TypeVar, overload

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncConnection

from videoengage.db import queries
from videoengage.db.engine import Database
from videoengage.db.models import VideoProgress
from videoengage.db.prepared import Connection
from videoengage.db.queries import UserAndTarget
from videoengage.db.reaction_targets import POST, VIDEO, ReactionTarget
from videoengage.db.rows import MessageRow, PostRow, ProgressRow, UserRow, VideoRow
from videoengage.enums import ReactionType

K = TypeVar("K")
V = TypeVar("V")

Fetch = Callable[[AsyncConnection, Sequence[K]], Awaitable[dict[K, Any]]]
FetchPrepared = Callable[[Connection, Sequence[K]], Awaitable[dict[K, Any]]]
Read = Callable[[Sequence[K]], Awaitable[dict[K, Any]]]


def _on_engine(db: Database, fetch: Fetch[K]) -> Read[K]:
    return lambda keys: db.fetch(lambda conn: fetch(conn, keys))


def _prepared(db: Database, fetch: FetchPrepared[K]) -> Read[K]:
    """For a statement built once: on the statement pool (``db.prepared``)."""
    return lambda keys: db.fetch_prepared(lambda conn: fetch(conn, keys))


_MISSING = object()


def _as_is(key: K) -> K:
    return key


class _KeyedLoader(DataLoader[K, V | None], Generic[K, V]):
    """Loads a batch with one query returning ``{key: value}`` and answers in key order.

    Made and primed for less than aiodataloader's own: most requests prime a loader or two (the
    viewer's row, what a mutation wrote) that nothing then loads from, and making a DataLoader
    (it inspects its batch function) and a future per primed key was a twentieth of a small
    mutation's CPU. So the checks of ``DataLoader.__init__``, which hold for every loader here (the
    batch function is a coroutine method), are not run again, and a primed value becomes its future
    only when a key is first loaded. Every answer is aiodataloader's: ``prime`` keeps the first value
    for a key until ``clear``, as it does; ``tests/test_loaders.py`` runs drawn sequences of calls on
    both kinds and compares.
    """

    def __init__(self, read: Read[K]) -> None:
        # What DataLoader.__init__ sets, with its defaults (batching, caching, keys as they are).
        self.loop = asyncio.get_event_loop()
        self.get_cache_key = _as_is
        self._cache: dict[Any, Future[V | None]] = {}
        self._queue: list[Any] = []
        self._primed: dict[Any, Any] = {}  # keys primed and not loaded yet: their values
        self._read = read

    def load(self, key: K) -> Future[V | None]:
        if self._primed and key is not None:
            value = self._primed.pop(key, _MISSING)
            if value is not _MISSING:
                super().prime(key, value)  # the future prime would have made
        return super().load(key)

    def prime(self, key: K, value: V | None) -> Self:
        if key not in self._cache and key not in self._primed:
            self._primed[key] = value
        return self

    def clear(self, key: K) -> Self:
        self._primed.pop(key, None)
        return super().clear(key)

    def clear_all(self) -> Self:
        self._primed.clear()
        return super().clear_all()

    async def batch_load_fn(self, keys: list[K]) -> list[V | None]:
        found = await self._read(keys)
        return [found.get(key) for key in keys]


class UserByIdLoader(_KeyedLoader[int, UserRow]):
    def __init__(self, db: Database) -> None:
        super().__init__(_prepared(db, queries.users_by_id))


class PublishedVideoByIdLoader(_KeyedLoader[int, VideoRow]):
    """A video that is unpublished or deleted loads as ``None``: viewers never see it."""

    def __init__(self, db: Database) -> None:
        super().__init__(_prepared(db, queries.published_videos_by_id))


class PostByIdLoader(_KeyedLoader[int, PostRow]):
    def __init__(self, db: Database) -> None:
        super().__init__(_prepared(db, queries.posts_by_id))


class ReactionByUserAndTargetLoader(_KeyedLoader[UserAndTarget, ReactionType]):
    def __init__(self, db: Database, target: ReactionTarget[Any]) -> None:
        async def fetch(
            conn: AsyncConnection, keys: Sequence[UserAndTarget]
        ) -> dict[UserAndTarget, ReactionType]:
            return await queries.reactions_by_user_and_target(conn, target, keys)

        super().__init__(_on_engine(db, fetch))


class VideoProgressByUserAndVideoLoader(_KeyedLoader[UserAndTarget, VideoProgress | ProgressRow]):
    def __init__(self, db: Database) -> None:
        super().__init__(_on_engine(db, queries.progress_by_user_and_video))


class MessageByIdLoader(_KeyedLoader[int, MessageRow]):
    """Resolves each conversation's ``lastMessage``; callers check the viewer may see it."""

    def __init__(self, db: Database) -> None:
        super().__init__(_prepared(db, queries.messages_by_id))


class ParticipantsByConversationIdLoader(_KeyedLoader[int, list[UserRow]]):
    """A conversation's users; ``None`` only for a conversation without participants."""

    def __init__(self, db: Database) -> None:
        super().__init__(_on_engine(db, queries.participants_by_conversation_id))


L = TypeVar("L")


class _made_once(Generic[L]):  # lower case: it is used as a decorator
    """``functools.cached_property`` without its lock: Python 3.11 takes one on every first access,
    and a request's loaders are made by its own task, one first access each."""

    def __init__(self, make: Callable[[Loaders], L]) -> None:
        self._make = make
        self._name = make.__name__

    @overload
    def __get__(self, instance: None, owner: type[Loaders]) -> Self: ...
    @overload
    def __get__(self, instance: Loaders, owner: type[Loaders]) -> L: ...
    def __get__(self, instance: Loaders | None, owner: type[Loaders]) -> Self | L:
        if instance is None:
            return self
        # The instance's attribute from now on: this descriptor has no __set__, so it is not asked again.
        made = instance.__dict__[self._name] = self._make(instance)
        return made


class Loaders:
    """A fresh set per request, so nothing cached outlives the request that loaded it.

    Each loader is made when the request first uses it: most requests use one or two of them, and
    making a DataLoader (it inspects its batch function) cost a noticeable share of a small request.
    """

    def __init__(self, db: Database) -> None:
        self._db = db
        self._viewer: UserRow | None = None

    def know_viewer(self, row: UserRow) -> None:
        """Prime the user loader with the viewer's row, when the loader is made: most requests
        (a toggle, a save, a text send) never make it."""
        made: UserByIdLoader | None = self.__dict__.get("user_by_id")
        if made is None:
            self._viewer = row
        else:
            made.prime(row.id, row)

    @_made_once
    def user_by_id(self) -> UserByIdLoader:
        loader = UserByIdLoader(self._db)
        if self._viewer is not None:
            loader.prime(self._viewer.id, self._viewer)
        return loader

    @_made_once
    def published_video_by_id(self) -> PublishedVideoByIdLoader:
        return PublishedVideoByIdLoader(self._db)

    @_made_once
    def post_by_id(self) -> PostByIdLoader:
        return PostByIdLoader(self._db)

    @_made_once
    def video_reaction_by_user_and_video(self) -> ReactionByUserAndTargetLoader:
        return ReactionByUserAndTargetLoader(self._db, VIDEO)

    @_made_once
    def post_reaction_by_user_and_post(self) -> ReactionByUserAndTargetLoader:
        return ReactionByUserAndTargetLoader(self._db, POST)

    @_made_once
    def video_progress_by_user_and_video(self) -> VideoProgressByUserAndVideoLoader:
        return VideoProgressByUserAndVideoLoader(self._db)

    @_made_once
    def message_by_id(self) -> MessageByIdLoader:
        return MessageByIdLoader(self._db)

    @_made_once
    def participants_by_conversation_id(self) -> ParticipantsByConversationIdLoader:
        return ParticipantsByConversationIdLoader(self._db)
