"""Statements for direct messages: the serialised, idempotent send and newest-first pages.

Sends in one conversation run one at a time (the conversation row is locked first), so message ids
grow in commit order within a conversation: keyset paging by id then never skips or repeats one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    Label,
    Select,
    bindparam,
    exists,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from videoengage.db.dialect import dialect_insert
from videoengage.db.models import (
    REACTION_COUNT_COLUMNS,
    Conversation,
    ConversationParticipant,
    Message,
    Post,
    User,
    Video,
)
from videoengage.db.queries import Record
from videoengage.enums import MessageType

_MESSAGES = Message.__table__


@dataclass(frozen=True)
class NewMessage:
    """A message that passed input validation: exactly the columns a send writes."""

    conversation_id: int
    sender_id: int
    type: MessageType
    body: str | None = None
    media_url: str | None = None
    shared_post_id: int | None = None
    shared_video_id: int | None = None
    client_message_id: str | None = None


def takes_part(
    conversation_id: int | BindParameter[int], user_id: int | BindParameter[int]
) -> ColumnElement[bool]:
    """Whether the user is a participant of the conversation; the one rule for reading and sending."""
    return exists().where(
        ConversationParticipant.conversation_id == conversation_id,
        ConversationParticipant.user_id == user_id,
    )


async def is_participant(conn: AsyncSession | AsyncConnection, conversation_id: int, user_id: int) -> bool:
    return bool(await conn.scalar(select(takes_part(conversation_id, user_id))))


async def lock_conversation_for_sender(conn: AsyncConnection, conversation_id: int, sender_id: int) -> bool:
    """Whether the sender takes part; if so the conversation stays locked until commit.

    One statement checks membership and serialises the conversation's sends. On SQLite ``FOR ...``
    renders as nothing: a writing transaction there starts with BEGIN IMMEDIATE, which is stronger.
    """
    found = await conn.scalar(_LOCK_FOR_SENDER, {"conversation_id": conversation_id, "sender_id": sender_id})
    return found is not None


# Sends are hot: their statements are built once, with bound parameters, not on every send.
_LOCK_FOR_SENDER = (
    select(Conversation.id)
    .where(
        Conversation.id == bindparam("conversation_id"),
        takes_part(bindparam("conversation_id"), bindparam("sender_id")),
    )
    .with_for_update(key_share=True)  # FOR NO KEY UPDATE: foreign keys to the row still work
)


_NEW_COLUMNS = tuple(field.name for field in fields(NewMessage))


def _shared_item_is_there(shares: str | None) -> ColumnElement[bool]:
    """A shared video must be published and a shared post must exist when the message is written."""
    if shares == "video":
        return exists().where(Video.id == bindparam("shared_video_id"), Video.is_published.is_(True))
    if shares == "post":
        return exists().where(Post.id == bindparam("shared_post_id"))
    return true()


@cache
def _insert(dialect: str, shares: str | None) -> Executable:
    """``INSERT ... SELECT ... WHERE EXISTS`` checks the shared item in the same statement that
    writes, and ``ON CONFLICT DO NOTHING`` makes a retry (even a concurrent one) write nothing."""
    row = select(*_new_columns()).where(_shared_item_is_there(shares))
    return _conflict_free(dialect_insert(dialect, Message).from_select(list(_NEW_COLUMNS), row))


def _new_columns() -> list[Label[Any]]:
    return [bindparam(name, type_=_MESSAGES.c[name].type).label(name) for name in _NEW_COLUMNS]


def _conflict_free(insert: postgresql.Insert | sqlite.Insert) -> ReturningInsert[Any]:
    return insert.on_conflict_do_nothing(
        index_elements=["conversation_id", "sender_id", "client_message_id"]
    ).returning(*_MESSAGES.c)


def _shares(new: NewMessage) -> str | None:
    return "video" if new.shared_video_id is not None else "post" if new.shared_post_id is not None else None


async def insert_message(conn: AsyncConnection, new: NewMessage) -> Record | None:
    """Write the message; ``None`` if its shared item is gone or this client id was already stored."""
    return (await conn.execute(_insert(conn.dialect.name, _shares(new)), asdict(new))).first()


async def send_in_one_statement(conn: AsyncConnection, new: NewMessage) -> Record | None:
    """PostgreSQL, in autocommit: the usual send (lock, write, move the newest message) in one
    statement. ``None`` when it wrote nothing (not a participant, a retry, a shared item gone): the
    send's transaction then runs and tells which."""
    return (await conn.execute(_send_in_one_statement(_shares(new)), asdict(new))).first()


@cache
def _send_in_one_statement(shares: str | None) -> Executable:
    """The lock is taken before the message's id is drawn (the insert reads from ``locked``), and held
    until the statement commits: ids still grow in commit order within a conversation."""
    locked = _LOCK_FOR_SENDER.cte("locked")
    row = select(*_new_columns()).select_from(locked).where(_shared_item_is_there(shares))
    sent = _conflict_free(postgresql.insert(Message).from_select(list(_NEW_COLUMNS), row)).cte("sent")
    moved = (
        update(Conversation)
        .where(Conversation.id == sent.c.conversation_id)
        .values(last_message_id=sent.c.id)
        .cte("moved")
    )
    return select(sent).add_cte(moved)


async def message_by_client_id(
    conn: AsyncConnection, conversation_id: int, sender_id: int, client_message_id: str
) -> Record | None:
    """The message a previous attempt of the same send stored."""
    result = await conn.execute(
        select(_MESSAGES).where(
            _MESSAGES.c.conversation_id == conversation_id,
            _MESSAGES.c.sender_id == sender_id,
            _MESSAGES.c.client_message_id == client_message_id,
        )
    )
    return result.first()


async def set_last_message(conn: AsyncConnection, message: Record) -> None:
    """Keep the conversation's newest message in step, in the send's own transaction."""
    await conn.execute(
        _SET_LAST_MESSAGE, {"conversation_id": message.conversation_id, "message_id": message.id}
    )


_SET_LAST_MESSAGE = (
    update(Conversation)
    .where(Conversation.id == bindparam("conversation_id"))
    .values(last_message_id=bindparam("message_id"))
)


# A page's rows: the message's columns in table order, then its sender's and (when the page shows
# video cards) its shared video's, if published, else NULLs.
_PAGE_SENDER_COLUMNS = ("display_name", "avatar_url")
_PAGE_VIDEO_COLUMNS = (
    "id",
    "title",
    "description",
    "thumbnail_url",
    "duration_seconds",
    "published_at",
    *REACTION_COUNT_COLUMNS,
)


def page_columns(with_videos: bool) -> tuple[str, ...]:
    """The names of a page row's columns, in order: for whoever unpacks the rows by position."""
    return tuple(_page(False, with_videos).selected_columns.keys())


async def newest_messages_of_participant(
    conn: AsyncConnection,
    conversation_id: int,
    user_id: int,
    before_id: int | None,
    limit: int,
    *,
    with_videos: bool,
) -> Sequence[Record]:
    """Up to ``limit`` messages older than ``before_id`` (or the newest), newest first, with their
    senders and shared videos (see ``page_columns``); none unless ``user_id`` takes part.
    Membership, page, senders and video cards in one statement."""
    parameters = {"conversation_id": conversation_id, "user_id": user_id, "limit": limit}
    if before_id is not None:
        parameters["before_id"] = before_id
    rows: Sequence[Record] = (await conn.execute(_page(before_id is not None, with_videos), parameters)).all()
    return rows


@cache
def _page(older: bool, with_videos: bool) -> Select[Any]:
    users, videos = User.__table__, Video.__table__
    conversation_id = bindparam("conversation_id", type_=_MESSAGES.c.conversation_id.type)
    columns = [*_MESSAGES.c, *(users.c[name].label(f"sender_{name}") for name in _PAGE_SENDER_COLUMNS)]
    joined = _MESSAGES.join(users, users.c.id == _MESSAGES.c.sender_id)
    if with_videos:
        columns += [videos.c[name].label(f"video_{name}") for name in _PAGE_VIDEO_COLUMNS]
        joined = joined.outerjoin(
            videos, (videos.c.id == _MESSAGES.c.shared_video_id) & videos.c.is_published.is_(True)
        )
    query = (
        select(*columns)
        .select_from(joined)
        .where(
            _MESSAGES.c.conversation_id == conversation_id,
            takes_part(conversation_id, bindparam("user_id", type_=users.c.id.type)),
        )
    )
    if older:
        query = query.where(_MESSAGES.c.id < bindparam("before_id", type_=_MESSAGES.c.id.type))
    return query.order_by(_MESSAGES.c.id.desc()).limit(bindparam("limit"))
