"""Who is asking: the viewer."""

from __future__ import annotations

from videoengage.context import Info
from videoengage.errors import Unauthenticated
from videoengage.schema.user import User


async def viewer(info: Info) -> User:
    row = await info.context.loaders.user_by_id.load(info.context.viewer_id)
    if row is None:  # deleted between authentication and now
        raise Unauthenticated("The token's user does not exist")
    return User.from_row(row)
