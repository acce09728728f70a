"""Typed rows: one NamedTuple per shape the owners in ``db/`` return, so nothing outside ``db/`` reads
a row by position or depends on a statement's column order; schema types convert them (``from_row``).

A table's shape lists its columns in table order, so a row the database returns with exactly those
columns becomes one with ``Shape._make(row)``; ``_in_table_order`` checks that at import. The chat
page's shapes (``PageRow`` with its ``Sender`` and ``VideoCard``) carry only what the page shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table

from videoengage.db.models import Conversation, Message, Post, User, Video, VideoProgress
from videoengage.enums import MessageType


class UserRow(NamedTuple):
    id: int
    display_name: str
    avatar_url: str | None
    created_at: datetime


class VideoRow(NamedTuple):
    id: int
    title: str
    description: str | None
    thumbnail_url: str | None
    duration_seconds: int
    is_published: bool
    published_at: datetime | None
    created_at: datetime
    like_count: int
    love_count: int
    haha_count: int
    wow_count: int
    sad_count: int
    pray_count: int


class PostRow(NamedTuple):
    id: int
    author_id: int
    body: str
    created_at: datetime
    like_count: int
    love_count: int
    haha_count: int
    wow_count: int
    sad_count: int
    pray_count: int


class ProgressRow(NamedTuple):
    user_id: int
    video_id: int
    watched_seconds: int
    last_position: int
    duration_seconds: int
    completed: bool
    recorded_at: datetime
    updated_at: datetime


class MessageRow(NamedTuple):
    id: int
    conversation_id: int
    sender_id: int
    type: MessageType
    body: str | None
    media_url: str | None
    shared_post_id: int | None
    shared_video_id: int | None
    client_message_id: str | None
    created_at: datetime


class ConversationRow(NamedTuple):
    id: int
    direct_low_user_id: int | None
    direct_high_user_id: int | None
    last_message_id: int | None
    created_at: datetime


class Sender(NamedTuple):
    """What a page shows of a message's sender."""

    id: int
    display_name: str
    avatar_url: str | None


class VideoCard(NamedTuple):
    """What a page shows of a shared video: no more columns than the card needs."""

    id: int
    title: str
    description: str | None
    thumbnail_url: str | None
    duration_seconds: int
    published_at: datetime | None
    like_count: int
    love_count: int
    haha_count: int
    wow_count: int
    sad_count: int
    pray_count: int


class PageRow(NamedTuple):
    """A message of the page (the columns of ``MessageRow``), its sender and its video card, if any."""

    id: int
    conversation_id: int
    sender_id: int
    type: MessageType
    body: str | None
    media_url: str | None
    shared_post_id: int | None
    shared_video_id: int | None
    client_message_id: str | None
    created_at: datetime
    sender: Sender
    video: VideoCard | None  # null too when the page shows no cards


def _in_table_order(shape: Any, table: Table) -> None:
    """A shape and its table must agree column for column: rows are built from them by position."""
    fields: tuple[str, ...] = shape._fields
    if fields != tuple(table.c.keys()):
        raise TypeError(f"{shape.__name__} has {fields}, its table {tuple(table.c.keys())}")


for _shape, _model in (
    (UserRow, User),
    (VideoRow, Video),
    (PostRow, Post),
    (ProgressRow, VideoProgress),
    (MessageRow, Message),
    (ConversationRow, Conversation),
):
    _in_table_order(_shape, _model.__table__)  # type: ignore[arg-type]
if PageRow._fields[: len(MessageRow._fields)] != MessageRow._fields:
    raise TypeError("a PageRow starts with a MessageRow's columns: the page selects them first")
