"""Parsing that stops as soon as the text holds more fields than the limits admit, and its cache.

Parsing costs about 6 µs of CPU per token here: a 1,600-token document over ``MAX_FIELDS``, parsed
whole and then refused, would cost 10 ms. Counted as the parser meets them, its fields stop the
parser at the first one over the limit. This count is a lower bound of the exact one
(``operation_limits``, fragments expanded, run after parsing): each field written is selected at
least once, so it never refuses a document the exact count admits. Fields under ``__schema`` and
``__type``, or in a fragment on an introspection type, go to the introspection pool when there is
one (development).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from graphql import DocumentNode, FieldNode, GraphQLError, NameNode, OperationDefinitionNode, Source
from graphql.language import FragmentDefinitionNode, NamedTypeNode, TokenKind
from graphql.language.parser import Parser, nested_too_deeply_error
from strawberry.extensions import SchemaExtension

from videoengage.errors import BadUserInput
from videoengage.schema.operation_limits import (
    INTROSPECTION_ROOTS,
    fields_message,
    introspection_message,
    root_fields_message,
)


def refusal(message: str) -> GraphQLError:
    return GraphQLError(message, original_error=BadUserInput(message))


class CountingParser(Parser):
    """graphql-core's parser, counting fields (and root fields of each operation) as it goes."""

    def __init__(
        self,
        source: str,
        *,
        max_tokens: int,
        max_fields: int,
        max_root_fields: int,
        introspection_fields: int | None,
    ) -> None:
        super().__init__(Source(source), max_tokens=max_tokens)
        self._max_fields = max_fields
        self._max_root_fields = max_root_fields
        self._introspection_fields = introspection_fields
        self._product = self._introspection = 0
        self._inside = False
        self._root_fields: int | None = None  # counting only at an operation's root

    def parse_operation_definition(self) -> OperationDefinitionNode:
        self._root_fields = 0
        try:
            return super().parse_operation_definition()
        finally:
            self._root_fields = None

    def parse_fragment_definition(self) -> FragmentDefinitionNode:
        try:
            return super().parse_fragment_definition()
        finally:
            self._inside = False

    def parse_type_condition(self) -> NamedTypeNode:
        condition = super().parse_type_condition()
        if self._introspection_fields is not None and condition.name.value.startswith("__"):
            self._inside = True  # ``on __Type``: what follows is introspection
        return condition

    def parse_field(self) -> FieldNode:
        start = self._lexer.token
        name_or_alias = self.parse_name()
        alias: NameNode | None = None
        name = name_or_alias
        if self.expect_optional_token(TokenKind.COLON):
            alias, name = name_or_alias, self.parse_name()
        was_inside = self._inside
        self._count(name.value)
        root_fields, self._root_fields = self._root_fields, None
        try:
            return FieldNode(
                alias=alias,
                name=name,
                arguments=self.parse_arguments(False),
                directives=self.parse_directives(False),
                selection_set=self.parse_selection_set() if self.peek(TokenKind.BRACE_L) else None,
                loc=self.loc(start),
            )
        finally:
            self._inside, self._root_fields = was_inside, root_fields

    def _count(self, name: str) -> None:
        if self._root_fields is not None:
            self._root_fields += 1
            if self._root_fields > self._max_root_fields:
                raise refusal(root_fields_message(None, None, self._max_root_fields))
        separate = self._introspection_fields is not None
        self._inside = self._inside or (separate and name in INTROSPECTION_ROOTS)
        if self._inside and self._introspection_fields is not None:
            self._introspection += 1
            if self._introspection > self._introspection_fields:
                raise refusal(introspection_message(self._introspection_fields))
        else:
            self._product += 1
            if self._product > self._max_fields:
                raise refusal(fields_message(self._max_fields))


@lru_cache(maxsize=256)
def parse_counting(
    query: str, max_tokens: int, max_fields: int, max_root_fields: int, introspection_fields: int | None
) -> DocumentNode:
    """Parsed documents, remembered: clients send the same few again and again."""
    parser = CountingParser(
        query,
        max_tokens=max_tokens,
        max_fields=max_fields,
        max_root_fields=max_root_fields,
        introspection_fields=introspection_fields,
    )
    try:
        return parser.parse_document()
    except RecursionError:
        pass
    raise nested_too_deeply_error(parser)  # as graphql-core's ``parse`` does


class CountingParserCache(SchemaExtension):
    """Strawberry's ``ParserCache``, with our parser: refusals raise as syntax errors do."""

    def __init__(
        self, max_tokens: int, max_fields: int, max_root_fields: int, introspection_fields: int | None
    ) -> None:
        self._parse: Callable[[str], DocumentNode] = lambda query: parse_counting(
            query, max_tokens, max_fields, max_root_fields, introspection_fields
        )

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query
        if query is not None:
            self.execution_context.graphql_document = self._parse(query)
        yield
