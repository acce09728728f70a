"""The root ``Query`` type: binds resolvers to fields."""

from __future__ import annotations

import strawberry

from videoengage.resolvers import users
from videoengage.resolvers import videos as video_resolvers
from videoengage.schema.pagination import Connection
from videoengage.schema.user import User
from videoengage.schema.video import Video


@strawberry.type(description="Everything a client can read. Every field needs a bearer token.")
class Query:
    viewer: User = strawberry.field(
        resolver=users.viewer, description="The user the bearer token belongs to."
    )
    video: Video | None = strawberry.field(
        resolver=video_resolvers.video,
        description="A published video by id; null if there is none or it is not published.",
    )
    videos: Connection[Video] = strawberry.field(
        resolver=video_resolvers.videos, description="Published videos, most recently added first."
    )
    continue_watching: Connection[Video] = strawberry.field(
        resolver=video_resolvers.continue_watching,
        description="Videos the viewer started (watchedSeconds above 0) and has not completed, most "
        "recently watched first.",
    )
