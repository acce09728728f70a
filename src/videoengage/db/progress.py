"""Saving playback progress: one upsert that merges with what is stored, so concurrent saves never race.

The merge happens inside the statement (``INSERT … SELECT … ON CONFLICT DO UPDATE``), never as a
read-then-write: ``watched_seconds`` keeps the maximum, ``completed`` once true stays true, and the
resume position moves only for a reading at least as recent as the stored one (heartbeats arrive
out of order on mobile networks). The ``SELECT`` from ``videos`` makes a missing or unpublished
video insert nothing, in the same statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Integer, case, literal, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from videoengage.db.models import Video, VideoProgress
from videoengage.db.types import UtcDateTime


@dataclass(frozen=True)
class ProgressReading:
    """One save from the player, already validated."""

    user_id: int
    video_id: int
    watched_seconds: int
    last_position: int
    duration_seconds: int
    completed: bool
    recorded_at: datetime
    saved_at: datetime


async def save_progress(session: AsyncSession, reading: ProgressReading) -> VideoProgress | None:
    """Store the reading merged with the stored progress; ``None`` if the video is not published."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    source = select(
        literal(reading.user_id, Integer),
        Video.id,
        literal(reading.watched_seconds, Integer),
        literal(reading.last_position, Integer),
        literal(reading.duration_seconds, Integer),
        literal(reading.completed, Boolean),
        literal(reading.recorded_at, UtcDateTime()),
        literal(reading.saved_at, UtcDateTime()),
    ).where(Video.id == reading.video_id, Video.is_published.is_(True))
    statement = insert(VideoProgress).from_select(
        [
            VideoProgress.user_id,
            VideoProgress.video_id,
            VideoProgress.watched_seconds,
            VideoProgress.last_position,
            VideoProgress.duration_seconds,
            VideoProgress.completed,
            VideoProgress.recorded_at,
            VideoProgress.updated_at,
        ],
        source,
    )
    new = statement.excluded
    is_newer = new.recorded_at >= VideoProgress.recorded_at

    def newest(column: str) -> object:
        return case((is_newer, new[column]), else_=getattr(VideoProgress, column))

    statement = statement.on_conflict_do_update(
        index_elements=[VideoProgress.user_id, VideoProgress.video_id],
        set_={
            # CASE rather than GREATEST/max(): the same SQL on PostgreSQL and SQLite.
            "watched_seconds": case(
                (new.watched_seconds > VideoProgress.watched_seconds, new.watched_seconds),
                else_=VideoProgress.watched_seconds,
            ),
            "completed": or_(VideoProgress.completed, new.completed),
            "last_position": newest("last_position"),
            "duration_seconds": newest("duration_seconds"),
            "recorded_at": newest("recorded_at"),
            "updated_at": new.updated_at,
        },
    )
    return await session.scalar(statement.returning(VideoProgress).execution_options(populate_existing=True))
