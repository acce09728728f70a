"""Queries answered without graphql-core's executor, when generated code completes all of them.

For ``{ viewer { id } }`` graphql-core's ``execute`` (building an executor, collecting the root
fields, completing the awaited value through its general machinery, building the response) cost
as much CPU as everything else the server does for the request. A query is planned here, once per
document and operation, when each of its root fields has a resolver whose arguments a builder makes
(``arguments``) and a type and selection the compiler completes entirely (``SelectionCompiler.
value_function``: every field below is a plain attribute of a known type), with no directives and
no deferred fragments. A request then calls the root resolvers as graphql-core does (each with the
resolve info Strawberry's executor builds, in order, the awaitable ones awaited together) and
completes what they return with the generated functions.

Anything else falls back, having answered nothing: variables that do not all coerce, a resolver
that raises, a value the generated code does not take (None in a non-null field, a wrong type, an
Int out of range). graphql-core then runs the query from the start and answers it, errors and
all. Queries only: a query run twice reads twice, a mutation would write twice.
"""

from __future__ import annotations

from asyncio import iscoroutine
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLFieldResolver,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfoHelpers,
    GraphQLSchema,
    OperationType,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import collect_fields
from graphql.pyutils import Path, gather_with_cancel
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import _OperationContextAwareGraphQLResolveInfo as ResolveInfo

from videoengage.planned.arguments import ArgumentBuilder, argument_builder
from videoengage.planned.compiler import SelectionCompiler, ValueFunction
from videoengage.planned.executor import PlannedExecutionContext
from videoengage.planned.operations import PreparedOperation


class NotPlannedError(RuntimeError):
    """Raised by what a planned query's resolve info cannot offer; the query falls back."""


def _not_offered(*args: Any) -> Any:
    raise NotPlannedError("asynchronous work helpers are graphql-core's executor's")


# graphql-core's executor offers resolvers helpers to gather and track asynchronous work; no
# resolver here uses them, and one that did would fall back to the executor that has them.
_NO_HELPERS = GraphQLResolveInfoHelpers(gather=_not_offered, track=_not_offered)


class RootField(NamedTuple):
    key: str  # the response name
    name: str
    return_type: GraphQLOutputType
    resolve: GraphQLFieldResolver
    nodes: list[FieldNode]
    path: Path
    arguments: ArgumentBuilder
    value: ValueFunction


class PlannedQuery(NamedTuple):
    prepared: PreparedOperation
    root_type: GraphQLObjectType
    fields: tuple[RootField, ...]

    async def data(
        self,
        schema: GraphQLSchema,
        context: Any,
        root_value: Any,
        raw_variables: dict[str, Any] | None,
        operation_extensions: dict[str, Any] | None,
    ) -> dict[str, Any] | None:
        """The response's ``data``, with no error in it; None, having answered nothing, otherwise."""
        prepared = self.prepared
        values = prepared.variable_values(raw_variables or {})
        if values is None:
            return None
        variables = values.coerced
        results: list[Any] = []
        try:
            for field in self.fields:
                info = ResolveInfo(
                    field.name,
                    field.nodes,
                    field.return_type,
                    self.root_type,
                    field.path,
                    schema,
                    prepared.fragment_definitions,
                    root_value,
                    prepared.operation,
                    variables,
                    context,
                    optimized_is_awaitable,
                    None,
                    _NO_HELPERS,
                    operation_extensions,  # type: ignore[arg-type]  # None as Strawberry's executor passes it
                )
                results.append(field.resolve(root_value, info, **field.arguments(variables)))
            pending = [index for index, result in enumerate(results) if optimized_is_awaitable(result)]
            if len(pending) == 1:
                results[pending[0]] = await results[pending[0]]
            elif pending:
                awaited = await gather_with_cancel(*(results[index] for index in pending))
                for index, result in zip(pending, awaited, strict=True):
                    results[index] = result
            data = {}
            for field, result in zip(self.fields, results, strict=True):
                completed = field.value(result)
                if completed is NotImplemented:
                    return None
                data[field.key] = completed
        except Exception:
            _close_unawaited(results)
            return None
        return data


def _close_unawaited(results: Sequence[Any]) -> None:
    """Resolvers' coroutines that will now never run: closed, so none is reported as never awaited."""
    for result in results:
        if iscoroutine(result):
            result.close()


class PlannedQueries:
    """Plans by (document identity, operation name), bounded; the entry holds its document."""

    def __init__(self, executor: type[Executor[Any]], size: int) -> None:
        self.executor = executor
        self.size = size
        self._plans: OrderedDict[tuple[int, str | None], tuple[DocumentNode, PlannedQuery | None]] = (
            OrderedDict()
        )
        self.answered = 0  # queries answered from a plan, for tests and the benchmark to see the path

    def plan(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        context: Any,
        raw_variables: dict[str, Any] | None,
        operation_extensions: dict[str, Any] | None,
    ) -> PlannedQuery | None:
        """The operation's plan, made on its first request whose variables coerce; None if it has none."""
        key = (id(document), operation_name)
        entry = self._plans.get(key)
        if entry is not None and entry[0] is document:
            self._plans.move_to_end(key)
            return entry[1]
        executor = self.executor.build(
            schema,
            document,
            context_value=context,
            raw_variable_values=raw_variables,
            operation_name=operation_name,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            operation_extensions=operation_extensions,
        )
        if not isinstance(executor, PlannedExecutionContext):
            return None  # the variables' errors, graphql-core's to report; planned on a later request
        planned = _plan(executor, document, operation_name)
        self._plans[key] = (document, planned)
        if len(self._plans) > self.size:
            self._plans.popitem(last=False)
        return planned


def _plan(
    executor: PlannedExecutionContext, document: DocumentNode, operation_name: str | None
) -> PlannedQuery | None:
    """The plan of the executor's operation, or None where it is not a query generated code answers."""
    schema, operation = executor.schema, executor.operation
    prepared = executor.plans.operations.get(schema, document, operation_name)
    root_type = schema.query_type
    if (
        operation.operation is not OperationType.QUERY
        or prepared is None
        or prepared.operation is not operation
        or root_type is None
        or not executor._may_plan()
    ):
        return None
    grouped, new_defer_usages, forbidden = collect_fields(
        schema, executor.fragments, executor.variable_values, root_type, operation, executor.hide_suggestions
    )
    if new_defer_usages or forbidden:
        return None
    compiler = SelectionCompiler(schema, executor.collected_fields)
    fields = []
    for key, details in grouped.items():
        name = details[0].node.name.value
        field = None if name.startswith("__") else schema.get_field(root_type, name)
        if field is None or field.resolve is None:
            return None
        if any(d.defer_usage is not None or d.fragment_variable_values is not None for d in details):
            return None
        arguments = argument_builder(field, details[0].node, operation)
        value = compiler.value_function(field.type, details)
        if arguments is None or value is None:
            return None
        nodes = [detail.node for detail in details]
        path = Path(None, key, root_type.name)
        fields.append(RootField(key, name, field.type, field.resolve, nodes, path, arguments, value))
    return PlannedQuery(prepared, root_type, tuple(fields))
