"""The owner of the send: its statements, its path on each database, and what it stored or refused.

Sends in one conversation run one at a time (the conversation row is locked first), so message ids
grow in commit order within a conversation: keyset paging by id then never skips or repeats one.
On PostgreSQL the usual send (lock, write, move the newest message) is one autocommit statement;
when that writes nothing, and always on SQLite, the locked transaction runs the same steps one by
one and tells why nothing was written (not a participant, a retry, a shared item gone).
A send is never run again after its connection died: the write may have reached the database, and a
client retries with its ``clientMessageId``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Executable, Label, bindparam, exists, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import ReturningInsert

from videoengage.db.dialect import Dialect
from videoengage.db.engine import Database
from videoengage.db.membership import takes_part
from videoengage.db.models import Conversation, Message, Post, Video
from videoengage.db.prepared import Connection
from videoengage.db.rows import MessageRow
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


def _columns(new: NewMessage) -> dict[str, Any]:
    """The statement's parameters; ``dataclasses.asdict`` deep-copied each value, a twentieth of a send."""
    return {name: getattr(new, name) for name in _NEW_COLUMNS}


class SendRefused(Enum):
    """Why a send stored nothing and found no earlier copy of itself."""

    NOT_A_PARTICIPANT = "not a participant"  # or no such conversation: the two look the same
    SHARED_ITEM_MISSING = "shared item missing"  # the video is unpublished or gone, the post gone


async def send(db: Database, new: NewMessage) -> MessageRow | SendRefused:
    """Store the message, or return the one an earlier attempt with its ``client_message_id`` stored."""
    if db.dialect.writes_in_one_statement:
        sent = await db.single_statement(lambda conn: _send_in_one_statement(conn, new))
        if sent is not None:
            return sent
    return await db.transaction(lambda conn: _send_in_transaction(conn, db.dialect, new))


async def _send_in_one_statement(conn: Connection, new: NewMessage) -> MessageRow | None:
    """PostgreSQL, in autocommit: the whole send; ``None`` when it wrote nothing."""
    row = (await conn.execute(_one_statement(_shares(new)), _columns(new))).first()
    return None if row is None else MessageRow._make(row)


async def _send_in_transaction(
    conn: AsyncConnection, dialect: Dialect, new: NewMessage
) -> MessageRow | SendRefused:
    """Lock the conversation (checking membership), write, move the newest message; or say why not."""
    locked = await conn.scalar(
        _LOCK_FOR_SENDER, {"conversation_id": new.conversation_id, "sender_id": new.sender_id}
    )
    if locked is None:
        return SendRefused.NOT_A_PARTICIPANT
    row = (await conn.execute(_insert(dialect, _shares(new)), _columns(new))).first()
    if row is not None:
        await conn.execute(_SET_LAST_MESSAGE, {"conversation_id": row.conversation_id, "message_id": row.id})
        return MessageRow._make(row)
    if new.client_message_id is not None:
        earlier = (
            await conn.execute(
                _BY_CLIENT_ID,
                {
                    "conversation_id": new.conversation_id,
                    "sender_id": new.sender_id,
                    "client_message_id": new.client_message_id,
                },
            )
        ).first()
        if earlier is not None:
            return MessageRow._make(earlier)
    return SendRefused.SHARED_ITEM_MISSING


# Sends are hot: their statements are built once, with bound parameters, not on every send.

# Whether the sender takes part; if so the conversation stays locked until commit. One statement
# checks membership and serialises the conversation's sends. On SQLite ``FOR ...`` renders as
# nothing: a writing transaction there starts with BEGIN IMMEDIATE, which is stronger.
_LOCK_FOR_SENDER = (
    select(Conversation.id)
    .where(
        Conversation.id == bindparam("conversation_id"),
        takes_part(bindparam("conversation_id"), bindparam("sender_id")),
    )
    .with_for_update(key_share=True)  # FOR NO KEY UPDATE: foreign keys to the row still work
)

# Keep the conversation's newest message in step, in the send's own transaction.
_SET_LAST_MESSAGE = (
    update(Conversation)
    .where(Conversation.id == bindparam("conversation_id"))
    .values(last_message_id=bindparam("message_id"))
)

# The message a previous attempt of the same send stored.
_BY_CLIENT_ID = select(_MESSAGES).where(
    _MESSAGES.c.conversation_id == bindparam("conversation_id"),
    _MESSAGES.c.sender_id == bindparam("sender_id"),
    _MESSAGES.c.client_message_id == bindparam("client_message_id"),
)

_NEW_COLUMNS = tuple(field.name for field in fields(NewMessage))


def _shares(new: NewMessage) -> str | None:
    return "video" if new.shared_video_id is not None else "post" if new.shared_post_id is not None else None


def _shared_item_is_there(shares: str | None) -> ColumnElement[bool]:
    """A shared video must be published and a shared post must exist when the message is written."""
    if shares == "video":
        return exists().where(Video.id == bindparam("shared_video_id"), Video.is_published.is_(True))
    if shares == "post":
        return exists().where(Post.id == bindparam("shared_post_id"))
    return true()


@cache
def _insert(dialect: Dialect, shares: str | None) -> Executable:
    """``INSERT ... SELECT ... WHERE EXISTS`` checks the shared item in the same statement that
    writes, and ``ON CONFLICT DO NOTHING`` makes a retry (even a concurrent one) write nothing."""
    row = select(*_new_columns()).where(_shared_item_is_there(shares))
    return _conflict_free(dialect.insert(Message).from_select(list(_NEW_COLUMNS), row))


def _new_columns() -> list[Label[Any]]:
    return [bindparam(name, type_=_MESSAGES.c[name].type).label(name) for name in _NEW_COLUMNS]


def _conflict_free(insert: postgresql.Insert | sqlite.Insert) -> ReturningInsert[Any]:
    return insert.on_conflict_do_nothing(
        index_elements=["conversation_id", "sender_id", "client_message_id"]
    ).returning(*_MESSAGES.c)


@cache
def _one_statement(shares: str | None) -> Executable:
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
