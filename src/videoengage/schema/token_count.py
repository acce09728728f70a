"""A first pass over the text, before graphql-core's parser: tokens and fields counted, cheaply.

Parsing costs about 6 µs of CPU per token here, so a document refused only once parsed (2,000
tokens, a fragment bomb at the end) costs over 10 ms. This pass reads the same tokens with one
regular expression and a small loop, under 1 µs each, and refuses a document over ``MAX_TOKENS``
(counted as graphql-core counts them: comments count, commas and white space do not) or over the
field limits, counted as ``operation_limits`` counts them on the parsed document (fragments
expanded, each counted once per pool). That exact count still runs after parsing, on every request;
for a document that parses, the two agree (``tests/test_operation_limits.py``). Anything this pass
does not understand it leaves to the parser, which reports syntax errors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from graphql import GraphQLError

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
    """An open selection set: whether its fields are its definition's root fields, or introspection."""

    root: bool
    inside: bool


@dataclass
class _Definition:
    """What one operation or fragment writes: its own fields, and the fragments it spreads."""

    fields: int = 0  # in the pool of where the definition is used
    introspection: int = 0  # under a ``__schema`` or ``__type`` of its own
    spreads: list[tuple[str, bool]] = field(default_factory=list)  # and whether inside introspection
    root_fields: int = 0
    root_spreads: list[str] = field(default_factory=list)


@lru_cache(maxsize=256)
def scan(
    text: str, max_tokens: int, max_fields: int, max_root_fields: int, introspection_fields: int | None
) -> None:
    """Raise the refusal if ``text`` is over the token limit or selects more fields than admitted.

    A text that passed is remembered (clients send the same few again and again); a refusal is
    not, and costs its pass each time.
    """
    tokens = [match.group() for match in islice(_TOKEN.finditer(text), max_tokens + 1)]
    if len(tokens) > max_tokens:
        raise GraphQLError(f"Syntax Error: Document contains more than {max_tokens} tokens. Parsing aborted.")
    significant = [token for token in tokens if not token.startswith("#")]
    operations, fragments = _read(significant, introspection_fields is not None)
    problem = _Expansion(operations, fragments, max_fields, introspection_fields).problem(max_root_fields)
    if problem is not None:
        raise refusal(problem)


def _read(tokens: list[str], separate: bool) -> tuple[list[_Definition], dict[str, _Definition]]:
    """The definitions the text writes, read from its tokens as graphql-core's grammar has them."""
    operations: list[_Definition] = []
    fragments: dict[str, _Definition] = {}
    stack: list[_Braces] = []
    definition = _Definition()
    parens = 0
    opens = "operation"  # what the next "{" opens: "operation", "fragment", "field" or "inline"
    last_field = type_condition = fragment_name = ""
    for index, token in enumerate(tokens):
        before = tokens[index - 1] if index else ""
        if token in {"(", ")"}:
            parens += 1 if token == "(" else -1
        elif parens > 0:
            continue  # arguments, variables and their values select nothing
        elif token == "{":
            if not stack:
                definition = _Definition()
                if opens == "fragment":
                    fragments.setdefault(fragment_name, definition)
                    stack.append(_Braces(True, separate and type_condition.startswith("__")))
                else:
                    operations.append(definition)
                    stack.append(_Braces(True, False))
            elif opens == "inline":
                parent = stack[-1]
                stack.append(
                    _Braces(parent.root, parent.inside or (separate and type_condition.startswith("__")))
                )
            else:
                stack.append(
                    _Braces(False, stack[-1].inside or (separate and last_field in INTROSPECTION_ROOTS))
                )
            opens = "field"
        elif token == "}":
            if stack:
                stack.pop()
            if not stack:
                opens = "operation"
        elif not stack:  # between definitions: ``query Name``, ``fragment Name on Type``
            if token == "fragment":
                opens = "fragment"
            elif before == "fragment":
                fragment_name = token
            elif before == "on":
                type_condition = token
        elif token == "...":
            opens, type_condition = "inline", ""
        elif before == "on" and index > 1 and tokens[index - 2] == "...":
            type_condition = token
        elif token[0].isalpha() or token[0] == "_":
            braces = stack[-1]
            if before == "...":
                if token != "on":
                    definition.spreads.append((token, braces.inside))
                    if braces.root:
                        definition.root_spreads.append(token)
                continue
            if before in _NOT_A_FIELD_AFTER:
                continue  # a directive's name, or the field's name after its alias
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            last_field = tokens[index + 2] if following == ":" and index + 2 < len(tokens) else token
            opens = "field"
            definition.root_fields += braces.root
            if separate and (braces.inside or last_field in INTROSPECTION_ROOTS):
                definition.introspection += 1
            else:
                definition.fields += 1
    return operations, fragments


class _Expansion:
    """Fragments expanded where they are spread, each counted once per pool (linear time)."""

    def __init__(
        self,
        operations: list[_Definition],
        fragments: dict[str, _Definition],
        max_fields: int,
        introspection_fields: int | None,
    ) -> None:
        self.operations = operations
        self.fragments = fragments
        self.max_fields = max_fields
        self.introspection_fields = introspection_fields
        self._counted: dict[tuple[str, bool], tuple[int, int]] = {}
        self._in_progress: set[tuple[str, bool]] = set()
        self._cap = max(max_fields, introspection_fields or 0) + 1  # counts saturate: no huge numbers

    def problem(self, max_root_fields: int) -> str | None:
        try:
            product = introspection = 0
            for operation in self.operations:
                fields = self._fields(operation, False)
                product, introspection = product + fields[0], introspection + fields[1]
            reached = {name for name, _inside in self._counted}
            for name in self.fragments.keys() - reached:  # validation checks unused fragments too
                fields = self._fragment(name, False)
                product, introspection = product + fields[0], introspection + fields[1]
        except _Cycle as cycle:
            return f"Cannot spread fragment '{cycle.fragment}' within itself."
        if product > self.max_fields:
            return fields_message(self.max_fields)
        if self.introspection_fields is not None and introspection > self.introspection_fields:
            return introspection_message(self.introspection_fields)
        roots: dict[str, int] = {}
        for operation in self.operations:
            root_fields = self._root_fields(operation, roots)
            if root_fields > max_root_fields:
                return root_fields_message(None, root_fields, max_root_fields)
        return None

    def _fields(self, definition: _Definition, inside: bool) -> tuple[int, int]:
        product = 0 if inside else definition.fields
        introspection = definition.introspection + (definition.fields if inside else 0)
        for name, spread_inside in definition.spreads:
            below = self._fragment(name, inside or spread_inside)
            product = min(product + below[0], self._cap)
            introspection = min(introspection + below[1], self._cap)
        return product, introspection

    def _fragment(self, name: str, inside: bool) -> tuple[int, int]:
        key = (name, inside)
        if key in self._counted:
            return self._counted[key]
        if key in self._in_progress:
            raise _Cycle(name)
        definition = self.fragments.get(name)
        if definition is None:
            return 0, 0  # an unknown fragment: validation reports it
        self._in_progress.add(key)
        self._counted[key] = self._fields(definition, inside)
        self._in_progress.discard(key)
        return self._counted[key]

    def _root_fields(self, definition: _Definition, roots: dict[str, int]) -> int:
        fields = definition.root_fields
        for name in definition.root_spreads:
            if name not in roots:
                fragment = self.fragments.get(name)
                roots[name] = 0  # no cycles are left: the field count refused them
                roots[name] = 0 if fragment is None else self._root_fields(fragment, roots)
            fields = min(fields + roots[name], self._cap)
        return fields


class _Cycle(Exception):
    def __init__(self, fragment: str) -> None:
        super().__init__(fragment)
        self.fragment = fragment
