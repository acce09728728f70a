"""graphql-core's executor, completing selection sets it has seen before with generated code.

Plugged into Strawberry as its ``execution_context_class``, so everything before execution
(limits, validation, authentication, the rate limit) and every resolver runs as before; only the
completion of what resolvers return changes. A selection set is compiled the second time it is
seen (a document sent once costs nothing extra) and kept in a bounded LRU shared by the requests
of a worker. Operations with directives, and anything the compiler does not inline, run on
graphql-core's own code. In the same operations, graphql-core's collection of a sub-selection's
fields (which visits every selection to check for ``@skip``/``@include``, for each request) is
kept too, per type and field nodes, and a field's arguments are made by a builder derived once per
field node (``arguments``) where graphql-core's answer can only be the variables' values.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Sequence
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
)
from graphql.execution import Executor, MiddlewareManager, default_field_resolver, default_type_resolver
from graphql.execution.collect_fields import CollectedFields, DeferUsage, FieldDetails, FieldDetailsList
from graphql.execution.executor import to_nodes
from graphql.language import DirectiveNode, Node
from graphql.pyutils import AwaitableOrValue, Path, UndefinedType
from graphql.type import assert_valid_schema
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from videoengage.planned.arguments import ArgumentBuilder, argument_builder
from videoengage.planned.compiler import Completer, GroupedFieldSet, SelectionCompiler, plain_details
from videoengage.planned.operations import PreparedOperations

PLAN_CACHE_SIZE = 1_024


class PlanCache:
    """Completers by selection set, keyed by the identity of its (cached, immutable) AST nodes.

    The entry holds the nodes, so no other node can take their ids while it lives. A key seen
    once is only counted: compiling costs more than one general completion."""

    def __init__(self, size: int = PLAN_CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[object, ...], tuple[tuple[Node, ...], Completer | None]] = (
            OrderedDict()
        )
        self._seen: OrderedDict[tuple[object, ...], None] = OrderedDict()
        self._directive_free: OrderedDict[int, tuple[object, bool]] = OrderedDict()
        self._subfields: OrderedDict[tuple[object, ...], tuple[tuple[Node, ...], CollectedFields]] = (
            OrderedDict()
        )
        self.operations = PreparedOperations(size)
        self.compiled = 0  # selections compiled, for tests and the benchmark to see the path taken
        self.subfields_reused = 0  # sub-selections collected for an earlier request, likewise
        # (type, field node, operation) -> (the node and operation, held, so no other takes their ids;
        # the builder): a node in a fragment may serve operations that declare its variables apart
        self._arguments: OrderedDict[
            tuple[object, int, int], tuple[tuple[FieldNode, Node], ArgumentBuilder | None]
        ] = OrderedDict()
        self.arguments_built = 0  # fields whose arguments a builder made, likewise

    def argument_builder(
        self,
        executor: PlannedExecutionContext,
        parent_type: GraphQLObjectType,
        field_def: GraphQLField,
        node: FieldNode,
    ) -> ArgumentBuilder | None:
        """The field node's ``arguments.argument_builder`` in this operation, derived once."""
        operation = executor.operation
        key = (parent_type, id(node), id(operation))
        entry = self._arguments.get(key)
        if entry is not None:
            self._arguments.move_to_end(key)
        else:
            entry = ((node, operation), argument_builder(field_def, node, operation))
            self._arguments[key] = entry
            if len(self._arguments) > self.size:
                self._arguments.popitem(last=False)
        return entry[1]

    def subfields(
        self,
        executor: PlannedExecutionContext,
        return_type: GraphQLObjectType,
        details: FieldDetailsList,
    ) -> CollectedFields:
        """graphql-core's collection of a field's sub-selection, once per (type, field nodes): in an
        operation without directives, deferred fragments or fragment variables it depends on
        nothing else, so every request of the document collects the same fields."""
        nodes = tuple(detail.node for detail in details)
        key = (return_type, executor.hide_suggestions, *map(id, nodes))
        entry = self._subfields.get(key)
        if entry is not None:
            self._subfields.move_to_end(key)
            self.subfields_reused += 1
            return entry[1]
        collected = super(PlannedExecutionContext, executor).collect_subfields(return_type, details)
        self._subfields[key] = (nodes, collected)
        if len(self._subfields) > self.size:
            self._subfields.popitem(last=False)
        return collected

    def directive_free(self, operation: Node, fragments: Sequence[Node]) -> bool:
        """Whether the operation and its document's fragments carry no directive (remembered)."""
        entry = self._directive_free.get(id(operation))
        if entry is not None and entry[0] is operation:
            return entry[1]
        free = not _has_directives((operation, *fragments))
        self._directive_free[id(operation)] = (operation, free)
        if len(self._directive_free) > self.size:
            self._directive_free.popitem(last=False)
        return free

    def completer(
        self, executor: PlannedExecutionContext, parent_type: GraphQLObjectType, fields: GroupedFieldSet
    ) -> Completer | None:
        nodes = tuple(details.node for group in fields.values() for details in group)
        key = (parent_type, *map(id, nodes))
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            return entry[1]
        if key not in self._seen:
            self._seen[key] = None
            if len(self._seen) > self.size:
                self._seen.popitem(last=False)
            return None
        del self._seen[key]
        completer = SelectionCompiler(executor.schema, executor.collected_fields).compile(parent_type, fields)
        self.compiled += completer is not None
        self._entries[key] = (nodes, completer)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return completer


def _has_directives(node: object) -> bool:
    """Whether any node under this one carries a directive (which may depend on variables)."""
    if isinstance(node, DirectiveNode):
        return True
    if isinstance(node, Node):
        return any(_has_directives(getattr(node, key)) for key in node.keys)
    if isinstance(node, tuple | list):
        return any(_has_directives(item) for item in node)
    return False


class PlannedExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """The executor of one operation; ``plans`` is set on a subclass made per schema."""

    plans: PlanCache

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._planned: bool | None = None  # decided on first use: the operation has no directives
        self._completers: dict[int, tuple[GroupedFieldSet, Completer | None]] = {}

    @classmethod
    def build(  # type: ignore[override]
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        root_value: Any = None,
        context_value: Any = None,
        raw_variable_values: dict[str, Any] | None = None,
        operation_name: str | None = None,
        field_resolver: Any = None,
        type_resolver: Any = None,
        subscribe_field_resolver: Any = None,
        max_coercion_errors: int = 50,
        enable_early_execution: bool = False,
        middleware: Any = None,
        is_awaitable: Any = None,
        is_async_iterable: Any = None,
        **custom_args: Any,
    ) -> list[GraphQLError] | Executor[Any]:
        """graphql-core's ``build``, from the document's prepared operation (``operations``) when the
        request's variables all coerce; graphql-core's own otherwise, errors included."""
        prepared = None
        if middleware is None or isinstance(middleware, MiddlewareManager):
            prepared = cls.plans.operations.get(schema, document, operation_name)
        values = None if prepared is None else prepared.variable_values(raw_variable_values or {})
        if prepared is None or values is None:
            built: list[GraphQLError] | Executor[Any] = super().build(
                schema,
                document,
                root_value,
                context_value,
                raw_variable_values,
                operation_name,
                field_resolver,
                type_resolver,
                subscribe_field_resolver,
                max_coercion_errors,
                enable_early_execution,
                middleware,
                is_awaitable,
                is_async_iterable,
                **custom_args,
            )
            return built
        assert_valid_schema(schema)
        return cls(
            schema,
            dict(prepared.fragment_definitions),
            dict(prepared.fragments),
            root_value,
            context_value,
            prepared.operation,
            values,
            field_resolver or default_field_resolver,
            type_resolver or default_type_resolver,
            subscribe_field_resolver or default_field_resolver,
            enable_early_execution,
            middleware,
            is_awaitable,
            is_async_iterable,
            **custom_args,
        )

    def collected_fields(
        self, parent_type: GraphQLObjectType, details: list[FieldDetails]
    ) -> GroupedFieldSet:
        grouped: GroupedFieldSet = self.collect_subfields(parent_type, details)[0]
        return grouped

    def execute_collected_subfields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path,
        grouped_field_set: GroupedFieldSet,
        new_defer_usages: Sequence[DeferUsage],
        delivery_group_map: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if delivery_group_map is None and not new_defer_usages and self._may_plan():
            memo = self._completers.get(id(grouped_field_set))
            if memo is None:
                memo = (grouped_field_set, self.plans.completer(self, parent_type, grouped_field_set))
                self._completers[id(grouped_field_set)] = memo
            if memo[1] is not None:
                completed: AwaitableOrValue[dict[str, Any]] = memo[1](self, source_value, path)
                return completed
        return super().execute_collected_subfields(
            parent_type, source_value, path, grouped_field_set, new_defer_usages, delivery_group_map
        )

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        if self._may_plan() and plain_details(field_details_list):
            return self.plans.subfields(self, return_type, field_details_list)
        return super().collect_subfields(return_type, field_details_list)

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any] | UndefinedType:
        """graphql-core's ``execute_field``, with the arguments made by the field node's builder
        (``arguments``) where there is one. The rest is graphql-core's own code, unchanged."""
        first_field_details = field_details_list[0]
        first_field_node = first_field_details.node
        build = field_def = None
        if (
            first_field_node.arguments
            and first_field_details.fragment_variable_values is None
            and self._may_plan()
            and (field_def := self.schema.get_field(parent_type, first_field_node.name.value)) is not None
        ):
            build = self.plans.argument_builder(self, parent_type, field_def, first_field_node)
        if build is None:
            return super().execute_field(parent_type, source, field_details_list, path, position_context)
        assert field_def is not None
        self.plans.arguments_built += 1
        return self._execute_field_with(
            build, field_def, parent_type, source, field_details_list, path, position_context
        )

    def _execute_field_with(
        self,
        build: ArgumentBuilder,
        field_def: GraphQLField,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        # From graphql-core 3.3's Executor.execute_field, after field_def is found; only the line
        # that makes ``args`` differs.
        return_type = field_def.type
        resolve_fn = field_def.resolve or self.field_resolver

        if self.middleware_manager:
            resolve_fn = self.middleware_manager.get_field_resolver(resolve_fn)

        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)

        try:
            args = build(self.variable_values.coerced)

            result = resolve_fn(source, info, **args)

            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type,
                    field_details_list,
                    info,
                    path,
                    result,
                    position_context,
                )

            completed = self.complete_value(
                return_type,
                field_details_list,
                info,
                path,
                result,
                position_context,
            )
            if self.is_awaitable(completed):

                async def await_completed(
                    executor: Executor[Any],
                    completed: Awaitable[Any],
                    return_type: GraphQLOutputType,
                    field_details_list: FieldDetailsList,
                    path: Path,
                ) -> Any:
                    try:
                        return await completed
                    except Exception as raw_error:
                        executor.handle_field_error(
                            raw_error,
                            return_type,
                            field_details_list,
                            path,
                        )
                        return None

                return await_completed(self, completed, return_type, field_details_list, path)

        except Exception as raw_error:
            self.handle_field_error(
                raw_error,
                return_type,
                field_details_list,
                path,
            )
            return None

        return completed

    def _may_plan(self) -> bool:
        if self._planned is None:
            # Middleware (a resolve hook of an extension) must see every field: none here.
            middleware = self.middleware_manager
            self._planned = (middleware is None or not middleware.middlewares) and self.plans.directive_free(
                self.operation, tuple(self.fragment_definitions.values())
            )
        return self._planned


def planned_execution_context(size: int = PLAN_CACHE_SIZE) -> type[PlannedExecutionContext]:
    """An executor class with a plan cache of its own (one per schema)."""
    return type("PlannedExecutionContext", (PlannedExecutionContext,), {"plans": PlanCache(size)})
