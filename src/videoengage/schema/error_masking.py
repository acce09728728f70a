"""Masking in the schema: every result it gives, to the HTTP view, to a socket or to a caller of
``schema.execute``, carries its errors as clients may see them (``error_format.client_error``),
with the request id of the context they ran in. The HTTP view only serialises them.

Done on the results ``VideoengageSchema.execute`` and ``stream`` return rather than in an extension:
an extension would cost every request a little (Strawberry runs each extension's hooks at each
step), and would miss an exception raised past its hooks (a failed authentication check).
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from strawberry.schema.schema import StreamResult
from strawberry.types.execution import PreExecutionError

from videoengage.error_format import ClientError, client_error


def request_id_of(context: object) -> str:
    return getattr(context, "request_id", None) or "unknown"


def mask(result: Any, request_id: str, suggestions: bool) -> None:
    """Replace the result's errors with what the client may see, in place."""
    errors: list[GraphQLError] | None = getattr(result, "errors", None)
    if errors and not all(isinstance(error, ClientError) for error in errors):
        result.errors = [client_error(error, request_id, suggestions) for error in errors]


async def masked_stream(source: StreamResult, request_id: str, suggestions: bool) -> StreamResult:
    """Each result masked. A check that refuses the document before the first result (our limits
    run in ``on_parse``, whose exceptions Strawberry's stream does not catch, unlike its execute)
    becomes that result, instead of an exception that would end the operation silently: a
    subscribe message meets the same limits as an HTTP request, with the same codes."""
    started = False
    try:
        async for result in source:
            started = True
            mask(result, request_id, suggestions)
            yield result
    except Exception as error:
        if started:
            raise
        refusal = error if isinstance(error, GraphQLError) else GraphQLError(str(error), original_error=error)
        yield PreExecutionError(data=None, errors=[client_error(refusal, request_id, suggestions)])
