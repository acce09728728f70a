"""A field's arguments built from the request's variables by a function derived once per field node.

For every field with arguments graphql-core's ``get_argument_values`` walks the argument AST
against the field's definition: for ``saveVideoProgress(input: {videoId: $videoId, ...})`` that
is a literal input object whose every field is a variable, coerced field by field (each input field
looked up, checked for a default, for null, for ``@oneOf``), the same walk with the same answer for
every request of the document, a twentieth of a small mutation's CPU. ``argument_builder`` derives
that answer's shape once: which argument and input field reads which variable.

Only the plain case is derived, where graphql-core's answer can only be the variables' values as
they are: each argument is a variable, a scalar or enum literal (coerced once, by graphql-core: the
same immutable value for every request), or an input object literal (not ``@oneOf``) whose fields
are variables or scalar and enum literals, and each of those variables is declared non-null, so an
executor exists only if each has a coerced, non-null value (validation has checked that its type
fits where it is used). An argument left out takes its default (null, or a scalar), or is left out,
as graphql-core does; an input field left out must be one without a default, which graphql-core
leaves out too. Anything else (list literals, object literals below the top, nullable variables,
input fields' defaults, fragment arguments) gets None, and graphql-core builds the arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from graphql import (
    BooleanValueNode,
    EnumValueNode,
    FieldNode,
    FloatValueNode,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLNonNull,
    IntValueNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    StringValueNode,
    ValueNode,
    VariableNode,
)
from graphql.pyutils import Undefined
from graphql.utilities.coerce_input_value import coerce_default_value, coerce_input_literal

# The arguments of one request, from its coerced variables.
ArgumentBuilder = Callable[[dict[str, Any]], dict[str, Any]]


def argument_builder(
    field_def: GraphQLField, node: FieldNode, operation: OperationDefinitionNode
) -> ArgumentBuilder | None:
    """``get_argument_values(field_def, node, variables)`` as a function of the coerced variables, or
    None outside the plain case."""
    non_null = {
        definition.variable.name.value
        for definition in operation.variable_definitions or ()
        if isinstance(definition.type, NonNullTypeNode) and definition.default_value is None
    }
    given = {argument.name.value: argument.value for argument in node.arguments or ()}
    if set(given) - set(field_def.args):
        return None
    steps: list[tuple[int, str, Any]] = []  # (kind, out name, what it reads), kinds below
    for name, argument in field_def.args.items():
        value = given.get(name)
        out_name = argument.out_name or name
        if value is None:  # left out: its default, if it has one, as graphql-core does
            if not _has_default(argument):
                if isinstance(argument.type, GraphQLNonNull):
                    return None  # validation's to refuse
                continue
            try:
                default = coerce_default_value(argument)
            except TypeError:
                return None
            if default is not None and type(default) not in (bool, int, float, str):
                return None  # one object shared by every request: graphql-core's to hand out
            if default is not Undefined:
                steps.append((_CONSTANT, out_name, default))
            continue
        if isinstance(value, VariableNode):
            if value.name.value not in non_null:
                return None
            steps.append((_VARIABLE, out_name, value.name.value))
            continue
        if isinstance(value, _LITERALS):  # ``first: 50``: the same value for every request
            constant = _constant(value, argument.type)
            if constant is Undefined:
                return None
            steps.append((_CONSTANT, out_name, constant))
            continue
        named = argument.type.of_type if isinstance(argument.type, GraphQLNonNull) else argument.type
        if not isinstance(value, ObjectValueNode) or not isinstance(named, GraphQLInputObjectType):
            return None
        fields = _input_object(named, value, non_null)
        if fields is None:
            return None
        steps.append((_OBJECT, out_name, (named.out_type, fields)))
    return _build(tuple(steps))


_VARIABLE, _OBJECT, _CONSTANT = range(3)


def _has_default(value: Any) -> bool:
    return getattr(value, "default", None) is not None or value.default_value is not Undefined


def _input_object(
    type_: GraphQLInputObjectType, value: ObjectValueNode, non_null: set[str]
) -> tuple[tuple[str, bool, Any], ...] | None:
    """(out name, whether a variable, the variable's name or the value) for each field a literal
    object sets; None unless each is a non-null variable or a scalar or enum literal, and every field
    it leaves out may be left out without a default."""
    if type_.is_one_of:
        return None
    given = {field.name.value: field.value for field in value.fields}
    if len(given) != len(value.fields) or set(given) - set(type_.fields):
        return None  # a repeated or unknown field: validation's to refuse
    fields: list[tuple[str, bool, Any]] = []
    for name, field in type_.fields.items():
        node = given.get(name)
        if node is None:
            if isinstance(field.type, GraphQLNonNull) or _has_default(field):
                return None
            continue
        if isinstance(node, VariableNode):
            if node.name.value not in non_null:
                return None
            fields.append((field.out_name or name, True, node.name.value))
            continue
        constant = _constant(node, field.type)
        if constant is Undefined:
            return None
        fields.append((field.out_name or name, False, constant))
    return tuple(fields)


_LITERALS = (BooleanValueNode, EnumValueNode, FloatValueNode, IntValueNode, NullValueNode, StringValueNode)


def _constant(node: ValueNode, type_: GraphQLInputType) -> Any:
    """What graphql-core coerces a scalar or enum literal to (it reads no variable, so it is the same
    for every request), if that is an immutable value; Undefined otherwise."""
    if not isinstance(node, _LITERALS):
        return Undefined
    value = coerce_input_literal(node, type_)
    if value is None or type(value) in (bool, int, float, str) or isinstance(value, Enum):
        return value
    return Undefined


def _build(steps: tuple[tuple[int, str, Any], ...]) -> ArgumentBuilder:
    def build(variables: dict[str, Any]) -> dict[str, Any]:
        arguments: dict[str, Any] = {}
        for kind, out_name, source in steps:
            if kind == _VARIABLE:
                arguments[out_name] = variables[source]
            elif kind == _OBJECT:
                out_type, fields = source
                arguments[out_name] = out_type(
                    {key: variables[read] if variable else read for key, variable, read in fields}
                )
            else:
                arguments[out_name] = source
        return arguments

    return build
