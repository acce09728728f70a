"""Demo data for a first look: idempotent, found again by natural keys on every run."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypedDict, TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from videoengage.db.engine import Database
from videoengage.db.models import (
    Conversation,
    ConversationParticipant,
    Message,
    Post,
    User,
    Video,
)
from videoengage.enums import MessageType

M = TypeVar("M", User, Video, Post)

USERS = [
    ("Ada Lovelace", "https://picsum.photos/id/64/200"),
    ("Grace Hopper", "https://picsum.photos/id/65/200"),
    ("Linus Pauling", None),  # in no conversation: tests "not a participant"
]
PUBLISHED_VIDEOS = [
    ("Morning yoga flow", 1260),
    ("Sourdough from scratch", 845),
    ("Community garden tour", 512),
    ("Beginner guitar: first chords", 930),
    ("Sunday choir rehearsal", 2410),
    ("Trail run at dawn", 388),
]
UNPUBLISHED_VIDEO = ("Draft: behind the scenes", 301)
POSTS = ["Welcome to the community!", "Who is joining the garden day on Saturday?"]


class DemoConversation(TypedDict):
    id: int
    participants: list[int]


class DemoVideos(TypedDict):
    published: list[int]
    unpublished: list[int]


class DemoData(TypedDict):
    users: list[int]
    videos: DemoVideos
    posts: list[int]
    conversations: list[DemoConversation]


async def seed_demo(db: Database) -> DemoData:
    """Create what is missing of the demo set and describe all of it, in one transaction."""
    async with db.write() as session:
        users = [
            await _get_or_create(session, User, User.display_name, name, avatar_url=avatar)
            for name, avatar in USERS
        ]
        published_at = datetime(2026, 1, 1, tzinfo=UTC)
        published = [
            await _get_or_create(
                session,
                Video,
                Video.title,
                title,
                description=f"{title}, a demo video.",
                thumbnail_url=f"https://picsum.photos/seed/video{index}/320/180",
                duration_seconds=duration,
                is_published=True,
                published_at=published_at,
            )
            for index, (title, duration) in enumerate(PUBLISHED_VIDEOS, start=1)
        ]
        unpublished = await _get_or_create(
            session,
            Video,
            Video.title,
            UNPUBLISHED_VIDEO[0],
            duration_seconds=UNPUBLISHED_VIDEO[1],
            is_published=False,
        )
        posts = [
            await _get_or_create(session, Post, Post.body, body, author_id=users[index % 2].id)
            for index, body in enumerate(POSTS)
        ]
        conversation = await _direct_conversation(session, users[0].id, users[1].id)
        await _first_messages(session, conversation, users, published[0], posts[1])
    return {
        "users": [user.id for user in users],
        "videos": {"published": [v.id for v in published], "unpublished": [unpublished.id]},
        "posts": [post.id for post in posts],
        "conversations": [{"id": conversation.id, "participants": [users[0].id, users[1].id]}],
    }


async def _get_or_create(
    session: AsyncSession, model: type[M], key_column: Any, key: str, **values: Any
) -> M:
    found = (await session.scalars(select(model).where(key_column == key).limit(1))).first()
    if found is not None:
        return found
    row = model(**{key_column.key: key, **values})
    session.add(row)
    await session.flush()
    return row


async def _direct_conversation(session: AsyncSession, a: int, b: int) -> Conversation:
    low, high = min(a, b), max(a, b)
    found = (
        await session.scalars(
            select(Conversation).where(
                Conversation.direct_low_user_id == low, Conversation.direct_high_user_id == high
            )
        )
    ).first()
    if found is not None:
        return found
    conversation = Conversation(direct_low_user_id=low, direct_high_user_id=high)
    session.add(conversation)
    await session.flush()
    session.add_all(
        [
            ConversationParticipant(conversation_id=conversation.id, user_id=low),
            ConversationParticipant(conversation_id=conversation.id, user_id=high),
        ]
    )
    await session.flush()
    return conversation


async def _first_messages(
    session: AsyncSession, conversation: Conversation, users: list[User], video: Video, post: Post
) -> None:
    if conversation.last_message_id is not None:
        return
    ada, grace = users[0].id, users[1].id
    messages = [
        Message(sender_id=ada, type=MessageType.TEXT, body="Hi Grace! Have you seen this one?"),
        Message(
            sender_id=ada,
            type=MessageType.SHARED_VIDEO,
            shared_video_id=video.id,
            body="The yoga flow I told you about",
        ),
        Message(sender_id=grace, type=MessageType.TEXT, body="Love it, thanks!"),
        Message(
            sender_id=grace,
            type=MessageType.IMAGE,
            media_url="https://picsum.photos/id/28/640/480",
            body="My garden this morning",
        ),
        Message(sender_id=grace, type=MessageType.SHARED_POST, shared_post_id=post.id),
    ]
    for message in messages:
        message.conversation_id = conversation.id
        session.add(message)
        await session.flush()
    await session.execute(
        update(Conversation).where(Conversation.id == conversation.id).values(last_message_id=messages[-1].id)
    )
