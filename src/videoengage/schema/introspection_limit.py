"""A validation rule bounding how deeply introspection nests its lists.

Strawberry's depth limit skips introspection, yet ``types { fields { type { fields { … } } } }``
grows exponentially. Real introspection (GraphiQL, codegen) nests at most three lists
(``types > fields > args``); the ``ofType`` chain is not a list and stays free.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
)

MAX_INTROSPECTION_LIST_DEPTH = 3
_LIST_FIELDS = frozenset(
    {"types", "fields", "args", "inputFields", "interfaces", "possibleTypes", "enumValues", "directives"}
)


class IntrospectionListDepth(ASTValidationRule):
    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self._fragments = {
            definition.name.value: definition.selection_set
            for definition in context.document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        if self._deepest(node.selection_set, 0, False, frozenset()) > MAX_INTROSPECTION_LIST_DEPTH:
            self.report_error(
                GraphQLError(
                    f"Introspection nests more than {MAX_INTROSPECTION_LIST_DEPTH} lists",
                    node,
                )
            )

    def _deepest(
        self, selection_set: SelectionSetNode, depth: int, inside: bool, fragments_on_path: frozenset[str]
    ) -> int:
        if depth > MAX_INTROSPECTION_LIST_DEPTH:
            return depth  # already too deep: stop walking
        deepest = depth
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.selection_set is None:
                    continue
                name = selection.name.value
                now_inside = inside or name in {"__schema", "__type"}
                nested = depth + 1 if now_inside and name in _LIST_FIELDS else depth
                found = self._deepest(selection.selection_set, nested, now_inside, fragments_on_path)
            elif isinstance(selection, InlineFragmentNode):
                found = self._deepest(selection.selection_set, depth, inside, fragments_on_path)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments_on_path or name not in self._fragments:
                    continue  # cycles and unknown fragments are other rules' errors
                found = self._deepest(self._fragments[name], depth, inside, fragments_on_path | {name})
            else:
                continue
            deepest = max(deepest, found)
        return deepest
