"""Operations answered without graphql-core's executor, when generated code completes all of them.

For ``{ viewer { id } }`` graphql-core's ``execute`` (building an executor, collecting the root
fields, completing the awaited value through its general machinery, building the response) cost
as much CPU as everything else the server does for the request. An operation is planned here, once
per document and operation, when each of its root fields has a resolver whose arguments a builder
makes (``arguments``) and a type and selection the compiler completes entirely (``SelectionCompiler.
value_function``: every field below is a plain attribute of a known type), with no directives and
no deferred fragments. A request then calls the root resolvers as graphql-core does (each with the
resolve info Strawberry's executor builds) and completes what they return with the generated
functions. A query's root object may also have fields with resolvers of a scalar or enum type
(``video { viewerReaction }``), called on it once it is there, as graphql-core would.

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
from collections.abc import Hashable, Iterable
from typing import Any, NamedTuple, TypeVar

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLFieldResolver,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    GraphQLSchema,
    OperationType,
)
from graphql.execution import Executor
from graphql.execution.collect_fields import FieldDetails, collect_fields
from graphql.pyutils import Path
from strawberry.execution import optimized_is_awaitable
from strawberry.schema.schema import _OperationContextAwareGraphQLResolveInfo as ResolveInfo

from videoengage.planned.arguments import ArgumentBuilder, argument_builder
from videoengage.planned.compiler import (
    SelectionCompiler,
    ValueFunction,
    gather_fields,
    object_classes,
    plain_details,
)
from videoengage.planned.executor import PlannedExecutionContext
from videoengage.planned.operations import PreparedOperation

K = TypeVar("K", bound=Hashable)


class NotPlannedError(RuntimeError):
    """Raised by what a planned operation's resolve info cannot offer; the operation falls back."""


def _not_offered(*args: Any) -> Any:
    raise NotPlannedError("asynchronous work helpers are graphql-core's executor's")


# graphql-core's executor offers resolvers helpers to gather and track asynchronous work; no
# resolver here uses them, and one that did would fall back to the executor that has them.
_NO_HELPERS = GraphQLResolveInfoHelpers(gather=_not_offered, track=_not_offered)


class ResolvedLeaf(NamedTuple):
    """A field of a root field's object with a resolver of its own and a scalar or enum type
    (``video { viewerReaction }``): called once the object is there, its value checked."""

    key: str
    name: str
    return_type: GraphQLOutputType
    resolve: GraphQLFieldResolver
    nodes: list[FieldNode]
    path: Path  # below its root field's
    arguments: ArgumentBuilder
    value: ValueFunction


class ObjectParts(NamedTuple):
    """A query's root field of an object type whose selection has resolved leaves: the object's
    classes, and each response key's value function (a plain attribute) or leaf, in order."""

    type_: GraphQLObjectType
    classes: tuple[type, ...]
    non_null: bool
    parts: tuple[tuple[str, str, ValueFunction] | ResolvedLeaf, ...]


class RootField(NamedTuple):
    key: str  # the response name
    name: str
    return_type: GraphQLOutputType
    resolve: GraphQLFieldResolver
    details: list[FieldDetails]
    nodes: list[FieldNode]  # the details' nodes, as the resolve info carries them
    path: Path
    arguments: ArgumentBuilder
    value: ValueFunction | ObjectParts


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
        """graphql-core's result for the request; None for graphql-core to run it from the start (a
        query's resolvers may have run: they read; a mutation's has not)."""
        values = self.prepared.variable_values(request.raw_variables or {})
        if values is None:
            return None
        variables = values.coerced
        if self.once:
            return await self._run_once(request, variables)
        data = await self._data(request, variables)
        return None if data is None else ExecutionResult(data, None)

    def _root_info(
        self, field: RootField, request: Request, variables: dict[str, Any]
    ) -> GraphQLResolveInfo[Any]:
        return self._info(
            field.name, field.nodes, field.return_type, self.root_type, field.path, request, variables
        )

    def _info(
        self,
        name: str,
        nodes: list[FieldNode],
        return_type: GraphQLOutputType,
        parent_type: GraphQLObjectType,
        path: Path,
        request: Request,
        variables: dict[str, Any],
    ) -> GraphQLResolveInfo[Any]:
        """What Strawberry's executor gives a field's resolver (``build_resolve_info``)."""
        prepared = self.prepared
        info: GraphQLResolveInfo[Any] = ResolveInfo(  # type: ignore[assignment]
            name,
            nodes,
            return_type,
            parent_type,
            path,
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
        results: dict[str, Any] = {}  # by response name, as graphql-core's execute_fields
        try:
            for field in self.fields:
                info = self._root_info(field, request, variables)
                results[field.key] = field.resolve(request.root_value, info, **field.arguments(variables))
            await _awaited(results)
            leaves = await self._leaves(request, variables, results)
            if leaves is None:
                return None
            data = {}
            for field in self.fields:
                value, result = field.value, results[field.key]
                completed = value(result) if callable(value) else _completed(value, result, field.key, leaves)
                if completed is NotImplemented:
                    return None
                data[field.key] = completed
        except Exception:
            _close_unawaited(results.values())
            return None
        return data

    async def _leaves(
        self, request: Request, variables: dict[str, Any], results: dict[str, Any]
    ) -> dict[tuple[str, str], Any] | None:
        """The resolved leaves' values, by (root field's key, leaf's key): each called on its object as
        graphql-core would (in order, the awaitable ones awaited together); None where an object is
        not what its type asks for, so that generated code cannot complete it."""
        calls: dict[tuple[str, str], Any] = {}
        try:
            for field in self.fields:
                parts, result = field.value, results[field.key]
                if callable(parts) or result is None:
                    continue
                if type(result) not in parts.classes:
                    return None
                for leaf in parts.parts:
                    if isinstance(leaf, ResolvedLeaf):
                        info = self._info(
                            leaf.name,
                            leaf.nodes,
                            leaf.return_type,
                            parts.type_,
                            leaf.path,
                            request,
                            variables,
                        )
                        calls[field.key, leaf.key] = leaf.resolve(result, info, **leaf.arguments(variables))
            await _awaited(calls)
        except Exception:
            _close_unawaited(calls.values())
            raise
        return calls

    async def _run_once(self, request: Request, variables: dict[str, Any]) -> ExecutionResult | None:
        """A mutation's result; None only if its resolver has not started."""
        [field] = self.fields
        info = self._root_info(field, request, variables)
        try:
            call = field.resolve(request.root_value, info, **field.arguments(variables))
        except Exception:
            return None  # the arguments did not build: nothing has run
        try:
            resolved = await call
        except Exception as error:
            return await self._handed_over(request, field, info, None, error)
        try:
            completed = field.value(resolved) if callable(field.value) else NotImplemented
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


def _completed(parts: ObjectParts, result: Any, root_key: str, leaves: dict[tuple[str, str], Any]) -> Any:
    """The object's completed value from its attributes and resolved leaves; NotImplemented where
    generated code cannot complete it."""
    if result is None:
        return NotImplemented if parts.non_null else None
    completed = {}
    for part in parts.parts:
        if isinstance(part, ResolvedLeaf):
            key, value = part.key, part.value(leaves[root_key, part.key])
        else:
            key, attribute, complete = part
            value = complete(getattr(result, attribute))
        if value is NotImplemented:
            return NotImplemented
        completed[key] = value
    return completed


def _response(executor: Executor[Any], data: dict[str, Any] | None) -> ExecutionResult:
    response = executor.build_response(data)
    assert isinstance(response, ExecutionResult)  # no incremental delivery here
    return response


async def _awaited(calls: dict[K, Any]) -> None:
    """Each awaitable value awaited in its place, together (``compiler.gather_fields``)."""
    pending = [key for key, call in calls.items() if optimized_is_awaitable(call)]
    if pending:
        await gather_fields(calls, pending)


def _close_unawaited(results: Iterable[Any]) -> None:
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
        if not plain_details(details):
            return None
        arguments = argument_builder(field, details[0].node, operation)
        path = Path(None, key, root_type.name)
        value: ValueFunction | ObjectParts | None = compiler.value_function(field.type, details)
        if value is None and not once:
            value = _object_parts(compiler, executor, field.type, details, path)
        if arguments is None or value is None:
            return None
        nodes = [detail.node for detail in details]
        fields.append(RootField(key, name, field.type, field.resolve, details, nodes, path, arguments, value))
    return PlannedOperation(type(executor), prepared, operation_name, root_type, tuple(fields), once)


def _object_parts(
    compiler: SelectionCompiler,
    executor: PlannedExecutionContext,
    type_: GraphQLOutputType,
    details: list[FieldDetails],
    path: Path,
) -> ObjectParts | None:
    """For an object type (nullable or not) whose selection generated code completes but for fields
    with resolvers of a scalar or enum type: its parts, each leaf at its path below ``path``; None
    for anything else."""
    non_null = isinstance(type_, GraphQLNonNull)
    object_type = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if not isinstance(object_type, GraphQLObjectType) or object_type.is_type_of is not None:
        return None
    classes = object_classes(object_type)
    if not classes:
        return None
    parts: list[tuple[str, str, ValueFunction] | ResolvedLeaf] = []
    for key, sub in executor.collected_fields(object_type, details).items():
        name = sub[0].node.name.value
        field = None if name.startswith("__") else executor.schema.get_field(object_type, name)
        if field is None or not plain_details(sub):
            return None
        value = compiler.value_function(field.type, sub)
        attribute = compiler.attribute(object_type, sub)
        if attribute is not None and value is not None:
            parts.append((key, attribute, value))
            continue
        leaf = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
        arguments = argument_builder(field, sub[0].node, executor.operation)
        if (
            value is None
            or field.resolve is None
            or arguments is None
            or not isinstance(leaf, GraphQLScalarType | GraphQLEnumType)
        ):
            return None
        nodes = [detail.node for detail in sub]
        leaf_path = Path(path, key, object_type.name)
        parts.append(ResolvedLeaf(key, name, field.type, field.resolve, nodes, leaf_path, arguments, value))
    if not any(isinstance(part, ResolvedLeaf) for part in parts):
        return None  # then value_function would have answered
    return ObjectParts(object_type, classes, non_null, tuple(parts))
