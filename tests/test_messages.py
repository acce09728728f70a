"""The messages query: newest first, stable keyset pages, participants only, loaders for related rows."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pytest
from sqlalchemy import delete, update

from tests.api import Api, error_codes
from tests.chat import MESSAGES, SEND_MESSAGE, Chat, create_chat
from tests.conftest import StatementCounter
from tests.factories import (
    create_conversation,
    create_message,
    create_messages,
    create_post,
    create_video,
)
from videoengage.db.engine import Database
from videoengage.db.models import Post, PostReaction, Video, VideoReaction
from videoengage.demo import seed_demo
from videoengage.enums import MessageType, ReactionType
from videoengage.schema.pagination import encode_cursor


@pytest.fixture
async def chat(db: Database) -> Chat:
    return await create_chat(db)


async def page(api: Api, chat: Chat, as_user: int | None = None, **variables: Any) -> dict[str, Any]:
    result = await api.gql(
        MESSAGES, {"conversationId": str(chat.conversation), **variables}, as_user=as_user or chat.ada
    )
    return result


def node_ids(result: dict[str, Any]) -> list[int]:
    return [int(edge["node"]["id"]) for edge in result["data"]["messages"]["edges"]]


async def test_pages_go_from_newest_to_oldest(api: Api, db: Database, chat: Chat) -> None:
    ids = await create_messages(db, chat.conversation, chat.grace, 7)

    first = await page(api, chat, first=3)
    second = await page(api, chat, first=3, after=first["data"]["messages"]["pageInfo"]["endCursor"])
    third = await page(api, chat, first=3, after=second["data"]["messages"]["pageInfo"]["endCursor"])

    assert node_ids(first) + node_ids(second) + node_ids(third) == sorted(ids, reverse=True)
    assert [p["data"]["messages"]["pageInfo"]["hasNextPage"] for p in (first, second, third)] == [
        True,
        True,
        False,
    ]
    edges = third["data"]["messages"]["edges"]
    assert third["data"]["messages"]["pageInfo"]["endCursor"] == edges[-1]["cursor"]


async def test_an_empty_conversation_has_an_empty_page(api: Api, chat: Chat) -> None:
    result = await page(api, chat)

    assert result["data"]["messages"] == {
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }


async def test_first_defaults_to_fifty(api: Api, db: Database, chat: Chat) -> None:
    await create_messages(db, chat.conversation, chat.grace, 51)

    result = await page(api, chat)

    assert len(node_ids(result)) == 50
    assert result["data"]["messages"]["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("first", [1, 100])
async def test_first_may_be_one_to_a_hundred(api: Api, db: Database, chat: Chat, first: int) -> None:
    await create_messages(db, chat.conversation, chat.grace, 101)

    assert len(node_ids(await page(api, chat, first=first))) == first


@pytest.mark.parametrize("first", [0, -1, 101, 2**31 - 1, None])
async def test_first_outside_one_to_a_hundred_is_refused(api: Api, chat: Chat, first: int | None) -> None:
    result = await page(api, chat, first=first)

    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["field"] == "first"


@pytest.mark.parametrize("first", ["ten", 2**31, 1.5])
async def test_a_first_that_is_not_an_int_is_refused_not_masked(api: Api, chat: Chat, first: object) -> None:
    """graphql-core refuses the variable before execution; the client still gets its code."""
    result = await page(api, chat, first=first)

    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert "first" in result["errors"][0]["message"]


@pytest.mark.parametrize(
    "after",
    [
        "",
        "not a cursor",
        "x" * 500,
        encode_cursor("conversations", 5, 1),
        encode_cursor("messages", "1", "2"),
        encode_cursor("messages", 1),
    ],
)
async def test_a_broken_cursor_is_refused(api: Api, chat: Chat, after: str) -> None:
    result = await page(api, chat, after=after)

    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["field"] == "after"


async def test_a_cursor_of_another_conversation_is_refused(api: Api, db: Database, chat: Chat) -> None:
    other = await create_conversation(db, chat.ada, chat.stranger)
    await create_messages(db, other, chat.ada, 3)
    elsewhere = await api.data(MESSAGES, {"conversationId": str(other), "first": 1}, as_user=chat.ada)

    result = await page(api, chat, after=elsewhere["messages"]["pageInfo"]["endCursor"])

    assert error_codes(result) == ["BAD_USER_INPUT"]


async def test_a_non_participant_cannot_read_and_learns_nothing(api: Api, db: Database, chat: Chat) -> None:
    await create_messages(db, chat.conversation, chat.ada, 3)

    theirs = await page(api, chat, as_user=chat.stranger)
    missing = await api.gql(MESSAGES, {"conversationId": "987654"}, as_user=chat.stranger)

    assert theirs["data"] is None
    assert error_codes(theirs) == error_codes(missing) == ["NOT_FOUND"]
    assert theirs["errors"][0]["message"] == missing["errors"][0]["message"]


@pytest.mark.parametrize("conversation_id", ["", "abc", "0", "-1", "1e3", "99999999999999999999"])
async def test_a_malformed_conversation_id_is_refused(api: Api, chat: Chat, conversation_id: str) -> None:
    result = await api.gql(MESSAGES, {"conversationId": conversation_id}, as_user=chat.ada)

    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["field"] == "conversationId"


async def test_a_video_unpublished_or_deleted_since_sharing_reads_as_null(
    api: Api, db: Database, chat: Chat
) -> None:
    doomed = await create_video(db, "Doomed")
    unpublished = await create_message(
        db, chat.conversation, chat.ada, MessageType.SHARED_VIDEO, shared_video_id=chat.video
    )
    deleted = await create_message(
        db, chat.conversation, chat.ada, MessageType.SHARED_VIDEO, shared_video_id=doomed, body="gone"
    )
    async with db.write() as session:
        await session.execute(update(Video).where(Video.id == chat.video).values(is_published=False))
        await session.execute(delete(Video).where(Video.id == doomed))

    edges = (await page(api, chat))["data"]["messages"]["edges"]

    assert [(int(e["node"]["id"]), e["node"]["type"], e["node"]["sharedVideo"]) for e in edges] == [
        (deleted, "SHARED_VIDEO", None),
        (unpublished, "SHARED_VIDEO", None),
    ]
    assert edges[0]["node"]["body"] == "gone"


async def test_a_post_deleted_since_sharing_reads_as_null(api: Api, db: Database, chat: Chat) -> None:
    message = await create_message(
        db, chat.conversation, chat.ada, MessageType.SHARED_POST, shared_post_id=chat.post
    )
    async with db.write() as session:
        await session.execute(delete(Post).where(Post.id == chat.post))

    [edge] = (await page(api, chat))["data"]["messages"]["edges"]

    assert (int(edge["node"]["id"]), edge["node"]["sharedPost"]) == (message, None)


async def test_paging_while_new_messages_arrive_returns_each_older_message_once(
    api: Api, db: Database, chat: Chat
) -> None:
    older = await create_messages(db, chat.conversation, chat.ada, 250)

    async def send_some(start: int) -> None:
        for n in range(start, start + 5):
            variables = {
                "input": {"conversationId": str(chat.conversation), "type": "TEXT", "body": f"new {n}"}
            }
            await api.data(SEND_MESSAGE, variables, as_user=chat.grace)

    pages = [await page(api, chat, first=100)]
    while pages[-1]["data"]["messages"]["pageInfo"]["hasNextPage"]:
        cursor = pages[-1]["data"]["messages"]["pageInfo"]["endCursor"]
        next_page, _ = await asyncio.gather(
            page(api, chat, first=100, after=cursor), send_some(5 * len(pages))
        )
        pages.append(next_page)

    assert [len(node_ids(p)) for p in pages] == [100, 100, 50]
    assert [message for p in pages for message in node_ids(p)] == sorted(older, reverse=True)


async def test_concurrent_readers_never_see_a_gap_that_a_later_commit_fills(
    api: Api, db: Database, chat: Chat
) -> None:
    """Each read must be every message up to its newest: ids grow in commit order, or pages skip."""

    async def send(n: int) -> None:
        variables = {"input": {"conversationId": str(chat.conversation), "type": "TEXT", "body": f"#{n}"}}
        await api.data(SEND_MESSAGE, variables, as_user=chat.ada if n % 2 else chat.grace)

    async def read() -> list[int]:
        return node_ids(await page(api, chat, first=100))

    results = await asyncio.gather(*(task for n in range(40) for task in (send(n), read())))

    everything = sorted(node_ids(await page(api, chat, first=100)), reverse=True)
    assert len(everything) == 40
    for seen in (result for result in results if result):
        assert seen == [message for message in everything if message <= seen[0]]


PAGE_WITH_EVERYTHING = """
query Everything($conversationId: ID!, $first: Int) {
  messages(conversationId: $conversationId, first: $first) {
    edges {
      cursor
      node {
        id type body mediaUrl createdAt clientMessageId conversationId
        sender { id displayName avatarUrl }
        sharedVideo {
          id title thumbnailUrl durationSeconds description publishedAt
          reactionCounts { like love total }
          viewerReaction
        }
        sharedPost { id body author { id displayName } reactionCounts { total } viewerReaction }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _mixed_messages(db: Database, chat: Chat, count: int) -> None:
    """Every type in turn, from both participants, sharing many videos and posts."""
    videos = [await create_video(db, f"Video {n}") for n in range(10)]
    posts = [await create_post(db, chat.stranger, f"Post {n}") for n in range(10)]
    async with db.write() as session:
        session.add(VideoReaction(user_id=chat.ada, video_id=videos[0], type=ReactionType.LOVE))
        session.add(PostReaction(user_id=chat.ada, post_id=posts[0], type=ReactionType.PRAY))
    kinds = list(MessageType)
    for n in range(count):
        kind = kinds[n % len(kinds)]
        sender = chat.grace if n % 2 else chat.ada
        values: dict[str, Any] = {"body": f"#{n}"}
        if kind in {MessageType.IMAGE, MessageType.VIDEO, MessageType.AUDIO}:
            values["media_url"] = f"https://media.example.com/{n}"
        elif kind is MessageType.SHARED_POST:
            values = {"shared_post_id": posts[n % len(posts)]}
        elif kind is MessageType.SHARED_VIDEO:
            values["shared_video_id"] = chat.unpublished_video if n % 7 == 3 else videos[n % len(videos)]
        await create_message(db, chat.conversation, sender, kind, **values)


async def test_a_page_costs_the_same_statements_for_five_messages_as_for_a_hundred(
    api: Api, db: Database, chat: Chat, statements: StatementCounter
) -> None:
    await _mixed_messages(db, chat, 120)
    variables = {"conversationId": str(chat.conversation)}

    statements.reset()
    small = await api.data(PAGE_WITH_EVERYTHING, {**variables, "first": 5}, as_user=chat.ada)
    small_cost = statements.count
    statements.reset()
    large = await api.data(PAGE_WITH_EVERYTHING, {**variables, "first": 100}, as_user=chat.ada)
    large_cost = statements.count

    small_types = {edge["node"]["type"] for edge in small["messages"]["edges"]}
    assert {"SHARED_VIDEO", "SHARED_POST"} <= small_types
    assert {edge["node"]["type"] for edge in large["messages"]["edges"]} == {t.name for t in MessageType}
    assert any(edge["node"]["sharedVideo"] is None for edge in large["messages"]["edges"][1:])
    # viewer, page (membership checked inside it, with senders and video cards), posts, video
    # reactions, post reactions, post authors
    assert small_cost == large_cost == 6, statements.statements


async def test_the_demo_conversation_reads_back(api: Api, db: Database) -> None:
    demo = await seed_demo(db)
    await seed_demo(db)  # idempotent
    conversation = demo["conversations"][0]

    result = await api.data(
        MESSAGES, {"conversationId": str(conversation["id"])}, as_user=conversation["participants"][0]
    )

    nodes = [edge["node"] for edge in result["messages"]["edges"]]
    assert [node["type"] for node in nodes] == ["SHARED_POST", "IMAGE", "TEXT", "SHARED_VIDEO", "TEXT"]
    assert nodes[3]["sharedVideo"]["title"] == "Morning yoga flow"
    assert nodes[0]["sharedPost"]["author"]["displayName"] == "Grace Hopper"


W1_PAGE = """
query Page($conversationId: ID!) {
  messages(conversationId: $conversationId, first: 50) {
    edges { node { id type body mediaUrl createdAt sender { id displayName }
                   sharedVideo { id title thumbnailUrl durationSeconds } } }
  }
}
"""


async def test_the_chat_screen_page_costs_one_statement_with_the_membership_check(
    api: Api, db: Database, chat: Chat, statements: StatementCounter
) -> None:
    """The hot path: a page of 50 with senders and video cards. Posts are not selected: not loaded."""
    await _mixed_messages(db, chat, 120)
    statements.reset()
    page = await api.data(W1_PAGE, {"conversationId": str(chat.conversation)}, as_user=chat.ada)
    # the viewer (without the viewer cache), then one statement: page, membership, senders and cards
    assert statements.count == 2, statements.statements
    nodes = [edge["node"] for edge in page["messages"]["edges"]]
    assert len(nodes) == 50
    names = {str(chat.ada): "Ada", str(chat.grace): "Grace"}
    assert {node["sender"]["id"]: node["sender"]["displayName"] for node in nodes} == names
    cards = [node["sharedVideo"] for node in nodes if node["type"] == "SHARED_VIDEO"]
    titles = {card["title"] for card in cards if card is not None}
    assert None in cards and titles and titles <= {f"Video {n}" for n in range(10)}  # unpublished: none
    assert [node for node in nodes if node["type"] != "SHARED_VIDEO" and node["sharedVideo"]] == []


async def test_an_empty_page_still_tells_outsiders_apart(
    api: Api, db: Database, chat: Chat, statements: StatementCounter
) -> None:
    mine = await api.data(W1_PAGE, {"conversationId": str(chat.conversation)}, as_user=chat.ada)
    assert mine == {"messages": {"edges": []}}
    outsider = await api.gql(W1_PAGE, {"conversationId": str(chat.conversation)}, as_user=chat.stranger)
    assert error_codes(outsider) == ["NOT_FOUND"]


CARDS_IN_FRAGMENTS = """
query Page($conversationId: ID!) {
  messages(conversationId: $conversationId, first: 10) { ...Edges }
}
fragment Edges on MessageConnection { edges { node { id ... on Message { sharedPost { id } } ...Card } } }
fragment Card on Message { sharedVideo { title } }
"""


async def test_cards_selected_only_through_fragments_are_loaded(api: Api, db: Database) -> None:
    """The page loads only the kinds of card the query selects; a fragment selects them too."""
    demo = await seed_demo(db)
    conversation = demo["conversations"][0]

    variables = {"conversationId": str(conversation["id"])}
    result = await api.data(CARDS_IN_FRAGMENTS, variables, as_user=conversation["participants"][0])

    nodes = [edge["node"] for edge in result["messages"]["edges"]]
    assert nodes[3]["sharedVideo"] == {"title": "Morning yoga flow"}
    assert nodes[0]["sharedPost"] is not None


@pytest.mark.parametrize(
    "values", [(), (0,), (1, 2), (-5, 2**63, 10**30), ("2026-12-01T00:00:00+00:00", 7), (True, 1)]
)
def test_a_cursor_is_the_same_text_as_its_json(values: tuple[int | str, ...]) -> None:
    """Integer cursors are written without json.dumps; their bytes must not change (clients keep them)."""
    raw = json.dumps(["messages", *values], separators=(",", ":")).encode()
    assert encode_cursor("messages", *values) == base64.urlsafe_b64encode(raw).decode().rstrip("=")
