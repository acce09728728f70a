"""What graphql-core's ``Executor.build`` derives from a document, derived once per document.

For every request ``build`` walks the document for the operation and its fragments, and turns each
variable definition's type AST into a schema type (``get_variable_signature``) before it coerces the
variables: about a third of building the executor of a small mutation, and the same answer for
every request of a document. Here that answer is kept per (document, operation name), and each
request only coerces its values with graphql-core's ``coerce_input_value``, exactly as
``coerce_variable_values`` does.

Only the plain case is kept: one operation found (by name, or the only one), fragments without
variables, variables without defaults. A request whose values do not all coerce (a missing non-null
variable, a wrong type, input nested too deeply) gets None, and graphql-core's ``build`` then
answers it with its own errors.

A variable of a built-in scalar type (``ID``, ``Int``, ``String``, ``Boolean``, non-null or not)
whose value already is what coercion returns (a ``str`` for ``ID`` and ``String``, an ``int`` within
32 bits, a ``bool``) is taken as it is: graphql-core's coercion would walk its type, check the depth
and call the scalar only to return that same value, a third of building a small mutation's executor.
Any other value (null, a number for an ``ID``, a float for an ``Int``, anything out of range) takes
graphql-core's coercion as before.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, NamedTuple

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLNonNull,
    GraphQLSchema,
    OperationDefinitionNode,
)
from graphql.execution.collect_fields import FragmentDetails
from graphql.execution.get_variable_signature import GraphQLVariableSignature, get_variable_signature
from graphql.execution.values import VariableValues, VariableValueSource, input_is_nested_too_deeply
from graphql.pyutils import Undefined
from graphql.type import GraphQLInputType, GraphQLScalarType
from graphql.type.scalars import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    coerce_boolean,
    coerce_id,
    coerce_int,
    coerce_string,
)
from graphql.utilities import coerce_input_value

# Whether a value is its own coercion, by the built-in scalar's input coercer.
_AS_IS: dict[Callable[[Any], Any], Callable[[Any], bool]] = {
    coerce_id: lambda value: type(value) is str,
    coerce_string: lambda value: type(value) is str,
    coerce_int: lambda value: type(value) is int and GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT,
    coerce_boolean: lambda value: type(value) is bool,
}


class PreparedOperation(NamedTuple):
    document: DocumentNode  # held, so no other document can take its id while this lives
    operation: OperationDefinitionNode
    fragment_definitions: dict[str, FragmentDefinitionNode]
    fragments: dict[str, FragmentDetails]
    signatures: tuple[GraphQLVariableSignature, ...]
    as_is: tuple[Callable[[Any], bool] | None, ...]  # per signature: built-in scalars (``_AS_IS``)

    def variable_values(self, inputs: object) -> VariableValues | None:
        """``coerce_variable_values``'s answer when every value coerces; None otherwise."""
        if type(inputs) is not dict:
            return None
        sources: dict[str, VariableValueSource] = {}
        coerced: dict[str, Any] = {}
        for signature, as_is in zip(self.signatures, self.as_is, strict=True):
            name, type_ = signature.name, signature.type
            value = inputs.get(name, Undefined)
            if value is Undefined:
                if isinstance(type_, GraphQLNonNull):
                    return None
                sources[name] = VariableValueSource(signature)
                continue
            sources[name] = VariableValueSource(signature, value)
            if as_is is not None and as_is(value):
                coerced[name] = value
                continue
            if input_is_nested_too_deeply(value, type_):
                return None
            coerced_value = coerce_input_value(value, type_)
            if coerced_value is Undefined:
                return None
            coerced[name] = coerced_value
        return VariableValues(sources, coerced)


class PreparedOperations:
    """Prepared operations by (document identity, operation name), bounded."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, str | None], tuple[DocumentNode, PreparedOperation | None]] = (
            OrderedDict()
        )

    def get(
        self, schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
    ) -> PreparedOperation | None:
        key = (id(document), operation_name)
        entry = self._entries.get(key)
        if entry is None or entry[0] is not document:
            entry = (document, prepare(schema, document, operation_name))
            self._entries[key] = entry
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry[1]


def prepare(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> PreparedOperation | None:
    """The operation as ``Executor.build`` finds it, or None for anything but the plain case."""
    operation: OperationDefinitionNode | None = None
    fragment_definitions: dict[str, FragmentDefinitionNode] = {}
    fragments: dict[str, FragmentDetails] = {}
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if operation_name is None:
                if operation is not None:
                    return None  # several operations and no name: build's error
                operation = definition
            elif definition.name and definition.name.value == operation_name:
                operation = definition
        elif isinstance(definition, FragmentDefinitionNode):
            if definition.variable_definitions:
                return None
            fragment_definitions[definition.name.value] = definition
            fragments[definition.name.value] = FragmentDetails(definition, None)
    if operation is None:
        return None
    signatures = []
    for variable in operation.variable_definitions or ():
        signature = get_variable_signature(schema, variable)
        if isinstance(signature, GraphQLError) or variable.default_value is not None:
            return None
        signatures.append(signature)
    as_is = tuple(_as_is(signature.type) for signature in signatures)
    return PreparedOperation(document, operation, fragment_definitions, fragments, tuple(signatures), as_is)


def _as_is(type_: GraphQLInputType) -> Callable[[Any], bool] | None:
    """For a built-in scalar type (non-null or not), the test of a value that is its own coercion."""
    named = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if not isinstance(named, GraphQLScalarType):
        return None
    return _AS_IS.get(named.coerce_input_value)
