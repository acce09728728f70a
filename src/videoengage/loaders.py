"""Per-request dataloaders, one per (entity, key): a page's lookups become one statement each.

Each batch opens its own short connection: batches run as separate tasks, and a SQLAlchemy session or
connection must never be shared between tasks. Results come back in key order, ``None`` for a miss.
Values are typed rows (``db.rows``); the progress loader may also hold the ORM rows that
``continueWatching`` read and primed it with.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import cached_property
from typing import Any, Generic, TypeVar

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


class _KeyedLoader(DataLoader[K, V | None], Generic[K, V]):
    """Loads a batch with one query returning ``{key: value}`` and answers in key order."""

    def __init__(self, read: Read[K]) -> None:
        super().__init__()
        self._read = read

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


class Loaders:
    """A fresh set per request, so nothing cached outlives the request that loaded it.

    Each loader is made when the request first uses it: most requests use one or two of them, and
    making a DataLoader (it inspects its batch function) cost a noticeable share of a small request.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    @cached_property
    def user_by_id(self) -> UserByIdLoader:
        return UserByIdLoader(self._db)

    @cached_property
    def published_video_by_id(self) -> PublishedVideoByIdLoader:
        return PublishedVideoByIdLoader(self._db)

    @cached_property
    def post_by_id(self) -> PostByIdLoader:
        return PostByIdLoader(self._db)

    @cached_property
    def video_reaction_by_user_and_video(self) -> ReactionByUserAndTargetLoader:
        return ReactionByUserAndTargetLoader(self._db, VIDEO)

    @cached_property
    def post_reaction_by_user_and_post(self) -> ReactionByUserAndTargetLoader:
        return ReactionByUserAndTargetLoader(self._db, POST)

    @cached_property
    def video_progress_by_user_and_video(self) -> VideoProgressByUserAndVideoLoader:
        return VideoProgressByUserAndVideoLoader(self._db)

    @cached_property
    def message_by_id(self) -> MessageByIdLoader:
        return MessageByIdLoader(self._db)

    @cached_property
    def participants_by_conversation_id(self) -> ParticipantsByConversationIdLoader:
        return ParticipantsByConversationIdLoader(self._db)
