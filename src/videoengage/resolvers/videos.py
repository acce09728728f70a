"""Reading videos: one by id."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from videoengage.context import Info
from videoengage.ids import parse_id
from videoengage.schema.video import Video

First = Annotated[int | None, strawberry.argument(description="How many videos to return: 1 to 100.")]
After = Annotated[
    str | None, strawberry.argument(description="The endCursor of the previous page; omit for the first.")
]
FIRST_PAGE: Any = strawberry.UNSET  # no default shown in the schema: omitted and null both mean "start"


async def video(
    info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The video's id.")]
) -> Video | None:
    row = await info.context.loaders.published_video_by_id.load(parse_id(id, "id"))
    return None if row is None else Video.from_row(row)
