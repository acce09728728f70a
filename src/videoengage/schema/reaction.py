"""Reactions: the six types shared by posts and videos, the toggle's outcome, and per-type counts."""

from __future__ import annotations

import strawberry

from videoengage import enums
from videoengage.db.models import ReactionCounters
from videoengage.db.rows import PostRow, VideoCard, VideoRow

strawberry.enum(
    enums.ReactionType,
    name="ReactionType",
    description="How a viewer reacts to a post or a video; one reaction per viewer and item.",
)
ReactionType = enums.ReactionType


strawberry.enum(
    enums.ReactionAction,
    name="ReactionAction",
    description="What a toggle did: added a reaction, changed its type, or removed it.",
)
ReactionAction = enums.ReactionAction


@strawberry.type(description="How many viewers reacted with each type; exact, never estimated.")
class ReactionCounts:
    like: int = strawberry.field(description="Number of LIKE reactions.")
    love: int = strawberry.field(description="Number of LOVE reactions.")
    haha: int = strawberry.field(description="Number of HAHA reactions.")
    wow: int = strawberry.field(description="Number of WOW reactions.")
    sad: int = strawberry.field(description="Number of SAD reactions.")
    pray: int = strawberry.field(description="Number of PRAY reactions.")
    total: int = strawberry.field(description="All reactions together.")

    @classmethod
    def from_row(cls, row: ReactionCounters | VideoRow | PostRow | VideoCard) -> ReactionCounts:
        return cls.of(
            row.like_count, row.love_count, row.haha_count, row.wow_count, row.sad_count, row.pray_count
        )

    @classmethod
    def of(cls, like: int, love: int, haha: int, wow: int, sad: int, pray: int) -> ReactionCounts:
        """The counts in the order of ``ReactionType``, and their total."""
        return cls(
            like=like,
            love=love,
            haha=haha,
            wow=wow,
            sad=sad,
            pray=pray,
            total=like + love + haha + wow + sad + pray,
        )
