"""Direct messages: the ``Message`` type, its ``MessageType`` and the ``SendMessageInput``.

A message is built from its typed row with its related objects (``Message.from_row``); which rows
those come from, a page's own statement or the request's loaders, is ``message_builders``' concern.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from videoengage import enums
from videoengage.db.rows import MessageRow, PageRow
from videoengage.schema.post import Post
from videoengage.schema.user import User
from videoengage.schema.video import Video

MAX_BODY_LENGTH = 4000
MAX_CLIENT_MESSAGE_ID_LENGTH = 64
MAX_MEDIA_URL_LENGTH = 2048

strawberry.enum(
    enums.MessageType,
    name="MessageType",
    description="What a message carries; each type needs its own input field (see SendMessageInput).",
)
MessageType = enums.MessageType


@strawberry.type(description="A message in a conversation.")
class Message:
    """Sender, shared video and shared post are plain fields, filled for a whole page at once
    (``message_builders``) instead of one awaited resolver per message."""

    id: strawberry.ID = strawberry.field(description="The message's id.")
    conversation_id: strawberry.ID = strawberry.field(description="The conversation it was sent in.")
    sender: User = strawberry.field(description="Who sent the message.")
    type: MessageType = strawberry.field(description="What the message carries.")
    body: str | None = strawberry.field(
        description="The text (TEXT), or the caption or comment of other types; null if none."
    )
    media_url: str | None = strawberry.field(description="Address of the image, video or audio clip.")
    shared_post: Post | None = strawberry.field(
        description="The shared post (SHARED_POST); null if it was deleted since."
    )
    shared_video: Video | None = strawberry.field(
        description="The shared video (SHARED_VIDEO); null if it was unpublished or deleted since."
    )
    client_message_id: str | None = strawberry.field(
        description="The id the sender's client gave this message, to match it with its optimistic copy."
    )
    created_at: datetime = strawberry.field(description="When the message was stored.")

    @classmethod
    def from_row(
        cls,
        row: MessageRow | PageRow,
        *,
        sender: User,
        shared_post: Post | None,
        shared_video: Video | None,
    ) -> Message:
        """A message from its row and the related objects its builder found for it."""
        return cls(
            id=strawberry.ID(str(row.id)),
            conversation_id=strawberry.ID(str(row.conversation_id)),
            sender=sender,
            type=row.type,
            body=row.body,
            media_url=row.media_url,
            shared_post=shared_post,
            shared_video=shared_video,
            client_message_id=row.client_message_id,
            created_at=row.created_at,
        )


@strawberry.input(
    description=(
        "A message to send. TEXT needs body; IMAGE, VIDEO and AUDIO need mediaUrl (body is an optional "
        "caption); SHARED_POST needs sharedPostId; SHARED_VIDEO needs sharedVideoId (body is an optional "
        "comment). Any other field is refused."
    )
)
class SendMessageInput:
    conversation_id: strawberry.ID = strawberry.field(
        description="The conversation to send to; the viewer must take part in it."
    )
    type: MessageType = strawberry.field(description="What the message carries.")
    body: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            f"The text: required and not blank for TEXT; an optional caption or comment for IMAGE, VIDEO, "
            f"AUDIO and SHARED_VIDEO. At most {MAX_BODY_LENGTH:,} characters."
        ),
    )
    media_url: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            f"For IMAGE, VIDEO and AUDIO: an http or https address, at most {MAX_MEDIA_URL_LENGTH:,} "
            "characters."
        ),
    )
    shared_post_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="For SHARED_POST: an existing post."
    )
    shared_video_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="For SHARED_VIDEO: an existing, published video."
    )
    client_message_id: str | None = strawberry.field(
        default=strawberry.UNSET,
        description=(
            f"Optional, at most {MAX_CLIENT_MESSAGE_ID_LENGTH} characters, unique per sender and "
            "conversation: sending again with the same value returns the stored message and writes nothing, "
            "so a send is safe to retry."
        ),
    )
