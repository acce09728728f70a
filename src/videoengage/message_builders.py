"""Messages with their related objects, from the typed rows the database owners return.

A page's rows (``db.rows.PageRow``, from ``db.message_page``) already carry each sender and, when
the page shows video cards, each shared video; shared posts, rarer, come from their loader when
selected. A single message (a send, a conversation's newest message) is a ``MessageRow`` whose
related rows come from the request's loaders. Either way a page costs the same statements however
long it is. Used by the resolvers and by ``Conversation.lastMessage``; the schema's types only
convert rows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence

from videoengage.context import Info
from videoengage.db.engine import Database
from videoengage.db.rows import MessageRow, PageRow, PostRow
from videoengage.errors import NotFound
from videoengage.loaders import Loaders
from videoengage.schema.message import Message
from videoengage.schema.post import Post
from videoengage.schema.user import User
from videoengage.schema.video import Video


async def messages_from_rows(
    info: Info, rows: Sequence[MessageRow], *, shared_video: bool = True, shared_post: bool = True
) -> list[Message]:
    """Messages with their related rows, loaded for all of ``rows`` at once through the loaders.

    Shared videos and posts are loaded only when asked for (a field not selected is never read, so
    leaving it null is invisible). All batches are queued before the first is awaited, so they run
    concurrently, each with its own connection.
    """
    loaders = info.context.loaders
    video_ids = (
        {row.shared_video_id for row in rows if row.shared_video_id is not None} if shared_video else ()
    )
    post_ids = _shared_post_ids(rows, shared_post)
    senders = loaders.user_by_id.load_many(list({row.sender_id for row in rows}))
    # A loader is asked only for keys there are (a text message shares nothing): an empty batch
    # still made its loader and a gathering future.
    videos = loaders.published_video_by_id.load_many(list(video_ids)) if video_ids else None
    posts = loaders.post_by_id.load_many(post_ids) if post_ids else None
    users_by_id = {user.id: User.from_row(user) for user in await senders if user is not None}
    videos_by_id = {} if videos is None else {v.id: Video.from_row(v) for v in await videos if v is not None}
    posts_by_id = await _posts_by_id(posts)
    messages = []
    for row in rows:
        sender = users_by_id.get(row.sender_id)
        if sender is None:  # the foreign key cascades: a sender cannot vanish while the message stays
            raise NotFound("The message's sender no longer exists")
        post_id, video_id = row.shared_post_id, row.shared_video_id
        messages.append(
            Message.from_row(
                row,
                sender=sender,
                shared_post=None if post_id is None else posts_by_id.get(post_id),
                shared_video=None if video_id is None else videos_by_id.get(video_id),
            )
        )
    return messages


def sent_message(info: Info, row: MessageRow) -> Message | None:
    """The message a send stored or found, when it shares nothing: its sender is the viewer, whose
    row authentication already holds, so it needs no loader and no await (``None`` otherwise: ask
    ``messages_from_rows``). Loading the sender the request already had made a loader, a batch
    and a gathering future on every send."""
    viewer = info.context.viewer
    if row.sender_id != viewer.id or row.shared_video_id is not None or row.shared_post_id is not None:
        return None
    return Message.from_row(row, sender=User.from_row(viewer), shared_post=None, shared_video=None)


async def messages_of_page(info: Info, rows: Sequence[PageRow], *, shared_post: bool) -> list[Message]:
    """A page's messages from its rows; one ``User`` and one ``Video`` per distinct sender and card."""
    return await _messages_of_rows(info.context.loaders, rows, shared_post=shared_post)


async def messages_of_event(db: Database, rows: Sequence[PageRow]) -> list[Message]:
    """What a subscription event delivers, built once for all its subscribers: every field filled
    (shared posts too, in one batch when any is shared), since each subscriber selects its own."""
    return await _messages_of_rows(Loaders(db), rows, shared_post=True)


async def _messages_of_rows(loaders: Loaders, rows: Sequence[PageRow], *, shared_post: bool) -> list[Message]:
    post_ids = _shared_post_ids(rows, shared_post)
    posts_by_id = await _posts_by_id(loaders.post_by_id.load_many(post_ids) if post_ids else None)
    senders: dict[int, User] = {}
    videos: dict[int, Video] = {}
    messages = []
    for row in rows:
        sender_id, post_id, card = row.sender_id, row.shared_post_id, row.video
        sender = senders.get(sender_id) or senders.setdefault(sender_id, User.from_row(row.sender))
        video = None
        if card is not None:  # shared, selected, and still published
            video = videos.get(card.id) or videos.setdefault(card.id, Video.from_row(card))
        messages.append(
            Message.from_row(
                row,
                sender=sender,
                shared_post=None if post_id is None else posts_by_id.get(post_id),
                shared_video=video,
            )
        )
    return messages


async def _posts_by_id(posts: Awaitable[list[PostRow | None]] | None) -> dict[int, Post]:
    """The posts a batch loaded (none asked for: none), by id; a deleted post is not among them."""
    return {} if posts is None else {post.id: Post.from_row(post) for post in await posts if post is not None}


def _shared_post_ids(rows: Sequence[MessageRow | PageRow], wanted: bool) -> list[int]:
    """The distinct posts ``rows`` share; none unless the client selected them."""
    return list({row.shared_post_id for row in rows if row.shared_post_id is not None} if wanted else ())
