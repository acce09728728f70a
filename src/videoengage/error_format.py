"""What a client sees of an error: coded errors as they are, anything unexpected masked and logged."""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from videoengage.errors import AppError, ErrorCode

logger = logging.getLogger("videoengage.errors")

MASKED_MESSAGE = "Internal server error"


def format_result(result: ExecutionResult, request_id: str) -> GraphQLHTTPResponse:
    response: GraphQLHTTPResponse = {"data": result.data}
    if result.errors:
        response["errors"] = [format_error(error, request_id) for error in result.errors]
    if result.extensions:
        response["extensions"] = result.extensions
    return response


def format_error(error: GraphQLError, request_id: str) -> dict[str, object]:
    """Our coded errors and graphql-core's syntax and validation errors pass; all else is masked."""
    original = error.original_error
    if isinstance(original, AppError):
        return _formatted(error, original.message, original.extensions())
    if original is None or isinstance(original, GraphQLError):
        # Parsing, validation and variable coercion (whose errors wrap graphql-core's own, e.g. an
        # unknown enum value or an unparsable DateTime): the client's document or variables are wrong.
        return _formatted(error, error.message, {"code": ErrorCode.BAD_USER_INPUT.value})
    logger.error(
        "unexpected error in request %s at %s",
        request_id,
        error.path,
        exc_info=(type(original), original, original.__traceback__),
    )
    return _formatted(
        error,
        f"{MASKED_MESSAGE} (request id {request_id})",
        {"code": ErrorCode.INTERNAL_SERVER_ERROR.value, "requestId": request_id},
    )


def _formatted(error: GraphQLError, message: str, extensions: dict[str, object]) -> dict[str, object]:
    formatted: dict[str, object] = {"message": message}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        formatted["path"] = error.path
    formatted["extensions"] = extensions
    return formatted
