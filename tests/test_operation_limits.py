"""The field and root-field limits (``MAX_FIELDS``, ``MAX_ROOT_FIELDS``) and introspection's depth.

A refused document gets one error, ``BAD_USER_INPUT`` naming the limit, before any validation:
no validation error beside it, and not one SQL statement. Times are the benchmark's business
(``python -m bench.hostile_documents``); here, the refusals and their codes.
"""

from __future__ import annotations

import random

import pytest
from graphql import GraphQLError, get_introspection_query, parse, validate
from pydantic import ValidationError

from bench.hostile_documents import SHAPES, report, run
from tests.api import Api, error_codes
from tests.chat import MESSAGES, SEND_MESSAGE
from tests.conftest import StatementCounter, make_settings, serve
from tests.factories import create_user
from tests.test_hostile_documents import HOSTILE_DOCUMENTS
from videoengage.db.engine import Database
from videoengage.schema.operation_limits import INTROSPECTION_FIELDS, operation_limit_problem
from videoengage.schema.schema import schema
from videoengage.schema.token_count import scan
from videoengage.settings import Settings

FIELDS = "the limit is 200 (MAX_FIELDS)"
ROOT_FIELDS = "the limit is 10 (MAX_ROOT_FIELDS)"
SEND = 'sendMessage(input: {conversationId: "1", type: TEXT, body: "hi"}) { id }'

OVER_THE_LIMITS = {
    "400 duplicated root fields (the issue's document)": ("{ " + "viewer { id } " * 400 + "}", FIELDS),
    "201 duplicated fields": ("{ viewer { " + "id " * 200 + "} }", FIELDS),
    "200 spreads of one fragment": ("{ viewer { " + "...F " * 200 + "} } fragment F on User { id }", FIELDS),
    "a fragment bomb": (
        "{ viewer { ...F0 } } "
        + " ".join(f"fragment F{n} on User {{ ...F{n + 1} ...F{n + 1} }}" for n in range(40))
        + " fragment F40 on User { id }",
        FIELDS,
    ),
    "unknown fields too": ("{ viewer { " + "nope " * 200 + "} }", FIELDS),
    "an unused fragment": ("{ viewer { id } } fragment U on User { " + "id " * 200 + "}", FIELDS),
    "several operations together": (
        " ".join(f"query Q{n} {{ viewer {{ {'id ' * 20}}} }}" for n in range(10)),
        FIELDS,
    ),
    "11 root fields": ("{ " + " ".join(f"a{n}: viewer {{ id }}" for n in range(11)) + " }", ROOT_FIELDS),
    "11 aliased sends": ("mutation { " + " ".join(f"s{n}: {SEND}" for n in range(11)) + " }", ROOT_FIELDS),
    "root fields through fragments": (
        "{ ...R ... on Query { b: viewer { id } } } fragment R on Query { "
        + " ".join(f"a{n}: viewer {{ id }}" for n in range(10))
        + " }",
        ROOT_FIELDS,
    ),
    "introspection over its own pool": (
        "{ __schema { types { " + "name " * INTROSPECTION_FIELDS + "} } }",
        f"more than {INTROSPECTION_FIELDS} fields",
    ),
    "fragments in a cycle": (
        "{ ...A } fragment A on Query { viewer { id } ...B } fragment B on Query { ...A }",
        "within itself",
    ),
}


@pytest.mark.parametrize("name", list(OVER_THE_LIMITS))
async def test_a_document_over_a_limit_gets_one_error_naming_it_and_runs_nothing(
    name: str, api: Api, db: Database, statements: StatementCounter
) -> None:
    document, names_the_limit = OVER_THE_LIMITS[name]
    user_id = await create_user(db)
    statements.reset()
    for _attempt in range(2):  # the second time the parse cache knows the text: still refused
        body = await api.gql(document, as_user=user_id)
        assert "data" not in body or body["data"] is None
        assert error_codes(body) == ["BAD_USER_INPUT"]  # the limit only, no validation error
        assert names_the_limit in body["errors"][0]["message"]
    assert statements.count == 0
    assert await api.data("{ viewer { id } }", as_user=user_id) == {"viewer": {"id": str(user_id)}}


async def test_documents_at_the_limits_are_admitted(api: Api, db: Database) -> None:
    user_id = await create_user(db)
    two_hundred = "{ viewer { " + "...F " * 199 + "} } fragment F on User { id }"  # expanded: 200
    assert await api.data(two_hundred, as_user=user_id) == {"viewer": {"id": str(user_id)}}
    ten = "{ " + " ".join(f"a{n}: viewer {{ id }}" for n in range(10)) + " }"
    ten_roots = await api.data(ten, as_user=user_id)
    assert len(ten_roots) == 10


async def test_validation_comparing_too_many_pairs_of_fields_is_aborted(api: Api, db: Database) -> None:
    """Within the limits, 199 copies of one field are 19,701 pairs to compare: over the budget."""
    user_id = await create_user(db)
    body = await api.gql("{ viewer { " + "id " * 199 + "} }", as_user=user_id)
    assert body["errors"] == [{"message": "Validation aborted.", "extensions": {"code": "BAD_USER_INPUT"}}]


async def test_the_limits_are_settings(db_url: str) -> None:
    three = "{ a: __typename b: __typename c: __typename }"
    async with serve(make_settings(db_url)) as client:  # admitted, parsed and validated: cached
        assert (await client.post("/graphql", json={"query": three})).json()["data"]["a"] == "Query"
    async with serve(make_settings(db_url, max_fields=10, max_root_fields=2)) as client:
        fields = (await client.post("/graphql", json={"query": "{ viewer { " + "id " * 10 + "} }"})).json()
        assert fields["errors"][0]["message"].endswith("the limit is 10 (MAX_FIELDS)")
        roots = (await client.post("/graphql", json={"query": three})).json()
        assert roots["errors"][0]["message"] == (
            "The operation selects 3 root fields; the limit is 2 (MAX_ROOT_FIELDS)"
        )
        assert error_codes(roots) == ["BAD_USER_INPUT"]
    with pytest.raises(ValidationError):
        Settings(max_fields=5)
    with pytest.raises(ValidationError):
        Settings(max_root_fields=0)


EVERY_CARD = """
query Page($conversationId: ID!) {
  messages(conversationId: $conversationId, first: 100) {
    edges { cursor node {
      id conversationId type body mediaUrl clientMessageId createdAt
      sender { id displayName avatarUrl }
      sharedVideo { id title description thumbnailUrl durationSeconds publishedAt viewerReaction
                    reactionCounts { like love haha wow sad pray total }
                    viewerProgress { videoId watchedSeconds lastPosition durationSeconds completed
                                     updatedAt } }
      sharedPost { id body createdAt viewerReaction author { id displayName avatarUrl }
                   reactionCounts { like love haha wow sad pray total } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def test_the_largest_product_operation_is_far_below_the_field_limit() -> None:
    document = parse(EVERY_CARD)
    assert validate(schema._schema, document) == []
    assert operation_limit_problem(document, 100, 1, None) is None  # under half of MAX_FIELDS


def _agreeing_documents() -> list[str]:
    rng = random.Random(7)
    documents = [MESSAGES, SEND_MESSAGE, EVERY_CARD, get_introspection_query(descriptions=True)]
    documents += [document for document, _limit in OVER_THE_LIMITS.values()]
    documents += [shape(rng, over) for shape in SHAPES.values() for over in (False, True)]
    return documents + list(HOSTILE_DOCUMENTS.values())


@pytest.mark.parametrize("introspection_fields", [None, INTROSPECTION_FIELDS])
def test_the_first_pass_and_the_exact_count_agree(introspection_fields: int | None) -> None:
    """The text pass refuses exactly what the count on the parsed document refuses."""
    for document in _agreeing_documents():
        try:
            parsed = parse(document, max_tokens=2_000)
        except GraphQLError:
            continue  # syntax errors are the parser's
        exact = operation_limit_problem(parsed, 200, 10, introspection_fields)
        try:
            scan(document, 2_000, 200, 10, introspection_fields)
            first_pass = None
        except GraphQLError as error:
            first_pass = error.message
        assert first_pass == exact, document[:80]


DEEP_TYPE = '{ __type(name: "Video") { fields { type { ' + "ofType { " * 30 + "name" + " }" * 30 + " } } } }"


async def test_deep_introspection_is_refused_by_the_depth_limit(api: Api) -> None:
    body = await api.gql(DEEP_TYPE)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "exceeds maximum operation depth of 10" in body["errors"][0]["message"]


INTROSPECTION_OPTIONS = [
    {},
    {"descriptions": False},
    {"specified_by_url": True, "directive_is_repeatable": True, "schema_description": True},
    {"input_value_deprecation": True},
    {"descriptions": True, "input_value_deprecation": True, "one_of": True, "specified_by_url": True},
]


@pytest.mark.parametrize("options", INTROSPECTION_OPTIONS)
async def test_standard_introspection_queries_still_answer(api: Api, options: dict[str, bool]) -> None:
    body = await api.gql(get_introspection_query(**options))
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_the_hostile_documents_benchmark_runs_and_reports() -> None:
    shapes = ["duplicated objects", "fragment bomb", "introspection"]
    outcomes = run(production=False, variants=1, shapes=shapes, seed=3)
    assert {(outcome.shape, outcome.over) for outcome in outcomes} == {
        (shape, over) for shape in shapes for over in (False, True)
    }
    by_side = {(outcome.shape, outcome.over): outcome for outcome in outcomes}
    assert by_side["duplicated objects", True].validated is False  # refused before validation
    assert by_side["fragment bomb", True].validated is False
    assert by_side["fragment bomb", False].validated is True
    assert by_side["introspection", False].message == "not executed"  # valid: stopped before running
    lines, _held = report(outcomes)
    assert len(lines) == 2 + 2 * len(shapes)
