"""Requests that are not well-formed GraphQL requests: HTTP 400 (405 for a mutation over GET) with a
JSON GraphQL error, in both modes, whatever the client accepts; nothing runs and the server stays up."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api import assert_no_internals
from tests.conftest import make_settings, serve
from tests.db_state import progress_rows
from tests.factories import create_user, create_video
from videoengage.auth import issue_token
from videoengage.db.engine import Database

ACCEPTS = ["application/json", "application/graphql-response+json"]
TYPENAME = '"query": "{ __typename }"'

# (raw JSON body, words the message must contain)
BAD_BODIES: dict[str, tuple[str, str]] = {
    "string": ('"hello"', "must be a JSON object"),
    "number": ("123", "must be a JSON object"),
    "null": ("null", "must be a JSON object"),
    "true": ("true", "must be a JSON object"),
    "empty array": ("[]", "Batched requests"),
    "array": ("[1]", "Batched requests"),
    "array of operations": (f"[{{{TYPENAME}}}]", "Batched requests"),
    "not JSON": ('{ "not a JSON', "Unable to parse"),
    "no body": ("", "Unable to parse"),
    "no query": ("{}", "No GraphQL query"),
    "query a number": ('{"query": 1}', "`query` must be a string"),
    "query an object": ('{"query": {"obj": "ect"}}', "`query` must be a string"),
    "query an array": ('{"query": ["{ __typename }"]}', "`query` must be a string"),
    "variables an array": (f'{{{TYPENAME}, "variables": []}}', "`variables` must be an object or null"),
    "variables a string": (f'{{{TYPENAME}, "variables": "{{}}"}}', "`variables` must be an object or null"),
    "variables a number": (f'{{{TYPENAME}, "variables": 0}}', "`variables` must be an object or null"),
    "operationName a number": (f'{{{TYPENAME}, "operationName": 1}}', "`operationName` must be a string"),
    "operationName an object": (f'{{{TYPENAME}, "operationName": {{}}}}', "`operationName` must be a string"),
    "extensions a string": (f'{{{TYPENAME}, "extensions": "x"}}', "`extensions` must be an object"),
    "extensions an array": (f'{{{TYPENAME}, "extensions": []}}', "`extensions` must be an object"),
    "extensions false": (f'{{{TYPENAME}, "extensions": false}}', "`extensions` must be an object"),
}

BAD_PARAMS: dict[str, tuple[dict[str, str], str]] = {
    "variables an array": ({"query": "{ __typename }", "variables": "[1]"}, "`variables` must be an object"),
    "variables a number": ({"query": "{ __typename }", "variables": "7"}, "`variables` must be an object"),
    "variables not JSON": ({"query": "{ __typename }", "variables": "{x"}, "`variables` parameter is not"),
    "extensions a string": ({"query": "{ __typename }", "extensions": '"x"'}, "`extensions` must be an"),
    "extensions not JSON": ({"query": "{ __typename }", "extensions": "nope"}, "`extensions` parameter is"),
    "no query": ({"variables": "{}"}, "No GraphQL query"),
}


@pytest.fixture(params=["development", "production"])
async def each_mode(
    request: pytest.FixtureRequest, db: Database, db_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The app in each mode (``db`` empties the tables first)."""
    async with serve(make_settings(db_url, production=request.param == "production")) as http:
        yield http


def assert_refused(response: httpx.Response, status: int, accept: str, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == f"{accept}; charset=utf-8"
    body = response.json()
    assert list(body) == ["errors"]  # nothing ran: no data entry at all
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT"}
    assert words in error["message"]
    assert_no_internals(response)


async def _a_save_and_a_token(db: Database, db_url: str) -> tuple[str, str]:
    """A ``saveVideoProgress`` mutation named Save, on a new video, and a new user's token."""
    user_id = await create_user(db)
    video_id = await create_video(db)
    save = (
        f'mutation Save {{ saveVideoProgress(input: {{videoId: "{video_id}", watchedSeconds: 5,'
        " lastPosition: 5, durationSeconds: 600}) { watchedSeconds } }"
    )
    return save, issue_token(make_settings(db_url), user_id)


async def assert_still_serving(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("shape", list(BAD_BODIES))
async def test_a_body_that_is_not_a_graphql_request_is_400(shape: str, each_mode: httpx.AsyncClient) -> None:
    body, words = BAD_BODIES[shape]
    for accept in ACCEPTS:
        response = await each_mode.post(
            "/graphql", content=body, headers={"content-type": "application/json", "accept": accept}
        )
        assert_refused(response, 400, accept, words)
    await assert_still_serving(each_mode)


@pytest.mark.parametrize("shape", list(BAD_PARAMS))
async def test_get_parameters_that_are_not_a_graphql_request_are_400(
    shape: str, each_mode: httpx.AsyncClient
) -> None:
    params, words = BAD_PARAMS[shape]
    for accept in ACCEPTS:
        response = await each_mode.get("/graphql", params=params, headers={"accept": accept})
        assert_refused(response, 400, accept, words)
    await assert_still_serving(each_mode)


@pytest.mark.parametrize("member", ["variables", "operationName", "extensions"])
async def test_a_mutation_with_a_wrong_member_writes_nothing(
    member: str, each_mode: httpx.AsyncClient, db: Database, db_url: str
) -> None:
    user_id = await create_user(db)
    video_id = await create_video(db)
    mutation = (
        f'mutation Save {{ saveVideoProgress(input: {{videoId: "{video_id}", watchedSeconds: 5,'
        " lastPosition: 5, durationSeconds: 600}) { watchedSeconds } }"
    )
    token = issue_token(make_settings(db_url), user_id)
    response = await each_mode.post(
        "/graphql",
        json={"query": mutation, member: ["not", "right"]},
        headers={"authorization": f"Bearer {token}"},
    )
    assert_refused(response, 400, "application/json", f"`{member}` must be")
    assert await progress_rows(db) == []


async def test_null_members_are_the_same_as_absent_ones(each_mode: httpx.AsyncClient) -> None:
    body = {"query": "{ __typename }", "variables": None, "operationName": None, "extensions": None}
    response = await each_mode.post("/graphql", json=body)
    assert response.json() == {"data": {"__typename": "Query"}}
    empty = await each_mode.get("/graphql", params={"query": "{ __typename }", "variables": ""})
    assert empty.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("accept", ACCEPTS)
async def test_a_mutation_over_get_is_405_allow_post(
    accept: str, each_mode: httpx.AsyncClient, db: Database, db_url: str
) -> None:
    mutation, token = await _a_save_and_a_token(db, db_url)
    response = await each_mode.get(
        "/graphql", params={"query": mutation}, headers={"accept": accept, "authorization": f"Bearer {token}"}
    )
    assert_refused(response, 405, accept, "Mutations are not allowed over GET")
    assert response.headers["allow"] == "POST"
    assert await progress_rows(db) == []


async def test_other_methods_are_405_with_a_graphql_error(each_mode: httpx.AsyncClient) -> None:
    response = await each_mode.put("/graphql", json={"query": "{ __typename }"})
    assert_refused(response, 405, "application/json", "GET and POST")
    assert response.headers["allow"] == "GET, POST"


async def test_another_content_type_is_400_with_a_graphql_error(each_mode: httpx.AsyncClient) -> None:
    response = await each_mode.post(
        "/graphql", content="{ __typename }", headers={"content-type": "text/plain"}
    )
    assert_refused(response, 400, "application/json", "Unsupported content type")


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_subscription_over_http_is_400_pointing_to_the_socket(
    method: str, accept: str, each_mode: httpx.AsyncClient
) -> None:
    subscription = 'subscription { messageSent(conversationId: "1") { cursor } }'
    headers = {"accept": accept}
    if method == "GET":
        response = await each_mode.get("/graphql", params={"query": subscription}, headers=headers)
    else:
        response = await each_mode.post("/graphql", json={"query": subscription}, headers=headers)
    assert_refused(response, 400, accept, "Subscriptions are served over WebSocket (graphql-transport-ws)")
    await assert_still_serving(each_mode)


@pytest.mark.parametrize("accept", ACCEPTS)
async def test_several_operations_without_an_operation_name_run_none(
    accept: str, each_mode: httpx.AsyncClient, db: Database, db_url: str
) -> None:
    save, token = await _a_save_and_a_token(db, db_url)
    headers = {"accept": accept, "authorization": f"Bearer {token}"}
    both = f"{save} query Read {{ __typename }}"

    response = await each_mode.post("/graphql", json={"query": both}, headers=headers)

    # A validation error: 400 for graphql-response+json clients, 200 for application/json ones
    assert response.status_code == (400 if "graphql-response" in accept else 200)
    body = response.json()
    assert list(body) == ["errors"]
    assert (
        body["errors"][0]["message"] == "Must provide operation name if query contains multiple operations."
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await progress_rows(db) == []  # the first operation, a mutation, did not run
    named = await each_mode.post("/graphql", json={"query": both, "operationName": "Read"}, headers=headers)
    assert named.json()["data"] == {"__typename": "Query"}
    assert await progress_rows(db) == []
