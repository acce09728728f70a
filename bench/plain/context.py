"""The request's context: who is asking, and the DataLoaders, made anew for every request."""

from __future__ import annotations

from dataclasses import dataclass

from aiodataloader import DataLoader
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from bench.plain.database import Session
from videoengage.db.models import User, Video, VideoReaction
from videoengage.enums import ReactionType


@dataclass
class Context:
    request: Request | WebSocket
    response: Response | WebSocket
    user: User | None
    users: DataLoader[int, User | None]
    videos: DataLoader[int, Video | None]
    viewer_reactions: DataLoader[int, ReactionType | None]


async def load_users(keys: list[int]) -> list[User | None]:
    async with Session() as session:
        found = {user.id: user for user in await session.scalars(select(User).where(User.id.in_(keys)))}
    return [found.get(key) for key in keys]


async def load_videos(keys: list[int]) -> list[Video | None]:
    """Published videos only: an unpublished one is not there for clients."""
    async with Session() as session:
        videos = await session.scalars(select(Video).where(Video.id.in_(keys), Video.is_published))
        found = {video.id: video for video in videos}
    return [found.get(key) for key in keys]


def viewer_reactions_loader(user_id: int) -> DataLoader[int, ReactionType | None]:
    """The viewer's reaction to each video, by video id."""

    async def load(keys: list[int]) -> list[ReactionType | None]:
        async with Session() as session:
            reactions = await session.scalars(
                select(VideoReaction).where(
                    VideoReaction.user_id == user_id, VideoReaction.video_id.in_(keys)
                )
            )
            found = {reaction.video_id: reaction.type for reaction in reactions}
        return [found.get(key) for key in keys]

    return DataLoader(load)


def build_context(request: Request | WebSocket, response: Response | WebSocket, user: User | None) -> Context:
    return Context(
        request=request,
        response=response,
        user=user,
        users=DataLoader(load_users),
        videos=DataLoader(load_videos),
        viewer_reactions=viewer_reactions_loader(user.id if user is not None else 0),
    )
