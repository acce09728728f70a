"""The root ``Query`` type: binds resolvers to fields."""

from __future__ import annotations

import strawberry

from videoengage.resolvers import conversations, messages, users
from videoengage.resolvers import videos as video_resolvers
from videoengage.schema.conversation import Conversation
from videoengage.schema.message import Message
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
    messages: Connection[Message] = strawberry.field(
        resolver=messages.messages,
        description=(
            "A conversation's messages, newest first, a page at a time. NOT_FOUND for a conversation "
            "that does not exist or that the viewer is not in."
        ),
    )
    conversation: Conversation | None = strawberry.field(
        resolver=conversations.conversation,
        description="One of the viewer's conversations; null if there is none or the viewer is not in it.",
    )
    conversations: Connection[Conversation] = strawberry.field(
        resolver=conversations.conversations,
        description="The viewer's conversations, the one with the most recent message first.",
    )
