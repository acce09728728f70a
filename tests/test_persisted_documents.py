"""Persisted documents: Apollo's automatic persisted queries, and trusted documents from a manifest.

A client sends a document's SHA-256 instead of its text; an unknown hash is answered
PERSISTED_QUERY_NOT_FOUND (HTTP 200, as Apollo Server does) and the client retries with the text,
which registers it once it has passed validation. With TRUSTED_DOCUMENTS_ONLY, nothing but the
manifest's documents runs, and nothing else is parsed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api import assert_no_internals, without_cost
from tests.conftest import make_settings, serve
from tests.db_state import messaging_state
from tests.factories import create_conversation, create_user
from videoengage.app import create_app
from videoengage.auth import issue_token
from videoengage.db.engine import Database
from videoengage.settings import ConfigurationError

VIEWER = "query Viewer { viewer { id displayName } }"
SEND = 'mutation Send($c: ID!) { sendMessage(input: {conversationId: $c, type: TEXT, body: "hi"}) { body } }'
NOT_FOUND = {
    "errors": [{"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]
}
ACCEPTS = ["application/json", "application/graphql-response+json"]


def sha(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def persisted(document: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(document)}}


class Client:
    """What Apollo's persisted-queries link sends, over HTTP."""

    def __init__(self, http: httpx.AsyncClient, token: str, accept: str = "application/json") -> None:
        self.http = http
        self.headers = {"authorization": f"Bearer {token}", "accept": accept}

    async def by_hash(self, document: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        body = {"extensions": persisted(document), "variables": variables}
        return await self._post(body)

    async def with_text(self, document: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        body = {"query": document, "extensions": persisted(document), "variables": variables}
        return await self._post(body)

    async def plain(self, document: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return await self._post({"query": document, "variables": variables})

    async def get_by_hash(self, document: str) -> httpx.Response:
        params = {"extensions": json.dumps(persisted(document))}
        response = await self.http.get("/graphql", params=params, headers=self.headers)
        assert_no_internals(response)
        return response

    async def _post(self, body: dict[str, Any]) -> httpx.Response:
        response = await self.http.post("/graphql", json=body, headers=self.headers)
        assert_no_internals(response)
        return response


@pytest.fixture
async def viewer_id(db: Database) -> int:
    return await create_user(db, display_name="Ada")


def viewer_answer(user_id: int) -> dict[str, Any]:
    return {"data": {"viewer": {"id": str(user_id), "displayName": "Ada"}}}


@pytest.mark.parametrize("accept", ACCEPTS)
async def test_an_unknown_hash_is_not_found_then_registered_by_the_retry_with_the_text(
    client: httpx.AsyncClient, api: Any, viewer_id: int, accept: str
) -> None:
    apq = Client(client, api.token(viewer_id), accept)
    # the first request by hash: not found, never cached by anything in between
    first = await apq.by_hash(VIEWER)
    assert (first.status_code, first.json()) == (200, NOT_FOUND)
    assert first.headers["cache-control"] == "private, no-cache, must-revalidate"
    assert first.headers["content-type"].startswith(accept)
    # the retry with the text runs it, and registers it
    retry = await apq.with_text(VIEWER)
    assert (retry.status_code, without_cost(retry.json())) == (200, viewer_answer(viewer_id))
    # from now on the hash alone is enough, by POST and by GET
    for again in (await apq.by_hash(VIEWER), await apq.get_by_hash(VIEWER)):
        assert (again.status_code, without_cost(again.json())) == (200, viewer_answer(viewer_id))


async def test_a_mutation_by_hash_runs_once_per_request_and_never_over_get(
    client: httpx.AsyncClient, api: Any, db: Database, viewer_id: int
) -> None:
    other = await create_user(db)
    conversation = await create_conversation(db, viewer_id, other)
    apq = Client(client, api.token(viewer_id))
    variables = {"c": str(conversation)}
    assert (await apq.by_hash(SEND, variables)).json() == NOT_FOUND
    assert (await messaging_state(db))["messages"] == []
    assert without_cost((await apq.with_text(SEND, variables)).json()) == {
        "data": {"sendMessage": {"body": "hi"}}
    }
    assert without_cost((await apq.by_hash(SEND, variables)).json()) == {
        "data": {"sendMessage": {"body": "hi"}}
    }
    over_get = await apq.get_by_hash(SEND)
    assert over_get.status_code == 405
    assert over_get.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert len((await messaging_state(db))["messages"]) == 2


async def test_a_hash_that_is_not_the_texts_is_refused_and_registers_nothing(
    client: httpx.AsyncClient, api: Any, viewer_id: int
) -> None:
    apq = Client(client, api.token(viewer_id))
    lying = {"query": "{ viewer { id } }", "extensions": persisted(VIEWER)}
    response = await apq._post(lying)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "is not the SHA-256 of the query" in response.json()["errors"][0]["message"]
    assert (await apq.by_hash(VIEWER)).json() == NOT_FOUND


@pytest.mark.parametrize(
    ("persisted_query", "words"),
    [
        ("abc", "Unsupported persistedQuery"),
        ([], "Unsupported persistedQuery"),
        ({"sha256Hash": sha(VIEWER)}, "Unsupported persistedQuery"),
        ({"version": 2, "sha256Hash": sha(VIEWER)}, "Unsupported persistedQuery"),
        ({"version": "1", "sha256Hash": sha(VIEWER)}, "Unsupported persistedQuery"),
        ({"version": 1}, "64 lower-case hex digits"),
        ({"version": 1, "sha256Hash": 12}, "64 lower-case hex digits"),
        ({"version": 1, "sha256Hash": sha(VIEWER).upper()}, "64 lower-case hex digits"),
        ({"version": 1, "sha256Hash": sha(VIEWER)[:63]}, "64 lower-case hex digits"),
        ({"version": 1, "sha256Hash": sha(VIEWER) + "0"}, "64 lower-case hex digits"),
        ({"version": 1, "sha256Hash": "x" * 200_000}, "64 lower-case hex digits"),
    ],
)
async def test_a_malformed_persisted_query_is_refused(
    client: httpx.AsyncClient, api: Any, viewer_id: int, persisted_query: object, words: str
) -> None:
    apq = Client(client, api.token(viewer_id))
    response = await apq._post({"extensions": {"persistedQuery": persisted_query}})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert words in error["message"]
    assert without_cost((await apq.plain(VIEWER)).json()) == viewer_answer(viewer_id)


async def test_a_document_that_fails_validation_is_not_registered(
    client: httpx.AsyncClient, api: Any, viewer_id: int
) -> None:
    apq = Client(client, api.token(viewer_id))
    for document in ("{ viewer { nope } }", "{ viewer { id ", "{ " + "viewer { id } " * 11 + "}"):
        result = (await apq.with_text(document)).json()
        assert result["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert (await apq.by_hash(document)).json() == NOT_FOUND


async def test_registered_documents_are_bounded_by_bytes_oldest_forgotten_first(db_url: str) -> None:
    documents = [f"query Q{i:02} {{ viewer {{ id }} }}" for i in range(20)]
    settings = make_settings(db_url, persisted_query_cache_bytes=10 * len(documents[0]))
    async with serve(settings) as http:
        user_id = await _user(http)
        apq = Client(http, issue_token(settings, user_id))
        for document in documents:
            assert "data" in (await apq.with_text(document)).json()
        remembered = [(await apq.by_hash(d)).json() != NOT_FOUND for d in documents]
        assert remembered == [False] * 10 + [True] * 10
        # a document larger than the whole cache runs, and is not kept
        huge = "query Huge { viewer { id } }" + " " * 11 * len(documents[0])
        assert "data" in (await apq.with_text(huge)).json()
        assert (await apq.by_hash(huge)).json() == NOT_FOUND
        assert (await apq.by_hash(documents[-1])).json() != NOT_FOUND


async def _user(http: httpx.AsyncClient) -> int:
    database = http._transport.app.state.db  # type: ignore[attr-defined]
    return await create_user(database, display_name="Ada")


def manifest(tmp_path: Path, *documents: str) -> Path:
    """A manifest as graphql-codegen's persisted-documents output writes it."""
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps({sha(document): document for document in documents}))
    return path


async def test_a_trusted_document_runs_by_hash_without_being_registered(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, trusted_documents=manifest(tmp_path, VIEWER))
    async with serve(settings) as http:
        user_id = await _user(http)
        apq = Client(http, issue_token(settings, user_id))
        assert without_cost((await apq.by_hash(VIEWER)).json()) == viewer_answer(user_id)
        assert without_cost((await apq.get_by_hash(VIEWER)).json()) == viewer_answer(user_id)
        # other documents still run, and register, while TRUSTED_DOCUMENTS_ONLY is off
        assert "data" in (await apq.with_text("{ viewer { id } }")).json()
        assert (await apq.by_hash("{ viewer { id } }")).json() != NOT_FOUND


@pytest.mark.parametrize("accept", ACCEPTS)
async def test_only_trusted_documents_run_and_nothing_else_is_parsed(
    db_url: str, tmp_path: Path, accept: str
) -> None:
    settings = make_settings(
        db_url, trusted_documents=manifest(tmp_path, VIEWER), trusted_documents_only=True
    )
    async with serve(settings) as http:
        user_id = await _user(http)
        database = http._transport.app.state.db  # type: ignore[attr-defined]
        conversation = await create_conversation(database, user_id, await create_user(database))
        apq = Client(http, issue_token(settings, user_id), accept)
        # the trusted document, by hash, by its text, and by both
        for response in (await apq.by_hash(VIEWER), await apq.plain(VIEWER), await apq.with_text(VIEWER)):
            assert (response.status_code, without_cost(response.json())) == (200, viewer_answer(user_id))
        # anything else: not found, whether sent as text, with its hash, or by hash alone; a syntax
        # error is never reported, because nothing was parsed
        variables = {"c": str(conversation)}
        for refused in (
            await apq.plain("{ viewer { id } }"),
            await apq.plain("{ viewer { id "),
            await apq.plain(SEND, variables),
            await apq.with_text(SEND, variables),
            await apq.by_hash(SEND, variables),
            await apq.with_text(SEND, variables),  # a retry registers nothing
            await apq.by_hash(SEND, variables),
        ):
            assert (refused.status_code, refused.json()) == (200, NOT_FOUND)
        assert (await messaging_state(database))["messages"] == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "cannot read"),
        ("{ not JSON", "cannot read"),
        (b"\xff\xfe", "cannot read"),
        ("[]", "must hold a JSON object"),
        ('"text"', "must hold a JSON object"),
        (json.dumps({"0" * 64: VIEWER}), "is not a document under its SHA-256"),
        (json.dumps({sha(VIEWER): 1}), "is not a document under its SHA-256"),
        (json.dumps({sha("{ nope }"): "{ nope }"}), "is invalid: Cannot query field 'nope'"),
        (json.dumps({sha("{ viewer { id "): "{ viewer { id "}), "is invalid: Syntax Error"),
    ],
)
def test_a_manifest_that_is_not_trusted_documents_stops_the_server_at_start(
    db_url: str, tmp_path: Path, content: str | bytes | None, words: str
) -> None:
    path = tmp_path / "manifest.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ConfigurationError, match="TRUSTED_DOCUMENTS") as refused:
        create_app(make_settings(db_url, trusted_documents=path))
    assert words in str(refused.value)
    assert "\n" not in str(refused.value)


def test_trusted_documents_only_without_a_manifest_stops_the_server_at_start(db_url: str) -> None:
    with pytest.raises(ConfigurationError, match="TRUSTED_DOCUMENTS_ONLY is set without TRUSTED_DOCUMENTS"):
        create_app(make_settings(db_url, trusted_documents_only=True))
