"""The token limit, counted with one regular expression before graphql-core's parser runs.

The parser enforces ``MAX_TOKENS`` too, but only after building the tree of every token up to the
limit: refusing a 2,000-token flood that way costs tens of milliseconds of CPU. Counting in C with
``re`` costs about one. The count follows graphql-core's ``max_tokens``: comments count, commas and
white space do not. Any character it does not know counts as one token (the parser then reports it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

_TOKEN = re.compile(
    r'"""(?:\\"""|[^"]|"(?!""))*"""'  # block string
    r'|"(?:[^"\\\n\r]|\\.)*"'  # string
    r"|#[^\n\r]*"  # comment
    r"|\.\.\."
    r"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"  # number
    r"|[_A-Za-z][_0-9A-Za-z]*"  # name
    r"|[^\s,\ufeff]"  # a punctuator, or a character the parser will refuse
)


def more_tokens_than(text: str, limit: int) -> bool:
    """Whether ``text`` has more than ``limit`` tokens; reads no further than token ``limit + 1``."""
    return len(list(islice(_TOKEN.finditer(text), limit + 1))) > limit


class TokenPrecount(SchemaExtension):
    """Refuses a document over the token limit before the parser (or its cache) sees it."""

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query
        if query is not None and more_tokens_than(query, self.max_tokens):
            raise GraphQLError(
                f"Syntax Error: Document contains more than {self.max_tokens} tokens. Parsing aborted."
            )
        yield
