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
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
)

from videoengage.schema.document import fragment_selections

MAX_INTROSPECTION_LIST_DEPTH = 3
_LIST_FIELDS = frozenset(
    {"types", "fields", "args", "inputFields", "interfaces", "possibleTypes", "enumValues", "directives"}
)


class IntrospectionListDepth(ASTValidationRule):
    def __init__(self, context: ValidationContext) -> None:
        super().__init__(context)
        self._fragments = fragment_selections(context.document)

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


# graphql-core's get_introspection_query nests ``ofType`` 9 deep in its TypeRef fragment (its
# ``type_depth``), GraphiQL 3 and 4 send the same; a chain of links costs one field each, no fan-out.
FREE_OF_TYPE_LINKS = 10
_INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


def introspection_depth_rule(max_depth: int) -> type[ASTValidationRule]:
    """A rule bounding introspection by the depth limit, which Strawberry's limiter skips.

    Levels count as for product fields, except the first ``FREE_OF_TYPE_LINKS`` links of each
    ``ofType`` chain: so every standard introspection query passes, and ``__type { fields { type {
    ofType { ofType … 30 deep } } } }`` does not. Build it once: the validation cache keys on it.
    """

    class IntrospectionDepth(ASTValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self._fragments = fragment_selections(context.document)

        def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
            if self._too_deep(node.selection_set, 0, 0, False, frozenset()):
                name = node.name.value if node.name else "anonymous"
                self.report_error(
                    GraphQLError(f"Introspection in '{name}' exceeds maximum operation depth of {max_depth}")
                )

        def _too_deep(
            self,
            selection_set: SelectionSetNode,
            level: int,
            chain: int,
            inside: bool,
            on_path: frozenset[str],
        ) -> bool:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    name = selection.name.value
                    now_inside = inside or name in _INTROSPECTION_ROOTS
                    if now_inside and level > max_depth:
                        return True
                    if selection.selection_set is None:
                        continue
                    free = name == "ofType" and chain < FREE_OF_TYPE_LINKS
                    below = level if free else level + 1
                    links = chain + 1 if name == "ofType" else 0
                    if self._too_deep(selection.selection_set, below, links, now_inside, on_path):
                        return True
                elif isinstance(selection, InlineFragmentNode):
                    if self._too_deep(selection.selection_set, level, chain, inside, on_path):
                        return True
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = selection.name.value
                    if fragment in on_path or fragment not in self._fragments:
                        continue  # cycles and unknown fragments are other rules' errors
                    if self._too_deep(self._fragments[fragment], level, chain, inside, on_path | {fragment}):
                        return True
            return False

    return IntrospectionDepth
