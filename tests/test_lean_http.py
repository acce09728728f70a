"""The lean request path against the general one: two apps on one database, the same bytes.

One app answers ``POST /graphql`` with the lean handler (``lean_http``), the other with Starlette and
Strawberry's view only (``create_app(..., lean=False)``); both run the same planner and schema. Every
request goes to both, and the status, every header (Content-Type, Content-Length, Retry-After,
WWW-Authenticate, Cache-Control, in order) and the body must be the same, request ids aside (each app
draws its own). A mutation goes twice to each app, general first, so each app meets the state the
other met (a toggle adds, then removes). The lean app counts what reached its general path: the
requests the lean handler must answer never do, and those it must not take always do.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import videoengage.buckets
from bench.workloads import WORKLOADS
from tests.api import assert_no_internals
from tests.conftest import make_settings, serve
from tests.factories import create_conversation, create_post, create_user, create_video
from tests.test_operation_cost import readme_examples
from tests.test_persisted_documents import persisted
from videoengage.app import create_app
from videoengage.auth import issue_token
from videoengage.db.engine import Database

MANIFEST = Path(__file__).parent.parent / "clients" / "src" / "gql" / "persisted-documents.json"
GRAPHQL_JSON = "application/graphql-response+json"
_REQUEST_ID = re.compile(rb"[0-9a-f]{32}")
# What a write stamps with the server's clock or a new row's id: the same kind, not the same value.
_STAMPED = re.compile(rb'"(updatedAt|createdAt)":"[^"]*"|"sendMessage":\{"id":"\d+"')
W = {workload.name: workload.document for workload in WORKLOADS}


def _comparable(response: httpx.Response, stamped: bool) -> tuple[Any, ...]:
    assert_no_internals(response)
    body = _REQUEST_ID.sub(b"<request id>", response.content)
    headers = response.headers.raw
    if stamped:
        body = _STAMPED.sub(lambda match: match.group(0).split(b":")[0] + b":<stamped>", body)
        headers = [(name, value) for name, value in headers if name != b"content-length"]
    return response.status_code, headers, body


class Pair:
    """Two apps over one database, the lean path on and off, and the seeded ids."""

    def __init__(self, lean: httpx.AsyncClient, general: httpx.AsyncClient, ids: dict[str, Any]) -> None:
        self.lean, self.general, self.ids = lean, general, ids
        self.fallbacks = 0
        endpoint = lean._transport.app.state.graphql  # type: ignore[attr-defined]
        general_path = endpoint.run

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.fallbacks += 1
            return await general_path(*args, **kwargs)

        endpoint.run = counted

    def headers(self, user: int | None = None, **extra: str) -> dict[str, str]:
        user = self.ids["viewer"] if user is None else user
        token = issue_token(make_settings("sqlite://"), user)
        return {"content-type": "application/json", "authorization": f"Bearer {token}", **extra}

    async def same(
        self,
        body: object = None,
        *,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        method: str = "POST",
        times: int = 1,
        stamped: bool = False,
        lean: bool = True,
    ) -> httpx.Response:
        """Send the request to both apps (``times`` each, general first) and compare each answer."""
        content = json.dumps(body).encode() if content is None else content
        headers = self.headers() if headers is None else headers
        before = self.fallbacks
        expected = [
            await self.general.request(method, "/graphql", content=content, headers=headers)
            for _ in range(times)
        ]
        answered = [
            await self.lean.request(method, "/graphql", content=content, headers=headers)
            for _ in range(times)
        ]
        for mine, theirs in zip(answered, expected, strict=True):
            assert _comparable(mine, stamped) == _comparable(theirs, stamped)
        assert self.fallbacks - before == (0 if lean else times), "the request took the wrong path"
        return answered[-1]

    async def operation(
        self, document: str, variables: dict[str, Any] | None = None, **kw: Any
    ) -> httpx.Response:
        mutation = document.lstrip().startswith("mutation")
        kw.setdefault("times", 2 if mutation else 1)
        return await self.same({"query": document, "variables": variables}, **kw)


async def _seed(db: Database) -> dict[str, Any]:
    viewer = await create_user(db, display_name="Ada")
    other = await create_user(db, display_name="Grace", avatar_url="https://cdn.example.com/g.png")
    conversation = await create_conversation(db, viewer, other)
    videos = [await create_video(db, f"Video {n}") for n in range(3)]
    post = await create_post(db, other, "A post")
    return {"viewer": viewer, "other": other, "c": str(conversation), "videos": videos, "post": post}


@contextlib.asynccontextmanager
async def _pair(db_url: str, **overrides: Any) -> AsyncIterator[Pair]:
    settings = make_settings(db_url, fast_path=True, **overrides)  # whatever FAST_PATH the run has
    async with serve(settings) as lean:
        general_app = create_app(settings, lean=False)
        async with (
            general_app.router.lifespan_context(general_app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=general_app), base_url="http://testserver"
            ) as general,
        ):
            yield Pair(lean, general, await _seed(general_app.state.db))


@pytest.fixture
async def pair(app: Any, db_url: str) -> AsyncIterator[Pair]:
    """``app`` empties the database first; the pair then runs on it."""
    async with _pair(db_url) as both:
        yield both


def _workload_variables(pair: Pair) -> dict[str, dict[str, Any]]:
    video = str(pair.ids["videos"][0])
    progress = {"videoId": video, "watchedSeconds": 30, "durationSeconds": 600, "lastPosition": 25}
    return {
        "W0": {},
        "W1": {"conversationId": pair.ids["c"]},
        "W2": progress,
        "W3": {"videoId": video, "type": "LOVE"},
        "W4": {"id": video},
        "W5": {"conversationId": pair.ids["c"], "body": "hello"},
    }


async def test_the_readme_operations_and_the_workloads_answer_the_same(pair: Pair) -> None:
    for _, document in readme_examples():
        await pair.operation(document, stamped="updatedAt" in document)
    answers = {}
    for name, variables in _workload_variables(pair).items():
        for accept in ("application/json", GRAPHQL_JSON):
            headers = pair.headers(accept=accept)
            stamped = name in ("W2", "W5")
            answers[name] = (
                await pair.operation(W[name], variables, stamped=stamped, headers=headers)
            ).json()
    # the comparisons above were of answers, not of errors
    assert all("errors" not in answer and answer["data"] for answer in answers.values()), answers
    assert answers["W3"]["data"]["toggleVideoReaction"]["action"] == "REMOVED"  # the second toggle


ID_VALUES = st.one_of(
    st.sampled_from(["1", "2", "0", "-1", "abc", "", "99999999999999999999", None]),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False),
    st.text(max_size=5),
)
INT_VALUES = st.one_of(
    st.integers(-1, 4000),
    st.sampled_from([2**31 - 1, 2**31, -(2**31) - 1, None, 1.5, "7", True]),
)


@st.composite
def workload_requests(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(sorted(W)))
    values: dict[str, st.SearchStrategy[Any]] = {
        "conversationId": ID_VALUES,
        "id": ID_VALUES,
        "videoId": ID_VALUES,
        "watchedSeconds": INT_VALUES,
        "durationSeconds": INT_VALUES,
        "lastPosition": INT_VALUES,
        "type": st.sampled_from(["LIKE", "LOVE", "nope", 3, None]),
        "body": st.one_of(st.text(max_size=20), st.sampled_from(["", " ", "x" * 4001, None])),
    }
    variables = {key: draw(strategy) for key, strategy in values.items() if f"${key}" in W[name]}
    return name, variables


def _drawn(count: int) -> list[tuple[str, dict[str, Any]]]:
    drawn: list[tuple[str, dict[str, Any]]] = []

    @settings(max_examples=count, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(request=workload_requests())
    def collect(request: tuple[str, dict[str, Any]]) -> None:
        drawn.append(request)

    collect()
    return drawn


async def test_generated_variables_answer_the_same(pair: Pair) -> None:
    answered = 0
    for name, variables in _drawn(60):
        response = await pair.operation(W[name], variables, stamped=name in ("W2", "W5"))
        answered += "errors" not in response.json()
    assert answered >= 5  # some drawn variables are good ones


async def test_hostile_requests_answer_the_same(pair: Pair) -> None:
    viewer = "query V { viewer { id } }"
    for body in (
        {"query": 1},
        {"query": viewer, "variables": []},
        {"query": viewer, "operationName": 5},
        {"query": viewer, "extensions": "x"},
        {"query": viewer, "operationName": "Nope"},
        {"query": f"{viewer} query W {{ viewer {{ displayName }} }}"},
        {"query": f"{viewer} query W {{ viewer {{ displayName }} }}", "operationName": "W"},
        {"query": ""},
        {"query": None},
        {},
        {"query": "{ viewer { id "},
        {"query": "{ viewer { nope } }"},
        {"query": "query ($c: ID!) { messages(conversationId: $c, first: 5) { edges { cursor } } }"},
        {"query": "query ($n: Int!) { videos(first: $n) { edges { cursor } } }", "variables": {"n": "x"}},
        {"query": "query { videos(first: 500) { edges { cursor } } }"},
        {"query": "{ __schema { queryType { name } } }"},
        {"query": 'subscription { messageSent(conversationId: "1") { cursor } }'},
        {"query": "{ viewer { id } }", "extensions": {"persistedQuery": {"version": 2}}},
    ):
        for accept in ("application/json", GRAPHQL_JSON, f"{GRAPHQL_JSON}, application/json;q=0.9", "*/*"):
            await pair.same(body, headers=pair.headers(accept=accept))
    for headers in (
        {"content-type": "application/json"},
        pair.headers(authorization="Bearer not-a-token"),
        pair.headers(authorization="Basic abc"),
        pair.headers(user=10**6),
        {
            "content-type": "application/json",
            "authorization": f"Bearer {issue_token(make_settings('sqlite://'), pair.ids['viewer'], -60)}",
        },
    ):
        for accept in ("application/json", GRAPHQL_JSON):
            await pair.same({"query": viewer}, headers={**headers, "accept": accept})


async def test_persisted_documents_answer_the_same(pair: Pair) -> None:
    viewer = "query V { viewer { id displayName } }"
    for accept in ("application/json", GRAPHQL_JSON):
        headers = pair.headers(accept=accept)
        await pair.same({"extensions": persisted(viewer + accept)}, headers=headers)  # not found
        await pair.same({"query": viewer, "extensions": persisted(viewer)}, headers=headers)  # registered
        await pair.same({"extensions": persisted(viewer)}, headers=headers)  # by hash
        await pair.same({"query": "{ viewer { id } }", "extensions": persisted(viewer)}, headers=headers)


async def test_trusted_documents_by_hash_answer_the_same(app: Any, db_url: str) -> None:
    manifest: dict[str, str] = json.loads(MANIFEST.read_text())
    async with _pair(db_url, trusted_documents=MANIFEST, trusted_documents_only=True) as pair:
        variables = {"conversationId": pair.ids["c"], "first": 5, "id": str(pair.ids["videos"][0])}
        for sha, document in manifest.items():
            if not document.lstrip().startswith("subscription"):
                times = 2 if document.lstrip().startswith("mutation") else 1
                extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
                await pair.same({"extensions": extensions, "variables": variables}, times=times, stamped=True)
        await pair.same({"query": "{ viewer { id } }"})  # not trusted: PERSISTED_QUERY_NOT_FOUND


async def test_rate_limited_and_over_cost_answer_the_same(
    app: Any, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The buckets' clock stands still, so both apps' buckets fill and refuse alike."""
    monkeypatch.setattr(videoengage.buckets, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    async with _pair(db_url, rate_limit_points=100, rate_limit_window_seconds=60) as pair:
        await pair.operation(W["W1"], {"conversationId": pair.ids["c"]})  # costs more than the bucket
        variables = _workload_variables(pair)["W2"]
        for n in range(12):
            accept = GRAPHQL_JSON if n % 2 else "application/json"
            last = await pair.same(
                {"query": W["W2"], "variables": variables}, headers=pair.headers(accept=accept), stamped=True
            )
        assert last.status_code == 429 and last.headers["retry-after"]


FALLBACKS: list[tuple[str, dict[str, str], bytes]] = [
    ("POST", {"content-type": "text/plain"}, b'{"query": "{ viewer { id } }"}'),
    ("POST", {"content-type": "Application/JSON"}, b'{"query": "{ viewer { id } }"}'),
    ("POST", {"content-type": "application/json; charset=latin-1"}, b'{"query": "{ viewer { id } }"}'),
    ("POST", {}, b'{"query": "{ viewer { id } }"}'),
    ("POST", {"content-type": "application/json"}, b'{"query": '),
    ("POST", {"content-type": "application/json"}, b""),
    ("POST", {"content-type": "application/json"}, b'[{"query": "{ viewer { id } }"}]'),
    ("POST", {"content-type": "application/json"}, b'"hello"'),
    ("POST", {"content-type": "application/json"}, b"null"),
    ("POST", {"content-type": "application/json"}, b"\xff\xfe"),
    ("PUT", {"content-type": "application/json"}, b'{"query": "{ viewer { id } }"}'),
]


@pytest.mark.parametrize(("method", "headers", "content"), FALLBACKS)
async def test_what_the_lean_path_does_not_take_goes_to_the_general_path(
    pair: Pair, method: str, headers: dict[str, str], content: bytes
) -> None:
    token = pair.headers()["authorization"]
    await pair.same(content=content, headers={**headers, "authorization": token}, method=method, lean=False)


async def test_get_requests_and_graphiql_go_to_the_general_path(pair: Pair) -> None:
    for query in ("{ viewer { id } }", "mutation { __typename }"):
        response = await pair.lean.get("/graphql", params={"query": query}, headers=pair.headers())
        expected = await pair.general.get("/graphql", params={"query": query}, headers=pair.headers())
        assert _comparable(response, False) == _comparable(expected, False)
    page = await pair.lean.get("/graphql", headers={"accept": "text/html"})  # its nonce is new each time
    assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert pair.fallbacks == 3


def test_the_comparison_masks_only_request_ids_and_write_stamps() -> None:
    body = b'{"errors":[{"message":"x (request id 0123456789abcdef0123456789abcdef)"}],"data":{"id":"12"}}'
    response = httpx.Response(200, content=body)
    assert (
        _comparable(response, False)[2]
        == b'{"errors":[{"message":"x (request id <request id>)"}],"data":{"id":"12"}}'
    )
