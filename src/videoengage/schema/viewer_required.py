"""Authentication for every product field, checked once per operation before anything executes."""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.language import DocumentNode

from videoengage.schema.document import fragment_selections


def touches_product_fields(document: DocumentNode, operation_name: str | None) -> bool:
    """Whether the operation selects any field but introspection's (``__schema``, ``__typename``):
    then it needs a viewer."""
    fragments = fragment_selections(document)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [op for op in operations if op.name and op.name.value == operation_name]
    seen: set[str] = set()

    def visit(selection_set: SelectionSetNode) -> bool:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if not selection.name.value.startswith("__"):
                    return True
            elif isinstance(selection, InlineFragmentNode):
                if visit(selection.selection_set):
                    return True
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    seen.add(name)
                    if visit(fragments[name]):
                        return True
        return False

    # An operation we cannot pick out is left to graphql-core to reject; guarding it costs nothing.
    return not operations or any(visit(op.selection_set) for op in operations)
