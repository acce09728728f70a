"""Saving where the viewer is in a video: validate everything first, then one atomic upsert."""

from __future__ import annotations

from typing import Annotated

import strawberry

from videoengage.context import Info
from videoengage.db import save_progress
from videoengage.db.save_progress import ProgressReading
from videoengage.db.types import utcnow
from videoengage.errors import BadUserInput, NotFound
from videoengage.ids import parse_id
from videoengage.schema.progress import SaveVideoProgressInput, VideoProgress

SaveInput = Annotated[
    SaveVideoProgressInput, strawberry.argument(description="The player's reading for one video.")
]


async def save_video_progress(info: Info, input: SaveInput) -> VideoProgress:
    reading = _reading(info.context.viewer_id, input)
    row = await save_progress.save(info.context.db, reading)
    if row is None:
        raise NotFound("No published video has this id", field="videoId")
    key = (reading.user_id, reading.video_id)
    info.context.loaders.video_progress_by_user_and_video.clear(key).prime(key, row)
    return VideoProgress.from_row(row)


def _reading(user_id: int, input: SaveVideoProgressInput) -> ProgressReading:
    """The input checked as a whole before any SQL runs, so bad input writes nothing."""
    video_id = parse_id(input.video_id, "videoId")
    for field, value in (
        ("watchedSeconds", input.watched_seconds),
        ("durationSeconds", input.duration_seconds),
        ("lastPosition", input.last_position),
    ):
        if value < 0:
            raise BadUserInput(f"{field} must be 0 or more", field=field)
    if input.last_position > input.duration_seconds:
        raise BadUserInput("lastPosition cannot be greater than durationSeconds", field="lastPosition")
    now = utcnow()
    recorded_at = now
    if input.recorded_at:  # neither omitted nor null
        if input.recorded_at.tzinfo is None:
            raise BadUserInput("recordedAt needs a time zone, e.g. 2026-01-01T12:00:00Z", field="recordedAt")
        # A player clock running ahead must not freeze the resume position for everyone else.
        recorded_at = min(input.recorded_at, now)
    return ProgressReading(
        user_id=user_id,
        video_id=video_id,
        watched_seconds=input.watched_seconds,
        last_position=input.last_position,
        duration_seconds=input.duration_seconds,
        completed=input.completed is True,
        recorded_at=recorded_at,
        saved_at=now,
    )
