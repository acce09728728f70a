"""Read queries shared by resolvers and loaders. Each takes a session; none opens or commits one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from videoengage.db.models import ConversationParticipant, Message, Post, User, Video, VideoProgress
from videoengage.db.reaction_targets import ReactionTarget
from videoengage.enums import ReactionType

UserAndTarget = tuple[int, int]


async def users_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, User]:
    rows = await session.scalars(select(User).where(User.id.in_(ids)))
    return {user.id: user for user in rows}


async def published_videos_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Video]:
    """Only published videos: an unpublished one is, to viewers, not there."""
    rows = await session.scalars(select(Video).where(Video.id.in_(ids), Video.is_published.is_(True)))
    return {video.id: video for video in rows}


async def posts_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Post]:
    rows = await session.scalars(select(Post).where(Post.id.in_(ids)))
    return {post.id: post for post in rows}


Column = ColumnElement[int] | InstrumentedAttribute[int]


def _by_user(
    user_column: Column, target_column: Column, keys: Sequence[UserAndTarget]
) -> ColumnElement[bool]:
    """``(user, target) IN keys`` written portably: grouped by user, usually one viewer per request."""
    targets_by_user: dict[int, list[int]] = defaultdict(list)
    for user_id, target_id in keys:
        targets_by_user[user_id].append(target_id)
    return or_(
        *(and_(user_column == user_id, target_column.in_(ids)) for user_id, ids in targets_by_user.items())
    )


async def reactions_by_user_and_target(
    session: AsyncSession, target: ReactionTarget[Any], keys: Sequence[UserAndTarget]
) -> dict[UserAndTarget, ReactionType]:
    user_id, target_id = target.reactions.c.user_id, target.reactions.c[target.target_key]
    rows = await session.execute(
        select(user_id, target_id, target.reactions.c.type).where(_by_user(user_id, target_id, keys))
    )
    return {(row[0], row[1]): row[2] for row in rows}


async def progress_by_user_and_video(
    session: AsyncSession, keys: Sequence[UserAndTarget]
) -> dict[UserAndTarget, VideoProgress]:
    rows = await session.scalars(
        select(VideoProgress).where(_by_user(VideoProgress.user_id, VideoProgress.video_id, keys))
    )
    return {(row.user_id, row.video_id): row for row in rows}


async def messages_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Message]:
    rows = await session.scalars(select(Message).where(Message.id.in_(ids)))
    return {message.id: message for message in rows}


async def participants_by_conversation_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[User]]:
    """Each conversation's users, in the order they joined: one statement for a whole page."""
    rows = await session.execute(
        select(ConversationParticipant.conversation_id, User)
        .join(User, User.id == ConversationParticipant.user_id)
        .where(ConversationParticipant.conversation_id.in_(ids))
        .order_by(ConversationParticipant.joined_at, ConversationParticipant.user_id)
    )
    participants: dict[int, list[User]] = defaultdict(list)
    for conversation_id, user in rows:
        participants[conversation_id].append(user)
    return participants


async def published_videos_page(session: AsyncSession, limit: int, before_id: int | None) -> list[Video]:
    """Published videos, newest first (by id: the primary key orders them without a sort)."""
    query = select(Video).where(Video.is_published.is_(True))
    if before_id is not None:
        query = query.where(Video.id < before_id)
    rows = await session.scalars(query.order_by(Video.id.desc()).limit(limit))
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
        query.order_by(VideoProgress.updated_at.desc(), VideoProgress.video_id.desc()).limit(limit)
    )
    return [(video, progress) for video, progress in rows]
