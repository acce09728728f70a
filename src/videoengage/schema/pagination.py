"""Relay-style connections: ``edges { cursor node }`` and ``pageInfo``, opaque cursors, capped pages."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from typing import Generic, TypeVar

import strawberry

from videoengage.errors import BadUserInput

T = TypeVar("T")

MIN_PAGE_SIZE = 1
MAX_PAGE_SIZE = 100


@strawberry.type(description="Where a page ends and whether more follow.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether another page follows this one.")
    end_cursor: str | None = strawberry.field(
        description="Pass as `after` to get the next page; null on an empty page."
    )


@strawberry.type(description="One item of a page and the cursor that points at it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque position of this item in the list.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of items.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Where this page ends.")


def check_page_size(first: int) -> int:
    if not MIN_PAGE_SIZE <= first <= MAX_PAGE_SIZE:
        raise BadUserInput(f"first must be between {MIN_PAGE_SIZE} and {MAX_PAGE_SIZE}", field="first")
    return first


def encode_cursor(kind: str, *values: int | str) -> str:
    """A cursor is opaque to clients; inside, it names its list so one list's cursor fails in another.

    A page encodes one per item: integers are written directly (the same text ``json.dumps`` writes,
    at a third of its cost); anything else goes through ``json.dumps``."""
    if all(type(value) is int for value in values):
        text = ",".join([_json_string(kind), *map(str, values)])
        raw = f"[{text}]".encode()
    else:
        raw = json.dumps([kind, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@functools.cache
def _json_string(kind: str) -> str:
    return json.dumps(kind)


def decode_cursor(kind: str, cursor: str, *types: type[int] | type[str]) -> tuple[int | str, ...]:
    """The values inside a cursor of this list, checked against ``types``; BAD_USER_INPUT otherwise."""
    try:
        if len(cursor) > 200:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadUserInput("after is not a valid cursor", field="after") from None
    if (
        not isinstance(decoded, list)
        or len(decoded) != len(types) + 1
        or decoded[0] != kind
        or not all(type(value) is expected for value, expected in zip(decoded[1:], types, strict=True))
    ):
        raise BadUserInput("after is not a valid cursor for this list", field="after")
    return tuple(decoded[1:])


def connection(nodes_and_cursors: list[tuple[T, str]], has_next_page: bool) -> Connection[T]:
    edges = [Edge(cursor=cursor, node=node) for node, cursor in nodes_and_cursors]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=has_next_page, end_cursor=edges[-1].cursor if edges else None),
    )
