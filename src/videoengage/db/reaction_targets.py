"""What can be reacted to. One description per target lets one toggle and one loader serve both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, Table, true

from videoengage.db.models import Base, Post, PostReaction, Video, VideoReaction
from videoengage.db.rows import PostRow, VideoRow

R = TypeVar("R", VideoRow, PostRow)


@dataclass(frozen=True)
class ReactionTarget(Generic[R]):
    """A table of reactions keyed by (user_id, ``target_key``), the model holding their counters, and
    the typed row a target comes back as."""

    name: str
    reactions: Table
    target_key: str
    model: type[Base]
    row: type[R]

    @property
    def targets(self) -> Table:
        table: Table = self.model.__table__  # type: ignore[assignment]
        return table

    def visible(self) -> ColumnElement[bool]:
        """Which targets viewers can see and react to: published videos, every post."""
        if "is_published" in self.targets.c:
            return self.targets.c.is_published.is_(True)
        return true()


VIDEO = ReactionTarget("video", VideoReaction.__table__, "video_id", Video, VideoRow)  # type: ignore[arg-type]
POST = ReactionTarget("post", PostReaction.__table__, "post_id", Post, PostRow)  # type: ignore[arg-type]
