"""The owner of the chat screen's page: a conversation's messages, newest first, with their senders
and video cards, and the membership check, in one statement (both databases).

Rows come back typed (``db.rows.PageRow``): the message's columns, its sender and, when the page shows
video cards, its shared video if still published. A sender or a video on many rows is built once.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from videoengage.db.engine import Database
from videoengage.db.membership import is_participant, takes_part
from videoengage.db.models import Conversation, Message, User, Video
from videoengage.db.page_size import page_size
from videoengage.db.prepared import Connection
from videoengage.db.rows import MessageRow, PageRow, Sender, VideoCard

_MESSAGES = Message.__table__


async def newest_page(
    db: Database,
    conversation_id: int,
    viewer_id: int,
    before_id: int | None,
    limit: int,
    *,
    with_videos: bool,
) -> list[PageRow] | None:
    """Up to ``limit`` messages older than ``before_id`` (or the newest), newest first; ``None`` when
    the viewer does not take part. A read: it runs once more if its connection was dead."""

    async def page_or_none(conn: Connection) -> list[PageRow] | None:
        parameters = {"conversation_id": conversation_id, "user_id": viewer_id, "limit": limit}
        if before_id is not None:
            parameters["before_id"] = before_id
        rows = (await conn.execute(_page(before_id is not None, with_videos), parameters)).all()
        # An empty page costs a second look, to tell "no (older) messages" from "not yours".
        if not rows and not await is_participant(conn, conversation_id, viewer_id):
            return None
        return _page_rows(rows, with_videos)

    return await db.fetch_prepared(page_or_none)


async def oldest_after(db: Database, conversation_id: int, after_id: int, limit: int) -> list[PageRow]:
    """Up to ``limit`` messages newer than ``after_id``, oldest first, with senders and video cards:
    what a subscription delivers, read once for every subscriber of the conversation. Membership was
    checked when each subscribed; the same columns and rows as a page, in the other order."""

    async def work(conn: Connection) -> list[PageRow]:
        parameters = {"conversation_id": conversation_id, "after_id": after_id, "limit": limit}
        return _page_rows((await conn.execute(_newer(), parameters)).all(), True)

    return await db.fetch_prepared(work)


async def newest_id_if_participant(db: Database, conversation_id: int, viewer_id: int) -> int | None:
    """The conversation's newest message id (0 without messages), where a subscription without a
    cursor starts; ``None`` when the viewer does not take part. One statement."""

    async def work(conn: Connection) -> int | None:
        row = (
            await conn.execute(
                _NEWEST_IF_PARTICIPANT, {"conversation_id": conversation_id, "user_id": viewer_id}
            )
        ).first()
        return None if row is None else int(row.newest)

    return await db.fetch_prepared(work)


_CONVERSATIONS = Conversation.__table__
_NEWEST_IF_PARTICIPANT = select(
    select(func.coalesce(func.max(_MESSAGES.c.id), 0))
    .where(_MESSAGES.c.conversation_id == _CONVERSATIONS.c.id)
    .scalar_subquery()
    .label("newest")
).where(
    _CONVERSATIONS.c.id == bindparam("conversation_id"),
    takes_part(bindparam("conversation_id"), bindparam("user_id")),
)

_LIMIT = page_size()  # in the SQL, so that PostgreSQL plans the page once (``page_size``)
_MESSAGE_WIDTH = len(MessageRow._fields)
_SENDER_COLUMNS = ("display_name", "avatar_url")
_CARD_COLUMNS = tuple(name for name in VideoCard._fields)


def _page_rows(rows: Sequence[Sequence[Any]], with_videos: bool) -> list[PageRow]:
    """Typed rows from the statement's: one ``PageRow`` per message, one ``Sender`` and one
    ``VideoCard`` per distinct sender and video. Read by index and slice, in the order ``_page``
    selects: a Core row's lookup by name is a Python call, which here would cost more than the rest."""
    width = _MESSAGE_WIDTH
    make = PageRow._make
    senders: dict[int, Sender] = {}
    cards: dict[int, VideoCard] = {}
    page = []
    for row in rows:
        sender_id = row[2]
        sender = senders.get(sender_id)
        if sender is None:
            sender = senders[sender_id] = Sender(sender_id, row[width], row[width + 1])
        card = None
        if with_videos:
            video_id = row[width + 2]
            if video_id is not None:  # shared, and still published
                card = cards.get(video_id)
                if card is None:
                    card = cards[video_id] = VideoCard._make(row[width + 2 :])
        page.append(make((*row[:width], sender, card)))
    return page


@cache
def _newer() -> Select[Any]:
    """The page's columns and joins (cards included), newer than a cursor, oldest first."""
    query = _page_columns(with_videos=True).where(
        _MESSAGES.c.conversation_id == bindparam("conversation_id", type_=_MESSAGES.c.conversation_id.type),
        _MESSAGES.c.id > bindparam("after_id", type_=_MESSAGES.c.id.type),
    )
    return query.order_by(_MESSAGES.c.id).limit(_LIMIT)


def _page_columns(*, with_videos: bool) -> Select[Any]:
    """The message's columns in table order, then its sender's, then (with cards) its video's."""
    users, videos = User.__table__, Video.__table__
    columns = [*_MESSAGES.c, *(users.c[name].label(f"sender_{name}") for name in _SENDER_COLUMNS)]
    joined = _MESSAGES.join(users, users.c.id == _MESSAGES.c.sender_id)
    if with_videos:
        columns += [videos.c[name].label(f"video_{name}") for name in _CARD_COLUMNS]
        joined = joined.outerjoin(
            videos, (videos.c.id == _MESSAGES.c.shared_video_id) & videos.c.is_published.is_(True)
        )
    return select(*columns).select_from(joined)


@cache
def _page(older: bool, with_videos: bool) -> Select[Any]:
    """A page, newest first, for a participant only."""
    users = User.__table__
    conversation_id = bindparam("conversation_id", type_=_MESSAGES.c.conversation_id.type)
    query = _page_columns(with_videos=with_videos).where(
        _MESSAGES.c.conversation_id == conversation_id,
        takes_part(conversation_id, bindparam("user_id", type_=users.c.id.type)),
    )
    if older:
        query = query.where(_MESSAGES.c.id < bindparam("before_id", type_=_MESSAGES.c.id.type))
    return query.order_by(_MESSAGES.c.id.desc()).limit(_LIMIT)
