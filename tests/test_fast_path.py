"""The fast path's proof: generated completion code answers byte for byte as graphql-core does.

A schema of its own covers every shape the compiler handles (each leaf type nullable and not,
lists of both, nested and recursive objects, a specialised generic, enums) beside the shapes it
hands over (resolvers, async resolvers, ``__typename``). Hypothesis draws documents over it
(aliases, repeated fields, fragments and inline fragments) and object trees whose values come
from each type's good values and a boundary set (None, wrong Python types, Int beyond 32 bits,
NaN and infinities, unknown enum members, exceptions, huge strings). Each document runs three
times with the fast path (seen, compiled, compiled and cached) and once without; the four
responses must serialise to the same bytes: data, errors, messages, paths and null propagation.
"""

from __future__ import annotations

import asyncio
import datetime
import enum
import hashlib
import inspect
import json
import math
from functools import partial
from typing import Any, Generic, TypeVar

import pytest
import strawberry
from graphql import DocumentNode, parse, validate
from graphql.execution.executor import Executor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.extensions import ParserCache

from videoengage.planned.executor import PlannedExecutionContext, planned_execution_context
from videoengage.planned.root_fields import ObjectParts, PlannedOperations, Request

T = TypeVar("T")


@strawberry.enum
class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Other(enum.Enum):
    RED = "red"


@strawberry.type
class Box(Generic[T]):
    item: T
    label: str


@strawberry.type
class Node:
    s: str
    s_opt: str | None
    i: int
    i_opt: int | None
    f: float
    f_opt: float | None
    b: bool
    b_opt: bool | None
    id: strawberry.ID
    id_opt: strawberry.ID | None
    at: datetime.datetime
    at_opt: datetime.datetime | None
    color: Color
    color_opt: Color | None
    strings: list[str]
    strings_opt: list[str | None] | None
    ints: list[int]
    child: Node | None
    child_nn: Node
    children: list[Node]
    children_opt: list[Node | None] | None
    box: Box[Node] | None

    @strawberry.field
    def computed(self) -> str | None:
        return self.s_opt

    @strawberry.field
    async def later(self) -> Node | None:
        await asyncio.sleep(0)
        return self.child


@strawberry.type
class Query:
    node: Node | None
    node_nn: Node

    @strawberry.field
    async def node_later(self) -> Node | None:
        await asyncio.sleep(0)
        return self.node

    @strawberry.field
    def broken(self) -> Node | None:
        raise ValueError("raised by a root resolver")


CALLS: list[str] = []  # the mutations' resolvers that ran, each time


@strawberry.type
class Mutation:
    """Run on the same root as the queries (a ``Query``): what they return is its nodes."""

    @strawberry.mutation
    async def change(self) -> Node | None:
        CALLS.append("change")
        await asyncio.sleep(0)
        return self.node  # type: ignore[attr-defined, no-any-return]

    @strawberry.mutation
    async def change_nn(self) -> Node:
        CALLS.append("changeNn")
        return self.node_nn  # type: ignore[attr-defined, no-any-return]

    @strawberry.mutation
    async def fail(self) -> Node | None:
        CALLS.append("fail")
        raise ValueError("raised by a mutation")

    @strawberry.mutation
    async def fail_nn(self) -> Node:
        CALLS.append("failNn")
        raise ValueError("raised by a non-null mutation")


LEAF_FIELDS = [
    "s", "sOpt", "i", "iOpt", "f", "fOpt", "b", "bOpt", "id", "idOpt", "at", "atOpt", "color",
    "colorOpt", "strings", "stringsOpt", "ints", "computed", "__typename",
]  # fmt: skip
OBJECT_FIELDS = ["child", "childNn", "children", "childrenOpt", "later"]
AT = datetime.datetime(2026, 12, 1, 10, 30, 5, 123456, tzinfo=datetime.UTC)


class Weird:
    """An object no type expects."""


BOUNDARY: list[object] = [
    None, "", "x" * 10_000, "é\u2028\x00", 0, 1, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**64,
    1.5, -0.0, math.nan, math.inf, -math.inf, True, False, Color.RED, Other.RED, "RED", "red", AT,
    AT.date(), datetime.datetime(2026, 1, 1), b"bytes", ["list"], ("tuple",), {"a": 1}, Weird(),
    ValueError("raised by value"), 10**400,
]  # fmt: skip

GOOD: dict[str, st.SearchStrategy[Any]] = {
    "s": st.text(max_size=5),
    "i": st.integers(-(2**31), 2**31 - 1),
    "f": st.floats(allow_nan=False, allow_infinity=False),
    "b": st.booleans(),
    "id": st.text(max_size=3),
    "at": st.just(AT),
    "color": st.sampled_from(list(Color)),
}


def _value(kind: str, nullable: bool) -> st.SearchStrategy[Any]:
    good = GOOD[kind]
    options = [good, good, good, st.sampled_from(BOUNDARY)]
    if nullable:
        options.append(st.none())
    return st.one_of(*options)


def _list(item: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(item, max_size=3), st.lists(item, max_size=3).map(tuple), st.sampled_from(BOUNDARY)
    )


@st.composite
def nodes(draw: st.DrawFn, depth: int = 2) -> Any:
    """A Node, built without its constructor's checks: any attribute may hold anything."""
    values: dict[str, Any] = {}
    for kind in GOOD:
        values[kind] = draw(_value(kind, nullable=False))
        values[f"{kind}_opt"] = draw(_value(kind, nullable=True))
    values["strings"] = draw(_list(_value("s", nullable=False)))
    values["strings_opt"] = draw(st.one_of(st.none(), _list(_value("s", nullable=True))))
    values["ints"] = draw(_list(_value("i", nullable=False)))
    child: st.SearchStrategy[Any] = nodes(depth=depth - 1) if depth > 0 else st.sampled_from([None, Weird()])
    values["child"] = draw(st.one_of(st.none(), child))
    values["child_nn"] = draw(st.one_of(child, st.sampled_from(BOUNDARY)))
    values["children"] = draw(_list(child))
    values["children_opt"] = draw(st.one_of(st.none(), _list(st.one_of(st.none(), child))))
    item = draw(child)
    values["box"] = draw(st.sampled_from([None, Box(item=item, label="box"), Weird()]))
    node = object.__new__(Node)
    node.__dict__.update(values)
    return node


@st.composite
def good_nodes(draw: st.DrawFn, depth: int = 2) -> Node:
    """A Node whose every attribute holds what its type asks for: answers a plan gives whole."""
    values: dict[str, Any] = {}
    for kind, good in GOOD.items():
        values[kind] = draw(good)
        values[f"{kind}_opt"] = draw(st.one_of(st.none(), good))
    values["strings"] = draw(st.lists(GOOD["s"], max_size=3))
    values["strings_opt"] = draw(st.one_of(st.none(), st.lists(st.one_of(st.none(), GOOD["s"]), max_size=3)))
    values["ints"] = draw(st.lists(GOOD["i"], max_size=3))
    node = object.__new__(Node)
    child = good_nodes(depth - 1) if depth > 0 else st.just(node)  # at the bottom, itself
    values["child"] = draw(st.one_of(st.none(), child))
    values["child_nn"] = draw(child)
    values["children"] = draw(st.lists(child, max_size=2))
    values["children_opt"] = draw(st.one_of(st.none(), st.lists(st.one_of(st.none(), child), max_size=2)))
    values["box"] = draw(st.one_of(st.none(), child.map(lambda item: Box(item=item, label="box"))))
    node.__dict__.update(values)
    return node


ALIASES = ["", "", "a: ", "b: "]


@st.composite
def selections(
    draw: st.DrawFn,
    depth: int = 2,
    leaves: list[str] = LEAF_FIELDS,
    objects: list[str] = OBJECT_FIELDS,
    aliases: list[str] = ALIASES,
) -> str:
    """A selection set on Node: fields (some aliased, some repeated), inline fragments, a spread."""
    parts: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["leaf", "leaf", "object", "box", "inline", "spread"]))
        alias = draw(st.sampled_from(aliases))
        below = selections(depth - 1, leaves, objects, aliases)
        if kind == "leaf":
            parts.append(alias + draw(st.sampled_from(leaves)))
        elif kind == "object" and depth > 0:
            field = draw(st.sampled_from(objects))
            parts.append(f"{alias}{field} {{ {draw(below)} }}")
        elif kind == "box" and depth > 0:
            parts.append(f"{alias}box {{ label item {{ {draw(below)} }} }}")
        elif kind == "inline":
            parts.append(f"... on Node {{ {draw(st.sampled_from(leaves))} }}")
        else:
            parts.append("...Leaves")
    return " ".join(parts)


FRAGMENT = "fragment Leaves on Node { s i color at }"


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _response(schema: strawberry.Schema, document: str, root: Any) -> str:
    result = asyncio.run(schema.execute(document, root_value=root))
    errors = [error.formatted for error in result.errors or []]
    return json.dumps({"data": result.data, "errors": errors}, default=repr)


def _schemas() -> tuple[strawberry.Schema, strawberry.Schema, type[PlannedExecutionContext]]:
    # The app's parser cache: plans are keyed by the cached document's nodes, as in the app.
    planned = planned_execution_context()
    cache = [partial(ParserCache, maxsize=10_000)]
    fast = strawberry.Schema(
        query=Query, mutation=Mutation, execution_context_class=planned, extensions=cache
    )
    return fast, strawberry.Schema(query=Query, mutation=Mutation, extensions=cache), planned


FAST, GENERAL, PLANNED = _schemas()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(selection=selections(), node=nodes(), root_field=st.sampled_from(["node", "nodeNn"]))
def test_generated_documents_and_data_complete_the_same_with_and_without_the_fast_path(
    selection: str, node: Any, root_field: str
) -> None:
    uses_fragment = "...Leaves" in selection
    document = f"{{ {root_field} {{ {selection} }} }}" + (f" {FRAGMENT}" if uses_fragment else "")
    root = Query(node=node, node_nn=node)
    expected = _response(GENERAL, document, root)
    for _ in range(3):  # seen, then compiled, then from the cache
        assert _response(FAST, document, root) == expected


def test_the_generated_documents_were_compiled() -> None:
    """A check that cannot fail is a defect: the comparison above must have run compiled code."""
    assert PLANNED.plans.compiled > 20


ROOT_FIELDS = ["node", "nodeNn", "nodeLater", "broken"]
# The fields generated code completes (no resolver, no ``__typename``): half the drawn selections
# keep to them, with more aliases (fewer clashes that validation refuses), so that plans are made.
INLINED_LEAVES = [name for name in LEAF_FIELDS if name not in ("computed", "__typename")]
MANY_ALIASES = ["", "", "", *(f"x{n}: " for n in range(40))]
INLINED = selections(
    leaves=INLINED_LEAVES, objects=[name for name in OBJECT_FIELDS if name != "later"], aliases=MANY_ALIASES
)
# Leaves only, a resolver's among them (``computed``): planned as attributes and resolved leaves.
WITH_RESOLVED_LEAVES = selections(depth=0, leaves=[*INLINED_LEAVES, "computed"], aliases=MANY_ALIASES)
PLANS = PlannedOperations(PLANNED, 10_000)
_PARSED: dict[str, DocumentNode] = {}
_PLANNED_ANSWERS = {"all": 0, "with resolved leaves": 0}


def _planned_response(document: str, root: Any) -> str | None:
    """The response from the document's plan (``planned.root_fields``), as ``_response`` writes it;
    None where it has none or falls back. A valid document only, as the app plans only those."""
    node = _PARSED.setdefault(document, parse(document))
    if validate(FAST._schema, node):
        return None
    plan = PLANS.plan(FAST._schema, node, None, None, None, None)
    if plan is None:
        return None
    result = asyncio.run(plan.result(Request(FAST._schema, None, root, None, None)))
    if result is None:
        return None
    _PLANNED_ANSWERS["all"] += 1
    _PLANNED_ANSWERS["with resolved leaves"] += any(isinstance(f.value, ObjectParts) for f in plan.fields)
    errors = [error.formatted for error in result.errors or []]
    return json.dumps({"data": result.data, "errors": errors}, default=repr)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    roots=st.lists(
        st.tuples(st.sampled_from(ROOT_FIELDS), st.one_of(selections(), INLINED, WITH_RESOLVED_LEAVES)),
        min_size=1,
        max_size=3,
    ),
    node=st.one_of(nodes(), good_nodes(), good_nodes(), st.sampled_from([None, Weird()])),
)
def test_planned_queries_answer_as_graphql_core_or_fall_back(roots: list[tuple[str, str]], node: Any) -> None:
    """Whole queries answered from a plan: where the plan answers, graphql-core answers the same
    bytes (with no error); where it falls back, graphql-core's answer is the one sent."""
    # Each root field under an alias of its own, or the first one under its name.
    aliases = ["", *(f"r{i}: " for i in range(1, len(roots)))]
    fields = (f"{a}{field} {{ {selection} }}" for a, (field, selection) in zip(aliases, roots, strict=True))
    document = "{ " + " ".join(fields) + " }"
    if "...Leaves" in document:
        document += f" {FRAGMENT}"
    root = Query(node=node, node_nn=node)
    planned = _planned_response(document, root)
    if planned is not None:
        assert planned == _response(GENERAL, document, root)


def test_the_generated_queries_were_planned() -> None:
    """A check that cannot fail is a defect: the comparison above must have answered from plans."""
    assert _PLANNED_ANSWERS["all"] > 20, _PLANNED_ANSWERS


_RESOLVED_LEAVES_ANSWERED = {True: 0, False: 0}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(["node", "nodeNn", "nodeLater"]),
    selection=WITH_RESOLVED_LEAVES,
    node=st.one_of(nodes(), good_nodes(), good_nodes(), st.sampled_from([None, Weird()])),
)
def test_planned_queries_with_resolved_leaves_answer_as_graphql_core(
    field: str, selection: str, node: Any
) -> None:
    """A root field's object whose selection has a field with a resolver of a leaf type
    (``computed``, as ``video { viewerReaction }``): the plan calls it on the object, or falls back."""
    document = f"{{ {field} {{ computed {selection} }} }}"
    if "...Leaves" in document:
        document += f" {FRAGMENT}"
    root = Query(node=node, node_nn=node)
    before = _PLANNED_ANSWERS["with resolved leaves"]
    planned = _planned_response(document, root)
    assert planned is None or planned == _response(GENERAL, document, root)
    _RESOLVED_LEAVES_ANSWERED[planned is not None and _PLANNED_ANSWERS["with resolved leaves"] > before] += 1


def test_the_queries_with_resolved_leaves_were_planned() -> None:
    """Both ways: answered from their plans, and fallen back (a null or foreign object, bad values)."""
    assert min(_RESOLVED_LEAVES_ANSWERED.values()) > 10, _RESOLVED_LEAVES_ANSWERED


MUTATIONS = ["change", "changeNn", "fail", "failNn"]
_MUTATIONS_ANSWERED = {"without errors": 0, "with errors": 0}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    field=st.sampled_from(MUTATIONS),
    selection=st.one_of(selections(), INLINED),
    node=st.one_of(nodes(), good_nodes(), good_nodes(), st.sampled_from([None, Weird()])),
)
def test_planned_mutations_run_once_and_answer_as_graphql_core(field: str, selection: str, node: Any) -> None:
    """A planned mutation's resolver runs once, whatever it returns or raises; what the generated
    code does not take, graphql-core completes from there: the same bytes as graphql-core's own."""
    document = f"mutation {{ {field} {{ {selection} }} }}"
    if "...Leaves" in document:
        document += f" {FRAGMENT}"
    root = Query(node=node, node_nn=node)
    expected = _response(GENERAL, document, root)
    CALLS.clear()
    planned = _planned_response(document, root)
    if planned is None:
        assert CALLS == []  # not planned, or given back before its resolver ran: graphql-core runs it
        return
    assert planned == expected
    assert [field] == CALLS
    _MUTATIONS_ANSWERED["without errors" if '"errors": []' in planned else "with errors"] += 1


def test_the_generated_mutations_were_planned_both_ways() -> None:
    """Answered without errors, and with errors (which only graphql-core, handed the resolver's
    outcome, writes): both ways, many times."""
    assert min(_MUTATIONS_ANSWERED.values()) > 10, _MUTATIONS_ANSWERED


BOUNDARY_FIELDS = [name for name in LEAF_FIELDS if name not in ("computed", "__typename")]


@pytest.mark.parametrize(
    "field", [*BOUNDARY_FIELDS, "child { s }", "childNn { s }", "children { i }", "box { item { s } label }"]
)
@pytest.mark.parametrize("value", BOUNDARY, ids=lambda value: repr(value)[:24])
def test_every_field_against_every_boundary_value(field: str, value: object) -> None:
    """The sweep random documents can miss: each field, each boundary value, both paths."""
    node = object.__new__(Node)
    good = {"s": "s", "i": 1, "f": 1.0, "b": True, "id": "1", "at": AT, "color": Color.GREEN}
    for kind, ok in good.items():
        node.__dict__[kind] = node.__dict__[f"{kind}_opt"] = ok
    node.__dict__.update(
        strings=["a"], strings_opt=None, ints=[1], child=None, children=[], children_opt=None, box=None
    )
    node.__dict__["child_nn"] = node
    name = field.split(" ")[0]
    node.__dict__[_snake(name)] = value
    document = f"{{ node {{ {field} s }} nodeNn {{ i {field} }} }}"
    root = Query(node=node, node_nn=node)
    expected = _response(GENERAL, document, root)
    for _ in range(3):
        assert _response(FAST, document, root) == expected
    planned = _planned_response(document, root)  # a plan's answer, if it has one, is the same
    assert planned is None or planned == expected
    mutation = f"mutation {{ changeNn {{ i {field} }} }}"
    CALLS.clear()
    expected = _response(GENERAL, mutation, root)
    for _ in range(2):
        CALLS.clear()
        planned = _planned_response(mutation, root)
        assert planned == expected and CALLS == ["changeNn"]


def test_a_selection_seen_twice_is_compiled_once_and_directives_are_left_to_graphql_core() -> None:
    fast, _, planned = _schemas()
    node = object.__new__(Node)
    node.__dict__.update(s="s", i=1, color=Color.RED, at=AT)
    root = Query(node=node, node_nn=node)
    document = "{ node { s i color at } }"
    _response(fast, document, root)
    assert planned.plans.compiled == 0  # seen once: only counted
    for _ in range(3):
        _response(fast, document, root)
    assert planned.plans.compiled == 1
    with_directive = "query ($x: Boolean = true) { node { s @include(if: $x) i } }"
    for _ in range(3):
        assert _response(fast, with_directive, root) == _response(GENERAL, with_directive, root)
    assert planned.plans.compiled == 1


def test_sub_selections_are_collected_once_and_directives_each_time() -> None:
    """Collected sub-selections are kept per type and field nodes (``PlanCache.subfields``), for
    operations without directives only: a document whose ``@include`` follows a variable must
    follow it on every request."""
    fast, _, planned = _schemas()
    node = object.__new__(Node)
    node.__dict__.update(s="s", i=1, color=Color.RED, at=AT, child_nn=node)
    root = Query(node=node, node_nn=node)
    plain = "{ node { s i childNn { s } } }"
    for _ in range(3):
        assert _response(fast, plain, root) == _response(GENERAL, plain, root)
    assert planned.plans.subfields_reused >= 4  # node and childNn, in the second and third requests
    with_directive = "query ($x: Boolean!) { node { s @include(if: $x) i childNn { i @skip(if: $x) } } }"
    reused = planned.plans.subfields_reused
    for flag in (True, False, True, False):
        ours = asyncio.run(fast.execute(with_directive, variable_values={"x": flag}, root_value=root))
        theirs = asyncio.run(GENERAL.execute(with_directive, variable_values={"x": flag}, root_value=root))
        assert (ours.data, ours.errors) == (theirs.data, theirs.errors), flag
    assert planned.plans.subfields_reused == reused


# graphql-core's Executor.execute_field as ``PlannedExecutionContext._execute_field_with`` copies it
# (all but the line that makes the arguments), from graphql-core 3.3.2.
EXECUTE_FIELD_COPIED_FROM = "5281dc836ecc24a0"


def test_the_copied_execute_field_matches_the_installed_graphql_core() -> None:
    """A graphql-core upgrade that changes ``execute_field`` fails here, until the copy in
    ``planned/executor.py`` is compared with the new code and this hash updated."""
    source = inspect.getsource(Executor.execute_field)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == EXECUTE_FIELD_COPIED_FROM
