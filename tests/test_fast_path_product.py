"""The fast path on the product schema: two apps on one database, FAST_PATH on and off, the same bytes.

Data of every kind (each message type, shared videos since unpublished, a deleted post, reactions,
progress) is sent through the API; then documents drawn by Hypothesis from the schema itself (any
object field, any subset, aliases, to depth 4) under each root query, and the README's and the
benchmark's documents, go to both apps over HTTP. The fast app answers each three times (seen,
compiled, cached), and every body must equal the general app's byte for byte.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLOutputType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bench.workloads import BY_NAME, WORKLOADS
from tests.api import assert_no_internals
from tests.conftest import make_settings, serve
from tests.factories import create_conversation, create_post, create_user, create_video
from videoengage.app import create_app
from videoengage.auth import issue_token
from videoengage.db.engine import Database
from videoengage.schema.schema import schema as product_schema

SCHEMA = product_schema._schema
# Root queries and the arguments that reach the data seeded below ($c: the conversation).
ROOTS = {
    "viewer": "viewer",
    "video": 'video(id: "1")',
    "videos": "videos(first: 5)",
    "continueWatching": "continueWatching(first: 5)",
    "messages": "messages(conversationId: $c, first: 30)",
    "conversation": "conversation(id: $c)",
    "conversations": "conversations(first: 5)",
}


def _named(type_: GraphQLOutputType) -> GraphQLOutputType:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


@st.composite
def selection(draw: st.DrawFn, object_type: GraphQLObjectType, depth: int) -> str:
    """Some of the type's fields without required arguments, aliased now and then, objects recursed."""
    names = [
        name
        for name, field in object_type.fields.items()
        if not any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values())
        and (depth > 0 or not isinstance(_named(field.type), GraphQLObjectType))
    ]
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=6))
    parts = []
    for name in chosen:
        alias = draw(st.sampled_from(["", "", "x: ", "y: "]))
        inner = _named(object_type.fields[name].type)
        if isinstance(inner, GraphQLObjectType):
            parts.append(f"{alias}{name} {{ {draw(selection(inner, depth - 1))} }}")
        else:
            parts.append(alias + name)
    if draw(st.booleans()):
        parts.append("__typename")
    return " ".join(parts)


@st.composite
def documents(draw: st.DrawFn) -> str:
    root = draw(st.sampled_from(sorted(ROOTS)))
    root_type = _named(SCHEMA.query_type.fields[root].type)  # type: ignore[union-attr]
    assert isinstance(root_type, GraphQLObjectType)
    return f"query ($c: ID!) {{ {ROOTS[root]} {{ {draw(selection(root_type, 4))} }} }}"


class Pair:
    """Two apps over one database: the fast path on, and off."""

    def __init__(self, fast: httpx.AsyncClient, general: httpx.AsyncClient, token: str, conversation: int):
        self.fast, self.general = fast, general
        schema = fast._transport.app.state.graphql.schema  # type: ignore[attr-defined]
        self.plans = schema.execution_context_class.plans
        self.known = schema.known
        self.headers = {"authorization": f"Bearer {token}"}
        self.variables = {"c": str(conversation)}

    async def same(self, document: str, variables: dict[str, Any] | None = None) -> None:
        body = {"query": document, "variables": variables or self.variables}
        expected = await self.general.post("/graphql", json=body, headers=self.headers)
        assert_no_internals(expected)
        for _ in range(3):
            answered = await self.fast.post("/graphql", json=body, headers=self.headers)
            assert (answered.status_code, answered.content) == (expected.status_code, expected.content)


async def _seed(client: httpx.AsyncClient, db: Database, token: str, viewer: int) -> int:
    other = await create_user(db, display_name="Grace", avatar_url="https://cdn.example.com/g.png")
    conversation = await create_conversation(db, viewer, other)
    videos = [await create_video(db, f"Video {n}", description="d" if n % 2 else None) for n in range(4)]
    post = await create_post(db, other, "A post")
    gone = await create_post(db, other, "Soon deleted")
    headers = {"authorization": f"Bearer {token}"}

    async def call(document: str) -> None:
        response = await client.post("/graphql", json={"query": document}, headers=headers)
        assert "errors" not in response.json(), response.text

    c = conversation
    for message in (
        f'{{conversationId: "{c}", type: TEXT, body: "hello", clientMessageId: "m1"}}',
        f'{{conversationId: "{c}", type: IMAGE, mediaUrl: "https://cdn.example.com/i.png"}}',
        f'{{conversationId: "{c}", type: VIDEO, mediaUrl: "https://cdn.example.com/v.mp4", body: "clip"}}',
        f'{{conversationId: "{c}", type: AUDIO, mediaUrl: "https://cdn.example.com/a.mp3"}}',
        f'{{conversationId: "{c}", type: SHARED_POST, sharedPostId: "{post}"}}',
        f'{{conversationId: "{c}", type: SHARED_POST, sharedPostId: "{gone}"}}',
        *(
            f'{{conversationId: "{c}", type: SHARED_VIDEO, sharedVideoId: "{v}", body: "look"}}'
            for v in videos
        ),
    ):
        await call(f"mutation {{ sendMessage(input: {message}) {{ id }} }}")
    await call(
        f'mutation {{ toggleVideoReaction(input: {{videoId: "{videos[0]}", type: LOVE}}) {{ action }} }}'
    )
    await call(f'mutation {{ togglePostReaction(input: {{postId: "{post}", type: PRAY}}) {{ action }} }}')
    await call(
        f'mutation {{ saveVideoProgress(input: {{videoId: "{videos[1]}", watchedSeconds: 30, '
        "durationSeconds: 600, lastPosition: 25}) { watchedSeconds } }"
    )
    async with db.write() as session:
        await session.execute(
            text("UPDATE videos SET is_published = false WHERE id = :id"), {"id": videos[3]}
        )
        await session.execute(text("DELETE FROM posts WHERE id = :id"), {"id": gone})
    return conversation


@contextlib.asynccontextmanager
async def _pair(db_url: str) -> AsyncIterator[Pair]:
    # One serve() around both: it waits, at its end, for the database threads both apps started.
    async with serve(make_settings(db_url, fast_path=True)) as fast:
        general_app = create_app(make_settings(db_url, fast_path=False))
        async with (
            general_app.router.lifespan_context(general_app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=general_app), base_url="http://testserver"
            ) as general,
        ):
            db: Database = general_app.state.db
            viewer = await create_user(db, display_name="Ada")
            token = issue_token(make_settings(db_url), viewer)
            conversation = await _seed(general, db, token, viewer)
            yield Pair(fast, general, token, conversation)


@pytest.fixture
async def pair(app: Any, db_url: str) -> AsyncIterator[Pair]:
    """``app`` empties the database first; the pair then runs on it."""
    async with _pair(db_url) as both:
        yield both


README_QUERIES = [
    "query { viewer { id displayName avatarUrl } }",
    "query { continueWatching(first: 10) { edges { node { id title viewerProgress { lastPosition } } } } }",
    "query ($c: ID!) { messages(conversationId: $c, first: 20) { edges { cursor node { id type body"
    " sender { displayName } sharedVideo { title thumbnailUrl durationSeconds }"
    " sharedPost { body author { displayName } } } } pageInfo { hasNextPage endCursor } } }",
]


async def test_the_readme_and_benchmark_queries_answer_the_same(pair: Pair) -> None:
    for document in README_QUERIES:
        await pair.same(document)
    for workload in WORKLOADS:
        if workload.document.lstrip().startswith("query"):
            await pair.same(workload.document, {"conversationId": pair.variables["c"], "id": "1"})
    # From plans, but for each document's first request: the viewer's (README and W0), the chat
    # page (W1), the hot video with the viewer's reaction (W4).
    assert pair.known.planned.answered == 2 * 4


async def test_the_fast_app_compiled_what_it_answered(pair: Pair) -> None:
    """A comparison that never ran compiled code, or never skipped Strawberry's wrapper, would prove
    nothing: each document's second and third answers take both."""
    for document in README_QUERIES:
        await pair.same(document)
    assert pair.plans.compiled >= len(README_QUERIES)
    assert pair.known.answered == 2 * len(README_QUERIES)
    # The viewer's query is all attributes: answered from its plan, without graphql-core's executor.
    assert pair.known.planned.answered == 2


async def test_planned_queries_answer_the_same_as_graphql_core(pair: Pair) -> None:
    """Queries generated code answers whole (``planned.root_fields``); then documents it plans sent
    with what it cannot answer, so graphql-core does: a resolver that refuses its argument (beside
    a root field that would answer), variables that do not coerce, a page over the limit."""
    planned = [
        "query { viewer { id displayName avatarUrl } }",
        "query { me: viewer { id } you: viewer { displayName } }",
        "query ($v: ID!) { video(id: $v) { id title description durationSeconds } }",
        "query ($n: Int!) { videos(first: $n) { edges { cursor node { id title } } pageInfo { hasNextPage } "
        "} }",
        "query ($c: ID!) { conversation(id: $c) { id } viewer { id } }",
    ]
    for document in planned:
        await pair.same(document, {**pair.variables, "v": "1", "n": 3})
    assert pair.known.planned.answered >= 2 * len(planned)
    answered = pair.known.planned.answered
    for document, variables in (
        ("query ($v: ID!) { video(id: $v) { id } viewer { id } }", {"v": "nope"}),
        ("query ($c: ID!) { conversation(id: $c) { id } }", {"c": True}),
        (
            "query ($c: ID!, $n: Int!) { messages(conversationId: $c, first: $n) { edges { cursor } } }",
            {**pair.variables, "n": 500},
        ),
    ):
        await pair.same(document, variables)
        await pair.same(document, {**pair.variables, "v": "1", "n": 5})  # the same documents, planned
    # Each fell back (graphql-core answered) where it could not answer, and was planned where it could.
    assert pair.known.planned.answered == answered + 3 * 3


async def test_errors_answer_the_same(pair: Pair) -> None:
    await pair.same("query ($c: ID!) { messages(conversationId: $c, first: 500) { edges { cursor } } }")
    await pair.same('query { messages(conversationId: "999999", first: 5) { edges { cursor } } }')
    await pair.same('query { video(id: "nope") { id } }')
    await pair.same('query { videos(first: 2, after: "garbage") { edges { cursor } } }')


async def test_planned_mutations_that_refuse_answer_the_same(pair: Pair) -> None:
    """Mutations whose resolver refuses, so that nothing is written and one database serves both
    apps: planned, each resolver runs once and its error goes to graphql-core, which answers."""
    send, toggle, save = (BY_NAME[name].document for name in ("W5", "W3", "W2"))
    progress = {"videoId": "1", "durationSeconds": 10, "lastPosition": 0}
    for document, variables in (
        (send, {"conversationId": pair.variables["c"], "body": "   "}),
        (send, {"conversationId": "999999", "body": "hi"}),
        (toggle, {"videoId": "999999", "type": "LIKE"}),
        (toggle, {"videoId": "nope", "type": "PRAY"}),
        (save, {**progress, "watchedSeconds": -1}),
    ):
        await pair.same(document, variables)
    # Every request but each document's first (whose text was new): 5 x 3 requests, 3 documents.
    assert pair.known.planned.answered == 5 * 3 - 3


def _drawn(count: int) -> list[str]:
    """Documents drawn by Hypothesis, the same on every run (derandomised)."""
    drawn: list[str] = []

    @settings(max_examples=count, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(document=documents())
    def collect(document: str) -> None:
        drawn.append(document)

    collect()
    return drawn


async def test_documents_drawn_from_the_schema_answer_the_same(pair: Pair) -> None:
    drawn = _drawn(80)
    for document in drawn:
        await pair.same(document)
    # Generated code answered them: selections compiled for graphql-core's executor, and whole
    # queries answered from their plans (``planned.root_fields``).
    assert len(set(drawn)) > 60 and pair.plans.compiled > 10 and pair.known.planned.answered > 10
