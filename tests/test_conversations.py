"""Conversations: one direct conversation per pair, one conversation, and the viewer's list."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.api import Api, error_codes
from tests.chat import SEND_MESSAGE
from tests.conftest import StatementCounter
from tests.db_state import messaging_state
from tests.factories import create_conversation, create_message, create_user, create_users, create_video
from videoengage.db.engine import Database
from videoengage.db.models import Conversation, ConversationParticipant
from videoengage.enums import MessageType
from videoengage.schema.pagination import encode_cursor

START = """
mutation Start($userId: ID!) {
  startDirectConversation(input: { userId: $userId }) {
    id createdAt
    participants { id displayName }
    lastMessage { id }
  }
}
"""

CONVERSATION = """
query One($id: ID!) {
  conversation(id: $id) {
    id createdAt
    participants { id displayName }
    lastMessage { id body sender { id } sharedVideo { title } }
  }
}
"""

CONVERSATIONS = """
query List($first: Int, $after: String) {
  conversations(first: $first, after: $after) {
    edges {
      cursor
      node {
        id createdAt
        participants { id displayName avatarUrl }
        lastMessage { id type body createdAt sender { id displayName } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def start(api: Api, as_user: int, user_id: str) -> dict[str, Any]:
    return await api.gql(START, {"userId": user_id}, as_user=as_user)


async def test_starting_creates_the_pair_s_conversation_once(api: Api, db: Database) -> None:
    ada, grace = await create_user(db, "Ada"), await create_user(db, "Grace")

    created = (await start(api, ada, str(grace)))["data"]["startDirectConversation"]
    again = (await start(api, ada, str(grace)))["data"]["startDirectConversation"]
    from_grace = (await start(api, grace, str(ada)))["data"]["startDirectConversation"]

    assert created == again == from_grace
    assert created["participants"] == [
        {"id": str(ada), "displayName": "Ada"},
        {"id": str(grace), "displayName": "Grace"},
    ]
    assert created["lastMessage"] is None
    state = await messaging_state(db)
    assert (len(state["conversations"]), len(state["conversation_participants"])) == (1, 2)


async def test_starting_finds_a_conversation_that_already_has_messages(api: Api, db: Database) -> None:
    ada, grace = await create_user(db, "Ada"), await create_user(db, "Grace")
    existing = await create_conversation(db, ada, grace)
    message = await create_message(db, existing, grace)

    result = (await start(api, ada, str(grace)))["data"]["startDirectConversation"]

    assert (result["id"], result["lastMessage"]) == (str(existing), {"id": str(message)})


@pytest.mark.parametrize("user_id", ["SELF", "987654", "abc", "", "0", "-2", "99999999999999999999"])
async def test_starting_with_yourself_or_nobody_is_refused_and_writes_nothing(
    api: Api, db: Database, user_id: str
) -> None:
    ada = await create_user(db, "Ada")
    before = await messaging_state(db)

    result = await start(api, ada, str(ada) if user_id == "SELF" else user_id)

    assert result["data"] is None
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["field"] == "userId"
    assert await messaging_state(db) == before


@pytest.mark.postgres_only
async def test_concurrent_starts_from_both_sides_make_one_conversation(api: Api, db: Database) -> None:
    ada, grace = await create_user(db, "Ada"), await create_user(db, "Grace")

    results = await asyncio.gather(
        *(start(api, viewer, str(other)) for _ in range(10) for viewer, other in ((ada, grace), (grace, ada)))
    )

    assert len({result["data"]["startDirectConversation"]["id"] for result in results}) == 1
    async with db.read() as session:
        assert await session.scalar(select(func.count()).select_from(Conversation)) == 1
        assert await session.scalar(select(func.count()).select_from(ConversationParticipant)) == 2


async def test_a_participant_reads_a_conversation_with_its_last_message(api: Api, db: Database) -> None:
    ada, grace = await create_user(db, "Ada"), await create_user(db, "Grace")
    conversation = await create_conversation(db, ada, grace)
    video = await create_video(db, "Trail run")
    await create_message(db, conversation, ada)
    last = await create_message(
        db, conversation, grace, MessageType.SHARED_VIDEO, shared_video_id=video, body="Tomorrow?"
    )

    result = await api.data(CONVERSATION, {"id": str(conversation)}, as_user=grace)

    assert result["conversation"]["lastMessage"] == {
        "id": str(last),
        "body": "Tomorrow?",
        "sender": {"id": str(grace)},
        "sharedVideo": {"title": "Trail run"},
    }
    assert [user["id"] for user in result["conversation"]["participants"]] == [str(ada), str(grace)]


async def test_a_conversation_is_null_to_outsiders_and_when_missing(api: Api, db: Database) -> None:
    ada, grace, stranger = await create_users(db, 3)
    conversation = await create_conversation(db, ada, grace)

    assert await api.data(CONVERSATION, {"id": str(conversation)}, as_user=stranger) == {"conversation": None}
    assert await api.data(CONVERSATION, {"id": "987654"}, as_user=ada) == {"conversation": None}
    malformed = await api.gql(CONVERSATION, {"id": "x1"}, as_user=ada)
    assert error_codes(malformed) == ["BAD_USER_INPUT"]


def list_ids(result: dict[str, Any]) -> list[str]:
    return [edge["node"]["id"] for edge in result["conversations"]["edges"]]


async def test_the_list_puts_the_most_recent_message_first_and_silent_ones_last(
    api: Api, db: Database
) -> None:
    viewer, *others = await create_users(db, 5)
    quiet_old, busy, quiet_new, group = (
        await create_conversation(db, viewer, others[0]),
        await create_conversation(db, viewer, others[1]),
        await create_conversation(db, viewer, others[2]),
        await create_conversation(db, viewer, others[0], others[3]),
    )
    await create_conversation(db, others[1], others[2])  # not the viewer's
    await create_message(db, busy, others[1])
    await create_message(db, group, others[3])

    before = list_ids(await api.data(CONVERSATIONS, as_user=viewer))
    variables = {"input": {"conversationId": str(busy), "type": "TEXT", "body": "back on top"}}
    await api.data(SEND_MESSAGE, variables, as_user=viewer)
    after = await api.data(CONVERSATIONS, as_user=viewer)

    assert before == [str(c) for c in (group, busy, quiet_new, quiet_old)]
    assert list_ids(after) == [str(c) for c in (busy, group, quiet_new, quiet_old)]
    assert after["conversations"]["edges"][0]["node"]["lastMessage"]["body"] == "back on top"
    assert len(after["conversations"]["edges"][1]["node"]["participants"]) == 3


async def test_the_list_pages_through_every_conversation_once(api: Api, db: Database) -> None:
    viewer, *others = await create_users(db, 8)
    for n, other in enumerate(others):
        conversation = await create_conversation(db, viewer, other)
        if n % 2:
            await create_message(db, conversation, other)

    seen: list[str] = []
    after = None
    while True:
        result = await api.data(CONVERSATIONS, {"first": 3, "after": after}, as_user=viewer)
        seen += list_ids(result)
        if not result["conversations"]["pageInfo"]["hasNextPage"]:
            break
        after = result["conversations"]["pageInfo"]["endCursor"]

    everything = list_ids(await api.data(CONVERSATIONS, {"first": 100}, as_user=viewer))
    assert seen == everything
    assert len(everything) == 7


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"first": None}, "first"),
        ({"after": "garbage"}, "after"),
        ({"after": encode_cursor("messages", 1, 2)}, "after"),
    ],
)
async def test_the_list_refuses_bad_page_arguments(
    api: Api, db: Database, variables: dict[str, Any], field: str
) -> None:
    viewer = await create_user(db)

    result = await api.gql(CONVERSATIONS, variables, as_user=viewer)

    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["field"] == field


async def test_a_list_page_costs_the_same_statements_for_two_conversations_as_for_twenty(
    api: Api, db: Database, statements: StatementCounter
) -> None:
    viewer, *others = await create_users(db, 21)
    for other in others:
        conversation = await create_conversation(db, viewer, other)
        await create_message(db, conversation, other)

    statements.reset()
    small = await api.data(CONVERSATIONS, {"first": 2}, as_user=viewer)
    small_cost = statements.count
    statements.reset()
    large = await api.data(CONVERSATIONS, {"first": 20}, as_user=viewer)
    large_cost = statements.count

    assert (len(list_ids(small)), len(list_ids(large))) == (2, 20)
    # viewer, page, participants, last messages, their senders
    assert small_cost == large_cost == 5, statements.statements
