"""sendMessage: each type with its own fields, safe retries, and nothing written when refused."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from tests.api import Api, error_codes
from tests.chat import MESSAGES, SEND_MESSAGE, Chat, create_chat
from tests.conftest import StatementCounter
from tests.db_state import messaging_state
from tests.factories import create_conversation
from videoengage.db.engine import Database
from videoengage.db.models import Conversation, Message, Video


@pytest.fixture
async def chat(db: Database) -> Chat:
    return await create_chat(db)


async def send(api: Api, as_user: int, **fields: Any) -> dict[str, Any]:
    return await api.gql(SEND_MESSAGE, {"input": fields}, as_user=as_user)


async def last_message_id(db: Database, conversation_id: int) -> int | None:
    async with db.read() as session:
        return await session.scalar(
            select(Conversation.last_message_id).where(Conversation.id == conversation_id)
        )


async def test_a_text_message_is_stored_and_becomes_the_last_message(
    api: Api, db: Database, chat: Chat
) -> None:
    before = datetime.now(UTC)
    result = await send(api, chat.ada, conversationId=str(chat.conversation), type="TEXT", body="Hi Grace!")

    message = result["data"]["sendMessage"]
    assert before <= datetime.fromisoformat(message["createdAt"]) <= datetime.now(UTC)
    assert message["type"] == "TEXT"
    assert message["body"] == "Hi Grace!"
    assert message["conversationId"] == str(chat.conversation)
    assert message["sender"] == {"id": str(chat.ada), "displayName": "Ada"}
    assert message["mediaUrl"] is message["sharedVideo"] is message["sharedPost"] is None
    assert await last_message_id(db, chat.conversation) == int(message["id"])


async def test_sharing_a_published_video_returns_its_card_and_reads_back(api: Api, chat: Chat) -> None:
    result = await send(
        api,
        chat.ada,
        conversationId=str(chat.conversation),
        type="SHARED_VIDEO",
        sharedVideoId=str(chat.video),
        body="The yoga flow I told you about",
    )

    card = {
        "id": str(chat.video),
        "title": "Morning yoga",
        "thumbnailUrl": "https://cdn.example.com/Morning-yoga.jpg",
        "durationSeconds": 1260,
    }
    sent = result["data"]["sendMessage"]
    assert sent["sharedVideo"] == card
    assert sent["body"] == "The yoga flow I told you about"
    page = await api.data(MESSAGES, {"conversationId": str(chat.conversation)}, as_user=chat.grace)
    [edge] = page["messages"]["edges"]
    assert edge["node"]["id"] == sent["id"]
    assert edge["node"]["sharedVideo"] == {**card, "reactionCounts": {"total": 0}, "viewerReaction": None}


async def test_sharing_a_post_returns_the_post_and_its_author(api: Api, chat: Chat) -> None:
    result = await send(
        api, chat.ada, conversationId=str(chat.conversation), type="SHARED_POST", sharedPostId=str(chat.post)
    )

    assert result["data"]["sendMessage"]["sharedPost"] == {
        "id": str(chat.post),
        "body": "Garden day on Saturday?",
        "author": {"id": str(chat.grace), "displayName": "Grace"},
    }


@pytest.mark.parametrize("media_type", ["IMAGE", "VIDEO", "AUDIO"])
async def test_media_messages_need_an_http_address_and_take_a_caption(
    api: Api, chat: Chat, media_type: str
) -> None:
    url = "https://media.example.com/clips/1?size=large#start"
    result = await send(
        api, chat.ada, conversationId=str(chat.conversation), type=media_type, mediaUrl=url, body="Look!"
    )

    message = result["data"]["sendMessage"]
    assert (message["type"], message["mediaUrl"], message["body"]) == (media_type, url, "Look!")


async def test_a_blank_caption_is_no_caption(api: Api, chat: Chat) -> None:
    result = await send(
        api,
        chat.ada,
        conversationId=str(chat.conversation),
        type="IMAGE",
        mediaUrl="http://media.example.com/a.png",
        body="   ",
    )

    assert result["data"]["sendMessage"]["body"] is None


async def test_the_limits_themselves_are_accepted(api: Api, chat: Chat) -> None:
    body, client_id = "é" * 4000, "c" * 64
    result = await send(
        api,
        chat.ada,
        conversationId=str(chat.conversation),
        type="TEXT",
        body=body,
        clientMessageId=client_id,
    )

    message = result["data"]["sendMessage"]
    assert (message["body"], message["clientMessageId"]) == (body, client_id)


TEXT = {"type": "TEXT", "body": "hello"}
IMAGE = {"type": "IMAGE", "mediaUrl": "https://media.example.com/a.png"}
SHARED_POST = {"type": "SHARED_POST"}  # sharedPostId filled in by the test
SHARED_VIDEO = {"type": "SHARED_VIDEO"}  # sharedVideoId filled in by the test

BROKEN_INPUTS: dict[str, tuple[dict[str, Any], str]] = {
    # TEXT bodies
    "text without body": ({"type": "TEXT"}, "body"),
    "text with null body": ({"type": "TEXT", "body": None}, "body"),
    "empty body": ({"type": "TEXT", "body": ""}, "body"),
    "blank body": ({"type": "TEXT", "body": " \n\t "}, "body"),
    "oversized body": ({"type": "TEXT", "body": "x" * 4001}, "body"),
    "body with NUL": ({"type": "TEXT", "body": "a\x00b"}, "body"),
    "oversized caption": ({**IMAGE, "body": "x" * 4001}, "body"),
    # fields of another type
    "text with mediaUrl": ({**TEXT, "mediaUrl": "https://media.example.com/a.png"}, "mediaUrl"),
    "text with sharedVideoId": ({**TEXT, "sharedVideoId": "VIDEO"}, "sharedVideoId"),
    "text with sharedPostId": ({**TEXT, "sharedPostId": "POST"}, "sharedPostId"),
    "image with sharedVideoId": ({**IMAGE, "sharedVideoId": "VIDEO"}, "sharedVideoId"),
    "shared post with body": ({**SHARED_POST, "sharedPostId": "POST", "body": "look"}, "body"),
    "shared post with video": (
        {**SHARED_POST, "sharedPostId": "POST", "sharedVideoId": "VIDEO"},
        "sharedVideoId",
    ),
    "shared video with mediaUrl": (
        {**SHARED_VIDEO, "sharedVideoId": "VIDEO", "mediaUrl": "https://media.example.com/a.png"},
        "mediaUrl",
    ),
    "shared video with post": (
        {**SHARED_VIDEO, "sharedVideoId": "VIDEO", "sharedPostId": "POST"},
        "sharedPostId",
    ),
    # media addresses
    "image without mediaUrl": ({"type": "IMAGE"}, "mediaUrl"),
    "javascript url": ({"type": "IMAGE", "mediaUrl": "javascript:alert(1)"}, "mediaUrl"),
    "ftp url": ({"type": "AUDIO", "mediaUrl": "ftp://media.example.com/a.mp3"}, "mediaUrl"),
    "data url": ({"type": "IMAGE", "mediaUrl": "data:image/png;base64,AAAA"}, "mediaUrl"),
    "url without host": ({"type": "VIDEO", "mediaUrl": "https:///clips/1.mp4"}, "mediaUrl"),
    "url with only a scheme": ({"type": "VIDEO", "mediaUrl": "http://"}, "mediaUrl"),
    "url without scheme": ({"type": "IMAGE", "mediaUrl": "//media.example.com/a.png"}, "mediaUrl"),
    "relative url": ({"type": "IMAGE", "mediaUrl": "/a.png"}, "mediaUrl"),
    "url with NUL": ({"type": "IMAGE", "mediaUrl": "https://media.example.com/a\x00.png"}, "mediaUrl"),
    "url with a space": ({"type": "IMAGE", "mediaUrl": "https://media.example.com/a b.png"}, "mediaUrl"),
    "url with a bad port": (
        {"type": "IMAGE", "mediaUrl": "https://media.example.com:99999/a.png"},
        "mediaUrl",
    ),
    "url with a broken host": ({"type": "IMAGE", "mediaUrl": "https://[::1/a.png"}, "mediaUrl"),
    "oversized url": ({"type": "IMAGE", "mediaUrl": "https://media.example.com/" + "a" * 2030}, "mediaUrl"),
    # shared items and ids
    "shared post without id": ({"type": "SHARED_POST"}, "sharedPostId"),
    "shared video without id": ({"type": "SHARED_VIDEO", "body": "look"}, "sharedVideoId"),
    "malformed post id": ({"type": "SHARED_POST", "sharedPostId": "abc"}, "sharedPostId"),
    "zero video id": ({"type": "SHARED_VIDEO", "sharedVideoId": "0"}, "sharedVideoId"),
    "negative video id": ({"type": "SHARED_VIDEO", "sharedVideoId": "-3"}, "sharedVideoId"),
    "fractional video id": ({"type": "SHARED_VIDEO", "sharedVideoId": "1.5"}, "sharedVideoId"),
    "overflowing video id": (
        {"type": "SHARED_VIDEO", "sharedVideoId": "99999999999999999999"},
        "sharedVideoId",
    ),
    "unpublished video": ({"type": "SHARED_VIDEO", "sharedVideoId": "UNPUBLISHED"}, "sharedVideoId"),
    "missing video": ({"type": "SHARED_VIDEO", "sharedVideoId": "MISSING"}, "sharedVideoId"),
    "missing post": ({"type": "SHARED_POST", "sharedPostId": "MISSING"}, "sharedPostId"),
    # client ids and the conversation id
    "oversized clientMessageId": ({**TEXT, "clientMessageId": "c" * 65}, "clientMessageId"),
    "empty clientMessageId": ({**TEXT, "clientMessageId": ""}, "clientMessageId"),
    "blank clientMessageId": ({**TEXT, "clientMessageId": "   "}, "clientMessageId"),
    "clientMessageId with NUL": ({**TEXT, "clientMessageId": "a\x00b"}, "clientMessageId"),
    "malformed conversationId": ({**TEXT, "conversationId": "conversation-1"}, "conversationId"),
    "empty conversationId": ({**TEXT, "conversationId": ""}, "conversationId"),
}


def _fill_in(fields: dict[str, Any], chat: Chat) -> dict[str, Any]:
    names = {"VIDEO": chat.video, "UNPUBLISHED": chat.unpublished_video, "POST": chat.post, "MISSING": 987654}
    filled = {"conversationId": str(chat.conversation), **fields}
    for key in ("sharedVideoId", "sharedPostId"):
        if filled.get(key) in names:
            filled[key] = str(names[filled[key]])
    return filled


@pytest.mark.parametrize(("fields", "field"), BROKEN_INPUTS.values(), ids=BROKEN_INPUTS.keys())
async def test_broken_input_is_refused_and_writes_nothing(
    api: Api, db: Database, chat: Chat, fields: dict[str, Any], field: str
) -> None:
    before = await messaging_state(db)

    result = await send(api, chat.ada, **_fill_in(fields, chat))

    assert result["data"] is None
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["field"] == field
    assert await messaging_state(db) == before


async def test_a_lone_surrogate_is_refused_and_writes_nothing(
    api: Api, client: httpx.AsyncClient, db: Database, chat: Chat
) -> None:
    """JSON may escape half a UTF-16 pair; no database can store it. The JSON parser refuses it
    (HTTP 400) before GraphQL sees it."""
    before = await messaging_state(db)
    body = {"query": SEND_MESSAGE, "variables": {"input": {**_fill_in(TEXT, chat), "body": "a\ud800b"}}}

    response = await client.post(
        "/graphql",
        content=json.dumps(body),  # ASCII-only JSON: "\\ud800" stays an escape
        headers={"content-type": "application/json", "authorization": f"Bearer {api.token(chat.ada)}"},
    )

    assert response.status_code == 400
    assert "Unable to parse request body as JSON" in response.text
    assert await messaging_state(db) == before


@pytest.mark.parametrize("message_type", ["NOPE", "text", 3, None])
async def test_an_unknown_type_is_refused_and_writes_nothing(
    api: Api, db: Database, chat: Chat, message_type: object
) -> None:
    before = await messaging_state(db)

    result = await send(api, chat.ada, conversationId=str(chat.conversation), type=message_type, body="hi")

    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert await messaging_state(db) == before


async def test_a_non_participant_cannot_send_and_learns_nothing(api: Api, db: Database, chat: Chat) -> None:
    before = await messaging_state(db)

    into_theirs = await send(api, chat.stranger, conversationId=str(chat.conversation), **TEXT)
    into_nothing = await send(api, chat.stranger, conversationId="987654", **TEXT)

    assert error_codes(into_theirs) == error_codes(into_nothing) == ["NOT_FOUND"]
    assert into_theirs["errors"][0]["message"] == into_nothing["errors"][0]["message"]
    assert await messaging_state(db) == before


async def test_a_non_participant_gets_not_found_before_the_shared_video_is_checked(
    api: Api, db: Database, chat: Chat
) -> None:
    before = await messaging_state(db)

    result = await send(
        api,
        chat.stranger,
        conversationId=str(chat.conversation),
        type="SHARED_VIDEO",
        sharedVideoId=str(chat.unpublished_video),
    )

    assert error_codes(result) == ["NOT_FOUND"]
    assert await messaging_state(db) == before


async def test_sending_needs_a_token(api: Api, db: Database, chat: Chat) -> None:
    before = await messaging_state(db)

    result = await api.gql(SEND_MESSAGE, {"input": {"conversationId": str(chat.conversation), **TEXT}})

    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert await messaging_state(db) == before


async def test_a_retried_send_returns_the_stored_message_and_writes_nothing(
    api: Api, db: Database, chat: Chat
) -> None:
    fields = {"conversationId": str(chat.conversation), **TEXT, "clientMessageId": "7f3c-retry"}
    first = (await send(api, chat.ada, **fields))["data"]["sendMessage"]
    after_first = await messaging_state(db)

    again = (await send(api, chat.ada, **fields))["data"]["sendMessage"]
    changed = (await send(api, chat.ada, **{**fields, "body": "edited"}))["data"]["sendMessage"]

    assert again == changed == first
    assert first["clientMessageId"] == "7f3c-retry"
    assert await messaging_state(db) == after_first


async def test_client_message_ids_are_per_sender_and_conversation(api: Api, db: Database, chat: Chat) -> None:
    other = await create_conversation(db, chat.ada, chat.stranger)
    fields = {**TEXT, "clientMessageId": "same"}

    ids = {
        (await send(api, chat.ada, conversationId=str(chat.conversation), **fields))["data"]["sendMessage"][
            "id"
        ],
        (await send(api, chat.grace, conversationId=str(chat.conversation), **fields))["data"]["sendMessage"][
            "id"
        ],
        (await send(api, chat.ada, conversationId=str(other), **fields))["data"]["sendMessage"]["id"],
    }

    assert len(ids) == 3


async def test_a_retry_after_the_video_was_unpublished_still_returns_the_stored_message(
    api: Api, db: Database, chat: Chat
) -> None:
    fields = {
        "conversationId": str(chat.conversation),
        "type": "SHARED_VIDEO",
        "sharedVideoId": str(chat.video),
        "clientMessageId": "share-1",
    }
    first = (await send(api, chat.ada, **fields))["data"]["sendMessage"]
    async with db.write() as session:
        await session.execute(update(Video).where(Video.id == chat.video).values(is_published=False))

    again = await send(api, chat.ada, **fields)

    assert again["data"]["sendMessage"]["id"] == first["id"]
    assert again["data"]["sendMessage"]["sharedVideo"] is None


async def test_the_send_costs_a_fixed_number_of_statements(
    api: Api, db: Database, chat: Chat, statements: StatementCounter
) -> None:
    statements.reset()
    await send(api, chat.ada, conversationId=str(chat.conversation), **TEXT)
    text_cost = statements.count

    statements.reset()
    await send(
        api,
        chat.ada,
        conversationId=str(chat.conversation),
        type="SHARED_VIDEO",
        sharedVideoId=str(chat.video),
    )
    share_cost = statements.count

    # The viewer, then the send: on PostgreSQL one statement (lock with membership, insert, last
    # message); on SQLite those are three. The share adds its video (the sender is cached).
    send_cost = 1 if db.dialect == "postgresql" else 3
    assert (text_cost, share_cost) == (1 + send_cost, 2 + send_cost), statements.statements


@pytest.mark.postgres_only
async def test_twenty_concurrent_retries_store_one_message(api: Api, db: Database, chat: Chat) -> None:
    fields = {"conversationId": str(chat.conversation), **TEXT, "clientMessageId": "flaky-network"}

    results = await asyncio.gather(*(send(api, chat.ada, **fields) for _ in range(20)))

    assert {result["data"]["sendMessage"]["id"] for result in results} == {
        results[0]["data"]["sendMessage"]["id"]
    }
    async with db.read() as session:
        stored = (await session.scalars(select(Message.id))).all()
    assert [str(message_id) for message_id in stored] == [results[0]["data"]["sendMessage"]["id"]]
    assert await last_message_id(db, chat.conversation) == stored[0]


@pytest.mark.postgres_only
async def test_concurrent_sends_keep_the_last_message_the_newest(api: Api, db: Database, chat: Chat) -> None:
    results = await asyncio.gather(
        *(
            send(api, sender, conversationId=str(chat.conversation), type="TEXT", body=f"#{n}")
            for n in range(10)
            for sender in (chat.ada, chat.grace)
        )
    )

    ids = [int(result["data"]["sendMessage"]["id"]) for result in results]
    assert len(set(ids)) == 20
    assert await last_message_id(db, chat.conversation) == max(ids)
