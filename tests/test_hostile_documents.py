"""Hostile documents and transports are refused before anything runs, and the server stays up.

"Nothing executed" is checked exactly: not one SQL statement reaches the database.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from graphql import get_introspection_query

from tests.api import Api, error_codes
from tests.conftest import StatementCounter, make_settings, serve
from tests.factories import create_user
from videoengage.db.engine import Database

HOSTILE_DOCUMENTS = {
    "introspection depth bomb": "{ __schema { types { "
    + "fields { type { " * 30
    + "name"
    + " } }" * 30
    + " } } }",
    "introspection list bomb": (
        "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    ),
    "hundreds of aliases": "{ " + " ".join(f"a{n}: viewer {{ id }}" for n in range(300)) + " }",
    "aliases hidden in fragments": "{ ...F } fragment F on Query { "
    + " ".join(f"a{n}: viewer {{ id }}" for n in range(300))
    + " }",
    "circular fragments": "{ ...A } fragment A on Query { viewer { id } ...B } fragment B on Query { ...A }",
    "duplicated fields": "{ viewer { " + "id " * 1500 + "} }",
    "directive flood": "{ viewer @include(if: true) " + "@skip(if: false) " * 600 + "{ id } }",
    "unknown directive flood": "{ viewer " + "@nope " * 1500 + "{ id } }",
    "token flood": "{ viewer { " + "displayName " * 5000 + "} }",
    "syntax error": "{ viewer { id }",
}


@pytest.mark.parametrize("name", list(HOSTILE_DOCUMENTS))
async def test_hostile_documents_are_refused_without_touching_the_database(
    name: str, api: Api, db: Database, statements: StatementCounter
) -> None:
    user_id = await create_user(db)
    token = api.token(user_id)
    statements.reset()
    response = await api.client.post(
        "/graphql",
        json={"query": HOSTILE_DOCUMENTS[name]},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body  # the request never executed
    assert set(error_codes(body)) == {"BAD_USER_INPUT"}
    assert len(body["errors"]) <= 101  # graphql-core stops after 100 validation errors
    assert statements.count == 0
    # and the server is unharmed
    assert (await api.data("{ viewer { id } }", as_user=user_id)) == {"viewer": {"id": str(user_id)}}


async def test_standard_introspection_still_works(api: Api) -> None:
    """GraphiQL and code generators send this; the limits must let it through."""
    query = get_introspection_query(descriptions=True, input_value_deprecation=True)
    body = await api.gql(query)
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_json_array_batches_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": "{ __typename }"}] * 2)
    assert response.status_code == 400


async def test_deeply_nested_json_is_400_not_500(client: httpx.AsyncClient) -> None:
    body = "[" * 100_000 + "]" * 100_000
    response = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    nested_variables = '{"query": "{ __typename }", "variables": ' + '{"a": ' * 20_000 + "1" + "}" * 20_001
    response = await client.post(
        "/graphql", content=nested_variables, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


async def test_a_body_over_the_limit_is_413_before_parsing(db_url: str) -> None:
    async with serve(make_settings(db_url, max_body_bytes=2_048)) as client:
        big = json.dumps({"query": "{ __typename }", "variables": {"x": "a" * 4_000}})
        response = await client.post("/graphql", content=big, headers={"content-type": "application/json"})
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}

        async def chunks() -> AsyncIterator[bytes]:  # no content-length: counted as it streams
            for _ in range(10):
                yield b" " * 1_000

        response = await client.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
        ok = await client.post("/graphql", json={"query": "{ __typename }"})
        assert ok.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", ""]
)
async def test_only_json_posts_run_operations(client: httpx.AsyncClient, content_type: str) -> None:
    response = await client.post(
        "/graphql", content='{"query": "{ __typename }"}', headers={"content-type": content_type}
    )
    assert response.status_code in {400, 415}
    assert "Query" not in response.text


async def test_production_turns_off_introspection_suggestions_and_graphiql(db_url: str) -> None:
    async with serve(make_settings(db_url, production=True)) as client:
        introspection = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert set(error_codes(introspection.json())) == {"BAD_USER_INPUT"}
        typo = await client.post("/graphql", json={"query": "{ viewr { id } }"})
        assert typo.json()["errors"][0]["message"] == "Cannot query field 'viewr' on type 'Query'."
        page = await client.get("/graphql", headers={"accept": "text/html"})
        assert "<html" not in page.text.lower()
    async with serve(make_settings(db_url)) as client:
        typo = await client.post("/graphql", json={"query": "{ viewr { id } }"})
        assert "Did you mean 'viewer'" in typo.json()["errors"][0]["message"]
        page = await client.get("/graphql", headers={"accept": "text/html"})
        assert "graphiql" in page.text.lower()


DEEP_QUERY = "{ messages(conversationId: 1) { edges { node { sharedPost { author { id } } } } } }"  # depth 5


async def test_a_query_deeper_than_the_limit_is_refused_before_it_runs(db_url: str) -> None:
    async with serve(make_settings(db_url, max_query_depth=4)) as client:
        body = (await client.post("/graphql", json={"query": DEEP_QUERY})).json()
        assert error_codes(body) == ["BAD_USER_INPUT"]
        assert "exceeds maximum operation depth of 4" in body["errors"][0]["message"]
    async with serve(make_settings(db_url, max_query_depth=5)) as client:
        body = (await client.post("/graphql", json={"query": DEEP_QUERY})).json()
        assert error_codes(body) == ["UNAUTHENTICATED"]  # valid: it got as far as authentication
