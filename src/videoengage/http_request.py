"""The GraphQL-over-HTTP request, checked member by member, and requests refused before any GraphQL runs.

Strawberry assumes a JSON body is an object (anything else was a 500) and answers its own refusals
in plain text. Here every request that is not a well-formed GraphQL request gets a JSON GraphQL
error with a code, and the status the GraphQL-over-HTTP spec gives it (400, or 405 for a mutation
over GET), whatever the client accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import orjson
from cross_web import HTTPException
from starlette.responses import Response
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from videoengage.errors import ErrorCode

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
SUBSCRIPTIONS_OVER_HTTP = (
    "Subscriptions are served over WebSocket (graphql-transport-ws) on /graphql, not over GET or POST"
)

_JSON_KINDS: dict[type, str] = {
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
    type(None): "null",
}


class RequestRefused(HTTPException):
    """A request answered with an HTTP error status and a GraphQL error; nothing was executed."""

    def __init__(
        self,
        status_code: int,
        reason: str,
        headers: Mapping[str, str] | None = None,
        *,
        code: ErrorCode | None = None,
    ) -> None:
        super().__init__(status_code, reason)
        self.headers = dict(headers or {})
        self.code = code  # when the status alone does not say it (see ``error_body``)


def _kind(value: object) -> str:
    return _JSON_KINDS.get(type(value), "of another type")


def request_from_json(data: object) -> GraphQLRequestData:
    """A JSON body as a GraphQL request: an object with the members of the spec, each of its type."""
    if isinstance(data, list):
        raise RequestRefused(
            400, "Batched requests (a JSON array) are not supported: send one operation as a JSON object"
        )
    if not isinstance(data, dict):
        raise RequestRefused(
            400, f'The request body must be a JSON object such as {{"query": "..."}}, not {_kind(data)}'
        )
    return _request_data(data, lambda name, value: value)


def request_from_params(params: Mapping[str, object]) -> GraphQLRequestData:
    """GET parameters as a GraphQL request: ``variables`` and ``extensions`` are JSON objects in text."""

    def decoded(name: str, value: object) -> object:
        if name not in ("variables", "extensions") or not isinstance(value, str):
            return value
        if value == "":
            return None  # ?variables= is the same as no variables
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            raise RequestRefused(400, f"The `{name}` parameter is not valid JSON") from None

    return _request_data(params, decoded)


def _request_data(
    members: Mapping[str, object], decode: Callable[[str, object], object]
) -> GraphQLRequestData:
    # Null stands for a member not sent, as the spec says; a missing query is refused by Strawberry.
    query = decode("query", members.get("query"))
    if not isinstance(query, str | None):
        raise _wrong_member("query", "a string", query)
    operation_name = decode("operationName", members.get("operationName"))
    if not isinstance(operation_name, str | None):
        raise _wrong_member("operationName", "a string or null", operation_name)
    variables = decode("variables", members.get("variables"))
    if not isinstance(variables, dict | None):
        raise _wrong_member("variables", "an object or null", variables)
    extensions = decode("extensions", members.get("extensions"))
    if not isinstance(extensions, dict | None):
        raise _wrong_member("extensions", "an object", extensions)
    # This endpoint has no HTTP streaming transport (SSE, multipart subscriptions): always "http".
    return GraphQLRequestData(
        query=query, variables=variables, operation_name=operation_name, extensions=extensions
    )


def _wrong_member(name: str, expected: str, value: object) -> RequestRefused:
    return RequestRefused(400, f"The request's `{name}` must be {expected}, not {_kind(value)}")


def refusal(error: HTTPException) -> RequestRefused:
    """Strawberry's own refusals, with the status and headers the GraphQL-over-HTTP spec gives them."""
    if isinstance(error, RequestRefused):
        return error
    if isinstance(error.__cause__, InvalidOperationTypeError):
        if error.__cause__.operation_type is OperationType.SUBSCRIPTION:
            return RequestRefused(400, SUBSCRIPTIONS_OVER_HTTP)
        # Otherwise only GET restricts the operation type: a mutation must be sent with POST.
        return RequestRefused(
            405, "Mutations are not allowed over GET: send them with POST", {"allow": "POST"}
        )
    if error.status_code == 405:
        return RequestRefused(405, error.reason, {"allow": "GET, POST"})
    return RequestRefused(error.status_code, error.reason)


def error_body(status_code: int, message: str, code: ErrorCode | None = None) -> bytes:
    """A GraphQL error response for a request refused before any GraphQL ran, coded by its status
    unless a code is given: the client's request (4xx) or the server's state (5xx, to retry)."""
    if code is None:
        code = {401: ErrorCode.UNAUTHENTICATED, 404: ErrorCode.NOT_FOUND}.get(
            status_code, ErrorCode.BAD_USER_INPUT if status_code < 500 else ErrorCode.INTERNAL_SERVER_ERROR
        )
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code.value}}]})


def refusal_response(refused: RequestRefused, accept: str) -> Response:
    """The refusal as a GraphQL response body, in the media type the client asked for."""
    media_type = GRAPHQL_RESPONSE_JSON if GRAPHQL_RESPONSE_JSON in accept else "application/json"
    return Response(
        error_body(refused.status_code, refused.reason, refused.code),
        status_code=refused.status_code,
        headers=refused.headers,
        media_type=f"{media_type}; charset=utf-8",
    )
