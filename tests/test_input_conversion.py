"""Input objects built by ``input_conversion``'s builders against Strawberry's own conversion.

Every input type of the schema, given values graphql-core coerced from drawn JSON, must come out equal
(field by field) three ways: Strawberry's general conversion (no builder), the builder with no request
at hand or with ``FAST_PATH=false`` (Strawberry's conversion per field), and the builder with the
fast path on (scalar and enum values taken as they are).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLNonNull, Undefined, get_named_type
from graphql.utilities import coerce_input_value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.types.arguments import InputContext, convert_argument

from tests.conftest import make_settings
from videoengage.schema.input_conversion import DEFINITION
from videoengage.schema.schema import build_schema

FAST = build_schema(make_settings("sqlite+aiosqlite://", fast_path=True))
GENERAL = build_schema(make_settings("sqlite+aiosqlite://", fast_path=False))
INPUTS = {
    name: graphql_type
    for name, graphql_type in FAST._schema.type_map.items()
    if isinstance(graphql_type, GraphQLInputObjectType) and not name.startswith("__")
}
FIELD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**31), max_value=2**31 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=6),
    st.sampled_from(["12", "LIKE", "PRAY", "TEXT", "SHARED_VIDEO", "2026-12-05T10:00:00+00:00", "x"]),
)


def _fitting(type_: Any) -> st.SearchStrategy[Any]:
    """Values of the field's own type (graphql-core accepts most of them)."""
    nullable = not isinstance(type_, GraphQLNonNull)
    named = get_named_type(type_)
    if isinstance(named, GraphQLEnumType):
        values: st.SearchStrategy[Any] = st.sampled_from(sorted(named.values))
    else:
        values = {
            "ID": st.one_of(st.integers(0, 10**6).map(str), st.integers(0, 10**6)),
            "Int": st.integers(min_value=-(2**31), max_value=2**31 - 1),
            "String": st.text(max_size=8),
            "Boolean": st.booleans(),
            "DateTime": st.sampled_from(["2026-12-05T10:00:00+00:00", "2020-01-01T00:00:00Z"]),
        }.get(named.name, FIELD_VALUES)
    return st.one_of(st.none(), values) if nullable else values


def _drawn(count: int) -> list[tuple[str, dict[str, Any]]]:
    drawn: list[tuple[str, dict[str, Any]]] = []

    @settings(max_examples=count, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(name=st.sampled_from(sorted(INPUTS)), data=st.data())
    def collect(name: str, data: st.DataObject) -> None:
        value = {}
        for field_name, field in INPUTS[name].fields.items():
            required = isinstance(field.type, GraphQLNonNull)
            if data.draw(st.integers(0, 9)) < (9 if required else 5):
                value[field_name] = data.draw(
                    st.one_of(_fitting(field.type), FIELD_VALUES)
                    if data.draw(st.booleans())
                    else _fitting(field.type)
                )
        drawn.append((name, value))

    collect()
    return drawn


def _strawberrys_own(cls: type, value: Any) -> Any:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    builder, definition.from_input = definition.from_input, None
    try:
        return convert_argument(value, cls, FAST.schema_converter.scalar_registry, FAST.config)
    finally:
        definition.from_input = builder


def test_every_input_type_has_a_builder() -> None:
    assert INPUTS
    for graphql_type in INPUTS.values():
        assert graphql_type.extensions[DEFINITION].from_input is not None, graphql_type.name


def test_builders_build_what_strawberry_builds() -> None:
    built = 0
    for name, raw in _drawn(600):
        graphql_type = INPUTS[name]
        try:
            value = coerce_input_value(raw, graphql_type)
        except Exception:
            continue
        if value is Undefined:
            continue
        definition = graphql_type.extensions[DEFINITION]
        cls = definition.origin
        expected = _strawberrys_own(cls, value)
        for info in (None, SimpleNamespace(schema=GENERAL), SimpleNamespace(schema=FAST)):
            context = InputContext(
                info=info,  # type: ignore[arg-type]  # only its schema is read
                config=FAST.config,
                scalar_registry=FAST.schema_converter.scalar_registry,
                path=(),
            )
            assert definition.from_input(cls, value, context) == expected, (name, raw, info)
        built += 1
    # Comparisons that never built anything would prove nothing.
    assert built > 150, built
