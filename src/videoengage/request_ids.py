"""Request ids: 32 hex digits, as ``uuid4().hex`` gave, at a fifth of its cost.

A masked error carries its request's id and the log has the details under it. The id only has to be
unique, not unguessable: 128 bits from ``random`` (reseeded in every forked worker) instead of
``os.urandom``, a system call per request.
"""

from __future__ import annotations

import random


def new_request_id() -> str:
    return f"{random.getrandbits(128):032x}"
