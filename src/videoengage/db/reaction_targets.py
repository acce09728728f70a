"""What can be reacted to. One description per target lets one toggle and one loader serve both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Table, true

from videoengage.db.models import Post, PostReaction, Video, VideoReaction

M = TypeVar("M", Video, Post)


@dataclass(frozen=True)
class ReactionTarget(Generic[M]):
    """A table of reactions keyed by (user_id, ``target_key``) and the model holding their counters."""

    name: str
    reactions: Table
    target_key: str
    model: type[M]

    @property
    def targets(self) -> Table:
        table: Table = self.model.__table__  # type: ignore[assignment]
        return table

    def visible(self) -> ColumnElement[bool]:
        """Which targets viewers can see and react to: published videos, every post."""
        if "is_published" in self.targets.c:
            return self.targets.c.is_published.is_(True)
        return true()


VIDEO = ReactionTarget("video", VideoReaction.__table__, "video_id", Video)  # type: ignore[arg-type]
POST = ReactionTarget("post", PostReaction.__table__, "post_id", Post)  # type: ignore[arg-type]
