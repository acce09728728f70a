"""Run the Alembic chain from code, and tell whether a database is at its head.

The CLI, the dev script and the tests share this one path; readiness and the CLI ask
``is_migrated`` so that an unmigrated database is named as such, not found by "no such table".
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
NOT_MIGRATED = "not migrated: run `videoengage migrate`"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


@functools.cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    """This release's head revisions and every revision it knows (read from the scripts once)."""
    script = ScriptDirectory.from_config(alembic_config(""))
    return frozenset(script.get_heads()), frozenset(rev.revision for rev in script.walk_revisions())


def _current_revisions(connection: Connection) -> frozenset[str]:
    # No alembic_version table (a database never migrated) gives no revisions, not an error.
    return frozenset(MigrationContext.configure(connection).get_current_heads())


async def is_migrated(engine: AsyncEngine) -> bool:
    """Whether the database is at this release's head migration; raises when it cannot be reached.

    A revision this release does not know was written by a newer release (migrations run before a
    rolling deploy): its schema is a superset of ours, so the older workers still serving count it.
    """
    async with engine.connect() as conn:
        current = await conn.run_sync(_current_revisions)
    heads, known = _revisions()
    return current == heads or bool(current - known)
