"""schemathesis in GraphQL mode against the served app: no server error, no masked error.

Every operation of the schema gets generated documents (fixed seed, bounded examples). Each answer
must be an HTTP status below 500 with only our client-side codes; the server must log no unexpected
error. schemathesis's own "server error" check is not used: it counts NOT_FOUND as one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.core.result import Ok

from tests.api import assert_no_internals_in
from tests.conftest import make_settings
from tests.served import Served, served
from videoengage.auth import issue_token
from videoengage.db.engine import Database, create_engine
from videoengage.demo import seed_demo

SEED = 20261127
EXAMPLES_PER_OPERATION = 25
CLIENT_CODES = {"BAD_USER_INPUT", "NOT_FOUND", "UNAUTHENTICATED"}


async def _seed(database_url: str) -> int:
    database = Database(create_engine(make_settings(database_url)))
    try:
        return (await seed_demo(database))["users"][0]
    finally:
        await database.dispose()


@pytest.fixture(scope="module")
def fuzzed_server(migrated_url: str) -> Iterator[tuple[Served, dict[str, str]]]:
    user_id = asyncio.run(_seed(migrated_url))
    headers = {"Authorization": f"Bearer {issue_token(make_settings(migrated_url), user_id)}"}
    with served(migrated_url) as server:
        yield server, headers


def test_generated_operations_never_fail_on_our_side(fuzzed_server: tuple[Served, dict[str, str]]) -> None:
    server, headers = fuzzed_server
    schema = schemathesis.graphql.from_url(server.graphql_url, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 12  # every query and mutation

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @seed(SEED)
        def answers_like_a_client_error_at_worst(case: Any) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, response.text
            body = response.json()
            codes = {error.get("extensions", {}).get("code") for error in body.get("errors", [])}
            assert codes <= CLIENT_CODES, body
            assert_no_internals_in(response.text)

        answers_like_a_client_error_at_worst()
    assert "unexpected error" not in server.log()
