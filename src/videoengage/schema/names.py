"""Strawberry's name converter, remembering each name it has converted.

Strawberry converts an input type's Python field names to GraphQL names on every call that takes
arguments (``convert_arguments``), not once: camel-casing ``watched_seconds`` again and again cost a
mutation like ``saveVideoProgress`` about 3% of its CPU. The names are few and fixed by the schema.
"""

from __future__ import annotations

from strawberry.schema.name_converter import NameConverter


class RememberingNameConverter(NameConverter):
    def __init__(self, auto_camel_case: bool = True) -> None:
        super().__init__(auto_camel_case=auto_camel_case)
        self._converted: dict[tuple[bool, str], str] = {}

    def apply_naming_config(self, name: str) -> str:
        key = (self.auto_camel_case, name)  # StrawberryConfig sets auto_camel_case after __init__
        converted = self._converted.get(key)
        if converted is None:
            converted = self._converted[key] = super().apply_naming_config(name)
        return converted
