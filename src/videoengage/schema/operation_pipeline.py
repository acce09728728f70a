"""Every check an operation passes before it runs, in one Strawberry extension.

Strawberry pays for each extension at each step of a request (it looks up every hook of every
extension, and enters a context manager for each), and its validation cache is keyed by the
document's deep hash (about 10 µs for a page query). Nine extensions did these checks; this one
does them in the same order, with caches keyed by identity:

1. the text pre-pass (``token_count.scan``): token floods and too many fields, before any parse;
2. the parse, once per text (bounded LRU), with the token limit;
3. the exact field and root-field count (``operation_limits``), once per parsed document;
4. validation with the schema's rules and ours, once per parsed document;
5. before execution, the viewer (``viewer_required``), then the operation's cost
   (``operation_cost``, once per parsed document) charged to the viewer's bucket (``rate_limit``),
   and the registration of a document sent with its hash (``persisted_documents``). The cost and
   the bucket's state go into every charged response's ``extensions.cost``. This step is
   ``DocumentChecks.admit``, which ``known_operations`` runs too, for documents past steps 1 to 4.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema, OperationDefinitionNode, parse
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.execution import ExecutionContext
from strawberry.types.graphql import OperationType

from videoengage.buckets import Throttle
from videoengage.errors import BadUserInput, RateLimited, Unauthenticated
from videoengage.persisted_documents import PersistedDocuments
from videoengage.rate_limit import RateLimiter
from videoengage.schema.operation_cost import Cost, operation_cost
from videoengage.schema.operation_limits import operation_limit_problem
from videoengage.schema.token_count import scan
from videoengage.schema.viewer_required import touches_product_fields

DOCUMENT_CACHE_SIZE = 256


class _Bounded(OrderedDict[Any, Any]):
    """A dict that forgets its oldest entry past ``size``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: object, value: object) -> None:
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)


class DocumentChecks:
    """The limits, rules and caches every request of one schema shares."""

    def __init__(
        self,
        *,
        max_tokens: int,
        field_limits: tuple[int, int, int | None],
        rules: Sequence[type[ASTValidationRule]],
        documents: PersistedDocuments | None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.max_tokens = max_tokens
        self.field_limits = field_limits
        self.rules = tuple(rules)
        self.documents = documents
        self.limiter = limiter
        self.size = DOCUMENT_CACHE_SIZE
        self._parsed = _Bounded(DOCUMENT_CACHE_SIZE)  # text -> document, or the limit it is over
        # by the document's identity; each entry holds its document, so no other can take its id
        self._validated = _Bounded(DOCUMENT_CACHE_SIZE)
        self._needs_viewer = _Bounded(DOCUMENT_CACHE_SIZE)
        self._costs = _Bounded(DOCUMENT_CACHE_SIZE)

    def document(self, query: str) -> DocumentNode:
        """The parsed document, within every limit; a GraphQLError (BAD_USER_INPUT) otherwise."""
        cached = self._parsed.get(query)
        if cached is None:
            scan(query, self.max_tokens, *self.field_limits)
            document = parse(query, max_tokens=self.max_tokens)  # a syntax error is not cached
            problem = operation_limit_problem(document, *self.field_limits)
            cached = document if problem is None else problem
            self._parsed.remember(query, cached)
        else:
            self._parsed.move_to_end(query)
        if isinstance(cached, str):
            raise GraphQLError(cached, original_error=BadUserInput(cached))
        return cached

    def validated_document(self, query: str) -> DocumentNode | None:
        """The document of a text already parsed and validated without error, else None."""
        parsed = self._parsed.get(query)
        if not isinstance(parsed, DocumentNode):
            return None
        entry = self._validated.get(id(parsed))
        if entry is None or entry[0] is not parsed or entry[1]:
            return None
        self._parsed.move_to_end(query)
        document: DocumentNode = parsed
        return document

    def validation_errors(
        self, schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...]
    ) -> list[GraphQLError]:
        entry = self._validated.get(id(document))
        if entry is None or entry[0] is not document:
            entry = (document, validate_document(schema, document, (*rules, *self.rules)))
            self._validated.remember(id(document), entry)
        errors: list[GraphQLError] = entry[1]
        return errors

    def needs_viewer(self, document: DocumentNode, operation_name: str | None) -> bool:
        key = (id(document), operation_name)
        entry = self._needs_viewer.get(key)
        if entry is None or entry[0] is not document:
            entry = (document, touches_product_fields(document, operation_name))
            self._needs_viewer.remember(key, entry)
        needed: bool = entry[1]
        return needed

    def cost(self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Cost:
        key = (id(document), operation_name)
        entry = self._costs.get(key)
        if entry is None or entry[0] is not document:
            entry = (document, operation_cost(schema, document, operation_name))
            self._costs.remember(key, entry)
        cost: Cost = entry[1]
        return cost

    async def admit(
        self,
        document: DocumentNode,
        schema: GraphQLSchema,
        context: Any,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        query: str | None,
        operation_extensions: dict[str, Any] | None,
    ) -> tuple[ExecutionResult | None, Throttle | None]:
        """Authenticates unless the operation only introspects, then charges the viewer for it, and
        registers a document sent with its hash. Returns the refusal, if any (one UNAUTHENTICATED,
        RATE_LIMITED or BAD_USER_INPUT error, the whole result: no resolver runs), and the charge."""
        refusal = throttle = None
        if self.needs_viewer(document, operation_name):
            try:
                viewer_id = await context.authenticate()
            except Unauthenticated as error:
                refusal = _refused(error)
            else:
                if self.limiter is not None:
                    cost = self.cost(schema, document, operation_name)
                    throttle = await self.limiter.charge(viewer_id, cost.priced(variables))
                    refusal = _throttled(throttle)
        if self.documents is not None:
            self.documents.register(query, operation_extensions)
        return refusal, throttle


class OperationPipeline(SchemaExtension):
    """The checks above, at the steps Strawberry runs them."""

    def __init__(self, checks: DocumentChecks) -> None:
        self.checks = checks
        self.throttle: Throttle | None = None

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:  # Strawberry refuses a request without one before this step
            context.graphql_document = self.checks.document(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            errors = self.checks.validation_errors(context.schema._schema, document, context.validation_rules)
            if not errors and _operation_name_sent(context) is None and operations_in(document) > 1:
                # graphql-core's rule, which Strawberry's choice of the first operation bypasses.
                errors = [GraphQLError("Must provide operation name if query contains multiple operations.")]
            context.pre_execution_errors = errors
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        """The admission (``DocumentChecks.admit``); a refusal is the whole result."""
        context = self.execution_context
        document = context.graphql_document
        if document is not None:
            refusal, self.throttle = await self.checks.admit(
                document,
                context.schema._schema,
                context.context,
                context.operation_name,
                context.variables,
                context.query,
                context.operation_extensions,
            )
            if refusal is not None:
                context.result = refusal
        refused = context.result
        if refused is not None and refused.errors and context.operation_type is OperationType.SUBSCRIPTION:
            # Strawberry's stream subscribes whatever the result says; raised, the refusal is the
            # subscription's one answer (``error_masking.masked_stream``), as over HTTP.
            raise refused.errors[0]
        yield

    def get_results(self) -> dict[str, Any]:
        """``extensions.cost``, as Shopify reports it, on every operation charged to a viewer."""
        return {} if self.throttle is None else {"cost": self.throttle.extension()}


def _operation_name_sent(context: ExecutionContext) -> str | None:
    """The operationName the client sent: Strawberry's ``operation_name`` falls back to the first
    operation's name, so the request's own is read from where Strawberry keeps it."""
    sent: str | None = getattr(context, "_provided_operation_name", context.operation_name)
    return sent


def operations_in(document: DocumentNode) -> int:
    return sum(isinstance(definition, OperationDefinitionNode) for definition in document.definitions)


def _refused(error: BadUserInput | RateLimited | Unauthenticated) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[GraphQLError(error.message, original_error=error)])


def _throttled(throttle: Throttle) -> ExecutionResult | None:
    """The refusal of a charge that did not go through: never affordable, or not yet."""
    if throttle.allowed:
        return None
    if not throttle.fits_at_all:
        return _refused(
            BadUserInput(
                f"The operation costs {throttle.requested} points, more than a viewer's "
                f"{throttle.maximum} (RATE_LIMIT_POINTS): ask for fewer items or fields"
            )
        )
    retry = throttle.retry_after_seconds
    return _refused(
        RateLimited(
            f"Rate limited: the operation costs {throttle.requested} points and "
            f"{math.floor(throttle.available)} are available, {throttle.restore_rate:g} come back "
            f"each second; retry in {retry:g} s",
            retry_after_seconds=retry,
        )
    )
