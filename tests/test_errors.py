"""What a client sees when something fails on our side: a code and a request id, never internals."""

from __future__ import annotations

import logging

import pytest
from graphql import GraphQLError

from tests.api import assert_no_internals_in
from tests.conftest import make_settings, serve, unreachable_url
from videoengage.auth import issue_token
from videoengage.error_format import format_error


async def test_a_database_that_is_gone_gives_a_retryable_internal_error(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a server whose database has gone away
    settings = make_settings(unreachable_url(db_url))
    async with serve(settings) as client:
        # When a client sends a valid request
        with caplog.at_level(logging.WARNING, logger="videoengage.errors"):
            response = await client.post(
                "/graphql",
                json={"query": "{ viewer { id } }"},
                headers={"authorization": f"Bearer {issue_token(settings, 1)}"},
            )

    # Then it gets a plain message with a code and a request id, and nothing of the internals
    assert response.status_code == 200
    [error] = response.json()["errors"]
    request_id = error["extensions"]["requestId"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["message"] == f"The database is unavailable; retry shortly (request id {request_id})"
    assert_no_internals_in(response.text)
    # And the server logged it under that id, in one line
    assert request_id in caplog.text


def test_an_unexpected_exception_is_masked_and_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    try:
        raise RuntimeError("psycopg says: relation users does not exist; SELECT * FROM users")
    except RuntimeError as exc:
        error = GraphQLError(str(exc), original_error=exc, path=["viewer"])
    with caplog.at_level(logging.ERROR, logger="videoengage.errors"):
        formatted = format_error(error, "abc123")
    assert formatted == {
        "message": "Internal server error (request id abc123)",
        "path": ["viewer"],
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": "abc123"},
    }
    assert "abc123" in caplog.text
    assert "Traceback" in caplog.text
    assert "relation users does not exist" in caplog.text
