"""Which fields a client selected below the current one: to load only what a page will show."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from videoengage.context import Info


def selected_below(info: Info, *path: str) -> set[str]:
    """Field names (camelCase, as clients write them) selected at ``path`` under the current field.

    Fragments and inline fragments are looked through; directives such as @include are ignored,
    which can only make us load more than needed, never less.
    """
    level: list[Selection] = []
    for field in info.selected_fields:
        level.extend(field.selections)
    for name in path:
        level = [child for field in _fields(level) if field.name == name for child in field.selections]
    return {field.name for field in _fields(level)}


def _fields(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)
