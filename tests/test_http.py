"""The app over HTTP: health, readiness, GraphQL transport, concurrency of root fields."""

from __future__ import annotations

import httpx

from tests.api import Api, error_codes, without_cost
from tests.conftest import make_settings, serve, unreachable_url
from tests.factories import create_user
from videoengage.db.engine import Database


async def test_healthz_answers_without_a_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def test_readyz_is_503_when_the_database_is_unreachable(db_url: str) -> None:
    async with serve(make_settings(unreachable_url(db_url))) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {"status": "unavailable", "reason": "database unavailable"}
        assert (await client.get("/healthz")).status_code == 200


async def test_sibling_root_fields_run_concurrently_each_with_its_own_session(api: Api, db: Database) -> None:
    """Strawberry resolves root fields concurrently: a shared session would fail here."""
    user_id = await create_user(db, "Ada")
    fields = " ".join(f"v{n}: viewer {{ id displayName }}" for n in range(8))
    data = await api.data(f"{{ {fields} }}", as_user=user_id)
    assert {value["displayName"] for value in data.values()} == {"Ada"}
    assert len(data) == 8


async def test_get_runs_queries_but_never_mutations(
    api: Api, client: httpx.AsyncClient, db: Database
) -> None:
    user_id = await create_user(db, "Ada")
    headers = {"authorization": f"Bearer {api.token(user_id)}"}
    response = await client.get("/graphql", params={"query": "{ viewer { displayName } }"}, headers=headers)
    assert response.status_code == 200
    assert without_cost(response.json()) == {"data": {"viewer": {"displayName": "Ada"}}}
    mutation = await client.get("/graphql", params={"query": "mutation { __typename }"}, headers=headers)
    assert mutation.status_code == 405
    assert mutation.headers["allow"] == "POST"
    assert error_codes(mutation.json()) == ["BAD_USER_INPUT"]


async def test_syntax_errors_pass_unmasked_with_a_code(api: Api) -> None:
    result = await api.post("{ viewer { id }")
    body = result.json()
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_validation_errors_pass_unmasked_with_a_code(api: Api, db: Database) -> None:
    user_id = await create_user(db)
    body = await api.gql("{ viewer { nope } }", as_user=user_id)
    assert "Cannot query field 'nope' on type 'User'" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_introspection_needs_no_token(api: Api) -> None:
    body = await api.gql("{ __schema { queryType { name } } }")
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
