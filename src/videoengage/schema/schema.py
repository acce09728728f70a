"""The ``Schema`` object, assembled from the root types and the extensions every operation passes."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StreamResult
from strawberry.types.execution import ExecutionContext, ExecutionResult, PreExecutionError

from videoengage.error_format import ClientError, client_error
from videoengage.persisted_documents import PersistedDocuments
from videoengage.planned.executor import planned_execution_context
from videoengage.schema.error_masking import ErrorMasking
from videoengage.schema.introspection_limit import IntrospectionListDepth, introspection_depth_rule
from videoengage.schema.mutation import Mutation
from videoengage.schema.operation_limits import INTROSPECTION_FIELDS, bound_field_comparisons
from videoengage.schema.operation_pipeline import DocumentChecks, OperationPipeline
from videoengage.schema.query import Query
from videoengage.schema.subscription import Subscription
from videoengage.settings import Settings


class VideoengageSchema(strawberry.Schema):
    """Errors are logged where they are formatted (``error_format``), with the request id, once."""

    def __init__(self, *args: Any, suggestions: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Strawberry's execute, masked like every other result: an exception raised where the
        extensions no longer see the result (a failed authentication check, for one) too."""
        result = await super().execute(*args, **kwargs)
        if result.errors and not all(isinstance(error, ClientError) for error in result.errors):
            request_id = getattr(kwargs.get("context_value"), "request_id", None) or "unknown"
            result.errors = [client_error(error, request_id, self.suggestions) for error in result.errors]
        return result

    async def stream(self, *args: Any, **kwargs: Any) -> StreamResult:
        """Strawberry's stream, except that a check refusing the document before its first result
        (our limits run in ``on_parse``, where Strawberry's stream does not catch them, unlike its
        ``execute``) is that result, masked, instead of an exception that ends the operation
        silently: a subscribe message passes the same limits as an HTTP request, with their codes."""
        source = await super().stream(*args, **kwargs)
        context = kwargs.get("context_value")
        return _refusals_as_results(
            source, getattr(context, "request_id", None) or "unknown", self.suggestions
        )


async def _refusals_as_results(source: StreamResult, request_id: str, suggestions: bool) -> StreamResult:
    started = False
    try:
        async for result in source:
            started = True
            yield result
    except Exception as error:
        if started:
            raise
        refusal = error if isinstance(error, GraphQLError) else GraphQLError(str(error), original_error=error)
        yield PreExecutionError(data=None, errors=[client_error(refusal, request_id, suggestions)])


def build_schema(settings: Settings, documents: PersistedDocuments | None = None) -> VideoengageSchema:
    """The schema with this deployment's limits; every operation is checked by each of them. Documents
    sent with their hash are registered in ``documents`` once they reach execution."""
    bound_field_comparisons()
    # The limiters make a new rule class each time they are built: built once here, as the
    # validation cache expects.
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
        IntrospectionListDepth,
        introspection_depth_rule(settings.max_query_depth),
    ]
    if settings.production:
        rules.append(NoSchemaIntrospectionCustomRule)
    checks = DocumentChecks(
        max_tokens=settings.max_tokens,
        field_limits=(
            settings.max_fields,
            settings.max_root_fields,
            None if settings.production else INTROSPECTION_FIELDS,
        ),
        rules=rules,
        documents=documents,
    )
    # A factory: Strawberry makes a fresh extension for every operation.
    extensions: list[Callable[[], SchemaExtension]] = [
        partial(ErrorMasking, suggestions=not settings.production),
        partial(OperationPipeline, checks),
    ]
    return VideoengageSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
        execution_context_class=planned_execution_context() if settings.fast_path else None,
        suggestions=not settings.production,
    )


# The schema as the SDL export and the tests see it; the app builds its own from its settings.
schema = build_schema(Settings.model_construct())
