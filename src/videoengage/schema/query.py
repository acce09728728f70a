"""The root ``Query`` type: binds resolvers to fields."""

from __future__ import annotations

import strawberry

from videoengage.resolvers import users
from videoengage.schema.user import User


@strawberry.type(description="Everything a client can read. Every field needs a bearer token.")
class Query:
    viewer: User = strawberry.field(
        resolver=users.viewer, description="The user the bearer token belongs to."
    )
