"""An execution result as an HTTP answer: its JSON, status and headers, the same on either path
(Strawberry's view in ``graphql_endpoint`` and the lean handler in ``lean_http``).

Clients that accept ``application/graphql-response+json`` get it, with the status codes the
GraphQL-over-HTTP spec gives it: 400 for a request that never executed (401 without valid
credentials, 429 over the rate limit). ``application/json`` clients keep getting 200, as the spec
asks for them; a rate-limited answer carries ``Retry-After`` for both.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from videoengage.error_format import format_result
from videoengage.errors import RateLimited, Unauthenticated
from videoengage.http_request import GRAPHQL_RESPONSE_JSON

# The Content-Type of a result, by whether the client accepts application/graphql-response+json.
RESULT_CONTENT_TYPES = {False: "application/json", True: f"{GRAPHQL_RESPONSE_JSON}; charset=utf-8"}


def accepts_graphql_response_json(accept: str) -> bool:
    """Whether the Accept header names the GraphQL media type; anything else gets application/json."""
    return GRAPHQL_RESPONSE_JSON in accept


class HttpAnswer(NamedTuple):
    body: GraphQLHTTPResponse
    status: int
    headers: list[tuple[str, str]]


def http_answer(
    result: ExecutionResult, request_id: str, *, suggestions: bool, graphql_response_json: bool
) -> HttpAnswer:
    """The result's JSON (errors masked), status and extra headers."""
    body = format_result(result, request_id, suggestions=suggestions)
    errors = result.errors
    if result.data is not None or not errors or any(error.path for error in errors):
        return HttpAnswer(body, 200, [])
    # Parse, validation, variable or authentication errors: the request never executed, and the spec
    # says such a result has no data entry at all.
    body.pop("data", None)
    headers: list[tuple[str, str]] = []
    limited = [e.original_error for e in errors if isinstance(e.original_error, RateLimited)]
    if limited:
        headers.append(("retry-after", str(math.ceil(limited[0].retry_after_seconds))))
    if not graphql_response_json:
        return HttpAnswer(body, 200, headers)
    if limited:
        return HttpAnswer(body, 429, headers)
    if all(isinstance(error.original_error, Unauthenticated) for error in errors):
        headers.append(("www-authenticate", "Bearer"))
        return HttpAnswer(body, 401, headers)
    return HttpAnswer(body, 400, headers)
