"""toggleVideoReaction and togglePostReaction: the add/change/remove cycle, exact counts, concurrency."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import pytest

from tests.api import Api, error_codes
from tests.conftest import StatementCounter
from tests.db_state import EMPTY_COUNTS, counted_reactions, reaction_rows, stored_counters
from tests.factories import create_post, create_user, create_users, create_video
from videoengage.db.engine import Database
from videoengage.db.reaction_targets import POST, VIDEO
from videoengage.enums import ReactionType

COUNTS = "reactionCounts { like love haha wow sad pray total }"
TOGGLE_VIDEO = f"""
mutation Toggle($input: ToggleReactionInput!) {{
  toggleVideoReaction(input: $input) {{
    action type {COUNTS}
    video {{ id viewerReaction {COUNTS} }}
  }}
}}"""
TOGGLE_POST = f"""
mutation Toggle($input: TogglePostReactionInput!) {{
  togglePostReaction(input: $input) {{
    action type {COUNTS}
    post {{ id viewerReaction {COUNTS} }}
  }}
}}"""
VIDEO_COUNTS = f"query Counts($id: ID!) {{ video(id: $id) {{ viewerReaction {COUNTS} }} }}"


def on_video(video_id: int, type: str) -> dict[str, Any]:
    return {"input": {"videoId": str(video_id), "type": type}}


def on_post(post_id: int, type: str) -> dict[str, Any]:
    return {"input": {"postId": str(post_id), "type": type}}


def counts(**values: int) -> dict[str, int]:
    return {**EMPTY_COUNTS, **values, "total": sum(values.values())}


async def toggle_video(api: Api, user_id: int, video_id: int, type: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await api.data(TOGGLE_VIDEO, on_video(video_id, type), as_user=user_id))[
        "toggleVideoReaction"
    ]
    return payload


async def test_add_change_remove_cycle_with_counts(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db)

    added = await toggle_video(api, viewer, video, "LIKE")
    assert (added["action"], added["type"], added["reactionCounts"]) == ("ADDED", "LIKE", counts(like=1))
    assert added["video"] == {"id": str(video), "viewerReaction": "LIKE", "reactionCounts": counts(like=1)}

    changed = await toggle_video(api, viewer, video, "LOVE")
    assert (changed["action"], changed["type"], changed["reactionCounts"]) == (
        "CHANGED",
        "LOVE",
        counts(love=1),
    )
    assert changed["video"]["viewerReaction"] == "LOVE"

    removed = await toggle_video(api, viewer, video, "LOVE")
    assert (removed["action"], removed["type"], removed["reactionCounts"]) == ("REMOVED", None, counts())
    assert removed["video"]["viewerReaction"] is None

    again = await toggle_video(api, viewer, video, "PRAY")
    assert (again["action"], again["reactionCounts"]) == ("ADDED", counts(pray=1))
    assert await reaction_rows(db, VIDEO) == [(viewer, video, ReactionType.PRAY)]


async def test_counts_of_several_viewers_equal_a_fresh_count_of_the_rows(api: Api, db: Database) -> None:
    video = await create_video(db)
    viewers = await create_users(db, 6)
    for viewer, type in zip(viewers, ["LIKE", "LIKE", "LOVE", "WOW", "SAD", "HAHA"], strict=True):
        await toggle_video(api, viewer, video, type)
    await toggle_video(api, viewers[0], video, "PRAY")  # a change: like -1, pray +1
    last = await toggle_video(api, viewers[1], video, "LIKE")  # a removal: like -1

    expected = counts(love=1, wow=1, sad=1, haha=1, pray=1)
    assert last["reactionCounts"] == expected
    assert await counted_reactions(db, VIDEO, video) == expected
    data = await api.data(VIDEO_COUNTS, {"id": str(video)}, as_user=viewers[0])
    assert data["video"] == {"viewerReaction": "PRAY", "reactionCounts": expected}


async def test_post_reactions_use_the_same_toggle(api: Api, db: Database) -> None:
    author, viewer = await create_user(db), await create_user(db)
    post = await create_post(db, author)

    results = [
        (await api.data(TOGGLE_POST, on_post(post, type), as_user=viewer))["togglePostReaction"]
        for type in ("HAHA", "SAD", "SAD")
    ]

    assert [(r["action"], r["type"], r["reactionCounts"]) for r in results] == [
        ("ADDED", "HAHA", counts(haha=1)),
        ("CHANGED", "SAD", counts(sad=1)),
        ("REMOVED", None, counts()),
    ]
    assert results[1]["post"] == {"id": str(post), "viewerReaction": "SAD", "reactionCounts": counts(sad=1)}
    assert await reaction_rows(db, POST) == []
    assert await stored_counters(db, POST, post) == counts()


async def test_video_and_post_reactions_are_independent(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db)
    post = await create_post(db, viewer)
    await toggle_video(api, viewer, video, "WOW")
    await api.data(TOGGLE_POST, on_post(post, "WOW"), as_user=viewer)
    assert await counted_reactions(db, VIDEO, video) == counts(wow=1)
    assert await counted_reactions(db, POST, post) == counts(wow=1)


async def test_missing_or_unpublished_targets_are_not_found_and_nothing_changes(
    api: Api, db: Database
) -> None:
    viewer = await create_user(db)
    draft = await create_video(db, "Draft", published=False)
    post = await create_post(db, viewer)

    attempts = [
        (TOGGLE_VIDEO, on_video(draft, "LIKE")),
        (TOGGLE_VIDEO, on_video(draft + 1000, "LIKE")),
        (TOGGLE_POST, on_post(post + 1000, "LIKE")),
    ]
    for mutation, variables in attempts:
        result = await api.gql(mutation, variables, as_user=viewer)
        assert error_codes(result) == ["NOT_FOUND"]
        assert result["data"] is None
    assert await reaction_rows(db, VIDEO) == []
    assert await reaction_rows(db, POST) == []
    assert await stored_counters(db, VIDEO, draft) == counts()


@pytest.mark.parametrize(
    ("mutation", "variables", "field"),
    [
        (TOGGLE_VIDEO, {"input": {"videoId": "x1", "type": "LIKE"}}, "videoId"),
        (TOGGLE_POST, {"input": {"postId": "0", "type": "LIKE"}}, "postId"),
    ],
)
async def test_a_malformed_id_is_bad_user_input(
    api: Api, db: Database, mutation: str, variables: dict[str, Any], field: str
) -> None:
    viewer = await create_user(db)
    result = await api.gql(mutation, variables, as_user=viewer)
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["field"] == field


async def test_an_unknown_reaction_type_is_bad_user_input(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db)
    result = await api.gql(TOGGLE_VIDEO, on_video(video, "ANGRY"), as_user=viewer)
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert await reaction_rows(db, VIDEO) == []


async def test_every_toggle_costs_the_same_statements(
    api: Api, db: Database, statements: StatementCounter
) -> None:
    """One statement on PostgreSQL; on SQLite lock, read, write and move the counters. The payload's
    video comes back with the counters: no extra read."""
    viewer, video = await create_user(db), await create_video(db)
    used = []
    for type in ("LIKE", "LOVE", "LOVE"):
        statements.reset()
        await toggle_video(api, viewer, video, type)
        used.append(statements.count)
    toggle = 1 if db.dialect == "postgresql" else 4
    assert used == [1 + toggle] * 3  # and the viewer's row


@pytest.mark.postgres_only
@pytest.mark.burst
async def test_two_hundred_viewers_reacting_at_once_give_exact_counts(api: Api, db: Database) -> None:
    video = await create_video(db)
    viewers = await create_users(db, 200)
    rng = random.Random(200)
    types = [rng.choice(["LIKE", "LOVE", "HAHA", "WOW", "SAD", "PRAY"]) for _ in viewers]

    results = await asyncio.gather(
        *(
            api.gql(TOGGLE_VIDEO, on_video(video, type), as_user=viewer)
            for viewer, type in zip(viewers, types, strict=True)
        )
    )

    assert [result.get("errors") for result in results] == [None] * 200
    expected = counts(**{type.lower(): n for type, n in Counter(types).items()})
    assert await stored_counters(db, VIDEO, video) == expected
    assert await counted_reactions(db, VIDEO, video) == expected
    assert len(await reaction_rows(db, VIDEO)) == 200
    totals = sorted(result["data"]["toggleVideoReaction"]["reactionCounts"]["total"] for result in results)
    assert totals == list(range(1, 201))  # each toggle saw its own, serialised, moment


@pytest.mark.postgres_only
@pytest.mark.burst
async def test_one_viewer_toggling_the_same_type_101_times_at_once(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db)

    results = await asyncio.gather(
        *(api.gql(TOGGLE_VIDEO, on_video(video, "LIKE"), as_user=viewer) for _ in range(101))
    )

    assert [result.get("errors") for result in results] == [None] * 101
    actions = Counter(result["data"]["toggleVideoReaction"]["action"] for result in results)
    assert actions == {"ADDED": 51, "REMOVED": 50}
    assert await reaction_rows(db, VIDEO) == [(viewer, video, ReactionType.LIKE)]
    assert await stored_counters(db, VIDEO, video) == counts(like=1)
    assert await counted_reactions(db, VIDEO, video) == counts(like=1)


@pytest.mark.postgres_only
@pytest.mark.burst
async def test_a_storm_of_random_toggles_on_videos_and_posts_never_drifts(api: Api, db: Database) -> None:
    """Many viewers, two videos and a post, toggled in every order: no errors, counters equal rows."""
    viewers = await create_users(db, 30)
    videos = [await create_video(db, "One"), await create_video(db, "Two")]
    post = await create_post(db, viewers[0])
    rng = random.Random(7)
    requests = []
    for _ in range(300):
        viewer, type = rng.choice(viewers), rng.choice(["LIKE", "LOVE", "WOW"])
        if rng.random() < 0.3:
            requests.append(api.gql(TOGGLE_POST, on_post(post, type), as_user=viewer))
        else:
            requests.append(api.gql(TOGGLE_VIDEO, on_video(rng.choice(videos), type), as_user=viewer))

    results = await asyncio.gather(*requests)

    assert [result.get("errors") for result in results] == [None] * len(results)
    for video in videos:
        assert await stored_counters(db, VIDEO, video) == await counted_reactions(db, VIDEO, video)
    assert await stored_counters(db, POST, post) == await counted_reactions(db, POST, post)
