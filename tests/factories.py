"""Small factories writing straight to the database, for the 'given' part of tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, update

from videoengage.db.engine import Database
from videoengage.db.models import Conversation, ConversationParticipant, Message, Post, User, Video
from videoengage.enums import MessageType


async def create_user(db: Database, display_name: str = "Test User", **values: Any) -> int:
    async with db.write() as session:
        user = User(display_name=display_name, **values)
        session.add(user)
        await session.flush()
        return user.id


async def create_users(db: Database, count: int) -> list[int]:
    """Many users in one statement: crowds for the concurrency tests."""
    async with db.write() as session:
        ids = await session.scalars(
            insert(User).returning(User.id), [{"display_name": f"User {n}"} for n in range(count)]
        )
        return sorted(ids)


async def create_video(
    db: Database,
    title: str = "A video",
    *,
    published: bool = True,
    duration_seconds: int = 600,
    **values: Any,
) -> int:
    async with db.write() as session:
        video = Video(
            title=title,
            duration_seconds=duration_seconds,
            is_published=published,
            published_at=datetime.now(UTC) if published else None,
            thumbnail_url=f"https://cdn.example.com/{title.replace(' ', '-')}.jpg",
            **values,
        )
        session.add(video)
        await session.flush()
        return video.id


async def create_videos(db: Database, count: int) -> list[int]:
    """Many published videos in one statement, ids ascending: long pages for the batching tests."""
    now = datetime.now(UTC)
    async with db.write() as session:
        ids = await session.scalars(
            insert(Video).returning(Video.id),
            [
                {"title": f"Video {n}", "duration_seconds": 600, "is_published": True, "published_at": now}
                for n in range(count)
            ],
        )
        return sorted(ids)


async def create_post(db: Database, author_id: int, body: str = "A post") -> int:
    async with db.write() as session:
        post = Post(author_id=author_id, body=body)
        session.add(post)
        await session.flush()
        return post.id


async def create_conversation(db: Database, *user_ids: int) -> int:
    """A conversation of these users; with two, it is their direct conversation."""
    async with db.write() as session:
        values: dict[str, Any] = {}
        if len(user_ids) == 2:
            values = {"direct_low_user_id": min(user_ids), "direct_high_user_id": max(user_ids)}
        conversation = Conversation(**values)
        session.add(conversation)
        await session.flush()
        session.add_all(
            ConversationParticipant(conversation_id=conversation.id, user_id=user_id) for user_id in user_ids
        )
        return conversation.id


async def create_message(
    db: Database,
    conversation_id: int,
    sender_id: int,
    type: MessageType = MessageType.TEXT,
    **values: Any,
) -> int:
    if type is MessageType.TEXT:
        values.setdefault("body", "hello")
    async with db.write() as session:
        message = Message(conversation_id=conversation_id, sender_id=sender_id, type=type, **values)
        session.add(message)
        await session.flush()
        await session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(last_message_id=message.id)
        )
        return message.id


async def create_messages(db: Database, conversation_id: int, sender_id: int, count: int) -> list[int]:
    """``count`` TEXT messages in one transaction, oldest first; the last becomes the newest message."""
    async with db.write() as session:
        messages = [
            Message(conversation_id=conversation_id, sender_id=sender_id, type=MessageType.TEXT, body=f"#{n}")
            for n in range(count)
        ]
        session.add_all(messages)
        await session.flush()
        await session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(last_message_id=messages[-1].id)
        )
        return [message.id for message in messages]
