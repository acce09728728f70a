"""Known operations and mutations: two fresh databases, FAST_PATH on and off, the same bytes and rows.

A mutation's answer depends on what the database holds, so one shared database cannot compare them
(tests/test_fast_path_product.py compares queries that way). Here each app has a database of its own,
seeded alike; then one sequence of requests drawn by Hypothesis (derandomised, drawn up front) goes
to both: the mutations and the queries that read what they wrote, with variables valid and hostile,
as different viewers, with operationName right, wrong or absent. Each document text comes back
many times, so the fast app answers most on the known path (``schema.known``); every answer must
equal the general app's, and at the end every table must hold the same rows.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.applications import Starlette

from tests.api import assert_no_internals
from tests.conftest import make_settings
from tests.factories import create_conversation, create_message, create_post, create_user, create_video
from tests.unmigrated import unmigrated_database
from videoengage.app import create_app
from videoengage.auth import issue_token
from videoengage.db.engine import Database
from videoengage.db.migrate import upgrade
from videoengage.db.models import Base
from videoengage.enums import MessageType
from videoengage.schema.pagination import encode_cursor
from videoengage.settings import Settings

ROUNDS = 12
ABSENT: Any = object()  # a member left out of the request body
VIEWERS = ("ada", "grace", "eve")  # users 1 to 3
STRANGERS = ("anonymous", "forged")  # no token, a token that is not one
# Wrong JSON types and values out of every range, for any variable.
HOSTILE: tuple[Any, ...] = (
    None, True, False, 1.5, 2.0, -3, 2**31, -(2**31) - 1, 10**20, "", "x" * 5000, [], ["1"], {}, {"a": 1},
)  # fmt: skip


@dataclass(frozen=True)
class Pool:
    """A variable's values: valid ones, and hostile ones of its own beside the common ``HOSTILE``."""

    valid: tuple[Any, ...]
    hostile: tuple[Any, ...] = ()


IDS = Pool(("1", "2", "3", 1, 2, " 2 "), ("4", "0", "-1", "1.5", "abc", "999999", "9" * 30, "\u0661"))
INTS = Pool((0, 1, 30, 45, 300, 599, 600, 601, 3600), (-1, 2**31 - 1, 2**31, -(2**31) - 1))
REACTIONS = Pool(("LIKE", "LOVE", "HAHA", "WOW", "SAD", "PRAY"), ("like", "ANGRY", 1))
BODIES = Pool(
    ("hello", "caf\u00e9 \U0001f389", 'a "quote" \\ and %s'), ("   ", "x" * 4001, "nul\x00", "\ud800")
)
URLS = Pool(
    ("https://cdn.example.com/i.png", "http://cdn.example.com/a.mp3"),
    ("ftp://cdn.example.com/x", "javascript:alert(1)", "https://", "https://cdn.example.com:99999/x",
     "https://cdn.example.com/" + "a" * 2100, "https://cdn.example.com/a b"),
)  # fmt: skip
CLIENT_IDS = Pool(("m1", "m2", "m3", "x" * 64), ("  ", "x" * 65))
TIMES = Pool(
    ("2020-01-01T00:00:00Z", "2021-06-01T12:00:00+02:00", "2999-01-01T00:00:00Z"),
    ("2020-01-01T00:00:00", "yesterday", 1700000000),
)
BOOLS = Pool((True, False), ("true", 0))
AFTER = Pool(
    (None, None, *(encode_cursor("messages", n) for n in (3, 6, 9))),
    (
        "garbage",
        encode_cursor("videos", 3),
        encode_cursor("continueWatching", "2020-01-01T00:00:00+00:00", 1),
    ),
)
FIRSTS = Pool((1, 2, 5, 20), (0, 101, -1))


class Draw:
    """One step's draws. A clean step takes only valid values; in a hostile one, any may be wrong."""

    def __init__(self, draw: st.DrawFn, hostile: bool) -> None:
        self.draw, self.hostile = draw, hostile

    def __call__(self, pool: Pool) -> Any:
        if self.hostile and self.draw(st.integers(0, 2)) == 0:
            return self.draw(st.sampled_from((*pool.hostile, *HOSTILE)))
        return self.draw(st.sampled_from(pool.valid))

    def one(self, *choices: Any) -> Any:
        return self.draw(st.sampled_from(choices))


def _message(type_: str, v: Draw) -> dict[str, Any]:
    """The fields the type needs; in a hostile step, now and then one it must refuse."""
    fields: dict[str, Any] = {"conversationId": v(IDS), "type": v(Pool((type_,), ("text", "GIF")))}
    if type_ == "TEXT" or v.one(False, True):
        fields["body"] = v(BODIES)
    if type_ in {"IMAGE", "VIDEO", "AUDIO"}:
        fields["mediaUrl"] = v(URLS)
    if type_ == "SHARED_POST":
        fields["sharedPostId"] = v(IDS)
    if type_ == "SHARED_VIDEO":
        fields["sharedVideoId"] = v(IDS)
    if v.hostile and v.one(False, True):
        fields[v.one("mediaUrl", "sharedPostId", "sharedVideoId", "unknownField")] = "1"
    if v.one(False, True):
        fields["clientMessageId"] = v(CLIENT_IDS)
    return fields


def _message_input(type_: str) -> Callable[[Draw], dict[str, Any]]:
    return lambda v: {"input": v(Pool((_message(type_, v),), ("TEXT",)))}


def _message_fields(type_: str) -> Callable[[Draw], dict[str, Any]]:
    """A message as the variables of the document that spells its fields out."""
    names = {
        "conversationId": "c",
        "sharedPostId": "postId",
        "sharedVideoId": "videoId",
        "clientMessageId": "id",
    }
    return lambda v: {
        names.get(key, key): value for key, value in _message(type_, v).items() if key != "unknownField"
    }


def _progress(v: Draw) -> dict[str, Any]:
    variables = {"videoId": v(IDS), "watched": v(INTS), "duration": v(INTS), "position": v(INTS)}
    if v.one(False, True):
        variables["completed"] = v(BOOLS)
    if v.one(False, True):
        variables["recordedAt"] = v(TIMES)
    return variables


def _progress_input(v: Draw) -> dict[str, Any]:
    names = {"watched": "watchedSeconds", "duration": "durationSeconds", "position": "lastPosition"}
    return {"input": {names.get(key, key): value for key, value in _progress(v).items()}}


def _either(v: Draw) -> dict[str, Any]:
    """``reaction``, the deprecated ``input``, or (wrongly) both or neither."""
    chosen = v.one("r", "i") if not v.hostile else v.one("r", "i", "ri", "")
    return {key: {"videoId": v(IDS), "type": v(REACTIONS)} for key in chosen}


@dataclass(frozen=True)
class Operation:
    """A document, and how to draw a request body for it: operationName, variables and their shape."""

    document: str
    names: tuple[str, ...] = ()  # its operations' names; none for an anonymous one
    variables: Callable[[Draw], dict[str, Any]] | None = None

    def body(self, v: Draw) -> dict[str, Any]:
        body: dict[str, Any] = {"query": self.document}
        named = v.one(*self.names) if self.names else ABSENT
        right = (named,) if len(self.names) > 1 else (named, named, ABSENT, None)
        body["operationName"] = v.one(*right, "Wrong", "") if v.hostile else v.one(*right)
        variables = self.variables(v) if self.variables else {}
        shape = v.one("as drawn", "as drawn", "one missing", "extra", "absent", "null", "list")
        if not v.hostile or (shape == "one missing" and not variables):
            shape = "as drawn"
        if shape == "one missing":
            variables.pop(v.one(*sorted(variables)))
        elif shape == "extra":
            variables["unknown"] = v(IDS)
        if shape in {"absent", "null", "list"}:
            body["variables"] = {"absent": ABSENT, "null": None, "list": [variables]}[shape]
        elif variables or self.variables:
            body["variables"] = variables
        return {key: value for key, value in body.items() if value is not ABSENT}


COUNTS = "reactionCounts { like love haha wow sad pray total }"
MESSAGE = "id conversationId type body mediaUrl clientMessageId createdAt sender { id displayName avatarUrl }"
SHARED = f"sharedVideo {{ id title durationSeconds viewerReaction {COUNTS} }} sharedPost {{ id body }}"
SEND = f"mutation Send($input: SendMessageInput!) {{ sendMessage(input: $input) {{ {MESSAGE} {SHARED} }} }}"
SEND_FIELDS = (
    "mutation SendFields($c: ID!, $type: MessageType!, $body: String, $mediaUrl: String, $postId: ID,"
    " $videoId: ID, $id: String) { m: sendMessage(input: {conversationId: $c, type: $type, body: $body,"
    " mediaUrl: $mediaUrl, sharedPostId: $postId, sharedVideoId: $videoId, clientMessageId: $id})"
    " { id type body __typename sharedVideo { title } } }"
)

OPERATIONS = [
    Operation(
        "mutation Save($videoId: ID!, $watched: Int!, $duration: Int!, $position: Int!, $completed: Boolean,"
        " $recordedAt: DateTime) { saveVideoProgress(input: {videoId: $videoId, watchedSeconds: $watched,"
        " durationSeconds: $duration, lastPosition: $position, completed: $completed, recordedAt:"
        " $recordedAt}) { videoId watchedSeconds lastPosition durationSeconds completed updatedAt } }",
        ("Save",),
        _progress,
    ),
    Operation(
        "mutation SaveInput($input: SaveVideoProgressInput!) { saved: saveVideoProgress(input: $input)"
        " { __typename watchedSeconds completed } }",
        ("SaveInput",),
        _progress_input,
    ),
    Operation(
        'mutation { saveVideoProgress(input: {videoId: "2", watchedSeconds: 40, durationSeconds: 45,'
        " lastPosition: 35}) { watchedSeconds lastPosition } }"
    ),
    Operation(
        "mutation React($videoId: ID!, $type: ReactionType!) { toggleVideoReaction(reaction:"
        f" {{videoId: $videoId, type: $type}}) {{ action type {COUNTS} video {{ id viewerReaction"
        " reactionCounts { total } } } }",
        ("React",),
        lambda v: {"videoId": v(IDS), "type": v(REACTIONS)},
    ),
    Operation(
        "mutation Either($r: ToggleVideoReactionInput, $i: ToggleReactionInput) {"
        " toggleVideoReaction(reaction: $r, input: $i) { a: action t: type } }",
        ("Either",),
        _either,
    ),
    Operation('mutation { toggleVideoReaction(reaction: {videoId: "1", type: LIKE}) { action __typename } }'),
    Operation(
        "mutation PostReact($postId: ID!, $type: ReactionType!) { togglePostReaction(input:"
        f" {{postId: $postId, type: $type}}) {{ action type {COUNTS} post {{ id body viewerReaction"
        " author { displayName } reactionCounts { love pray } } } }",
        ("PostReact",),
        lambda v: {"postId": v(IDS), "type": v(REACTIONS)},
    ),
    Operation('mutation { togglePostReaction(input: {postId: "1", type: PRAY}) { action } }'),
    # Every type of message, in each round, through each of two documents.
    *(Operation(SEND, ("Send",), _message_input(member.name)) for member in MessageType),
    *(Operation(SEND_FIELDS, ("SendFields",), _message_fields(member.name)) for member in MessageType),
    Operation(
        'mutation { sendMessage(input: {conversationId: "1", type: TEXT, body: "again", clientMessageId:'
        ' "literal"}) { id body clientMessageId } }'
    ),
    Operation(
        "mutation Start($userId: ID!) { startDirectConversation(input: {userId: $userId})"
        " { id participants { id displayName } lastMessage { id body } } }",
        ("Start",),
        lambda v: {"userId": v(IDS)},
    ),
    Operation(
        "query Seen($videoId: ID!) { video(id: $videoId) { viewerReaction reactionCounts { total } } }"
        " mutation Like($videoId: ID!) { toggleVideoReaction(reaction: {videoId: $videoId, type: LIKE})"
        " { ...Toggled } } fragment Toggled on ToggleVideoReactionPayload { action video { id } }",
        ("Seen", "Like"),
        lambda v: {"videoId": v(IDS)},
    ),
    Operation(
        "query Page($c: ID!, $first: Int, $after: String) { messages(conversationId: $c, first: $first,"
        f" after: $after) {{ edges {{ cursor node {{ {MESSAGE} {SHARED} }} }} pageInfo {{ hasNextPage"
        " endCursor } } }",
        ("Page",),
        lambda v: {"c": v(IDS), "first": v(FIRSTS), "after": v(AFTER)},
    ),
    Operation(
        "query Video($id: ID!, $skip: Boolean!) { video(id: $id) { id title viewerReaction @skip(if: $skip)"
        f" {COUNTS} viewerProgress {{ watchedSeconds lastPosition completed durationSeconds }} }} }}",
        ("Video",),
        lambda v: {"id": v(IDS), "skip": v(BOOLS)},
    ),
    # Not its cursors: they carry when the progress was saved, which differs between the databases.
    Operation(
        "query Watching($first: Int) { continueWatching(first: $first) { edges { node { id title"
        " viewerProgress { watchedSeconds lastPosition completed } } } pageInfo { hasNextPage } } }",
        ("Watching",),
        lambda v: {"first": v(FIRSTS)},
    ),
    Operation(
        'query { viewer { id displayName } video(id: "1") { viewerReaction reactionCounts { total } }'
        " conversations(first: 5) { edges { node { id lastMessage { id type body } } } } }"
    ),
    Operation(
        "subscription Sent($c: ID!) { messageSent(conversationId: $c) { cursor } }",
        ("Sent",),
        lambda v: {"c": v(IDS)},
    ),
    Operation('mutation { saveVideoProgress(input: {videoId: "1"}) { watchedSeconds } }'),  # invalid
]


@dataclass(frozen=True)
class Step:
    """One request, sent to both apps."""

    body: dict[str, Any]
    viewer: str


@st.composite
def rounds(draw: st.DrawFn) -> list[Step]:
    """Every operation once, in a drawn order; each step clean two times in three (the mutations must
    write, not only refuse), else hostile."""
    steps = []
    for operation in draw(st.permutations(OPERATIONS)):
        v = Draw(draw, hostile=draw(st.integers(0, 2)) == 0)
        steps.append(Step(operation.body(v), v.one(*VIEWERS, *STRANGERS) if v.hostile else v.one(*VIEWERS)))
    return steps


def _drawn(count: int) -> list[Step]:
    """``count`` rounds of steps drawn by Hypothesis, the same on every run (derandomised)."""
    drawn: list[Step] = []

    @settings(max_examples=count, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(steps=rounds())
    def collect(steps: list[Step]) -> None:
        drawn.extend(steps)

    collect()
    return drawn


SEEDED_MESSAGES = 11
TIME = re.compile(rb'"\d{4}-\d\d-\d\dT[^"]*"')
REQUEST_ID = re.compile(rb"\b[0-9a-f]{32}\b")  # a masked error's, drawn at random


async def _seed(db: Database) -> None:
    """Three users, three conversations (Ada is not in the third, Eve not in the first), three published
    videos and an unpublished one, three posts, and a page of messages: the same ids in each database."""
    ada = await create_user(db, "Ada")
    grace = await create_user(db, "Grace", avatar_url="https://cdn.example.com/grace.png")
    eve = await create_user(db, "Eve")
    await create_conversation(db, ada, grace)
    await create_conversation(db, ada, grace, eve)
    await create_conversation(db, grace, eve)
    for title, duration in (("One", 600), ("Two", 45), ("Three", 3600)):
        await create_video(db, title, duration_seconds=duration, description=f"About {title}")
    unpublished = await create_video(db, "Four", published=False)
    for author in (grace, ada, eve):
        await create_post(db, author, f"Post by {author}")
    for n in range(SEEDED_MESSAGES - 1):
        await create_message(db, 1, (ada, grace)[n % 2], body=f"#{n}")
    await create_message(db, 1, grace, MessageType.SHARED_VIDEO, shared_video_id=unpublished)


def _headers(app_settings: Settings) -> dict[str, dict[str, str]]:
    """Each viewer's headers, the same tokens for both apps (they share the secret)."""
    plain = {"content-type": "application/json"}
    headers = {
        name: {**plain, "authorization": f"Bearer {issue_token(app_settings, user_id)}"}
        for user_id, name in enumerate(VIEWERS, start=1)
    }
    return {**headers, "anonymous": plain, "forged": {**plain, "authorization": "Bearer not-a-token"}}


def _normalised(body: bytes) -> bytes:
    """The two databases' clocks differ, and so do masked errors' request ids; nothing else may."""
    return REQUEST_ID.sub(b"<request id>", TIME.sub(b'"<time>"', body))


async def _rows(db: Database, started: datetime) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in key order; a time the server took (now, not one a client sent) blanked."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    async with db.read() as session:
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            state[table.name] = [
                tuple("<now>" if isinstance(value, datetime) and value >= started else value for value in row)
                for row in rows
            ]
    return state


@contextlib.asynccontextmanager
async def _served(app_settings: Settings) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The app with its lifespan running (its state holds the database and the schema), and a client."""
    application = create_app(app_settings)
    async with (
        application.router.lifespan_context(application),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=application), base_url="http://testserver"
        ) as http,
    ):
        yield application, http


@pytest.fixture
def databases(db_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two fresh databases of the test database's kind, migrated to head."""
    (tmp_path / "fast").mkdir()
    (tmp_path / "general").mkdir()
    with (
        unmigrated_database(db_url, tmp_path / "fast") as fast,
        unmigrated_database(db_url, tmp_path / "general") as general,
    ):
        upgrade(fast)
        upgrade(general)
        yield fast, general


async def test_drawn_mutations_and_queries_answer_and_write_the_same(databases: tuple[str, str]) -> None:
    started = datetime.now(UTC)
    drawn = _drawn(ROUNDS)
    fast_url, general_url = databases
    async with (
        _served(make_settings(fast_url, fast_path=True)) as (fast_app, fast),
        _served(make_settings(general_url, fast_path=False)) as (general_app, general),
    ):
        await _seed(fast_app.state.db)
        await _seed(general_app.state.db)
        headers = _headers(make_settings(fast_url))
        refused = 0
        for step in drawn:
            content = json.dumps(step.body).encode()
            expected = await general.post("/graphql", content=content, headers=headers[step.viewer])
            answered = await fast.post("/graphql", content=content, headers=headers[step.viewer])
            assert_no_internals(expected)
            assert (answered.status_code, _normalised(answered.content)) == (
                expected.status_code,
                _normalised(expected.content),
            ), f"{content[:3000]!r}\nas {step.viewer}\nfast: {answered.text}\ngeneral: {expected.text}"
            refused += b'"errors"' in expected.content

        # The comparison ran the known path, on answers with data and with errors.
        assert fast_app.state.graphql.schema.known.answered > 0.6 * len(drawn)
        # Among them, mutations answered from their plans (``planned.root_fields``), refusals too.
        assert fast_app.state.graphql.schema.known.planned.answered >= 20
        assert 0.2 * len(drawn) < refused < 0.8 * len(drawn)
        # The same rows, and among them what the mutations wrote: every type of message, reactions, progress.
        fast_rows = await _rows(fast_app.state.db, started)
        assert fast_rows == await _rows(general_app.state.db, started)
        type_column = list(Base.metadata.tables["messages"].c.keys()).index("type")
        assert {row[type_column] for row in fast_rows["messages"][SEEDED_MESSAGES:]} == set(MessageType)
        assert fast_rows["video_reactions"] and fast_rows["post_reactions"] and fast_rows["video_progress"]
