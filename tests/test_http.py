"""The app over HTTP: health, readiness, GraphQL transport, concurrency of root fields."""

from __future__ import annotations

import asyncio
import threading

import httpx

from tests.api import Api
from tests.conftest import make_settings
from tests.factories import create_user
from videoengage.app import create_app
from videoengage.db.engine import Database


async def test_healthz_answers_without_a_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_is_200_when_the_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


async def _until_new_threads_end(before: set[threading.Thread]) -> None:
    """aiosqlite stops a connection that failed to open without awaiting it; its worker thread must
    finish before this test's event loop closes, or it reports to a closed loop."""
    for _ in range(500):
        if not any(thread.is_alive() for thread in set(threading.enumerate()) - before):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("a database worker thread did not stop")


async def test_readyz_is_503_when_the_database_is_unreachable(db_url: str) -> None:
    threads_before = set(threading.enumerate())
    if db_url.startswith("sqlite"):
        unreachable = "sqlite+aiosqlite:////nonexistent-directory/videoengage.db"
    else:
        unreachable = "postgresql+psycopg://postgres@127.0.0.1:1/nothing?connect_timeout=1"
    app = create_app(make_settings(unreachable))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert response.json() == {"status": "unavailable"}
            assert (await client.get("/healthz")).status_code == 200
    await _until_new_threads_end(threads_before)


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
    assert response.json() == {"data": {"viewer": {"displayName": "Ada"}}}
    mutation = await client.get("/graphql", params={"query": "mutation { __typename }"}, headers=headers)
    assert mutation.status_code in {400, 405}


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
