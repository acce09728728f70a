"""The GraphQL types, each built from an ORM object; nested objects resolve through the loaders."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

import strawberry

from bench.plain.context import Context
from videoengage import enums
from videoengage.db import models

Info = strawberry.Info[Context, None]
T = TypeVar("T")

# The project's own enums: member names (TEXT, LIKE, ADDED) are the GraphQL values.
strawberry.enum(enums.MessageType, name="MessageType")
strawberry.enum(enums.ReactionType, name="ReactionType")
strawberry.enum(enums.ReactionAction, name="ReactionAction")


@strawberry.type
class User:
    id: strawberry.ID
    display_name: str
    avatar_url: str | None

    @classmethod
    def from_model(cls, user: models.User) -> User:
        return cls(id=strawberry.ID(str(user.id)), display_name=user.display_name, avatar_url=user.avatar_url)


@strawberry.type
class ReactionCounts:
    like: int
    love: int
    haha: int
    wow: int
    sad: int
    pray: int
    total: int

    @classmethod
    def from_model(cls, counters: models.ReactionCounters) -> ReactionCounts:
        return cls(
            like=counters.like_count,
            love=counters.love_count,
            haha=counters.haha_count,
            wow=counters.wow_count,
            sad=counters.sad_count,
            pray=counters.pray_count,
            total=counters.like_count
            + counters.love_count
            + counters.haha_count
            + counters.wow_count
            + counters.sad_count
            + counters.pray_count,
        )


@strawberry.type
class Video:
    id: strawberry.ID
    title: str
    description: str | None
    thumbnail_url: str | None
    duration_seconds: int
    published_at: datetime | None
    reaction_counts: ReactionCounts

    @strawberry.field
    async def viewer_reaction(self, info: Info) -> enums.ReactionType | None:
        return await info.context.viewer_reactions.load(int(self.id))

    @classmethod
    def from_model(cls, video: models.Video) -> Video:
        return cls(
            id=strawberry.ID(str(video.id)),
            title=video.title,
            description=video.description,
            thumbnail_url=video.thumbnail_url,
            duration_seconds=video.duration_seconds,
            published_at=video.published_at,
            reaction_counts=ReactionCounts.from_model(video),
        )


@strawberry.type
class Message:
    id: strawberry.ID
    conversation_id: strawberry.ID
    type: enums.MessageType
    body: str | None
    media_url: str | None
    created_at: datetime
    sender_id: strawberry.Private[int]
    shared_video_id: strawberry.Private[int | None]

    @strawberry.field
    async def sender(self, info: Info) -> User:
        user = await info.context.users.load(self.sender_id)
        if user is None:
            raise ValueError("The sender is gone")
        return User.from_model(user)

    @strawberry.field
    async def shared_video(self, info: Info) -> Video | None:
        if self.shared_video_id is None:
            return None
        video = await info.context.videos.load(self.shared_video_id)
        return None if video is None else Video.from_model(video)

    @classmethod
    def from_model(cls, message: models.Message) -> Message:
        return cls(
            id=strawberry.ID(str(message.id)),
            conversation_id=strawberry.ID(str(message.conversation_id)),
            type=message.type,
            body=message.body,
            media_url=message.media_url,
            created_at=message.created_at,
            sender_id=message.sender_id,
            shared_video_id=message.shared_video_id,
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo


@strawberry.type
class VideoProgress:
    video_id: strawberry.ID
    watched_seconds: int
    last_position: int
    duration_seconds: int
    completed: bool
    updated_at: datetime

    @classmethod
    def from_model(cls, progress: models.VideoProgress) -> VideoProgress:
        return cls(
            video_id=strawberry.ID(str(progress.video_id)),
            watched_seconds=progress.watched_seconds,
            last_position=progress.last_position,
            duration_seconds=progress.duration_seconds,
            completed=progress.completed,
            updated_at=progress.updated_at,
        )


@strawberry.type
class ToggleVideoReactionPayload:
    action: enums.ReactionAction
    type: enums.ReactionType | None
    reaction_counts: ReactionCounts
    video: Video


@strawberry.input
class SaveVideoProgressInput:
    video_id: strawberry.ID
    watched_seconds: int
    duration_seconds: int
    last_position: int
    completed: bool | None = None
    recorded_at: datetime | None = None


@strawberry.input
class ToggleReactionInput:
    video_id: strawberry.ID
    type: enums.ReactionType


@strawberry.input
class SendMessageInput:
    """Only TEXT messages: the one kind the benchmark sends."""

    conversation_id: strawberry.ID
    type: enums.MessageType
    body: str | None = None
