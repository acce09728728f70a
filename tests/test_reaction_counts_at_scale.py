"""A video with 1,000,000 reactions answers reactionCounts exactly, with the same statements as one with 10.

The proof is exact rather than timed: the same SQL runs for both videos, and PostgreSQL's plan for it
never scans video_reactions (the viewer's own reaction is one primary-key lookup).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from tests.api import Api
from tests.conftest import StatementCounter
from tests.db_state import counted_reactions
from tests.factories import create_user, create_video
from videoengage.db.engine import Database
from videoengage.db.reaction_targets import VIDEO

pytestmark = pytest.mark.postgres_only

FANS = 1_000_000
COUNTS = "reactionCounts { like love haha wow sad pray total }"
READ = f"""
query Read($id: ID!) {{ video(id: $id) {{ {COUNTS} viewerReaction viewerProgress {{ lastPosition }} }} }}"""
COUNTS_ONLY = f"query Counts($id: ID!) {{ video(id: $id) {{ {COUNTS} }} }}"
TOGGLE = f"""
mutation Toggle($input: ToggleReactionInput!) {{
  toggleVideoReaction(input: $input) {{ action {COUNTS} }}
}}"""

# Uneven on purpose, so a count mixed up between types cannot pass: like 40%, love 30%, ... pray 1%.
TYPES = ("like", "love", "haha", "wow", "sad", "pray")
TYPE_OF_FAN = (
    "CASE WHEN id % 100 < 40 THEN 'like' WHEN id % 100 < 70 THEN 'love' WHEN id % 100 < 85 THEN 'haha'"
    " WHEN id % 100 < 95 THEN 'wow' WHEN id % 100 < 99 THEN 'sad' ELSE 'pray' END"
)


async def seed(db: Database, video_id: int, fans: int) -> None:
    """Bulk SQL: ``fans`` new users reacting to the video, and its counters set from a count of the rows
    (the backfill the toggle would have produced one by one).

    The reactions' foreign keys are dropped for the load and added back, unchanged, before commit:
    adding them checks all rows in one pass, where per-row checks would double the test's time.
    """
    async with db.write() as session:
        foreign_keys = (
            await session.execute(
                text(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = 'video_reactions'::regclass AND contype = 'f'"
                )
            )
        ).all()
        first_fan = await session.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM users"))
        await session.execute(
            text("INSERT INTO users (display_name) SELECT 'Fan ' || n FROM generate_series(1, :fans) AS n"),
            {"fans": fans},
        )
        for name, _ in foreign_keys:
            await session.execute(text(f"ALTER TABLE video_reactions DROP CONSTRAINT {name}"))
        await session.execute(
            text(
                "INSERT INTO video_reactions (user_id, video_id, type)"
                f" SELECT id, :video, {TYPE_OF_FAN} FROM users WHERE id >= :first_fan"
            ),
            {"first_fan": first_fan, "video": video_id},
        )
        for name, definition in foreign_keys:
            await session.execute(text(f"ALTER TABLE video_reactions ADD CONSTRAINT {name} {definition}"))
        columns = ", ".join(f"{t}_count = counted.{t}" for t in TYPES)
        counts = ", ".join(f"count(*) FILTER (WHERE type = '{t}') AS {t}" for t in TYPES)
        await session.execute(
            text(
                f"UPDATE videos SET {columns} FROM (SELECT {counts} FROM video_reactions"
                " WHERE video_id = :video) AS counted WHERE videos.id = :video"
            ),
            {"video": video_id},
        )
        await session.execute(text("ANALYZE users, videos, video_reactions"))


async def read(
    api: Api, statements: StatementCounter, query: str, video: int, viewer: int
) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    statements.reset()
    data = await api.data(query, {"id": str(video)}, as_user=viewer)
    return data["video"], list(zip(statements.statements, statements.parameters, strict=True))


async def plans(db: Database, executed: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    """PostgreSQL's plan for each statement as it ran, parameters included, flattened to its nodes."""
    nodes: list[dict[str, Any]] = []
    async with db.engine.connect() as connection:
        for statement, parameters in executed:
            result = await connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            raw = result.scalar_one()
            pending = [(json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]]
            while pending:
                node = pending.pop()
                nodes.append(node)
                pending.extend(node.get("Plans", []))
    return nodes


async def test_a_million_reactions_cost_what_ten_cost_and_stay_exact(
    api: Api, db: Database, statements: StatementCounter
) -> None:
    viewer = await create_user(db)
    hot, small = await create_video(db, "Hot"), await create_video(db, "Small")
    await seed(db, small, 10)
    await seed(db, hot, FANS)
    fan = await first_fan_of(db, hot)

    # Reading: exact counts, and the same statements for both videos.
    hot_video, hot_sql = await read(api, statements, READ, hot, viewer)
    small_video, small_sql = await read(api, statements, READ, small, viewer)
    assert hot_video["reactionCounts"] == await counted_reactions(db, VIDEO, hot)
    assert hot_video["reactionCounts"]["total"] == FANS
    assert small_video["reactionCounts"] == await counted_reactions(db, VIDEO, small)
    assert small_video["reactionCounts"]["total"] == 10
    # Loader batches run concurrently: compare the statements, not the order they happened to run in.
    assert sorted(sql for sql, _ in hot_sql) == sorted(sql for sql, _ in small_sql)

    # Counts alone never touch the reaction rows; the viewer's own reaction is one primary-key lookup.
    _, counts_sql = await read(api, statements, COUNTS_ONLY, hot, viewer)
    assert [
        node for node in await plans(db, counts_sql) if node.get("Relation Name") == "video_reactions"
    ] == []
    reaction_nodes = [
        node for node in await plans(db, hot_sql) if node.get("Relation Name") == "video_reactions"
    ]
    assert [(node["Node Type"], node["Index Name"]) for node in reaction_nodes] in (
        [("Index Scan", "pk_video_reactions")],
        [("Index Only Scan", "pk_video_reactions")],
    )

    # Toggling: exact counts after an add, a change and a removal, at the same cost as on the small video.
    used, actions = [], []
    for user, video, type in [
        (viewer, hot, "PRAY"),
        (fan, hot, "SAD"),
        (fan, hot, "SAD"),
        (viewer, small, "PRAY"),
    ]:
        statements.reset()
        result = await api.data(TOGGLE, {"input": {"videoId": str(video), "type": type}}, as_user=user)
        used.append(statements.count)
        actions.append(result["toggleVideoReaction"]["action"])
        assert result["toggleVideoReaction"]["reactionCounts"] == await counted_reactions(db, VIDEO, video)
    assert actions == ["ADDED", "CHANGED", "REMOVED", "ADDED"]
    assert used == [2, 2, 2, 2]  # the viewer, the toggle with the counters
    assert (await counted_reactions(db, VIDEO, hot))["total"] == FANS  # the viewer added, one fan removed


async def first_fan_of(db: Database, video_id: int) -> int:
    async with db.read() as session:
        fan: int = await session.scalar(
            text("SELECT min(user_id) FROM video_reactions WHERE video_id = :video"), {"video": video_id}
        )
        return fan
