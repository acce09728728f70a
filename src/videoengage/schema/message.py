"""Direct messages: the ``Message`` type, its ``MessageType`` and the ``SendMessageInput``.

A message's sender, shared video and shared post come from the request's loaders, a page at a time,
so a page of messages costs one statement per kind of related row, however long the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import strawberry

from videoengage import enums
from videoengage.context import Info
from videoengage.db import models
from videoengage.db.queries import Record
from videoengage.errors import NotFound
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


# A page reads every column of 50 rows: unpacked in table order, not looked up by name one at a time
# (a Core row's attribute lookup is a Python call, which cost more than building the message).
MESSAGE_COLUMNS = tuple(column.name for column in models.Message.__table__.c)


@strawberry.type(description="A message in a conversation.")
class Message:
    """Sender, shared video and shared post are plain fields, filled for a whole page at once by
    ``messages_from_rows``: one loader batch per kind instead of one awaited resolver per message."""

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


async def messages_from_rows(
    info: Info, rows: Sequence[Record], *, shared_video: bool = True, shared_post: bool = True
) -> list[Message]:
    """Messages with their related rows, loaded for all of ``rows`` at once through the loaders.

    ``rows`` are rows of the messages table, with its columns in table order. Shared videos and posts
    are loaded only when asked for (a field not selected is never read, so leaving it null is
    invisible). All batches are queued before the first is awaited, so they run concurrently, each
    with its own session.
    """
    columns = [tuple(row) for row in rows]
    if rows and rows[0]._fields != MESSAGE_COLUMNS:
        raise TypeError(f"messages_from_rows needs the messages table's columns, not {rows[0]._fields}")
    loaders = info.context.loaders
    senders = loaders.user_by_id.load_many(list({row[2] for row in columns}))
    videos = loaders.published_video_by_id.load_many(
        list({row[7] for row in columns if row[7] is not None} if shared_video else ())
    )
    posts = loaders.post_by_id.load_many(
        list({row[6] for row in columns if row[6] is not None} if shared_post else ())
    )
    users_by_id = {user.id: User.from_row(user) for user in await senders if user is not None}
    videos_by_id = {video.id: Video.from_row(video) for video in await videos if video is not None}
    posts_by_id = {post.id: Post.from_row(post) for post in await posts if post is not None}
    messages = []
    for (
        id,
        conversation_id,
        sender_id,
        type,
        body,
        media_url,
        post_id,
        video_id,
        client_id,
        created_at,
    ) in columns:
        sender = users_by_id.get(sender_id)
        if sender is None:  # the foreign key cascades: a sender cannot vanish while the message stays
            raise NotFound("The message's sender no longer exists")
        messages.append(
            Message(
                id=strawberry.ID(str(id)),
                conversation_id=strawberry.ID(str(conversation_id)),
                sender=sender,
                type=type,
                body=body,
                media_url=media_url,
                shared_post=None if post_id is None else posts_by_id.get(post_id),
                shared_video=None if video_id is None else videos_by_id.get(video_id),
                client_message_id=client_id,
                created_at=created_at,
            )
        )
    return messages


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
