"""Masking in the schema: every result the schema gives, over HTTP, over a socket or to
``schema.execute``, carries errors as clients may see them (``error_format``), with the request id
of the context they ran in. The HTTP view only serialises them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import StreamExecutionResult

from videoengage.error_format import ClientError, client_error


class ErrorMasking(SchemaExtension):
    def __init__(self, *, suggestions: bool) -> None:
        self.suggestions = suggestions

    def on_operation(self) -> Iterator[None]:
        yield
        self._mask(self.execution_context.result)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        self._mask(result)
        yield None

    def _mask(self, result: Any) -> None:
        errors: list[GraphQLError] | None = getattr(result, "errors", None)
        if not errors or all(isinstance(error, ClientError) for error in errors):
            return
        request_id = getattr(self.execution_context.context, "request_id", None) or "unknown"
        result.errors = [client_error(error, request_id, self.suggestions) for error in errors]
