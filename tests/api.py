"""A small GraphQL client for tests: what a real client sends, over HTTP."""

from __future__ import annotations

import json
from typing import Any

import httpx

from videoengage.auth import issue_token
from videoengage.settings import Settings


class Api:
    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def token(self, user_id: int, ttl_seconds: int = 3600) -> str:
        return issue_token(self.settings, user_id, ttl_seconds)

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_user: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = {"content-type": "application/json", **(headers or {})}
        if as_user is not None:
            all_headers["authorization"] = f"Bearer {self.token(as_user)}"
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        response = await self.client.post("/graphql", json=body, headers=all_headers)
        assert_no_internals(response)
        return response

    async def gql(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_user: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """The JSON body of a GraphQL request that must succeed at the HTTP level."""
        response = await self.post(query, variables, as_user=as_user, headers=headers)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, as_user: int | None = None
    ) -> dict[str, Any]:
        """The data of a request that must have no errors."""
        result = await self.gql(query, variables, as_user=as_user)
        assert "errors" not in result, result
        data: dict[str, Any] = result["data"]
        return data


def error_codes(result: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in result.get("errors", [])]


# What must never reach a client: tracebacks, SQL, or a driver's or library's own words.
INTERNALS = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "psycopg",
    "sqlite3",
    "aiosqlite",
    "SELECT ",
    "INSERT INTO",
    "UPDATE ",
    "DELETE FROM",
    "IntegrityError",
    "OperationalError",
    "ProgrammingError",
    "violates",
    "constraint",
)


def assert_no_internals(response: httpx.Response) -> None:
    """Every response the suite sees passes through here, so every error class it provokes is checked.

    Only the errors are searched: data (descriptions, bodies) may say 'update' innocently."""
    try:
        text = json.dumps(response.json().get("errors", []))
    except (ValueError, AttributeError):
        text = response.text
    assert_no_internals_in(text)


def assert_no_internals_in(text: str) -> None:
    leaked = [marker for marker in INTERNALS if marker.lower() in text.lower()]
    assert leaked == [], f"internals reached the client ({leaked}): {text[:500]}"


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """The body without ``extensions.cost`` (every charged operation carries it; tests/test_rate_limit.py
    checks it), for tests that compare whole bodies."""
    extensions = {key: value for key, value in body.get("extensions", {}).items() if key != "cost"}
    rest = {key: value for key, value in body.items() if key != "extensions"}
    return {**rest, "extensions": extensions} if extensions else rest
