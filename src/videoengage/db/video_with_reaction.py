"""The owner of a video with the viewer's reaction: the video screen's read, in one statement.

The video's counters are columns of its row (kept exact by the toggle), so the counts, the video and
the viewer's reaction to it cost one round trip together, however many reactions the video has.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, select

from videoengage.db.engine import Database
from videoengage.db.models import Video, VideoReaction
from videoengage.db.prepared import Connection
from videoengage.db.rows import VideoRow
from videoengage.enums import ReactionType


class VideoWithReaction(NamedTuple):
    video: VideoRow
    viewer_reaction: ReactionType | None


_VIDEOS = Video.__table__
_REACTIONS = VideoReaction.__table__
_WIDTH = len(VideoRow._fields)

# Built once, with bound parameters: the hot video is read on every screen that shows it.
_PUBLISHED_VIDEO_WITH_REACTION = (
    select(_VIDEOS, _REACTIONS.c.type.label("viewer_reaction"))
    .select_from(
        _VIDEOS.outerjoin(
            _REACTIONS,
            (_REACTIONS.c.video_id == _VIDEOS.c.id) & (_REACTIONS.c.user_id == bindparam("viewer")),
        )
    )
    .where(_VIDEOS.c.id == bindparam("video_id"), _VIDEOS.c.is_published.is_(True))
)


async def published_video_with_reaction(
    db: Database, video_id: int, viewer_id: int
) -> VideoWithReaction | None:
    """A published video and the viewer's reaction to it (or None); ``None`` if the video is not there
    or not published. A read: it runs once more if its connection was dead."""

    async def read(conn: Connection) -> VideoWithReaction | None:
        parameters = {"video_id": video_id, "viewer": viewer_id}
        row = (await conn.execute(_PUBLISHED_VIDEO_WITH_REACTION, parameters)).first()
        if row is None:
            return None
        return VideoWithReaction(VideoRow._make(row[:_WIDTH]), row[_WIDTH])

    return await db.fetch_prepared(read)
