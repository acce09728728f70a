"""Query and Mutation: the fields the benchmark's six documents use, each resolver with its own session."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import strawberry
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.permission import BasePermission

from bench.plain.database import Session
from bench.plain.types import (
    Connection,
    Edge,
    Info,
    Message,
    PageInfo,
    ReactionCounts,
    SaveVideoProgressInput,
    SendMessageInput,
    ToggleReactionInput,
    ToggleVideoReactionPayload,
    User,
    Video,
    VideoProgress,
)
from videoengage import enums
from videoengage.db import models

MAX_PAGE_SIZE = 100
MAX_BODY_LENGTH = 4000


class NotFound(Exception):
    pass


class IsAuthenticated(BasePermission):
    message = "Authentication required"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.user is not None


def viewer_of(info: Info) -> models.User:
    user = info.context.user
    assert user is not None  # IsAuthenticated let the request through
    return user


def encode_cursor(message_id: int) -> str:
    return base64.b64encode(f"message:{message_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    return int(base64.b64decode(cursor).decode().removeprefix("message:"))


@strawberry.type
class Query:
    @strawberry.field(permission_classes=[IsAuthenticated])
    def viewer(self, info: Info) -> User:
        return User.from_model(viewer_of(info))

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def video(self, info: Info, id: strawberry.ID) -> Video | None:
        video = await info.context.videos.load(int(id))
        return None if video is None else Video.from_model(video)

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def messages(
        self, info: Info, conversation_id: strawberry.ID, first: int | None = 50, after: str | None = None
    ) -> Connection[Message]:
        """Newest first; only for a participant of the conversation."""
        viewer = viewer_of(info)
        first = 50 if first is None else first
        if not 1 <= first <= MAX_PAGE_SIZE:
            raise ValueError(f"first must be between 1 and {MAX_PAGE_SIZE}")
        query = select(models.Message).where(models.Message.conversation_id == int(conversation_id))
        if after is not None:
            query = query.where(models.Message.id < decode_cursor(after))
        async with Session() as session:
            participant = await session.get(models.ConversationParticipant, (int(conversation_id), viewer.id))
            if participant is None:
                raise NotFound("Conversation not found")
            rows = list(await session.scalars(query.order_by(models.Message.id.desc()).limit(first + 1)))
        edges = [Edge(cursor=encode_cursor(row.id), node=Message.from_model(row)) for row in rows[:first]]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
            ),
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def save_video_progress(self, info: Info, input: SaveVideoProgressInput) -> VideoProgress:
        """One upsert; the furthest point watched is kept, and completed stays true once set."""
        viewer = viewer_of(info)
        if min(input.watched_seconds, input.duration_seconds, input.last_position) < 0:
            raise ValueError("Seconds must be 0 or more")
        if input.last_position > input.duration_seconds:
            raise ValueError("lastPosition must be within durationSeconds")
        now = datetime.now(UTC)
        values = insert(models.VideoProgress).values(
            user_id=viewer.id,
            video_id=int(input.video_id),
            watched_seconds=input.watched_seconds,
            last_position=input.last_position,
            duration_seconds=input.duration_seconds,
            completed=bool(input.completed),
            recorded_at=input.recorded_at or now,
            updated_at=now,
        )
        new = values.excluded
        upsert = values.on_conflict_do_update(
            index_elements=[models.VideoProgress.user_id, models.VideoProgress.video_id],
            set_={
                "watched_seconds": func.greatest(models.VideoProgress.watched_seconds, new.watched_seconds),
                "completed": or_(models.VideoProgress.completed, new.completed),
                "last_position": new.last_position,
                "duration_seconds": new.duration_seconds,
                "recorded_at": new.recorded_at,
                "updated_at": new.updated_at,
            },
        ).returning(models.VideoProgress)
        async with Session() as session, session.begin():
            video = await session.get(models.Video, int(input.video_id))
            if video is None or not video.is_published:
                raise NotFound("Video not found")
            progress = await session.scalar(upsert)
        assert progress is not None
        return VideoProgress.from_model(progress)

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def toggle_video_reaction(
        self, info: Info, input: ToggleReactionInput
    ) -> ToggleVideoReactionPayload:
        """Add, change or remove the viewer's reaction, and move the video's counters with it."""
        viewer = viewer_of(info)
        async with Session() as session, session.begin():
            video = await session.scalar(
                select(models.Video)
                .where(models.Video.id == int(input.video_id), models.Video.is_published)
                .with_for_update()
            )
            if video is None:
                raise NotFound("Video not found")
            reaction = await session.get(models.VideoReaction, (viewer.id, video.id))
            if reaction is None:
                session.add(models.VideoReaction(user_id=viewer.id, video_id=video.id, type=input.type))
                action, current = enums.ReactionAction.ADDED, input.type
            elif reaction.type is input.type:
                await session.delete(reaction)
                action, current = enums.ReactionAction.REMOVED, None
            else:
                _count(video, reaction.type, -1)
                reaction.type, reaction.updated_at = input.type, datetime.now(UTC)
                action, current = enums.ReactionAction.CHANGED, input.type
            _count(video, input.type, -1 if current is None else 1)
        return ToggleVideoReactionPayload(
            action=action,
            type=current,
            reaction_counts=ReactionCounts.from_model(video),
            video=Video.from_model(video),
        )

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def send_message(self, info: Info, input: SendMessageInput) -> Message:
        """A TEXT message to a conversation the viewer takes part in."""
        viewer = viewer_of(info)
        if input.type is not enums.MessageType.TEXT:
            raise ValueError("This server sends TEXT messages only")
        if not input.body or not input.body.strip() or len(input.body) > MAX_BODY_LENGTH:
            raise ValueError(f"body must be 1 to {MAX_BODY_LENGTH} characters, not blank")
        conversation_id = int(input.conversation_id)
        async with Session() as session, session.begin():
            participant = await session.get(models.ConversationParticipant, (conversation_id, viewer.id))
            if participant is None:
                raise NotFound("Conversation not found")
            message = models.Message(
                conversation_id=conversation_id,
                sender_id=viewer.id,
                type=enums.MessageType.TEXT,
                body=input.body,
            )
            session.add(message)
            await session.flush()
            await session.execute(
                update(models.Conversation)
                .where(models.Conversation.id == conversation_id)
                .values(last_message_id=message.id)
            )
        return Message.from_model(message)


def _count(video: models.Video, type: enums.ReactionType, delta: int) -> None:
    column = f"{type.value}_count"
    setattr(video, column, getattr(video, column) + delta)


# Strawberry's own parser and validation caches, as its documentation offers them: without them the
# reference would spend most of a small mutation validating the same document again, and every ratio
# against it would flatter us.
schema = strawberry.Schema(query=Query, mutation=Mutation, extensions=[ParserCache, ValidationCache])
