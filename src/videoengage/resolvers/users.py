"""Who is asking: the viewer."""

from __future__ import annotations

from videoengage.context import Info
from videoengage.schema.user import User


async def viewer(info: Info) -> User:
    """The row authentication read (from the viewer cache or the user loader, within the cache's
    time): the same row the user loader would answer with, without making the loader."""
    return User.from_row(info.context.viewer)
