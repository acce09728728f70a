"""Read queries shared by resolvers and loaders. Each takes a session or connection; none opens one.

The loaders' queries are Core selects on a plain connection, returning typed rows (``db.rows``): on
the hot paths an ORM session and ORM objects cost more CPU than the query itself. The lists (videos,
continue watching) read ORM rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from videoengage.db.models import (
    ConversationParticipant,
    Message,
    Post,
    User,
    Video,
    VideoProgress,
)
from videoengage.db.page_size import page_size
from videoengage.db.prepared import Connection
from videoengage.db.reaction_targets import ReactionTarget
from videoengage.db.rows import MessageRow, PostRow, ProgressRow, UserRow, VideoRow
from videoengage.enums import ReactionType

UserAndTarget = tuple[int, int]

_USERS = User.__table__
_VIDEOS = Video.__table__
_POSTS = Post.__table__
_PROGRESS = VideoProgress.__table__
_MESSAGES = Message.__table__
_PARTICIPANTS = ConversationParticipant.__table__


# The hottest reads are built once, with bound parameters (an expanding IN for a batch's ids):
# building a statement on every request cost more CPU than running it.
_IDS: BindParameter[Any] = bindparam("ids", expanding=True)
_USERS_BY_ID = select(_USERS).where(_USERS.c.id.in_(_IDS))
_PUBLISHED_VIDEOS_BY_ID = select(_VIDEOS).where(_VIDEOS.c.id.in_(_IDS), _VIDEOS.c.is_published.is_(True))
_POSTS_BY_ID = select(_POSTS).where(_POSTS.c.id.in_(_IDS))
_MESSAGES_BY_ID = select(_MESSAGES).where(_MESSAGES.c.id.in_(_IDS))


async def users_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, UserRow]:
    rows = await conn.execute(_USERS_BY_ID, {"ids": list(ids)})
    return {row.id: UserRow._make(row) for row in rows}


async def published_videos_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, VideoRow]:
    """Only published videos: an unpublished one is, to viewers, not there."""
    rows = await conn.execute(_PUBLISHED_VIDEOS_BY_ID, {"ids": list(ids)})
    return {row.id: VideoRow._make(row) for row in rows}


async def posts_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, PostRow]:
    rows = await conn.execute(_POSTS_BY_ID, {"ids": list(ids)})
    return {row.id: PostRow._make(row) for row in rows}


def _by_user(
    user_column: ColumnElement[int], target_column: ColumnElement[int], keys: Sequence[UserAndTarget]
) -> ColumnElement[bool]:
    """``(user, target) IN keys`` written portably: grouped by user, usually one viewer per request."""
    targets_by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, target_id in keys:
        targets_by_user[user_id].append(target_id)
    return or_(
        *(and_(user_column == user_id, target_column.in_(ids)) for user_id, ids in targets_by_user.items())
    )


async def reactions_by_user_and_target(
    conn: AsyncConnection, target: ReactionTarget[Any], keys: Sequence[UserAndTarget]
) -> dict[UserAndTarget, ReactionType]:
    user_id, target_id = target.reactions.c.user_id, target.reactions.c[target.target_key]
    rows = await conn.execute(
        select(user_id, target_id, target.reactions.c.type).where(_by_user(user_id, target_id, keys))
    )
    return {(row[0], row[1]): row[2] for row in rows}


async def progress_by_user_and_video(
    conn: AsyncConnection, keys: Sequence[UserAndTarget]
) -> dict[UserAndTarget, ProgressRow]:
    rows = await conn.execute(
        select(_PROGRESS).where(_by_user(_PROGRESS.c.user_id, _PROGRESS.c.video_id, keys))
    )
    return {(row.user_id, row.video_id): ProgressRow._make(row) for row in rows}


async def messages_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, MessageRow]:
    rows = await conn.execute(_MESSAGES_BY_ID, {"ids": list(ids)})
    return {row.id: MessageRow._make(row) for row in rows}


async def participants_by_conversation_id(
    conn: AsyncConnection, ids: Sequence[int]
) -> dict[int, list[UserRow]]:
    """Each conversation's users, in the order they joined: one statement for a whole page."""
    rows = await conn.execute(
        select(*_USERS.c, _PARTICIPANTS.c.conversation_id)
        .join(_USERS, _USERS.c.id == _PARTICIPANTS.c.user_id)
        .where(_PARTICIPANTS.c.conversation_id.in_(ids))
        .order_by(_PARTICIPANTS.c.joined_at, _PARTICIPANTS.c.user_id)
    )
    participants: dict[int, list[UserRow]] = defaultdict(list)
    width = len(UserRow._fields)
    for row in rows:
        participants[row.conversation_id].append(UserRow._make(row[:width]))
    return participants


async def published_videos_page(session: AsyncSession, limit: int, before_id: int | None) -> list[Video]:
    """Published videos, newest first (by id: the primary key orders them without a sort)."""
    query = select(Video).where(Video.is_published.is_(True))
    if before_id is not None:
        query = query.where(Video.id < before_id)
    rows = await session.scalars(query.order_by(Video.id.desc()).limit(page_size(limit)))
    return list(rows)


async def continue_watching_page(
    session: AsyncSession, user_id: int, limit: int, before: tuple[datetime, int] | None
) -> list[tuple[Video, VideoProgress]]:
    """The user's started, unfinished, still published videos, most recently watched first."""
    query = (
        select(Video, VideoProgress)
        .join(VideoProgress, VideoProgress.video_id == Video.id)
        .where(
            VideoProgress.user_id == user_id,
            VideoProgress.watched_seconds > 0,
            VideoProgress.completed.is_(False),
            Video.is_published.is_(True),
        )
    )
    if before is not None:
        updated_at, video_id = before
        query = query.where(
            or_(
                VideoProgress.updated_at < updated_at,
                and_(VideoProgress.updated_at == updated_at, VideoProgress.video_id < video_id),
            )
        )
    rows = await session.execute(
        query.order_by(VideoProgress.updated_at.desc(), VideoProgress.video_id.desc()).limit(page_size(limit))
    )
    return [(video, progress) for video, progress in rows]
