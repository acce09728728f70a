"""Ids as clients send them (GraphQL ``ID`` strings) turned into our integer keys, or a clear error."""

from __future__ import annotations

from videoengage.errors import BadUserInput

MAX_ID = 2**63 - 1  # BIGINT


def parse_id(value: str, field: str) -> int:
    """A positive integer id; anything else is BAD_USER_INPUT naming the field."""
    text = value.strip()
    if not text.isascii() or not text.isdecimal() or len(text) > 19 or not 0 < int(text) <= MAX_ID:
        raise BadUserInput(f"{field} is not a valid id", field=field)
    return int(text)
