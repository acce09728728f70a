"""Operations answered without graphql-core's executor, when generated code completes all of them.

For ``{ viewer { id } }`` graphql-core's ``execute`` (building an executor, collecting the root
fields, completing the awaited value through its general machinery, building the response) cost
as much CPU as everything else the server does for the request. An operation is planned here, once
per document and operation, when each of its root fields has a resolver whose arguments a builder
makes (``arguments``) and a type and selection the compiler completes entirely (``SelectionCompiler.
value_function``: every field below is a plain attribute of a known type), with no directives and
no deferred fragments. A request then calls the root resolvers as graphql-core does (each with the
resolve info Strawberry's executor builds) and completes what they return with the generated
functions.

A query's root fields are called in order, the awaitable ones awaited together. On anything else
(variables that do not all coerce, a resolver that raises, a value the generated code does not
take: None in a non-null field, a wrong type, an Int out of range) the plan answers nothing, and
graphql-core runs the query from the start, errors and all: a query run twice reads twice.

A mutation must not run twice, so only one with a single root field and an ``async`` resolver is
planned (calling it runs nothing until it is awaited), and once its resolver has run, whatever it
returned or raised is handed to an executor of graphql-core's, which completes it (or locates the
error, and nulls what it must) and builds the response exactly where its own ``execute`` would
have.
"""

from __future__ import annotations

import inspect
from asyncio import iscoroutine
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLFieldResolver,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLSchema,
    OperationType,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetails, collect_fields
from graphql.pyutils import Path, gather_with_cancel
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import _OperationContextAwareGraphQLResolveInfo as ResolveInfo

from videoengage.planned.arguments import ArgumentBuilder, argument_builder
from videoengage.planned.compiler import SelectionCompiler, ValueFunction
from videoengage.planned.executor import PlannedExecutionContext
from videoengage.planned.operations import PreparedOperation


class NotPlannedError(RuntimeError):
    """Raised by what a planned operation's resolve info cannot offer; the operation falls back."""


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
    details: list[FieldDetails]
    path: Path
    arguments: ArgumentBuilder
    value: ValueFunction


class Request(NamedTuple):
    """One request of a planned operation, as ``execute`` would be called for it."""

    schema: GraphQLSchema
    context: Any
    root_value: Any
    raw_variables: dict[str, Any] | None
    operation_extensions: dict[str, Any] | None


class PlannedOperation(NamedTuple):
    executor: type[PlannedExecutionContext]  # for a mutation's hand-over
    prepared: PreparedOperation
    operation_name: str | None
    root_type: GraphQLObjectType
    fields: tuple[RootField, ...]
    once: bool  # a mutation: its one root field's resolver runs once, whatever happens

    async def result(self, request: Request) -> ExecutionResult | None:
        """graphql-core's result for the request; None, having run nothing, for graphql-core to run."""
        values = self.prepared.variable_values(request.raw_variables or {})
        if values is None:
            return None
        variables = values.coerced
        if self.once:
            return await self._run_once(request, variables)
        data = await self._data(request, variables)
        return None if data is None else ExecutionResult(data, None)

    def _info(self, field: RootField, request: Request, variables: dict[str, Any]) -> GraphQLResolveInfo[Any]:
        """What Strawberry's executor gives the field's resolver (``build_resolve_info``)."""
        prepared = self.prepared
        info: GraphQLResolveInfo[Any] = ResolveInfo(  # type: ignore[assignment]
            field.name,
            [detail.node for detail in field.details],
            field.return_type,
            self.root_type,
            field.path,
            request.schema,
            prepared.fragment_definitions,
            request.root_value,
            prepared.operation,
            variables,
            request.context,
            optimized_is_awaitable,
            None,
            _NO_HELPERS,
            request.operation_extensions,  # type: ignore[arg-type]  # None as Strawberry's executor passes it
        )
        return info

    async def _data(self, request: Request, variables: dict[str, Any]) -> dict[str, Any] | None:
        """A query's ``data``, with no error in it; None, having answered nothing, otherwise."""
        results: list[Any] = []
        try:
            for field in self.fields:
                info = self._info(field, request, variables)
                results.append(field.resolve(request.root_value, info, **field.arguments(variables)))
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

    async def _run_once(self, request: Request, variables: dict[str, Any]) -> ExecutionResult | None:
        """A mutation's result; None only if its resolver has not started."""
        [field] = self.fields
        info = self._info(field, request, variables)
        try:
            call = field.resolve(request.root_value, info, **field.arguments(variables))
        except Exception:
            return None  # the arguments did not build: nothing has run
        try:
            resolved = await call
        except Exception as error:
            return await self._handed_over(request, field, info, None, error)
        try:
            completed = field.value(resolved)
        except Exception:
            completed = NotImplemented
        if completed is NotImplemented:
            return await self._handed_over(request, field, info, resolved, None)
        return ExecutionResult({field.key: completed}, None)

    async def _handed_over(
        self,
        request: Request,
        field: RootField,
        info: GraphQLResolveInfo[Any],
        resolved: Any,
        error: Exception | None,
    ) -> ExecutionResult:
        """graphql-core's result from where the resolver left it: ``complete_awaitable_value`` after
        its ``await``, then ``execute_operation``'s response (a non-null field's error nulls it all)."""
        executor = self.executor.build(
            request.schema,
            self.prepared.document,
            request.root_value,
            request.context,
            request.raw_variables,
            self.operation_name,
            is_awaitable=optimized_is_awaitable,
            operation_extensions=request.operation_extensions,
        )
        if isinstance(executor, list):  # the variables coerced for the plan: not expected
            return ExecutionResult(None, executor)
        try:
            if error is not None:
                raise error
            completed = executor.complete_value(
                field.return_type, field.details, info, field.path, resolved, None
            )
            if executor.is_awaitable(completed):
                completed = await completed
        except Exception as raw_error:
            try:
                executor.handle_field_error(raw_error, field.return_type, field.details, field.path)
            except GraphQLError as located:
                executor.collected_errors.add(located, None)
                return _response(executor, None)
            completed = None
        return _response(executor, {field.key: completed})


def _response(executor: Executor[Any], data: dict[str, Any] | None) -> ExecutionResult:
    response = executor.build_response(data)
    assert isinstance(response, ExecutionResult)  # no incremental delivery here
    return response


def _close_unawaited(results: Sequence[Any]) -> None:
    """Resolvers' coroutines that will now never run: closed, so none is reported as never awaited."""
    for result in results:
        if iscoroutine(result):
            result.close()


class PlannedOperations:
    """Plans by (document identity, operation name), bounded; the entry holds its document."""

    def __init__(self, executor: type[Executor[Any]], size: int) -> None:
        self.executor = executor
        self.size = size
        self._plans: OrderedDict[tuple[int, str | None], tuple[DocumentNode, PlannedOperation | None]] = (
            OrderedDict()
        )
        self.answered = 0  # operations answered from a plan, for tests and the benchmark to see the path

    def plan(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation_name: str | None,
        context: Any,
        raw_variables: dict[str, Any] | None,
        operation_extensions: dict[str, Any] | None,
    ) -> PlannedOperation | None:
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
) -> PlannedOperation | None:
    """The plan of the executor's operation, or None where generated code cannot answer it whole."""
    schema, operation = executor.schema, executor.operation
    prepared = executor.plans.operations.get(schema, document, operation_name)
    once = operation.operation is OperationType.MUTATION
    root_type = schema.mutation_type if once else schema.query_type
    if (
        operation.operation is OperationType.SUBSCRIPTION
        or prepared is None
        or prepared.operation is not operation
        or root_type is None
        or not executor._may_plan()
    ):
        return None
    grouped, new_defer_usages, forbidden = collect_fields(
        schema, executor.fragments, executor.variable_values, root_type, operation, executor.hide_suggestions
    )
    if new_defer_usages or forbidden or (once and len(grouped) != 1):
        return None
    compiler = SelectionCompiler(schema, executor.collected_fields)
    fields = []
    for key, details in grouped.items():
        name = details[0].node.name.value
        field = None if name.startswith("__") else schema.get_field(root_type, name)
        if field is None or field.resolve is None:
            return None
        if once and not inspect.iscoroutinefunction(field.resolve):
            return None  # calling it would run it
        if any(d.defer_usage is not None or d.fragment_variable_values is not None for d in details):
            return None
        arguments = argument_builder(field, details[0].node, operation)
        value = compiler.value_function(field.type, details)
        if arguments is None or value is None:
            return None
        path = Path(None, key, root_type.name)
        fields.append(RootField(key, name, field.type, field.resolve, details, path, arguments, value))
    return PlannedOperation(type(executor), prepared, operation_name, root_type, tuple(fields), once)
