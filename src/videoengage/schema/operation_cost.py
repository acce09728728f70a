"""What an operation costs, for the rate limit: worked out once per cached document, priced per request.

The rules (README, "Rate and cost limits"), after GitHub's and Shopify's: each object field costs 1
(a list of objects that is not a connection counts as one), each scalar or enum 0, each mutation root
field 10 in place of its 1. A connection field (one with ``first`` that returns ``edges`` and
``pageInfo``) costs 1, plus what it selects beside ``edges`` once, plus ``first`` times what one edge
costs (``edges`` 1, ``node`` 1, and what the node selects); ``first`` is capped at the page cap (100),
and a value the resolver will refuse (null, negative) counts as none. Every occurrence of a field is
counted, as ``MAX_FIELDS`` counts them, so ``@skip`` and merged duplicates never make it cheaper.

The walk runs once per (document, operation) and leaves a ``Cost``: a fixed part and, for each
connection whose ``first`` is a variable, the variable's name. Pricing it per request is a few
additions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from videoengage.schema.pagination import MAX_PAGE_SIZE

OBJECT_FIELD_COST = 1
MUTATION_FIELD_COST = 10


@dataclass(frozen=True, slots=True)
class Page:
    """``first`` items of a connection, each costing ``item``; ``first`` a literal or a variable's name."""

    first: int | str
    default: int  # when the variable is not sent: its default in the operation, else the argument's
    item: Cost


@dataclass(frozen=True, slots=True)
class Cost:
    fixed: int = 0
    pages: tuple[Page, ...] = ()

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.fixed + other.fixed, self.pages + other.pages)

    def priced(self, variables: Mapping[str, Any] | None) -> int:
        """The cost with these variables (as sent: not yet coerced, so anything may be in them)."""
        total = self.fixed
        for page in self.pages:
            total += page_size(page, variables) * page.item.priced(variables)
        return total


NOTHING = Cost()


def page_size(page: Page, variables: Mapping[str, Any] | None) -> int:
    if isinstance(page.first, int):
        value: object = page.first
    elif variables is not None and page.first in variables:
        value = variables[page.first]
    else:
        value = page.default
    if isinstance(value, float) and value.is_integer():  # graphql-core coerces 5.0 to 5
        value = int(value)
    if type(value) is not int:  # null, or a value coercion refuses: nothing is read
        return 0
    return max(0, min(value, MAX_PAGE_SIZE))


def operation_cost(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Cost:
    """The cost of the operation ``operation_name`` picks (a validated document); none if none is picked."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [op for op in operations if op.name is not None and op.name.value == operation_name]
    if len(operations) != 1:
        return NOTHING  # graphql-core refuses the request before anything runs
    return _Walk(schema, document, operations[0]).operation()


class _Walk:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode):
        self.schema = schema
        self.operation_node = operation
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variable_defaults: dict[str, object] = {}
        for definition in operation.variable_definitions or ():
            default = definition.default_value
            if isinstance(default, IntValueNode):
                self.variable_defaults[definition.variable.name.value] = int(default.value)
            elif isinstance(default, NullValueNode):
                self.variable_defaults[definition.variable.name.value] = None
        self._fragment_costs: dict[tuple[str, bool], tuple[Cost, Cost]] = {}

    def operation(self) -> Cost:
        root = self.schema.get_root_type(self.operation_node.operation)
        if root is None:
            return NOTHING
        mutation = self.operation_node.operation == OperationType.MUTATION
        cost = NOTHING
        for field, field_def in self._fields(self.operation_node.selection_set, root):
            field_cost = self.field(field, field_def)
            if mutation:
                field_cost = field_cost + Cost(MUTATION_FIELD_COST - OBJECT_FIELD_COST)
            cost = cost + field_cost
        return cost

    def field(self, node: FieldNode, definition: GraphQLField) -> Cost:
        named = get_named_type(definition.type)
        if not isinstance(named, GraphQLObjectType) or node.selection_set is None:
            return NOTHING
        if "first" in definition.args and {"edges", "pageInfo"} <= named.fields.keys():
            once, per_edge = self.selection(node.selection_set, named, split_edges=True)
            page = Page(self._first(node, definition), self._default_first(node, definition), per_edge)
            return Cost(OBJECT_FIELD_COST) + once + Cost(0, (page,))
        return Cost(OBJECT_FIELD_COST) + self.selection(node.selection_set, named, split_edges=False)[0]

    def selection(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType, *, split_edges: bool
    ) -> tuple[Cost, Cost]:
        """What the selection costs once and, on a connection, what it selects per edge."""
        once, per_edge = NOTHING, NOTHING
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                definition = self._field_def(parent, selection.name.value)
                if definition is None:
                    continue
                cost = self.field(selection, definition)
                if split_edges and selection.name.value == "edges":
                    per_edge = per_edge + cost
                else:
                    once = once + cost
            elif isinstance(selection, InlineFragmentNode):
                inner = self._type(selection.type_condition.name.value if selection.type_condition else None)
                part = self.selection(selection.selection_set, inner or parent, split_edges=split_edges)
                once, per_edge = once + part[0], per_edge + part[1]
            elif isinstance(selection, FragmentSpreadNode):
                part = self._fragment(selection.name.value, parent, split_edges)
                once, per_edge = once + part[0], per_edge + part[1]
        return once, per_edge

    def _fragment(self, name: str, parent: GraphQLObjectType, split_edges: bool) -> tuple[Cost, Cost]:
        key = (name, split_edges)
        if key not in self._fragment_costs:
            fragment = self.fragments.get(name)
            if fragment is None:
                return NOTHING, NOTHING
            self._fragment_costs[key] = (NOTHING, NOTHING)  # a cycle (refused earlier) costs nothing
            inner = self._type(fragment.type_condition.name.value) or parent
            self._fragment_costs[key] = self.selection(fragment.selection_set, inner, split_edges=split_edges)
        return self._fragment_costs[key]

    def _fields(
        self, selection_set: SelectionSetNode, parent: GraphQLObjectType
    ) -> list[tuple[FieldNode, GraphQLField]]:
        """The root fields, through fragments (a mutation's root fields each cost 10)."""
        found: list[tuple[FieldNode, GraphQLField]] = []
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                definition = self._field_def(parent, selection.name.value)
                if definition is not None:
                    found.append((selection, definition))
            elif isinstance(selection, InlineFragmentNode):
                found += self._fields(selection.selection_set, parent)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:  # fragment cycles were refused before this runs
                    found += self._fields(fragment.selection_set, parent)
        return found

    def _field_def(self, parent: GraphQLObjectType, name: str) -> GraphQLField | None:
        if parent is self.schema.query_type:
            if name == "__schema":
                return SchemaMetaFieldDef
            if name == "__type":
                return TypeMetaFieldDef
        found: GraphQLField | None = parent.fields.get(name)
        return found

    def _type(self, name: str | None) -> GraphQLObjectType | None:
        found = self.schema.get_type(name) if name else None
        return found if isinstance(found, GraphQLObjectType) else None

    def _first(self, node: FieldNode, definition: GraphQLField) -> int | str:
        for argument in node.arguments or ():
            if argument.name.value == "first":
                value = argument.value
                if isinstance(value, VariableNode):
                    return value.name.value
                if isinstance(value, IntValueNode):
                    return int(value.value)
                return 0  # null: the resolver refuses it
        return self._argument_default(definition)

    def _default_first(self, node: FieldNode, definition: GraphQLField) -> int:
        first = self._first(node, definition)
        if isinstance(first, str) and first in self.variable_defaults:
            default = self.variable_defaults[first]
            return default if isinstance(default, int) else 0
        return self._argument_default(definition)

    @staticmethod
    def _argument_default(definition: GraphQLField) -> int:
        default = definition.args["first"].default_value
        return default if type(default) is int else MAX_PAGE_SIZE
