"""Reading videos: video(id), the videos list, continueWatching, and batching proven by statement counts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from tests.api import Api, error_codes
from tests.conftest import StatementCounter
from tests.factories import create_user, create_video, create_videos
from videoengage.db.engine import Database
from videoengage.db.models import Video

VIDEO = """
query One($id: ID!) {
  video(id: $id) {
    id title durationSeconds reactionCounts { total } viewerReaction viewerProgress { lastPosition }
  }
}"""
VIDEOS = """
query Page($first: Int, $after: String) {
  videos(first: $first, after: $after) {
    edges { cursor node { id reactionCounts { like total } viewerReaction viewerProgress { lastPosition } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
CONTINUE = """
query Continue($first: Int, $after: String) {
  continueWatching(first: $first, after: $after) {
    edges { node { id viewerProgress { watchedSeconds lastPosition } viewerReaction } }
    pageInfo { hasNextPage endCursor }
  }
}"""
SAVE = """
mutation Save($input: SaveVideoProgressInput!) { saveVideoProgress(input: $input) { watchedSeconds } }"""
TOGGLE = """
mutation Toggle($input: ToggleReactionInput!) { toggleVideoReaction(input: $input) { action } }"""


async def save(api: Api, viewer: int, video: int, watched: int, completed: bool = False) -> None:
    variables = {
        "input": {
            "videoId": str(video),
            "watchedSeconds": watched,
            "lastPosition": watched,
            "durationSeconds": 600,
            "completed": completed,
        }
    }
    await api.data(SAVE, variables, as_user=viewer)


async def page_ids(api: Api, viewer: int, query: str, field: str, first: int) -> list[list[str]]:
    """Every page of a list, as ids, following endCursor until hasNextPage is false."""
    pages: list[list[str]] = []
    after = None
    while True:
        connection = (await api.data(query, {"first": first, "after": after}, as_user=viewer))[field]
        pages.append([edge["node"]["id"] for edge in connection["edges"]])
        if not connection["pageInfo"]["hasNextPage"]:
            return pages
        after = connection["pageInfo"]["endCursor"]


async def test_video_by_id_with_the_viewers_reaction_and_progress(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db, "Yoga", duration_seconds=1260)
    await api.data(TOGGLE, {"input": {"videoId": str(video), "type": "WOW"}}, as_user=viewer)
    await save(api, viewer, video, 33)

    data = await api.data(VIDEO, {"id": str(video)}, as_user=viewer)

    assert data["video"] == {
        "id": str(video),
        "title": "Yoga",
        "durationSeconds": 1260,
        "reactionCounts": {"total": 1},
        "viewerReaction": "WOW",
        "viewerProgress": {"lastPosition": 33},
    }


async def test_missing_and_unpublished_videos_read_as_null(api: Api, db: Database) -> None:
    viewer, draft = await create_user(db), await create_video(db, published=False)
    for video_id in (draft, draft + 1000):
        assert await api.data(VIDEO, {"id": str(video_id)}, as_user=viewer) == {"video": None}
    result = await api.gql(VIDEO, {"id": "nope"}, as_user=viewer)
    assert error_codes(result) == ["BAD_USER_INPUT"]


async def test_videos_pages_through_published_videos_newest_first(api: Api, db: Database) -> None:
    viewer = await create_user(db)
    ids = [str(await create_video(db, f"Video {n}")) for n in range(5)]
    await create_video(db, "Draft", published=False)

    pages = await page_ids(api, viewer, VIDEOS, "videos", first=2)

    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[0:1]]


async def test_an_empty_list_has_no_end_cursor(api: Api, db: Database) -> None:
    viewer = await create_user(db)
    data = await api.data(VIDEOS, {}, as_user=viewer)
    assert data["videos"] == {"edges": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}


@pytest.mark.parametrize("query", [VIDEOS, CONTINUE])
@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"first": None}, "first"),
        ({"after": "not-a-cursor"}, "after"),
        ({"after": "WyJvdGhlciIsMV0"}, "after"),  # a well-formed cursor of another list
    ],
)
async def test_page_size_and_cursor_are_checked(
    api: Api, db: Database, query: str, variables: dict[str, Any], field: str
) -> None:
    viewer = await create_user(db)
    result = await api.gql(query, variables, as_user=viewer)
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["field"] == field


async def test_continue_watching_lists_started_unfinished_videos_most_recent_first(
    api: Api, db: Database
) -> None:
    viewer, other = await create_user(db), await create_user(db)
    first, second, finished, unstarted, withdrawn, others = [await create_video(db) for _ in range(6)]
    await save(api, viewer, first, 100)
    await save(api, viewer, second, 50)
    await save(api, viewer, finished, 600, completed=True)
    await save(api, viewer, unstarted, 0)
    await save(api, viewer, withdrawn, 10)
    await save(api, other, others, 10)
    await save(api, viewer, first, 120)  # watched again: now the most recent
    async with db.write() as session:
        await session.execute(update(Video).where(Video.id == withdrawn).values(is_published=False))

    data = await api.data(CONTINUE, {}, as_user=viewer)

    assert [edge["node"] for edge in data["continueWatching"]["edges"]] == [
        {
            "id": str(first),
            "viewerProgress": {"watchedSeconds": 120, "lastPosition": 120},
            "viewerReaction": None,
        },
        {
            "id": str(second),
            "viewerProgress": {"watchedSeconds": 50, "lastPosition": 50},
            "viewerReaction": None,
        },
    ]
    assert await page_ids(api, viewer, CONTINUE, "continueWatching", first=1) == [[str(first)], [str(second)]]


async def test_a_video_page_costs_the_same_statements_for_5_videos_as_for_100(
    api: Api, db: Database, statements: StatementCounter
) -> None:
    viewer = await create_user(db)
    videos = await create_videos(db, 100)
    for video in videos[::7]:
        await api.data(TOGGLE, {"input": {"videoId": str(video), "type": "LIKE"}}, as_user=viewer)
        await save(api, viewer, video, 20)

    used = {}
    for first in (5, 100):
        statements.reset()
        data = await api.data(VIDEOS, {"first": first}, as_user=viewer)
        assert len(data["videos"]["edges"]) == first
        used[first] = statements.count

    # the viewer, the page, the viewer's reactions on it, the viewer's progress on it
    assert used == {5: 4, 100: 4}
    nodes = [edge["node"] for edge in data["videos"]["edges"]]
    assert sum(node["viewerReaction"] == "LIKE" for node in nodes) == len(videos[::7])
    assert sum(node["viewerProgress"] is not None for node in nodes) == len(videos[::7])
    assert sum(node["reactionCounts"]["like"] for node in nodes) == len(videos[::7])


async def test_continue_watching_needs_no_separate_progress_query(
    api: Api, db: Database, statements: StatementCounter
) -> None:
    viewer = await create_user(db)
    for video in await create_videos(db, 30):
        await save(api, viewer, video, 20)

    statements.reset()
    data = await api.data(CONTINUE, {"first": 30}, as_user=viewer)

    assert len(data["continueWatching"]["edges"]) == 30
    assert statements.count == 3  # the viewer, the page with its progress, the viewer's reactions


async def test_a_video_with_the_viewers_reaction_costs_one_statement_also_through_fragments(
    api: Api, db: Database, statements: StatementCounter
) -> None:
    """The video and the viewer's reaction are read together when the query selects the reaction,
    however it selects it."""
    viewer, video = await create_user(db), await create_video(db, "Yoga")
    await api.data(TOGGLE, {"input": {"videoId": str(video), "type": "WOW"}}, as_user=viewer)
    documents = [
        "query V($id: ID!) { video(id: $id) { title viewerReaction } }",
        "query V($id: ID!) { video(id: $id) { title ...R } } fragment R on Video { viewerReaction }",
        "query V($id: ID!) { video(id: $id) { ... on Video { title viewerReaction } } }",
    ]
    for document in documents:
        statements.reset()
        data = await api.data(document, {"id": str(video)}, as_user=viewer)
        assert data == {"video": {"title": "Yoga", "viewerReaction": "WOW"}}
        assert statements.count == 2, (document, statements.statements)  # the viewer, the video with it
