"""``VideoProgress``: where a viewer is in a video, for resuming playback on any device."""

from __future__ import annotations

from datetime import datetime

import strawberry

from videoengage.db import models
from videoengage.db.rows import ProgressRow


@strawberry.type(description="The viewer's playback state for one video, as last saved.")
class VideoProgress:
    video_id: strawberry.ID = strawberry.field(description="The video this progress belongs to.")
    watched_seconds: int = strawberry.field(
        description="The furthest the viewer has watched, in seconds; never goes down."
    )
    last_position: int = strawberry.field(
        description="Where to resume, in seconds: the position of the most recent reading."
    )
    duration_seconds: int = strawberry.field(description="The video's length as the player saw it.")
    completed: bool = strawberry.field(description="Whether the viewer finished it; once true, stays true.")
    updated_at: datetime = strawberry.field(description="When this progress was last saved.")

    @classmethod
    def from_row(cls, row: models.VideoProgress | ProgressRow) -> VideoProgress:
        return cls(
            video_id=strawberry.ID(str(row.video_id)),
            watched_seconds=row.watched_seconds,
            last_position=row.last_position,
            duration_seconds=row.duration_seconds,
            completed=row.completed,
            updated_at=row.updated_at,
        )


@strawberry.input(description="One reading from the player, sent every few seconds while a video plays.")
class SaveVideoProgressInput:
    video_id: strawberry.ID = strawberry.field(description="The published video being watched.")
    watched_seconds: int = strawberry.field(
        description="How far the viewer has watched, in seconds; 0 or more. A smaller value than the "
        "stored one is ignored: the furthest point is kept."
    )
    duration_seconds: int = strawberry.field(
        description="The video's length as the player sees it; 0 or more."
    )
    last_position: int = strawberry.field(
        description="The playhead, in seconds: where to resume. 0 to durationSeconds."
    )
    completed: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="True once the viewer finished the video; omitted or false never un-finishes it.",
    )
    recorded_at: datetime | None = strawberry.field(
        default=strawberry.UNSET,
        description="When the player took this reading, with a time zone; defaults to when the server "
        "receives it, and a time in the future counts as now. A reading older than the stored one still "
        "raises watchedSeconds and completed but does not move lastPosition or durationSeconds back.",
    )
