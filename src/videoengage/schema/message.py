"""Direct messages: the ``Message`` type, its ``MessageType`` and the ``SendMessageInput``.

A page of messages reads its senders and video cards in its own statement; shared posts, and the
related rows of single messages (a send, a conversation's newest message), come from the request's
loaders for all the messages at once. Either way a page costs the same statements however long it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import strawberry

from videoengage import enums
from videoengage.context import Info
from videoengage.db import messages as db_messages
from videoengage.db import models
from videoengage.db.queries import Record
from videoengage.errors import NotFound
from videoengage.schema.post import Post
from videoengage.schema.reaction import ReactionCounts
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
    """Sender, shared video and shared post are plain fields, filled for a whole page at once
    (``messages_of_page``, ``messages_from_rows``) instead of one awaited resolver per message."""

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
    if rows and rows[0]._fields != MESSAGE_COLUMNS:
        raise TypeError(f"messages_from_rows needs the messages table's columns, not {rows[0]._fields}")
    columns_of_rows = [tuple(row) for row in rows]
    loaders = info.context.loaders
    senders = loaders.user_by_id.load_many(list({row[2] for row in columns_of_rows}))
    videos = loaders.published_video_by_id.load_many(
        list({row[7] for row in columns_of_rows if row[7] is not None} if shared_video else ())
    )
    posts = loaders.post_by_id.load_many(
        list({row[6] for row in columns_of_rows if row[6] is not None} if shared_post else ())
    )
    users_by_id = {user.id: User.from_row(user) for user in await senders if user is not None}
    videos_by_id = {video.id: Video.from_row(video) for video in await videos if video is not None}
    posts_by_id = {post.id: Post.from_row(post) for post in await posts if post is not None}
    messages = []
    for columns in columns_of_rows:
        sender = users_by_id.get(columns[2])
        if sender is None:  # the foreign key cascades: a sender cannot vanish while the message stays
            raise NotFound("The message's sender no longer exists")
        post_id, video_id = columns[6], columns[7]
        messages.append(
            _message(
                columns,
                sender,
                shared_post=None if post_id is None else posts_by_id.get(post_id),
                shared_video=None if video_id is None else videos_by_id.get(video_id),
            )
        )
    return messages


_PAGE_COLUMNS = (db_messages.page_columns(with_videos=False), db_messages.page_columns(with_videos=True))


async def messages_of_page(info: Info, rows: Sequence[Record], *, shared_post: bool) -> list[Message]:
    """A page's messages from its rows, which already carry each sender and, when the page shows video
    cards, each shared video (``db.messages.newest_messages_of_participant``). Shared posts, rarer,
    still come from their loader when selected."""
    if rows and rows[0]._fields not in _PAGE_COLUMNS:
        raise TypeError(f"messages_of_page needs a page's columns, not {rows[0]._fields}")
    columns_of_rows = [tuple(row) for row in rows]
    posts = info.context.loaders.post_by_id.load_many(
        list({row[6] for row in columns_of_rows if row[6] is not None} if shared_post else ())
    )
    posts_by_id = {post.id: Post.from_row(post) for post in await posts if post is not None}
    width, senders, videos = len(MESSAGE_COLUMNS), dict[int, User](), dict[int, Video]()
    messages = []
    for columns in columns_of_rows:
        sender_id, post_id = columns[2], columns[6]
        sender = senders.get(sender_id)
        if sender is None:
            display_name, avatar_url = columns[width : width + 2]
            sender = senders[sender_id] = User(
                id=strawberry.ID(str(sender_id)), display_name=display_name, avatar_url=avatar_url
            )
        card = columns[width + 2 :]
        video = None
        if card and card[0] is not None:  # shared, selected, and still published
            video = videos.get(card[0]) or videos.setdefault(card[0], _video_card(card))
        messages.append(
            _message(
                columns,
                sender,
                shared_post=None if post_id is None else posts_by_id.get(post_id),
                shared_video=video,
            )
        )
    return messages


def _video_card(card: tuple[Any, ...]) -> Video:
    id, title, description, thumbnail_url, duration_seconds, published_at, *counts = card
    return Video(
        id=strawberry.ID(str(id)),
        title=title,
        description=description,
        thumbnail_url=thumbnail_url,
        duration_seconds=duration_seconds,
        published_at=published_at,
        reaction_counts=ReactionCounts.of(*counts),
    )


def _message(
    columns: tuple[Any, ...], sender: User, *, shared_post: Post | None, shared_video: Video | None
) -> Message:
    """A message from the messages table's columns, in table order, and its related objects."""
    id, conversation_id, _, type, body, media_url, _, _, client_message_id, created_at = columns[:10]
    return Message(
        id=strawberry.ID(str(id)),
        conversation_id=strawberry.ID(str(conversation_id)),
        sender=sender,
        type=type,
        body=body,
        media_url=media_url,
        shared_post=shared_post,
        shared_video=shared_video,
        client_message_id=client_message_id,
        created_at=created_at,
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
