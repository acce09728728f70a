"""Every argument of every root field, given hostile values: a clear error, never a server error.

The cases are built from the schema itself, so a field added later is covered without a new test.
For each root field we build a valid-looking call, then spoil one argument (or input field) at a
time: ids that are not ours, integers outside GraphQL's 32-bit Int, odd strings.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

from tests.api import Api, error_codes
from tests.factories import create_user
from videoengage.db.engine import Database
from videoengage.schema.schema import schema

HOSTILE: dict[str, list[Any]] = {
    "ID": [
        "abc",
        "-1",
        "0",
        "3000000000",
        "9223372036854775807",
        "99999999999999999999",
        "",
        " ",
        "1e3",
        "\uff11",
        "1; DROP TABLE users",
        None,
    ],
    "Int": [2**31, -(2**31) - 1, 10**20, -1, 0, 1.5, "1", None],
    "String": ["", " ", "\x00", "x" * 100_000, "\U0001d54f" * 1000, "' OR 1=1 --", None],
    "Boolean": ["true", 1, None],
    "DateTime": ["yesterday", "2026-13-45T25:61:61Z", "", 12345, None],
}
PLAIN: dict[str, Any] = {
    "ID": "1",
    "Int": 1,
    "String": "hello",
    "Boolean": True,
    "DateTime": "2026-01-01T00:00:00Z",
}


def _plain_value(graphql_type: GraphQLInputType) -> Any:
    named = get_named_type(graphql_type)
    if isinstance(named, GraphQLInputObjectType):
        return {
            name: _plain_value(field.type)
            for name, field in named.fields.items()
            if isinstance(field.type, GraphQLNonNull)
        }
    if isinstance(named, GraphQLEnumType):
        return next(iter(named.values))
    assert isinstance(named, GraphQLScalarType)
    value = PLAIN[named.name]
    return [value] if isinstance(graphql_type, GraphQLList) else value


def _spoiled(name: str, graphql_type: GraphQLInputType) -> list[tuple[str, Any]]:
    """(path, value) pairs: the argument itself, or one field inside an input object, spoiled."""
    named = get_named_type(graphql_type)
    if isinstance(named, GraphQLInputObjectType):
        return [
            (f"{name}.{field_name}", (field_name, bad))
            for field_name, field in named.fields.items()
            for _, bad in _spoiled(field_name, field.type)
        ]
    if isinstance(named, GraphQLScalarType):
        return [(name, value) for value in HOSTILE[named.name]]
    return [(name, "NOT_A_VALUE")]


def _cases() -> list[tuple[str, str, str, Any]]:
    cases = []
    roots: list[tuple[str, GraphQLObjectType | None]] = [
        ("query", schema._schema.query_type),
        ("mutation", schema._schema.mutation_type),
    ]
    for operation, root in roots:
        if root is None:
            continue
        for field_name, field in root.fields.items():
            for arg_name, arg in field.args.items():
                for path, value in _spoiled(arg_name, arg.type):
                    cases.append((operation, field_name, path, value))
    return cases


def _document(operation: str, field_name: str) -> str:
    root = schema._schema.query_type if operation == "query" else schema._schema.mutation_type
    assert root is not None
    field = root.fields[field_name]
    variables = ", ".join(f"${name}: {arg.type}" for name, arg in field.args.items())
    arguments = ", ".join(f"{name}: ${name}" for name in field.args)
    selection = " { __typename }" if not isinstance(get_named_type(field.type), GraphQLScalarType) else ""
    head = f"{operation}({variables})" if variables else operation
    call = f"{field_name}({arguments})" if arguments else field_name
    return f"{head} {{ {call}{selection} }}"


CASES = _cases()


@pytest.mark.parametrize(
    ("operation", "field_name", "path", "value"),
    CASES,
    ids=[f"{c[1]}:{c[2]}={str(c[3])[:20]!r}" for c in CASES],
)
async def test_hostile_arguments_get_a_clear_error_never_a_server_error(
    api: Api, db: Database, operation: str, field_name: str, path: str, value: Any
) -> None:
    user_id = await create_user(db)
    root = schema._schema.query_type if operation == "query" else schema._schema.mutation_type
    assert root is not None
    field = root.fields[field_name]
    variables = {name: _plain_value(arg.type) for name, arg in field.args.items()}
    if "." in path:
        arg_name = path.split(".")[0]
        inner_name, bad = value
        variables[arg_name] = {**variables[arg_name], inner_name: bad}
    else:
        variables[path] = value

    response = await api.post(_document(operation, field_name), variables, as_user=user_id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(error_codes(body)) <= {"BAD_USER_INPUT", "NOT_FOUND"}, body
    # and the server is unharmed
    assert (await api.data("{ viewer { id } }", as_user=user_id)) == {"viewer": {"id": str(user_id)}}


def test_every_root_argument_is_covered() -> None:
    assert {case[1] for case in CASES} >= {
        name
        for root in (schema._schema.query_type, schema._schema.mutation_type)
        if root is not None
        for name, field in root.fields.items()
        if field.args
    }


def test_no_input_names_the_acting_user() -> None:
    """The viewer comes only from the token: no input can say who is acting."""
    acting = {"viewerId", "senderId", "authorId", "actorId", "asUser", "ownerId"}
    offenders = [
        f"{type_name}.{field_name}"
        for type_name, graphql_type in schema._schema.type_map.items()
        if isinstance(graphql_type, GraphQLInputObjectType)
        for field_name in graphql_type.fields
        if field_name in acting
    ]
    offenders += [
        f"{root.name}.{field_name}({arg})"
        for root in (schema._schema.query_type, schema._schema.mutation_type)
        if root is not None
        for field_name, field in root.fields.items()
        for arg in field.args
        if arg in acting
    ]
    assert offenders == []
