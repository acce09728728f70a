"""The planned executor's ``build`` against graphql-core's, on drawn variable values.

``PlannedExecutionContext.build`` derives the operation, fragments and variable signatures once per
document (``planned.operations``) and coerces each request's values itself. For every document and
drawn set of raw values, both builds must give the same: the same errors, or executors with the same
operation, fragments and coerced variables (values and sources).
"""

from __future__ import annotations

import math
from typing import Any

from graphql import DocumentNode, is_equal_type, parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from videoengage.planned.executor import planned_execution_context
from videoengage.schema.schema import schema as product_schema

SCHEMA = product_schema._schema
VIDEO = "fragment V on Video { id title }"
DOCUMENTS = {
    "progress": (
        "mutation P($videoId: ID!, $w: Int!, $d: Int!, $l: Int!) { saveVideoProgress(input:"
        " {videoId: $videoId, watchedSeconds: $w, durationSeconds: $d, lastPosition: $l}) { completed } }"
    ),
    "toggle": "mutation T($videoId: ID!, $type: ReactionType!) { toggleVideoReaction(input:"
    " {videoId: $videoId, type: $type}) { action } }",
    "send_input": "mutation S($input: SendMessageInput!) { sendMessage(input: $input) { id } }",
    "nullable": f"query Q($first: Int, $after: String) {{ videos(first: $first, after: $after)"
    f" {{ edges {{ node {{ ...V }} }} }} }} {VIDEO}",
    "default": "query D($first: Int = 3) { videos(first: $first) { edges { cursor } } }",
    "two": "query A { viewer { id } } query B($id: ID!) { video(id: $id) { id } }",
    "none": "{ viewer { id } }",
}
NAMES = [None, "P", "T", "S", "Q", "D", "A", "B", "Nope"]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.sampled_from([2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 0, 1, -1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1.0, 2.5, -0.0]),
    st.text(max_size=8),
    st.sampled_from(["LIKE", "PRAY", "like", "TEXT", "SHARED_VIDEO", "12", "", "x" * 300]),
)
_KEYS = [
    "videoId",
    "conversationId",
    "type",
    "body",
    "mediaUrl",
    "sharedVideoId",
    "sharedPostId",
    "clientMessageId",
    "extra",
]
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=5),
    max_leaves=10,
)
# Values each document accepts, which draws change a key or two of (or not at all).
GOOD: dict[str, dict[str, Any]] = {
    "progress": {"videoId": "1", "w": 3, "d": 10, "l": 2},
    "toggle": {"videoId": "7", "type": "LIKE"},
    "send_input": {"input": {"conversationId": "1", "type": "TEXT", "body": "hi"}},
    "nullable": {"first": 2, "after": None},
    "default": {},
    "two": {"id": "3"},
    "none": {},
}
VARIABLE_NAMES = ["videoId", "w", "d", "l", "type", "input", "first", "after", "id", "other"]


def _drawn(count: int) -> list[tuple[str, str | None, Any]]:
    drawn: list[tuple[str, str | None, Any]] = []

    @settings(max_examples=count, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
    @given(
        document=st.sampled_from(sorted(DOCUMENTS)),
        name=st.sampled_from(NAMES),
        changes=st.one_of(
            st.dictionaries(st.sampled_from(VARIABLE_NAMES), json_values, max_size=2),
            st.none(),
            st.sampled_from([[], "x", 3]),
        ),
        keep=st.booleans(),
        fitting_name=st.booleans(),
    )
    def collect(document: str, name: str | None, changes: Any, keep: bool, fitting_name: bool) -> None:
        raw = {**GOOD[document], **changes} if keep and isinstance(changes, dict) else changes
        if fitting_name:
            name = {"progress": "P", "toggle": "T", "send_input": "S", "two": "B"}.get(document, name)
        drawn.append((document, name, raw))

    collect()
    return drawn


def _same(left: Any, right: Any) -> bool:
    """Equality in which NaN equals NaN (a drawn NaN is coerced to a value that is not equal to itself)."""
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left) and math.isnan(right):
        return True
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _same_sources(ours: dict[str, Any], theirs: dict[str, Any]) -> bool:
    """Sources name the same signatures (types compared structurally: theirs are built anew) and values."""
    return ours.keys() == theirs.keys() and all(
        mine.signature.name == other.signature.name
        and is_equal_type(mine.signature.type, other.signature.type)
        and mine.signature.default == other.signature.default
        and _same(mine.value, other.value)
        for mine, other in ((ours[name], theirs[name]) for name in ours)
    )


def _build(executor: Any, document: DocumentNode, raw: Any, name: str | None) -> Any:
    """The build's answer, or the class of what it raised."""
    try:
        return executor.build(SCHEMA, document, None, None, raw, name)
    except Exception as error:
        return type(error)


def test_build_answers_as_graphql_core_does() -> None:
    planned = planned_execution_context()
    documents = {key: parse(text) for key, text in DOCUMENTS.items()}
    fast = 0
    for key, name, raw in _drawn(1500):
        document = documents[key]
        ours = _build(planned, document, raw, name)
        theirs = _build(StrawberryGraphQLCoreExecutionContext, document, raw, name)
        where = f"{key} {name} {raw!r}"
        if isinstance(theirs, type):  # raised (variables that are not an object): the same raises
            assert ours is theirs, where
            continue
        if isinstance(theirs, list):
            assert isinstance(ours, list), where
            assert [error.formatted for error in ours] == [error.formatted for error in theirs], where
            continue
        assert not isinstance(ours, list), where
        assert ours.operation is theirs.operation, where
        assert ours.fragment_definitions == theirs.fragment_definitions, where
        assert ours.fragments == theirs.fragments, where
        assert _same(ours.variable_values.coerced, theirs.variable_values.coerced), where
        assert _same_sources(ours.variable_values.sources, theirs.variable_values.sources), where
        prepared = planned.plans.operations.get(SCHEMA, document, name)
        fast += prepared is not None and prepared.variable_values(raw or {}) is not None
    # A comparison that never took the prepared path would prove nothing.
    assert fast > 100, fast


SCALAR_DOCUMENT = parse(
    "query S($i: ID!, $n: Int!, $s: String!, $b: Boolean!, $oi: ID, $on: Int, $os: String, $ob: Boolean)"
    " { viewer { id } }"
)
SCALAR_VALUES = [
    None,
    True,
    False,
    0,
    1,
    -1,
    7,
    2**31 - 1,
    2**31,
    -(2**31),
    -(2**31) - 1,
    2**80,
    0.0,
    1.0,
    -0.0,
    2.5,
    float("nan"),
    float("inf"),
    "",
    "1",
    "LIKE",
    "x" * 300,
    "\u00e9\u0000",
    [],
    ["1"],
    {},
    {"a": 1},
]


def _exactly(left: Any, right: Any) -> bool:
    """``_same`` with the types too: a coerced 1 is not 1.0, nor True."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_exactly(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(_exactly(a, b) for a, b in zip(left, right, strict=True))
    return _same(left, right)


def test_built_in_scalar_variables_are_coerced_as_graphql_core_coerces_them() -> None:
    """Values of a built-in scalar type that are their own coercion skip graphql-core's coercion
    (``operations._AS_IS``); every boundary value, for each scalar, non-null or not, must still give
    the same coerced value, of the same type, or the same errors."""
    planned = planned_execution_context()
    prepared = planned.plans.operations.get(SCHEMA, SCALAR_DOCUMENT, None)
    assert prepared is not None
    assert all(check is not None for check in prepared.as_is)  # the shortcut is taken
    good = {"i": "1", "n": 1, "s": "", "b": False}
    compared = 0
    for variable in ("i", "n", "s", "b", "oi", "on", "os", "ob"):
        for value in SCALAR_VALUES:
            raw = {**good, variable: value}
            ours = _build(planned, SCALAR_DOCUMENT, raw, None)
            theirs = _build(StrawberryGraphQLCoreExecutionContext, SCALAR_DOCUMENT, raw, None)
            where = f"{variable} {value!r}"
            if isinstance(theirs, list):
                assert isinstance(ours, list), where
                assert [error.formatted for error in ours] == [error.formatted for error in theirs], where
                continue
            assert not isinstance(ours, list), where
            assert _exactly(ours.variable_values.coerced, theirs.variable_values.coerced), where
            assert _same_sources(ours.variable_values.sources, theirs.variable_values.sources), where
            compared += 1
    assert compared > 30, compared


ARGUMENT_DOCUMENTS = {
    **DOCUMENTS,
    "literal": "mutation L($v: ID!) { toggleVideoReaction(input: {videoId: $v, type: LIKE}) { action } }",
    "nullable_variable": "mutation N($v: ID, $t: ReactionType!) { toggleVideoReaction(input:"
    " {videoId: $v, type: $t}) { action } }",
    "bad_literal": "mutation B($v: ID!) { toggleVideoReaction(input: {videoId: $v, type: NOPE}) { action } }",
    "big_literal": "mutation G($v: ID!) { saveVideoProgress(input: {videoId: $v, watchedSeconds: 99999999999,"
    " durationSeconds: 2, lastPosition: 1}) { completed } }",
    "send_literal": "mutation W($c: ID!, $b: String!) { sendMessage(input: {conversationId: $c, type: TEXT,"
    ' body: $b, mediaUrl: null, clientMessageId: "x\\u00e9"}) { id } }',
    "some_fields": "mutation F($v: ID!, $w: Int!, $d: Int!, $l: Int!, $c: Boolean!) { saveVideoProgress("
    "input: {videoId: $v, watchedSeconds: $w, durationSeconds: $d, lastPosition: $l, completed: $c})"
    " { completed } }",
    # Scalar literals as arguments: good ones (a number, a string for an ID, null where null is
    # allowed) and ones graphql-core refuses (beyond 32 bits, a string or a float for an Int).
    "page_literal": "query M($c: ID!) { messages(conversationId: $c, first: 50) { edges { cursor } } }",
    "id_literal": 'query I { video(id: "7") { id } }',
    "null_literal": "query Z { videos(first: null) { edges { cursor } } }",
    "big_argument": "query X { videos(first: 99999999999) { edges { cursor } } }",
    "string_argument": 'query Y { videos(first: "3") { edges { cursor } } }',
    "float_argument": "query R { videos(first: 2.5) { edges { cursor } } }",
}


def test_argument_builders_answer_as_graphql_core_does() -> None:
    """Each field's arguments from its builder (``planned.arguments``), where the field has one, are
    graphql-core's ``get_argument_values``: the same values of the same types, for every drawn set of
    variables an executor is built for."""
    from graphql import GraphQLError, GraphQLObjectType, OperationDefinitionNode
    from graphql.execution import get_argument_values

    from videoengage.planned.arguments import argument_builder

    planned = planned_execution_context()
    documents = {key: parse(text) for key, text in ARGUMENT_DOCUMENTS.items()}
    extra = [
        ("some_fields", "F", {"v": "5", "w": 1, "d": 3, "l": 2, "c": True}),
        ("some_fields", "F", {"v": "5", "w": 1, "d": 3, "l": 2, "c": False}),
        ("literal", "L", {"v": "2"}),
        ("nullable_variable", "N", {"v": None, "t": "LIKE"}),
        ("nullable_variable", "N", {"v": "3", "t": "PRAY"}),
        ("bad_literal", "B", {"v": "3"}),
        ("big_literal", "G", {"v": "3"}),
        ("send_literal", "W", {"c": "1", "b": "hi"}),
        ("send_literal", "W", {"c": "12", "b": ""}),
        ("page_literal", "M", {"c": "1"}),
        ("id_literal", "I", {}),
        ("null_literal", "Z", {}),
        ("big_argument", "X", {}),
        ("string_argument", "Y", {}),
        ("float_argument", "R", {}),
    ]
    built = {key: 0 for key in ARGUMENT_DOCUMENTS}
    for key, name, raw in [*_drawn(800), *extra]:
        document = documents[key]
        executor = _build(planned, document, raw, name)
        if isinstance(executor, type | list):
            continue
        operation = executor.operation
        assert isinstance(operation, OperationDefinitionNode)
        root = SCHEMA.get_root_type(operation.operation)
        assert isinstance(root, GraphQLObjectType)
        for node in operation.selection_set.selections:
            field_def = SCHEMA.get_field(root, node.name.value)  # type: ignore[attr-defined]
            assert field_def is not None
            build = argument_builder(field_def, node, operation)  # type: ignore[arg-type]
            try:
                theirs = get_argument_values(field_def, node, executor.variable_values)  # type: ignore[arg-type]
            except GraphQLError:
                assert build is None, f"{key} {raw!r}: graphql-core refuses these arguments"
                continue
            if build is None:
                continue
            ours = build(executor.variable_values.coerced)
            assert _exactly(ours, theirs), f"{key} {raw!r}"
            assert list(ours) == list(theirs)
            built[key] += 1
    # Taken where the plain case holds, never where it does not.
    # (How many of each document's draws build depends on Hypothesis's draws: each must have some.)
    assert min(built["progress"], built["toggle"], built["send_input"]) > 0, built
    assert built["progress"] + built["toggle"] + built["send_input"] > 20, built
    assert built["some_fields"] == built["send_literal"] == 2 and built["literal"] == 1, built
    assert built["nullable_variable"] == built["bad_literal"] == built["big_literal"] == 0, built
    assert built["page_literal"] == built["id_literal"] == built["null_literal"] == 1, built
    assert built["big_argument"] == built["string_argument"] == built["float_argument"] == 0, built


def test_argument_builders_follow_each_operation_of_a_shared_fragment() -> None:
    """A field node in a fragment serves every operation that spreads it, and each may declare the
    variable differently: the builder kept for one must not answer for the other."""
    from graphql import FieldNode, FragmentDefinitionNode, GraphQLObjectType
    from graphql.execution import get_argument_values

    document = parse(
        "query A($n: Int!) { ...F } query B($n: Int) { ...F }"
        " fragment F on Query { videos(first: $n) { edges { cursor } } }"
    )
    fragment = document.definitions[2]
    assert isinstance(fragment, FragmentDefinitionNode)
    node = fragment.selection_set.selections[0]
    assert isinstance(node, FieldNode)
    query = SCHEMA.query_type
    assert isinstance(query, GraphQLObjectType)
    field_def = query.fields["videos"]
    planned = planned_execution_context()
    for name, raw in (("A", {"n": 2}), ("B", {}), ("B", {"n": None}), ("A", {"n": 3}), ("B", {"n": 4})):
        executor = _build(planned, document, raw, name)
        assert not isinstance(executor, type | list), name
        build = planned.plans.argument_builder(executor, query, field_def, node)
        theirs = get_argument_values(field_def, node, executor.variable_values)
        if build is not None:
            assert _exactly(build(executor.variable_values.coerced), theirs), (name, raw)
        assert (build is not None) == (name == "A"), name
