"""The ``Video`` type. Counts come with the row; the viewer's reaction and progress through loaders."""

from __future__ import annotations

from datetime import datetime

import strawberry

from videoengage.context import Info
from videoengage.db import models
from videoengage.db.rows import VideoCard, VideoRow
from videoengage.schema.progress import VideoProgress
from videoengage.schema.reaction import ReactionCounts, ReactionType


@strawberry.type(description="A published video.")
class Video:
    id: strawberry.ID = strawberry.field(description="The video's id.")
    title: str = strawberry.field(description="The video's title.")
    description: str | None = strawberry.field(description="What the video is about.")
    thumbnail_url: str | None = strawberry.field(description="Address of the video's still image.")
    duration_seconds: int = strawberry.field(description="Length of the video in seconds.")
    published_at: datetime | None = strawberry.field(description="When the video was published.")
    reaction_counts: ReactionCounts = strawberry.field(
        description="Reactions by type; exact, and as cheap for a million reactions as for ten."
    )

    @strawberry.field(description="The viewer's reaction to this video, or null.")
    async def viewer_reaction(self, info: Info) -> ReactionType | None:
        key = (info.context.viewer_id, int(self.id))
        return await info.context.loaders.video_reaction_by_user_and_video.load(key)

    @strawberry.field(description="Where the viewer left off in this video; null if never saved.")
    async def viewer_progress(self, info: Info) -> VideoProgress | None:
        key = (info.context.viewer_id, int(self.id))
        row = await info.context.loaders.video_progress_by_user_and_video.load(key)
        return None if row is None else VideoProgress.from_row(row)

    @classmethod
    def from_row(cls, row: models.Video | VideoRow | VideoCard) -> Video:
        return cls(
            id=strawberry.ID(str(row.id)),
            title=row.title,
            description=row.description,
            thumbnail_url=row.thumbnail_url,
            duration_seconds=row.duration_seconds,
            published_at=row.published_at,
            reaction_counts=ReactionCounts.from_row(row),
        )
