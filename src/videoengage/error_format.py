"""What a client sees of an error: coded errors as they are, anything unexpected masked and logged."""

from __future__ import annotations

import logging
import re

from graphql import GraphQLError
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from videoengage.db.failures import transient_failure
from videoengage.errors import AppError, ErrorCode

logger = logging.getLogger("videoengage.errors")

MASKED_MESSAGE = "Internal server error"
# graphql-core appends these to validation messages; in production they would map the schema.
_SUGGESTION = re.compile(r" Did you mean [^?]*\?")


class ClientError(GraphQLError):
    """An error as the client sees it: already masked (``client_error``), with its ``original_error``
    kept for the server's own decisions (such as HTTP 401)."""


def client_error(error: GraphQLError, request_id: str, suggestions: bool = True) -> ClientError:
    """The masked form of ``error`` (``format_error``), as a GraphQLError every transport can send."""
    if isinstance(error, ClientError):
        return error
    formatted = format_error(error, request_id, suggestions)
    extensions = formatted["extensions"]
    assert isinstance(extensions, dict)
    return ClientError(
        str(formatted["message"]),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=extensions,
    )


def format_result(
    result: ExecutionResult, request_id: str, *, suggestions: bool = True
) -> GraphQLHTTPResponse:
    """The result as JSON; its errors were masked by the schema (``schema.error_masking``), and any
    that were not (a failure outside the schema's operation) are masked here."""
    response: GraphQLHTTPResponse = {"data": result.data}
    if result.errors:
        response["errors"] = [
            error.formatted
            if isinstance(error, ClientError)
            else format_error(error, request_id, suggestions)
            for error in result.errors
        ]
    if result.extensions:
        response["extensions"] = result.extensions
    return response


def format_error(error: GraphQLError, request_id: str, suggestions: bool = True) -> dict[str, object]:
    """Our coded errors and graphql-core's syntax and validation errors pass; all else is masked."""
    original = error.original_error
    if isinstance(original, AppError):
        return _formatted(error, original.message, original.extensions())
    if original is None or (isinstance(original, GraphQLError) and not error.path):
        # Parsing, validation and variable coercion (which wraps the value's own GraphQLError and,
        # happening before execution, has no path): the client's document or variables are wrong.
        message = error.message if suggestions else _SUGGESTION.sub("", error.message)
        return _formatted(error, message, {"code": ErrorCode.BAD_USER_INPUT.value})
    extensions: dict[str, object] = {"code": ErrorCode.INTERNAL_SERVER_ERROR.value, "requestId": request_id}
    if (transient := transient_failure(original)) is not None:
        logger.warning(
            "request %s at %s: %s (%s)", request_id, error.path, transient, type(original).__name__
        )
        return _formatted(error, f"{transient} (request id {request_id})", extensions)
    logger.error(
        "unexpected error in request %s at %s",
        request_id,
        error.path,
        exc_info=(type(original), original, original.__traceback__),
    )
    return _formatted(error, f"{MASKED_MESSAGE} (request id {request_id})", extensions)


def _formatted(error: GraphQLError, message: str, extensions: dict[str, object]) -> dict[str, object]:
    formatted: dict[str, object] = {"message": message}
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        formatted["path"] = error.path
    formatted["extensions"] = extensions
    return formatted
