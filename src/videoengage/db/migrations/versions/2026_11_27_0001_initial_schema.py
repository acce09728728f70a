"""Initial schema: users, videos, posts, progress, reactions, conversations and messages.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 07:06:41.113265
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("avatar_url", sa.String(length=2048), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "videos",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("thumbnail_url", sa.String(length=2048), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("is_published", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("like_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("love_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("haha_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("wow_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sad_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pray_count", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("duration_seconds >= 0", name=op.f("ck_videos_duration_seconds")),
        sa.CheckConstraint("haha_count >= 0", name=op.f("ck_videos_haha_count")),
        sa.CheckConstraint("like_count >= 0", name=op.f("ck_videos_like_count")),
        sa.CheckConstraint("love_count >= 0", name=op.f("ck_videos_love_count")),
        sa.CheckConstraint("pray_count >= 0", name=op.f("ck_videos_pray_count")),
        sa.CheckConstraint("sad_count >= 0", name=op.f("ck_videos_sad_count")),
        sa.CheckConstraint("wow_count >= 0", name=op.f("ck_videos_wow_count")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_videos")),
    )
    op.create_table(
        "conversations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "direct_low_user_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "direct_high_user_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("last_message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "direct_low_user_id < direct_high_user_id",
            name=op.f("ck_conversations_direct_pair_ordered"),
        ),
        sa.ForeignKeyConstraint(
            ["direct_high_user_id"],
            ["users.id"],
            name=op.f("fk_conversations_direct_high_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["direct_low_user_id"],
            ["users.id"],
            name=op.f("fk_conversations_direct_low_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint(
            "direct_low_user_id",
            "direct_high_user_id",
            name=op.f("uq_conversations_direct_low_user_id_direct_high_user_id"),
        ),
    )
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conversations_last_message_id"), ["last_message_id"], unique=False
        )

    op.create_table(
        "posts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("author_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("like_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("love_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("haha_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("wow_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sad_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("pray_count", sa.Integer(), server_default="0", nullable=False),
        sa.CheckConstraint("haha_count >= 0", name=op.f("ck_posts_haha_count")),
        sa.CheckConstraint("like_count >= 0", name=op.f("ck_posts_like_count")),
        sa.CheckConstraint("love_count >= 0", name=op.f("ck_posts_love_count")),
        sa.CheckConstraint("pray_count >= 0", name=op.f("ck_posts_pray_count")),
        sa.CheckConstraint("sad_count >= 0", name=op.f("ck_posts_sad_count")),
        sa.CheckConstraint("wow_count >= 0", name=op.f("ck_posts_wow_count")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_posts_author_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_posts_author_id"), ["author_id"], unique=False)

    op.create_table(
        "video_progress",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("video_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("watched_seconds", sa.Integer(), nullable=False),
        sa.Column("last_position", sa.Integer(), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("duration_seconds >= 0", name=op.f("ck_video_progress_duration_seconds")),
        sa.CheckConstraint("last_position >= 0", name=op.f("ck_video_progress_last_position")),
        sa.CheckConstraint("watched_seconds >= 0", name=op.f("ck_video_progress_watched_seconds")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_video_progress_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["video_id"],
            ["videos.id"],
            name=op.f("fk_video_progress_video_id_videos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "video_id", name=op.f("pk_video_progress")),
    )
    with op.batch_alter_table("video_progress", schema=None) as batch_op:
        batch_op.create_index("ix_video_progress_user_id_updated_at", ["user_id", "updated_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_video_progress_video_id"), ["video_id"], unique=False)

    op.create_table(
        "video_reactions",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("video_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "like",
                "love",
                "haha",
                "wow",
                "sad",
                "pray",
                name="reaction_type",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_video_reactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["video_id"],
            ["videos.id"],
            name=op.f("fk_video_reactions_video_id_videos"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "video_id", name=op.f("pk_video_reactions")),
    )
    with op.batch_alter_table("video_reactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_video_reactions_video_id"), ["video_id"], unique=False)

    op.create_table(
        "conversation_participants",
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_participants_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_conversation_participants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "user_id", name=op.f("pk_conversation_participants")),
    )
    with op.batch_alter_table("conversation_participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conversation_participants_user_id"), ["user_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sender_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "text",
                "image",
                "video",
                "audio",
                "shared_post",
                "shared_video",
                name="message_type",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("media_url", sa.String(length=2048), nullable=True),
        sa.Column("shared_post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("shared_video_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("client_message_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(
            "(type = 'text' AND body IS NOT NULL AND media_url IS NULL AND shared_post_id IS NULL AND shared_video_id IS NULL) OR (type IN ('image', 'video', 'audio') AND media_url IS NOT NULL AND shared_post_id IS NULL AND shared_video_id IS NULL) OR (type = 'shared_post' AND media_url IS NULL AND shared_video_id IS NULL) OR (type = 'shared_video' AND media_url IS NULL AND shared_post_id IS NULL)",
            name=op.f("ck_messages_type_columns"),
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["users.id"],
            name=op.f("fk_messages_sender_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shared_post_id"],
            ["posts.id"],
            name=op.f("fk_messages_shared_post_id_posts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["shared_video_id"],
            ["videos.id"],
            name=op.f("fk_messages_shared_video_id_videos"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
        sa.UniqueConstraint(
            "conversation_id",
            "sender_id",
            "client_message_id",
            name=op.f("uq_messages_conversation_id_sender_id_client_message_id"),
        ),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("ix_messages_conversation_id_id", ["conversation_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_sender_id"), ["sender_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_shared_post_id"), ["shared_post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_shared_video_id"), ["shared_video_id"], unique=False)

    # conversations and messages point at each other: this key can only follow both tables.
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_conversations_last_message_id_messages"),
            "messages",
            ["last_message_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.create_table(
        "post_reactions",
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("post_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "like",
                "love",
                "haha",
                "wow",
                "sad",
                "pray",
                name="reaction_type",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_post_reactions_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_post_reactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "post_id", name=op.f("pk_post_reactions")),
    )
    with op.batch_alter_table("post_reactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_reactions_post_id"), ["post_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("post_reactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_reactions_post_id"))

    op.drop_table("post_reactions")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_conversations_last_message_id_messages"), type_="foreignkey")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_shared_video_id"))
        batch_op.drop_index(batch_op.f("ix_messages_shared_post_id"))
        batch_op.drop_index(batch_op.f("ix_messages_sender_id"))
        batch_op.drop_index("ix_messages_conversation_id_id")

    op.drop_table("messages")
    with op.batch_alter_table("conversation_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversation_participants_user_id"))

    op.drop_table("conversation_participants")
    with op.batch_alter_table("video_reactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_reactions_video_id"))

    op.drop_table("video_reactions")
    with op.batch_alter_table("video_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_video_progress_video_id"))
        batch_op.drop_index("ix_video_progress_user_id_updated_at")

    op.drop_table("video_progress")
    with op.batch_alter_table("posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posts_author_id"))

    op.drop_table("posts")
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_last_message_id"))

    op.drop_table("conversations")
    op.drop_table("videos")
    op.drop_table("users")
