"""The root ``Mutation`` type: binds resolvers to fields."""

from __future__ import annotations

import strawberry

from videoengage.resolvers import progress
from videoengage.schema.progress import VideoProgress


@strawberry.type(description="Everything a client can change. Every field needs a bearer token.")
class Mutation:
    save_video_progress: VideoProgress = strawberry.field(
        resolver=progress.save_video_progress,
        description="Save the viewer's playback position in a video; returns the stored state after the "
        "save. Safe to send concurrently and out of order: the furthest point watched is kept.",
    )
