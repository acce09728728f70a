"""saveVideoProgress and reading it back: merges, out-of-order readings, bad input, concurrency."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api import Api, error_codes
from tests.conftest import StatementCounter
from tests.db_state import progress_rows
from tests.factories import create_user, create_video
from videoengage.db.engine import Database

SAVE = """
mutation Save($input: SaveVideoProgressInput!) {
  saveVideoProgress(input: $input) {
    videoId watchedSeconds lastPosition durationSeconds completed updatedAt
  }
}"""

PROGRESS = """
query Progress($id: ID!) {
  video(id: $id) { viewerProgress { videoId watchedSeconds lastPosition durationSeconds completed } }
}"""


def reading(video_id: int, watched: int, position: int, duration: int = 600, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "videoId": str(video_id),
            "watchedSeconds": watched,
            "lastPosition": position,
            "durationSeconds": duration,
            **extra,
        }
    }


async def save(api: Api, user_id: int, variables: dict[str, Any]) -> dict[str, Any]:
    data = await api.data(SAVE, variables, as_user=user_id)
    progress: dict[str, Any] = data["saveVideoProgress"]
    return progress


async def stored_progress(api: Api, user_id: int, video_id: int) -> dict[str, Any] | None:
    data = await api.data(PROGRESS, {"id": str(video_id)}, as_user=user_id)
    progress: dict[str, Any] | None = data["video"]["viewerProgress"]
    return progress


async def test_first_save_creates_the_progress_and_returns_it(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db, duration_seconds=600)
    assert await stored_progress(api, viewer, video) is None

    saved = await save(api, viewer, reading(video, watched=42, position=40))

    expected = {
        "videoId": str(video),
        "watchedSeconds": 42,
        "lastPosition": 40,
        "durationSeconds": 600,
        "completed": False,
    }
    assert {key: saved[key] for key in expected} == expected
    assert datetime.fromisoformat(saved["updatedAt"]) <= datetime.now(UTC)
    assert await stored_progress(api, viewer, video) == expected


async def test_a_smaller_watched_seconds_keeps_the_larger_but_position_and_duration_follow(
    api: Api, db: Database
) -> None:
    viewer, video = await create_user(db), await create_video(db)
    await save(api, viewer, reading(video, watched=300, position=300, duration=600))

    saved = await save(api, viewer, reading(video, watched=20, position=15, duration=610))

    assert (saved["watchedSeconds"], saved["lastPosition"], saved["durationSeconds"]) == (300, 15, 610)
    assert await stored_progress(api, viewer, video) == {
        "videoId": str(video),
        "watchedSeconds": 300,
        "lastPosition": 15,
        "durationSeconds": 610,
        "completed": False,
    }


async def test_completed_turns_true_and_never_goes_back(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db)
    assert (await save(api, viewer, reading(video, 10, 10)))["completed"] is False
    assert (await save(api, viewer, reading(video, 600, 600, completed=True)))["completed"] is True

    assert (await save(api, viewer, reading(video, 5, 5, completed=False)))["completed"] is True
    assert (await save(api, viewer, reading(video, 6, 6)))["completed"] is True
    assert (await save(api, viewer, reading(video, 7, 7, completed=None)))["completed"] is True


async def test_progress_belongs_to_one_viewer(api: Api, db: Database) -> None:
    ada, grace, video = await create_user(db), await create_user(db), await create_video(db)
    await save(api, ada, reading(video, 50, 50))
    assert await stored_progress(api, grace, video) is None


async def test_an_older_reading_merges_watched_and_completed_but_does_not_move_the_position(
    api: Api, db: Database
) -> None:
    viewer, video = await create_user(db), await create_video(db)
    now = datetime.now(UTC)
    newer, older = now - timedelta(seconds=5), now - timedelta(seconds=30)
    await save(api, viewer, reading(video, 100, 100, 600, recordedAt=newer.isoformat()))

    late = await save(api, viewer, reading(video, 250, 70, 620, completed=True, recordedAt=older.isoformat()))

    assert late["watchedSeconds"] == 250
    assert late["completed"] is True
    assert (late["lastPosition"], late["durationSeconds"]) == (100, 600)


async def test_a_newer_reading_moves_the_position(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db)
    now = datetime.now(UTC)
    await save(api, viewer, reading(video, 100, 100, recordedAt=(now - timedelta(seconds=30)).isoformat()))

    saved = await save(
        api, viewer, reading(video, 90, 80, 605, recordedAt=(now - timedelta(seconds=5)).isoformat())
    )

    assert (saved["watchedSeconds"], saved["lastPosition"], saved["durationSeconds"]) == (100, 80, 605)


async def test_a_reading_from_a_clock_running_ahead_counts_as_now(api: Api, db: Database) -> None:
    """Otherwise one device with a wrong clock would pin the resume position for every other device."""
    viewer, video = await create_user(db), await create_video(db)
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    await save(api, viewer, reading(video, 100, 100, recordedAt=tomorrow.isoformat()))

    saved = await save(api, viewer, reading(video, 130, 130))

    assert saved["lastPosition"] == 130


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"watchedSeconds": -1}, "watchedSeconds"),
        ({"lastPosition": -1}, "lastPosition"),
        ({"durationSeconds": -1, "lastPosition": 0}, "durationSeconds"),
        ({"lastPosition": 601, "durationSeconds": 600}, "lastPosition"),
        ({"videoId": "abc"}, "videoId"),
        ({"videoId": "-3"}, "videoId"),
        ({"recordedAt": "2026-01-01T12:00:00"}, "recordedAt"),
    ],
)
async def test_bad_input_is_refused_and_writes_nothing(
    api: Api, db: Database, change: dict[str, Any], field: str
) -> None:
    viewer, video = await create_user(db), await create_video(db)
    await save(api, viewer, reading(video, 100, 90))
    before = await progress_rows(db)
    variables = reading(video, 200, 150, 600)
    variables["input"].update(change)

    result = await api.gql(SAVE, variables, as_user=viewer)

    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["field"] == field
    assert result["data"] is None
    assert await progress_rows(db) == before


@pytest.mark.parametrize(
    "change",
    [{"recordedAt": "yesterday"}, {"watchedSeconds": 2**31}, {"watchedSeconds": "ten"}, {"videoId": None}],
)
async def test_variables_of_the_wrong_type_are_bad_user_input(
    api: Api, db: Database, change: dict[str, Any]
) -> None:
    viewer, video = await create_user(db), await create_video(db)
    variables = reading(video, 10, 10)
    variables["input"].update(change)

    result = await api.gql(SAVE, variables, as_user=viewer)

    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert await progress_rows(db) == []


async def test_a_missing_or_unpublished_video_is_not_found_and_writes_nothing(api: Api, db: Database) -> None:
    viewer = await create_user(db)
    draft = await create_video(db, "Draft", published=False)

    for video_id in (draft, draft + 1000):
        result = await api.gql(SAVE, reading(video_id, 10, 10), as_user=viewer)
        assert error_codes(result) == ["NOT_FOUND"]
    assert await progress_rows(db) == []


async def test_saving_needs_a_token(api: Api, db: Database) -> None:
    video = await create_video(db)
    result = await api.gql(SAVE, reading(video, 10, 10))
    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert await progress_rows(db) == []


async def test_a_save_is_one_statement(api: Api, db: Database, statements: StatementCounter) -> None:
    viewer, video = await create_user(db), await create_video(db)
    for watched in (10, 5):  # the first save inserts, the second merges: the same single statement
        statements.reset()
        await save(api, viewer, reading(video, watched, watched))
        writes = statements.statements[1:]  # the first is the viewer's authentication
        assert len(writes) == 1
        assert writes[0].startswith("INSERT INTO video_progress")


@pytest.mark.postgres_only
async def test_concurrent_saves_never_fail_and_end_at_the_maximum(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db, duration_seconds=3600)
    rng = random.Random(3)
    readings = [rng.randint(0, 3600) for _ in range(50)]

    results = await asyncio.gather(
        *(api.gql(SAVE, reading(video, watched, watched, 3600), as_user=viewer) for watched in readings)
    )

    assert [result.get("errors") for result in results] == [None] * 50
    stored = await stored_progress(api, viewer, video)
    assert stored is not None
    assert stored["watchedSeconds"] == max(readings)
    assert len(await progress_rows(db)) == 1
