"""Arguments and input fields a client left out arrive as Strawberry's ``UNSET``; we read them as null.

They are declared without a default (``after: String``, not ``after: String = null``) so the SDL says
exactly what the contract says.
"""

from __future__ import annotations

from typing import TypeVar

from strawberry import UNSET

T = TypeVar("T")


def given(value: T | None) -> T | None:
    """The value, or ``None`` if it was left out."""
    return None if value is UNSET else value
