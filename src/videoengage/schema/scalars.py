"""Scalars as the schema documents them: ``DateTime`` is RFC 3339, said with ``@specifiedBy``.

Generated clients read ``@specifiedBy`` (and the description) to pick a mapping; Strawberry's own
``DateTime`` says only "isoformat". Values are what they were: ISO 8601 with a UTC offset on output
(the database hands back aware UTC datetimes), and input without an offset is refused where it is
read (``resolvers/progress.py``).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

RFC_3339 = "https://datatracker.ietf.org/doc/html/rfc3339"

DATE_TIME: ScalarDefinition = dataclasses.replace(
    DateTimeDefinition,
    description=(
        "A date and time with a UTC offset, as RFC 3339 writes it (2026-11-27T08:00:00+00:00). "
        "Sent as a JSON string; map it to a string (or your platform's date type) in generated clients."
    ),
    specified_by_url=RFC_3339,
)

# For ``strawberry.Schema(scalar_overrides=...)``: every ``datetime`` field and input uses it.
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {datetime: DATE_TIME}
