"""The per-request context: the viewer, the database and a fresh set of dataloaders."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry

from videoengage.auth import user_id_from_header
from videoengage.db.engine import Database
from videoengage.errors import Unauthenticated
from videoengage.loaders import Loaders
from videoengage.settings import Settings


@dataclass
class Context:
    """Built once per request. Holds no session: each resolver and loader batch opens its own."""

    settings: Settings
    db: Database
    request_id: str
    authorization: str | None
    loaders: Loaders
    _viewer_id: int | None = field(default=None, repr=False)

    async def authenticate(self) -> int:
        """Check the bearer token and that its user exists; the user row primes the user loader."""
        if self._viewer_id is None:
            user_id = user_id_from_header(self.settings, self.authorization)
            if await self.loaders.user_by_id.load(user_id) is None:
                raise Unauthenticated("The token's user does not exist")
            self._viewer_id = user_id
        return self._viewer_id

    @property
    def viewer_id(self) -> int:
        """The authenticated viewer; set before any product field runs (see ``RequireViewer``)."""
        if self._viewer_id is None:
            raise Unauthenticated("Authentication required")
        return self._viewer_id


def build_context(settings: Settings, db: Database, request_id: str, authorization: str | None) -> Context:
    return Context(
        settings=settings,
        db=db,
        request_id=request_id,
        authorization=authorization,
        loaders=Loaders(db),
    )


Info = strawberry.Info[Context, None]
