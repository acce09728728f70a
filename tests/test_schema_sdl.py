"""The committed schema.graphql is what the server serves: frontend teams generate code from it."""

from __future__ import annotations

from pathlib import Path

from graphql import GraphQLField, GraphQLInputObjectType, GraphQLObjectType

from videoengage.schema.schema import schema

SDL_FILE = Path(__file__).parent.parent / "schema.graphql"


def test_committed_sdl_matches_the_schema() -> None:
    assert SDL_FILE.read_text() == schema.as_str() + "\n", (
        "schema.graphql is stale: run `.venv/bin/videoengage export-schema > schema.graphql`"
    )


def test_every_type_field_and_argument_has_a_description() -> None:
    missing: list[str] = []
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Boolean", "ID", "Float"}:
            continue
        if not graphql_type.description:
            missing.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInputObjectType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                if isinstance(field, GraphQLField):
                    missing.extend(
                        f"{name}.{field_name}({arg_name})"
                        for arg_name, arg in field.args.items()
                        if not arg.description
                    )
    assert missing == []
