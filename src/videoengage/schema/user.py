"""The ``User`` type."""

from __future__ import annotations

import strawberry

from videoengage.db import models
from videoengage.db.rows import Sender, UserRow


@strawberry.type(description="A member of the community.")
class User:
    id: strawberry.ID = strawberry.field(description="The user's id.")
    display_name: str = strawberry.field(description="The name shown beside the user's content.")
    avatar_url: str | None = strawberry.field(description="Address of the user's picture, if they have one.")

    @classmethod
    def from_row(cls, row: models.User | UserRow | Sender) -> User:
        return cls(id=strawberry.ID(str(row.id)), display_name=row.display_name, avatar_url=row.avatar_url)
