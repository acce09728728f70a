"""A first pass over the text, before graphql-core's parser: tokens and fields counted, cheaply.

Parsing costs about 6 µs of CPU per token here, so a document refused only once parsed (2,000
tokens, the 201st field at the end) costs over 10 ms. This pass reads the same tokens with one
regular expression and a small loop, about 0.5 µs each, and refuses a document as soon as it holds
more tokens than ``MAX_TOKENS`` (counted as graphql-core counts them: comments count, commas and
white space do not) or more fields than the limits admit. Its field counts are lower bounds of the
exact ones (``operation_limits``, fragments expanded, after parsing): every field written is
selected at least once, so it refuses nothing the exact count admits. Anything it does not
understand it leaves to the parser, which reports syntax errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from videoengage.errors import BadUserInput
from videoengage.schema.operation_limits import (
    INTROSPECTION_ROOTS,
    fields_message,
    introspection_message,
    root_fields_message,
)

_TOKEN = re.compile(
    r'"""(?:\\"""|[^"]|"(?!""))*"""'  # block string
    r'|"(?:[^"\\\n\r]|\\.)*"'  # string
    r"|#[^\n\r]*"  # comment
    r"|\.\.\."
    r"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"  # number
    r"|[_A-Za-z][_0-9A-Za-z]*"  # name
    r"|[^\s,\ufeff]"  # a punctuator, or a character the parser will refuse
)
_NOT_A_FIELD_AFTER = frozenset({"@", "...", ":", "$"})


def refusal(message: str) -> GraphQLError:
    return GraphQLError(message, original_error=BadUserInput(message))


@dataclass(frozen=True)
class _Braces:
    """An open selection set: whether its fields are an operation's root fields, or introspection."""

    root: bool
    inside: bool


def scan(
    text: str, max_tokens: int, max_fields: int, max_root_fields: int, introspection_fields: int | None
) -> None:
    """Raise the refusal if ``text`` is over the token limit or holds more fields than admitted."""
    tokens = [match.group() for match in islice(_TOKEN.finditer(text), max_tokens + 1)]
    if len(tokens) > max_tokens:
        raise GraphQLError(f"Syntax Error: Document contains more than {max_tokens} tokens. Parsing aborted.")
    significant = [token for token in tokens if not token.startswith("#")]
    _FieldScan(max_fields, max_root_fields, introspection_fields).run(significant)


class _FieldScan:
    def __init__(self, max_fields: int, max_root_fields: int, introspection_fields: int | None) -> None:
        self.max_fields = max_fields
        self.max_root_fields = max_root_fields
        self.introspection_fields = introspection_fields
        self.product = self.introspection = self.root_fields = 0

    def run(self, tokens: list[str]) -> None:
        stack: list[_Braces] = []
        parens = 0
        opens = "operation"  # what the next "{" opens: "operation", "fragment", "field" or "inline"
        last_field = type_condition = ""
        for index, token in enumerate(tokens):
            before = tokens[index - 1] if index else ""
            if token in "()":
                parens += 1 if token == "(" else -1
            elif parens > 0:
                continue  # arguments, variables and their values select nothing
            elif token == "{":
                stack.append(self._open(stack, opens, last_field, type_condition))
                opens = "field"
            elif token == "}":
                if stack:
                    stack.pop()
                if not stack:
                    opens = "operation"
            elif not stack:  # between definitions: ``query Name``, ``fragment Name on Type``
                if token == "fragment":
                    opens = "fragment"
                elif before == "on":
                    type_condition = token
            elif token == "...":
                opens, type_condition = "inline", ""
            elif before == "on" and index > 1 and tokens[index - 2] == "...":
                type_condition = token
            elif token[0].isalpha() or token[0] == "_":
                if token == "on" and before == "...":
                    continue
                if before in _NOT_A_FIELD_AFTER:
                    if before == ":":
                        last_field = token  # the field's name after its alias
                    continue
                following = tokens[index + 1] if index + 1 < len(tokens) else ""
                after_alias = tokens[index + 2] if following == ":" and index + 2 < len(tokens) else token
                last_field, opens = after_alias, "field"
                self._field(stack[-1], after_alias)

    def _open(self, stack: list[_Braces], opens: str, last_field: str, type_condition: str) -> _Braces:
        separate = self.introspection_fields is not None
        if not stack:
            self.root_fields = 0
            on_introspection = separate and type_condition.startswith("__")
            return _Braces(root=opens == "operation", inside=opens == "fragment" and on_introspection)
        parent = stack[-1]
        if opens == "inline":
            return _Braces(parent.root, parent.inside or (separate and type_condition.startswith("__")))
        return _Braces(False, parent.inside or (separate and last_field in INTROSPECTION_ROOTS))

    def _field(self, braces: _Braces, name: str) -> None:
        if braces.root:
            self.root_fields += 1
            if self.root_fields > self.max_root_fields:
                raise refusal(root_fields_message(None, None, self.max_root_fields))
        inside = braces.inside or name in INTROSPECTION_ROOTS
        if inside and self.introspection_fields is not None:
            self.introspection += 1
            if self.introspection > self.introspection_fields:
                raise refusal(introspection_message(self.introspection_fields))
        else:
            self.product += 1
            if self.product > self.max_fields:
                raise refusal(fields_message(self.max_fields))


class TokenPrecount(SchemaExtension):
    """Runs the first pass on every request, before the parser or its cache sees the document."""

    def __init__(
        self, max_tokens: int, max_fields: int, max_root_fields: int, introspection_fields: int | None
    ) -> None:
        self.limits = (max_tokens, max_fields, max_root_fields, introspection_fields)

    def on_parse(self) -> Iterator[None]:
        query = self.execution_context.query
        if query is not None:
            scan(query, *self.limits)
        yield
