"""Input objects built from graphql-core's coerced values with each field's conversion decided once.

For every argument of an input type Strawberry resolves each field's type annotation again and
walks its general conversion (``convert_argument``), about a tenth of a small mutation's CPU. The
values graphql-core hands over for scalar and enum fields are already the Python values, which that
conversion returns unchanged. So each input type gets a builder (Strawberry's ``from_input`` hook)
that knows its fields: a scalar or enum field's value is taken as it is, any other (a nested input,
a list) goes through Strawberry's own conversion (``InputContext.convert``), and the class is built
as Strawberry builds it (fields without a default start as None).

With ``FAST_PATH=false`` (the schema has no ``known`` operations), and whenever no request is at
hand (defaults converted while the schema is built), every field takes Strawberry's conversion, so
the general path is Strawberry's own. Types with ``Maybe`` fields are left alone: Strawberry's
validation treats types with a builder differently for those.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

from graphql import GraphQLInputObjectType, GraphQLSchema
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    StrawberryType,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.lazy_type import LazyType
from strawberry.types.scalar import ScalarDefinition, ScalarWrapper

DEFINITION = "strawberry-definition"
Scalars = Mapping[object, ScalarWrapper | ScalarDefinition]
Build = Callable[[type, Mapping[str, Any], InputContext], Any]


def build_inputs_directly(
    schema: GraphQLSchema,
    config: StrawberryConfig,
    scalars: Scalars,
) -> None:
    """Give every input type of ``schema`` without a builder of its own the one above."""
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLInputObjectType):
            continue
        definition = (graphql_type.extensions or {}).get(DEFINITION)
        if not isinstance(definition, StrawberryObjectDefinition) or definition.from_input is not None:
            continue
        if any(isinstance(field.type, StrawberryMaybe) for field in definition.fields):
            continue
        definition.from_input = _builder(definition, config, scalars)


def _builder(
    definition: StrawberryObjectDefinition,
    config: StrawberryConfig,
    scalars: Scalars,
) -> Build:
    fields = [
        (
            config.name_converter.from_field(field),
            field.python_name,
            field,
            _is_leaf(field.resolve_type(type_definition=definition), scalars),
        )
        for field in definition.fields
    ]
    unset = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    }

    def build(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        info = context.info
        fast = info is not None and getattr(info.schema, "known", None) is not None
        kwargs = dict(unset)
        for graphql_name, python_name, field, leaf in fields:
            if graphql_name in value:
                item = value[graphql_name]
                if not (fast and leaf):
                    item = context.convert(item, field.resolve_type(type_definition=definition), graphql_name)
                kwargs[python_name] = item
        return cls(**kwargs)

    return build


def _is_leaf(type_: StrawberryType | type, scalars: Scalars) -> bool:
    """A scalar (not a GlobalID) or an enum, optional or not: what Strawberry's conversion returns
    unchanged (its ``_is_leaf_type``, after the enum's definition is looked up)."""
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    if type_ is GlobalID or isinstance(type_, LazyType):
        return False
    return (
        is_scalar(type_, scalars) or has_enum_definition(type_) or isinstance(type_, StrawberryEnumDefinition)
    )
