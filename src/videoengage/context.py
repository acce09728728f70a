"""The per-request context: the viewer, the database and a fresh set of dataloaders."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry

from videoengage.auth import bearer_token, verify_token
from videoengage.db.engine import Database
from videoengage.db.rows import UserRow
from videoengage.errors import Unauthenticated
from videoengage.loaders import Loaders
from videoengage.settings import Settings
from videoengage.viewer_cache import ViewerCache


@dataclass
class Context:
    """Built once per request. Holds no session: each resolver and loader batch opens its own."""

    settings: Settings
    db: Database
    request_id: str
    authorization: str | None
    loaders: Loaders
    viewer_cache: ViewerCache
    _viewer: UserRow | None = field(default=None, repr=False)  # set by ``authenticate``

    async def authenticate(self) -> int:
        """Check the bearer token and that its user exists; the user row primes the user loader.

        Both answers are remembered per process (``ViewerCache``), so a repeat visitor costs no IO.
        """
        if self._viewer is not None:
            return self._viewer.id
        token = bearer_token(self.authorization)
        user_id = self.viewer_cache.user_id_for(token)
        if user_id is None:
            verified = verify_token(self.settings, token)
            user_id = verified.user_id
            self.viewer_cache.remember_token(token, user_id, verified.expires_at)
        row = self.viewer_cache.user(user_id)
        if row is not None:
            self.loaders.know_viewer(row)
        else:
            row = await self.loaders.user_by_id.load(user_id)
            if row is None:
                raise Unauthenticated("The token's user does not exist")
            self.viewer_cache.remember_user(row)
        self._viewer = row
        return user_id

    @property
    def viewer_id(self) -> int:
        """The authenticated viewer; set before any product field runs (see ``RequireViewer``)."""
        return self.viewer.id

    @property
    def viewer(self) -> UserRow:
        """The viewer's row, as authentication read it (from the viewer cache or the user loader)."""
        if self._viewer is None:
            raise Unauthenticated("Authentication required")
        return self._viewer


def build_context(
    settings: Settings,
    db: Database,
    viewer_cache: ViewerCache,
    request_id: str,
    authorization: str | None,
) -> Context:
    return Context(
        settings=settings,
        db=db,
        request_id=request_id,
        authorization=authorization,
        loaders=Loaders(db),
        viewer_cache=viewer_cache,
    )


Info = strawberry.Info[Context, None]
