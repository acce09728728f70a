"""The ``Post`` type: shared into messages and reacted to with the same reactions as videos."""

from __future__ import annotations

from datetime import datetime

import strawberry

from videoengage.context import Info
from videoengage.db import models
from videoengage.db.rows import PostRow
from videoengage.errors import NotFound
from videoengage.schema.reaction import ReactionCounts, ReactionType
from videoengage.schema.user import User


@strawberry.type(description="A post in the community feed.")
class Post:
    id: strawberry.ID = strawberry.field(description="The post's id.")
    body: str = strawberry.field(description="The post's text.")
    created_at: datetime = strawberry.field(description="When the post was written.")
    reaction_counts: ReactionCounts = strawberry.field(description="Reactions by type; exact.")
    author_id: strawberry.Private[int]

    @strawberry.field(description="Who wrote the post.")
    async def author(self, info: Info) -> User:
        row = await info.context.loaders.user_by_id.load(self.author_id)
        if row is None:  # the foreign key cascades: an author cannot vanish while the post stays
            raise NotFound("The post's author no longer exists")
        return User.from_row(row)

    @strawberry.field(description="The viewer's reaction to this post, or null.")
    async def viewer_reaction(self, info: Info) -> ReactionType | None:
        key = (info.context.viewer_id, int(self.id))
        return await info.context.loaders.post_reaction_by_user_and_post.load(key)

    @classmethod
    def from_row(cls, row: models.Post | PostRow) -> Post:
        return cls(
            id=strawberry.ID(str(row.id)),
            body=row.body,
            created_at=row.created_at,
            reaction_counts=ReactionCounts.from_row(row),
            author_id=row.author_id,
        )
