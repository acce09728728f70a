"""Which fields a client selected below the current one: to load only what a page will show."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from graphql import FieldNode, FragmentDefinitionNode, FragmentSpreadNode, InlineFragmentNode, SelectionNode

from videoengage.context import Info


def selected_below(info: Info, *path: str) -> set[str]:
    """Field names (camelCase, as clients write them) selected at ``path`` under the current field.

    Fragments and inline fragments are looked through; directives such as @include are ignored,
    which can only make us load more than needed, never less. Reads graphql-core's own nodes of the
    (cached) document: Strawberry's ``info.selected_fields`` would first copy the whole subtree, on
    every request, which cost more than the rest of a small query.
    """
    raw = info._raw_info
    level = _children(raw.field_nodes)
    for name in path:
        level = _children([field for field in _fields(level, raw.fragments) if field.name.value == name])
    return {field.name.value for field in _fields(level, raw.fragments)}


def _children(fields: Collection[FieldNode]) -> list[SelectionNode]:
    return [child for field in fields if field.selection_set for child in field.selection_set.selections]


def _fields(
    selections: Iterable[SelectionNode], fragments: Mapping[str, FragmentDefinitionNode]
) -> Iterable[FieldNode]:
    for selection in selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set.selections, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            yield from _fields(fragments[selection.name.value].selection_set.selections, fragments)
