"""The ``Schema`` object, assembled from the root types and the extensions every operation passes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, StreamResult
from strawberry.types.execution import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from videoengage.persisted_documents import PersistedDocuments
from videoengage.planned.executor import PlannedExecutionContext, planned_execution_context
from videoengage.rate_limit import RateLimiter
from videoengage.schema.error_masking import mask, masked_stream, request_id_of
from videoengage.schema.input_conversion import build_inputs_directly
from videoengage.schema.introspection_limit import IntrospectionListDepth, introspection_depth_rule
from videoengage.schema.known_operations import KnownOperations
from videoengage.schema.mutation import Mutation
from videoengage.schema.names import RememberingNameConverter
from videoengage.schema.operation_limits import INTROSPECTION_FIELDS, bound_field_comparisons
from videoengage.schema.operation_pipeline import DocumentChecks, OperationPipeline
from videoengage.schema.query import Query
from videoengage.schema.scalars import SCALAR_OVERRIDES
from videoengage.schema.subscription import Subscription
from videoengage.settings import Settings


class VideoengageSchema(strawberry.Schema):
    """Errors are logged where they are formatted (``error_format``), with the request id, once."""

    def __init__(
        self, *args: Any, suggestions: bool = True, checks: DocumentChecks | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.suggestions = suggestions
        build_inputs_directly(self._schema, self.config, self.schema_converter.scalar_registry)
        # With the planned executor (FAST_PATH), known operations skip Strawberry's wrapper.
        executor = self.execution_context_class
        self.known = (
            KnownOperations(self, checks, executor)
            if checks is not None and executor is not None and issubclass(executor, PlannedExecutionContext)
            else None
        )

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        return None

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Strawberry's execute (or, for a known operation, ``known_operations``), its errors masked
        (``error_masking``). A subscription is refused here (``InvalidOperationTypeError``): it runs
        only through ``stream``, on a socket; executed, it would answer once with its resolver's
        stream where a value belongs."""
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES) - {
            OperationType.SUBSCRIPTION
        }
        result = None
        if self.known is not None and (operation := self.known.operation(query, operation_name)) is not None:
            result = await self.known.run(
                operation, allowed, query, variable_values, context_value, root_value, operation_extensions
            )
        if result is None:
            result = await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed,
                operation_extensions,
            )
        mask(result, request_id_of(context_value), self.suggestions)
        return result

    async def stream(self, *args: Any, **kwargs: Any) -> StreamResult:
        """Strawberry's stream, each result masked and refusals before the first one reported
        (``error_masking.masked_stream``)."""
        source = await super().stream(*args, **kwargs)
        return masked_stream(source, request_id_of(kwargs.get("context_value")), self.suggestions)


def build_schema(
    settings: Settings, documents: PersistedDocuments | None = None, limiter: RateLimiter | None = None
) -> VideoengageSchema:
    """The schema with this deployment's limits; every operation is checked by each of them. Documents
    sent with their hash are registered in ``documents`` once they reach execution; with a
    ``limiter``, each operation is charged to its viewer before it runs."""
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
        limiter=limiter,
    )
    # A factory: Strawberry makes a fresh extension for every operation.
    extensions: list[Callable[[], SchemaExtension]] = [partial(OperationPipeline, checks)]
    return VideoengageSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True, name_converter=RememberingNameConverter()),
        scalar_overrides=SCALAR_OVERRIDES,
        execution_context_class=planned_execution_context() if settings.fast_path else None,
        suggestions=not settings.production,
        checks=checks,
    )


# The schema as the SDL export and the tests see it; the app builds its own from its settings.
schema = build_schema(Settings.model_construct())
