"""The owner of saving playback progress: one upsert that merges with what is stored, so concurrent
saves never race.

The merge happens inside the statement (``INSERT … SELECT … ON CONFLICT DO UPDATE``), never as a
read-then-write: ``watched_seconds`` keeps the maximum, ``completed`` once true stays true, and the
resume position moves only for a reading at least as recent as the stored one (heartbeats arrive
out of order on mobile networks). The ``SELECT`` from ``videos`` makes a missing or unpublished
video insert nothing, in the same statement. The same reading merged twice leaves the same row, so
the upsert runs once more if its connection was dead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Executable, Integer, bindparam, case, or_, select

from videoengage.db.dialect import Dialect
from videoengage.db.engine import Database
from videoengage.db.models import Video, VideoProgress
from videoengage.db.prepared import Connection
from videoengage.db.rows import ProgressRow
from videoengage.db.types import UtcDateTime

_PROGRESS = VideoProgress.__table__


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


_COLUMNS = (
    "user_id",
    "video_id",
    "watched_seconds",
    "last_position",
    "duration_seconds",
    "completed",
    "recorded_at",
    "updated_at",
)


@cache
def _upsert(dialect: Dialect) -> Executable:
    """The merging upsert, built once per dialect with bound parameters: a player saves every few
    seconds, and building this statement anew each time cost more CPU than running it."""
    source = select(
        bindparam("user_id", type_=_PROGRESS.c.user_id.type),
        Video.id,
        bindparam("watched_seconds", type_=Integer),
        bindparam("last_position", type_=Integer),
        bindparam("duration_seconds", type_=Integer),
        bindparam("completed", type_=Boolean),
        bindparam("recorded_at", type_=UtcDateTime()),
        bindparam("updated_at", type_=UtcDateTime()),
    ).where(Video.id == bindparam("video_id", type_=_PROGRESS.c.video_id.type), Video.is_published.is_(True))
    statement = dialect.insert(VideoProgress).from_select(list(_COLUMNS), source)
    new, old = statement.excluded, _PROGRESS.c
    is_newer = new.recorded_at >= old.recorded_at

    def newest(column: str) -> ColumnElement[Any]:
        return case((is_newer, new[column]), else_=old[column])

    return statement.on_conflict_do_update(
        index_elements=[old.user_id, old.video_id],
        set_={
            # CASE rather than GREATEST/max(): the same SQL on PostgreSQL and SQLite.
            "watched_seconds": case(
                (new.watched_seconds > old.watched_seconds, new.watched_seconds), else_=old.watched_seconds
            ),
            "completed": or_(old.completed, new.completed),
            "last_position": newest("last_position"),
            "duration_seconds": newest("duration_seconds"),
            "recorded_at": newest("recorded_at"),
            "updated_at": new.updated_at,
        },
    ).returning(*_PROGRESS.c)


async def save(db: Database, reading: ProgressReading) -> ProgressRow | None:
    """Store the reading merged with the stored progress; ``None`` if the video is not published.
    One statement, atomic on its own: autocommit on PostgreSQL, no transaction around it."""
    statement = _upsert(db.dialect)
    parameters = {
        "user_id": reading.user_id,
        "video_id": reading.video_id,
        "watched_seconds": reading.watched_seconds,
        "last_position": reading.last_position,
        "duration_seconds": reading.duration_seconds,
        "completed": reading.completed,
        "recorded_at": reading.recorded_at,
        "updated_at": reading.saved_at,
    }

    async def upsert(conn: Connection) -> ProgressRow | None:
        row = (await conn.execute(statement, parameters)).first()
        return None if row is None else ProgressRow._make(row)

    return await db.idempotent_statement(upsert)
