"""The cost rules, computed on the product schema: the README's numbers, fragments, aliases, variables."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from graphql import parse, validate

from videoengage.schema.operation_cost import operation_cost
from videoengage.schema.schema import schema

README = Path(__file__).parent.parent / "README.md"


def cost(document: str, variables: dict[str, Any] | None = None, operation_name: str | None = None) -> int:
    parsed = parse(document)
    assert validate(schema._schema, parsed) == []
    return operation_cost(schema._schema, parsed, operation_name).priced(variables)


def readme_examples() -> list[tuple[int, str]]:
    """Each example operation of the README with the cost its ``# cost N`` comment claims."""
    blocks = re.findall(r"```graphql\n(.*?)```", README.read_text(), re.DOTALL)
    examples = []
    for block in blocks:
        for part in re.split(r"^# cost (?=\d)", block, flags=re.MULTILINE)[1:]:
            claimed, _, document = part.partition("\n")
            examples.append((int(claimed), document))
    return examples


def test_the_readme_gives_a_cost_for_every_example() -> None:
    blocks = re.findall(r"```graphql\n(.*?)```", README.read_text(), re.DOTALL)
    operations = sum(len(re.findall(r"^(query|mutation) ", block, re.MULTILINE)) for block in blocks)
    assert len(readme_examples()) == operations == 6


@pytest.mark.parametrize(("claimed", "document"), readme_examples())
def test_each_readme_example_costs_what_the_readme_says(claimed: int, document: str) -> None:
    assert cost(document) == claimed


def test_aliases_fragments_and_inline_fragments_each_count() -> None:
    send = 'sendMessage(input: {conversationId: "1", type: TEXT, body: "hi"}) { id sender { id } }'
    assert cost(f"mutation {{ a: {send} b: {send} }}") == 22
    through_fragment = f"""
        mutation {{ ...Sends ... on Mutation {{ c: {send} }} }}
        fragment Sends on Mutation {{ a: {send} b: {send} }}
    """
    assert cost(through_fragment) == 33
    page = """
        query { messages(conversationId: "1", first: 4) { ...Page pageInfo { endCursor } } }
        fragment Page on MessageConnection { edges { node { ...Card } } }
        fragment Card on Message { sender { id } sharedVideo { id } }
    """
    assert cost(page) == 1 + 1 + 4 * (1 + 1 + 1 + 1)


def test_connections_nest_and_lists_count_once() -> None:
    document = """
        query ($n: Int, $m: Int) {
          conversations(first: $n) { edges { node { participants { id } lastMessage { sender { id } } } } }
          viewer { id }
          videos(first: $m) { edges { cursor } }
        }
    """
    per_conversation = 1 + 1 + 1 + 1 + 1  # edges, node, participants, lastMessage, sender
    assert cost(document, {"n": 10, "m": 3}) == 1 + 10 * per_conversation + 1 + 1 + 3 * 1
    assert cost(document, {}) == 1 + 20 * per_conversation + 1 + 1 + 20 * 1  # the arguments' defaults
    assert cost(document, {"n": 500, "m": -1}) == 1 + 100 * per_conversation + 1 + 1


def test_the_operation_named_is_the_one_priced() -> None:
    document = "query A { viewer { id } } query B { viewer { id } video(id: 1) { id } }"
    assert (cost(document, operation_name="A"), cost(document, operation_name="B")) == (1, 2)
    assert cost(document, operation_name="C") == 0  # refused by graphql-core before it runs


def test_introspection_and_typename_cost_what_they_select() -> None:
    assert cost("{ __typename viewer { __typename } }") == 1
    assert cost("{ __schema { queryType { name } } }") == 2
