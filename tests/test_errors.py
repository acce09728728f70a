"""What a client sees when something unexpected fails: a code and a request id, never internals."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import make_settings, serve, unreachable_url
from videoengage.auth import issue_token

LEAKS = ("Traceback", "sqlalchemy", "psycopg", "sqlite3", "SELECT", "connection", "OperationalError")


async def test_an_unexpected_failure_is_masked_and_logged_with_its_request_id(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a server whose database has gone away
    settings = make_settings(unreachable_url(db_url))
    async with serve(settings) as client:
        # When a client sends a valid request
        with caplog.at_level(logging.ERROR, logger="videoengage.errors"):
            response = await client.post(
                "/graphql",
                json={"query": "{ viewer { id } }"},
                headers={"authorization": f"Bearer {issue_token(settings, 1)}"},
            )

    # Then it gets a generic error with a code and a request id, and nothing of the internals
    assert response.status_code == 200
    [error] = response.json()["errors"]
    request_id = error["extensions"]["requestId"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["message"] == f"Internal server error (request id {request_id})"
    assert not any(leak.lower() in response.text.lower() for leak in LEAKS)
    # And the server logged the details under that id
    assert request_id in caplog.text
    assert "Traceback" in caplog.text
