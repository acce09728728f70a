"""Reading videos: one by id, the published list, and the viewer's continue-watching list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, TypeGuard

import strawberry

from videoengage.context import Info
from videoengage.db import queries, video_with_reaction
from videoengage.errors import BadUserInput
from videoengage.ids import parse_id
from videoengage.schema.pagination import (
    Connection,
    check_page_size,
    connection,
    decode_cursor,
    encode_cursor,
)
from videoengage.schema.selection import selected_below
from videoengage.schema.video import Video

First = Annotated[int | None, strawberry.argument(description="How many videos to return: 1 to 100.")]
After = Annotated[
    str | None, strawberry.argument(description="The endCursor of the previous page; omit for the first.")
]
# UNSET rather than None: the schema shows `after: String` with no default; omitted or null, the
# list starts at its beginning.
FIRST_PAGE: Any = strawberry.UNSET


async def video(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The video's id.")]
) -> Video | None:
    """With ``viewerReaction`` selected, the video and the viewer's reaction come in one statement,
    and the reaction loader is primed with it; otherwise the video loader answers."""
    video_id = parse_id(id, "id")
    loaders = info.context.loaders
    if "viewerReaction" not in selected_below(info):
        row = await loaders.published_video_by_id.load(video_id)
        return None if row is None else Video.from_row(row)
    found = await video_with_reaction.published_video_with_reaction(
        info.context.db, video_id, info.context.viewer_id
    )
    if found is None:
        return None
    loaders.published_video_by_id.prime(video_id, found.video)
    loaders.video_reaction_by_user_and_video.prime((info.context.viewer_id, video_id), found.viewer_reaction)
    return Video.from_row(found.video)


async def videos(info: Info, first: First = 20, after: After = FIRST_PAGE) -> Connection[Video]:
    limit = _page_size(first)
    before_id = int(decode_cursor("videos", after, int)[0]) if _is_cursor(after) else None
    rows = await info.context.db.fetch_in_session(
        lambda session: queries.published_videos_page(session, limit + 1, before_id)
    )
    return connection(
        [(Video.from_row(row), encode_cursor("videos", row.id)) for row in rows[:limit]],
        has_next_page=len(rows) > limit,
    )


async def continue_watching(info: Info, first: First = 20, after: After = FIRST_PAGE) -> Connection[Video]:
    limit = _page_size(first)
    before = _watched_cursor(after) if _is_cursor(after) else None
    viewer_id = info.context.viewer_id
    rows = await info.context.db.fetch_in_session(
        lambda session: queries.continue_watching_page(session, viewer_id, limit + 1, before)
    )
    page = rows[:limit]
    progress_loader = info.context.loaders.video_progress_by_user_and_video
    for video_row, progress in page:  # the page already holds the viewer's progress: no second query
        progress_loader.prime((viewer_id, video_row.id), progress)
    return connection(
        [
            (
                Video.from_row(video_row),
                encode_cursor("continueWatching", progress.updated_at.isoformat(), video_row.id),
            )
            for video_row, progress in page
        ],
        has_next_page=len(rows) > limit,
    )


def _page_size(first: int | None) -> int:
    return check_page_size(0 if first is None else first)  # an explicit null is out of range too


def _is_cursor(after: str | None) -> TypeGuard[str]:
    return isinstance(after, str)


def _watched_cursor(after: str) -> tuple[datetime, int]:
    watched_at, video_id = decode_cursor("continueWatching", after, str, int)
    try:
        parsed = datetime.fromisoformat(str(watched_at))
    except ValueError:
        raise BadUserInput("after is not a valid cursor", field="after") from None
    if parsed.tzinfo is None:
        raise BadUserInput("after is not a valid cursor", field="after")
    return parsed, int(video_id)
