"""The per-process viewer cache: repeat requests cost no IO, a deleted user is refused in bounded time."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import delete

from tests.api import Api, error_codes
from tests.conftest import StatementCounter
from tests.factories import create_user
from videoengage.db.engine import Database
from videoengage.db.models import User
from videoengage.viewer_cache import ViewerCache

TTL = 0.5


@pytest.mark.viewer_cache(30)
async def test_a_repeat_viewer_costs_no_statement(
    api: Api, db: Database, statements: StatementCounter
) -> None:
    user_id = await create_user(db, "Ada")
    statements.reset()
    first = await api.data("{ viewer { id displayName } }", as_user=user_id)
    assert statements.count == 1  # the viewer's row
    statements.reset()
    second = await api.data("{ viewer { id displayName } }", as_user=user_id)
    assert statements.count == 0
    assert first == second == {"viewer": {"id": str(user_id), "displayName": "Ada"}}


@pytest.mark.viewer_cache(TTL)
async def test_a_deleted_user_is_refused_within_the_cache_time(api: Api, db: Database) -> None:
    user_id = await create_user(db, "Ada")
    assert await api.data("{ viewer { id } }", as_user=user_id) == {"viewer": {"id": str(user_id)}}
    async with db.write() as session:
        await session.execute(delete(User).where(User.id == user_id))
    await asyncio.sleep(TTL + 0.1)
    refused = await api.gql("{ viewer { id } }", as_user=user_id)
    assert error_codes(refused) == ["UNAUTHENTICATED"]


def test_a_remembered_token_is_forgotten_when_it_expires() -> None:
    cache = ViewerCache(ttl_seconds=30)
    cache.remember_token("token", 7, expires_at=time.time() + 0.3)
    assert cache.user_id_for("token") == 7
    time.sleep(0.4)
    assert cache.user_id_for("token") is None
