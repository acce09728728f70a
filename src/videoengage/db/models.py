"""The tables, as SQLAlchemy 2 typed models. The Alembic chain creates them; tests compare the two.

Relationships are deliberately absent: queries are written out in ``queries.py`` so no IO is implicit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from videoengage.db.types import BigId, UtcDateTime, utcnow
from videoengage.enums import MessageType, ReactionType

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _enum_values(enum_cls: type[ReactionType] | type[MessageType]) -> list[str]:
    return [member.value for member in enum_cls]


# Stored as short strings with a CHECK: portable, and adding a value is a plain migration.
reaction_type_column = Enum(
    ReactionType,
    name="reaction_type",
    native_enum=False,
    create_constraint=True,
    length=16,
    values_callable=_enum_values,
    validate_strings=True,
)
message_type_column = Enum(
    MessageType,
    name="message_type",
    native_enum=False,
    create_constraint=True,
    length=16,
    values_callable=_enum_values,
    validate_strings=True,
)


def counter_column(type: ReactionType) -> str:
    """The column of a target's table that counts this type of reaction."""
    return f"{type.value}_count"


REACTION_COUNT_COLUMNS = tuple(counter_column(type) for type in ReactionType)


def _created_at() -> Mapped[datetime]:
    return mapped_column(UtcDateTime(), default=utcnow, server_default=func.now())


def _counter_checks() -> tuple[CheckConstraint, ...]:
    return tuple(CheckConstraint(f"{name} >= 0", name=name) for name in REACTION_COUNT_COLUMNS)


class ReactionCounters:
    """Per-type counters kept exact by the toggle, in the same transaction: reading them never scans."""

    like_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    love_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    haha_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    wow_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sad_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    pray_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    created_at: Mapped[datetime] = _created_at()


class Video(ReactionCounters, Base):
    __tablename__ = "videos"
    __table_args__ = (
        CheckConstraint("duration_seconds >= 0", name="duration_seconds"),
        *_counter_checks(),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    thumbnail_url: Mapped[str | None] = mapped_column(String(2048))
    duration_seconds: Mapped[int] = mapped_column(Integer)
    is_published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = _created_at()


class Post(ReactionCounters, Base):
    __tablename__ = "posts"
    __table_args__ = _counter_checks()

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = _created_at()


class VideoProgress(Base):
    """Where a viewer is in a video; one row per viewer and video, written by one upsert."""

    __tablename__ = "video_progress"
    __table_args__ = (
        CheckConstraint("watched_seconds >= 0", name="watched_seconds"),
        CheckConstraint("last_position >= 0", name="last_position"),
        CheckConstraint("duration_seconds >= 0", name="duration_seconds"),
        Index("ix_video_progress_user_id_updated_at", "user_id", "updated_at"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    video_id: Mapped[int] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    watched_seconds: Mapped[int] = mapped_column(Integer)
    last_position: Mapped[int] = mapped_column(Integer)
    duration_seconds: Mapped[int] = mapped_column(Integer)
    completed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the player took the latest reading that moved last_position (out-of-order heartbeats).
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class VideoReaction(Base):
    __tablename__ = "video_reactions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    video_id: Mapped[int] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    type: Mapped[ReactionType] = mapped_column(reaction_type_column)
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()


class PostReaction(Base):
    __tablename__ = "post_reactions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    type: Mapped[ReactionType] = mapped_column(reaction_type_column)
    created_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (
        # A direct conversation is keyed by its two users, lower id first: one per pair, ever.
        UniqueConstraint("direct_low_user_id", "direct_high_user_id"),
        CheckConstraint("direct_low_user_id < direct_high_user_id", name="direct_pair_ordered"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    direct_low_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    direct_high_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Denormalised newest message id: orders the conversation list without a scan.
    last_message_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("messages.id", ondelete="SET NULL", use_alter=True), index=True
    )
    created_at: Mapped[datetime] = _created_at()


class ConversationParticipant(Base):
    __tablename__ = "conversation_participants"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = _created_at()


_NO_MEDIA = "media_url IS NULL AND shared_post_id IS NULL AND shared_video_id IS NULL"
# Each type needs its own column and excludes the others. A shared post or video may later be
# deleted (ON DELETE SET NULL keeps the message), so those two ids are not required NOT NULL.
MESSAGE_TYPE_RULE = (
    f"(type = 'text' AND body IS NOT NULL AND {_NO_MEDIA})"
    " OR (type IN ('image', 'video', 'audio') AND media_url IS NOT NULL"
    " AND shared_post_id IS NULL AND shared_video_id IS NULL)"
    " OR (type = 'shared_post' AND media_url IS NULL AND shared_video_id IS NULL)"
    " OR (type = 'shared_video' AND media_url IS NULL AND shared_post_id IS NULL)"
)


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(MESSAGE_TYPE_RULE, name="type_columns"),
        # Newest-first paging within a conversation walks this index backwards.
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        # Safe retries: one message per sender, conversation and client id.
        UniqueConstraint("conversation_id", "sender_id", "client_message_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    type: Mapped[MessageType] = mapped_column(message_type_column)
    body: Mapped[str | None] = mapped_column(Text)
    media_url: Mapped[str | None] = mapped_column(String(2048))
    shared_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    shared_video_id: Mapped[int | None] = mapped_column(
        ForeignKey("videos.id", ondelete="SET NULL"), index=True
    )
    client_message_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created_at()
