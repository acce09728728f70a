"""Readiness: the database answers and is at the head migration, or a 503 saying which is not so."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from videoengage.db.migrate import NOT_MIGRATED, is_migrated

logger = logging.getLogger(__name__)

UNAVAILABLE = "database unavailable"
READINESS_TIMEOUT_SECONDS = 2.0


class Readiness:
    """Checks the migration once and then trusts it, pinging the database, until a check fails.

    A database at head stays at head while it is up; after any failure (a restore, a new database
    behind the same address) the migration is checked again on the next call.
    """

    def __init__(self, timeout_seconds: float = READINESS_TIMEOUT_SECONDS) -> None:
        self.timeout_seconds = timeout_seconds
        self.migrated = False

    async def problem(self, engine: AsyncEngine) -> str | None:
        """Why this worker should get no traffic, or None when it is ready."""
        try:
            async with asyncio.timeout(self.timeout_seconds):
                if self.migrated:
                    async with engine.connect() as conn:
                        await conn.execute(text("SELECT 1"))
                    return None
                migrated = await is_migrated(engine)
        except Exception as error:
            self.migrated = False
            logger.warning("readiness check failed: %s", type(error).__name__)
            return UNAVAILABLE
        if not migrated:
            logger.warning("readiness check failed: the database is %s", NOT_MIGRATED)
            return NOT_MIGRATED
        self.migrated = True
        return None
