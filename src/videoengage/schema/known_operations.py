"""Operations of documents this worker has already parsed and validated, run without Strawberry's
per-request wrapper.

Strawberry's ``Schema.execute`` builds, for every request, an execution context, an instance of each
extension, a runner that enters an async context manager per extension at each of four steps, and a
middleware manager; around a small mutation that was about a sixth of the server's CPU. For a
document whose text the pipeline has parsed (``DocumentChecks.document``) and validated without
error, and an operation in it that Strawberry would pick and allow, every one of those steps has a
known outcome but the last: the admission (``DocumentChecks.admit``, the same code the pipeline's
``on_execute`` runs) and graphql-core's ``execute``, called as Strawberry calls it. The answer is
assembled as Strawberry assembles it: a failure outside the resolvers becomes the result's one
error, and ``extensions.cost`` reports the charge.

Anything else (a text seen for the first time, a validation error, an operation Strawberry refuses
or cannot find, several operations without ``operationName``) goes through ``Schema.execute``, which
parses, validates and answers as always. ``FAST_PATH=false`` turns this off; the test suite runs
both ways.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import DocumentNode, GraphQLError, execute
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.execution import Executor
from strawberry import Schema
from strawberry.execution import optimized_is_awaitable
from strawberry.types.execution import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

from videoengage.planned.root_fields import PlannedOperations, Request
from videoengage.schema.operation_pipeline import DocumentChecks, operations_in

_Operation = tuple[DocumentNode, str | None, OperationType]


class KnownOperations:
    """For one schema: which requests may skip the wrapper, and running them."""

    def __init__(self, schema: Schema, checks: DocumentChecks, executor: type[Executor[Any]]) -> None:
        self.schema = schema
        self.checks = checks
        self.executor = executor
        self.planned = PlannedOperations(executor, checks.size)
        # (document id, operationName sent) -> (the document, its operation or None); the entry holds
        # its document, so no other can take its id
        self._operations: dict[tuple[int, str | None], tuple[DocumentNode, _Operation | None]] = {}
        self.answered = 0  # operations run here, for tests and the benchmark to see the path taken

    def operation(self, query: object, operation_name: str | None) -> _Operation | None:
        """The operation to run directly, or None for ``Schema.execute``."""
        if type(query) is not str:
            return None
        document = self.checks.validated_document(query)
        if document is None:
            return None
        key = (id(document), operation_name)
        entry = self._operations.get(key)
        if entry is None or entry[0] is not document:
            entry = (document, self._operation(document, operation_name))
            if len(self._operations) >= self.checks.size:
                self._operations.pop(next(iter(self._operations)))
            self._operations[key] = entry
        return entry[1]

    def _operation(self, document: DocumentNode, operation_name: str | None) -> _Operation | None:
        if operation_name is None and operations_in(document) > 1:
            return None  # refused by the pipeline's validation step
        # Strawberry's own choice: the name sent, else the first operation's.
        context = ExecutionContext(
            query=None, schema=self.schema, allowed_operations=(), provided_operation_name=operation_name
        )
        context.graphql_document = document
        try:
            operation_type = context.operation_type
        except RuntimeError:
            return None  # CannotGetOperationTypeError
        return document, context.operation_name, operation_type

    async def run(
        self,
        operation: _Operation,
        allowed_operation_types: Iterable[OperationType],
        query: str | None,
        variable_values: dict[str, Any] | None,
        context_value: Any,
        root_value: Any,
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult | None:
        """The operation's result; None, having done nothing, if its type is not allowed here."""
        document, operation_name, operation_type = operation
        if operation_type not in allowed_operation_types:
            return None  # Strawberry raises InvalidOperationTypeError
        self.answered += 1
        throttle = None
        try:
            refusal, throttle = await self.checks.admit(
                document,
                self.schema._schema,
                context_value,
                operation_name,
                variable_values,
                query,
                operation_extensions,
            )
            planned = None
            if refusal is None and operation_type is not OperationType.SUBSCRIPTION:
                planned = await self._planned(
                    document, operation_name, context_value, root_value, variable_values, operation_extensions
                )
            if planned is not None:
                result: GraphQLExecutionResult | ExecutionResult = planned
            elif refusal is None:
                result = await await_maybe(
                    execute(
                        self.schema._schema,
                        document,
                        root_value=root_value,
                        variable_values=variable_values,
                        operation_name=operation_name,
                        context_value=context_value,
                        executor_class=self.executor,
                        is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                        operation_extensions=operation_extensions,
                    )
                )
            else:
                result = refusal
        except Exception as error:
            coerced = (
                error if isinstance(error, GraphQLError) else GraphQLError(str(error), original_error=error)
            )
            result = ExecutionResult(data=None, errors=[coerced])
        extensions = {} if throttle is None else {"cost": throttle.extension()}
        return ExecutionResult(data=result.data, errors=result.errors, extensions=extensions)

    async def _planned(
        self,
        document: DocumentNode,
        operation_name: str | None,
        context_value: Any,
        root_value: Any,
        variable_values: dict[str, Any] | None,
        operation_extensions: dict[str, Any] | None,
    ) -> GraphQLExecutionResult | None:
        """The operation's result from its plan (``planned.root_fields``); None for graphql-core to run."""
        schema = self.schema._schema
        plan = self.planned.plan(
            schema, document, operation_name, context_value, variable_values, operation_extensions
        )
        if plan is None:
            return None
        request = Request(schema, context_value, root_value, variable_values, operation_extensions)
        result = await plan.result(request)
        self.planned.answered += result is not None
        return result
