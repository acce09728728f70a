"""The file the wrk script reads: the data set's sizes, a token per driven user and the documents.

Written per run as a Lua table, so each wrk thread loads it once and builds requests without IO.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from bench.dataset import HOT_VIDEO_ID, DataSet
from bench.workloads import Workload


def write_lua_data(
    path: Path,
    data: DataSet,
    tokens: list[str],
    workloads: tuple[Workload, ...],
    documents: Mapping[str, str] | None = None,
) -> None:
    """``tokens[i]`` is user ``i + 1``'s; documents go in JSON-encoded, ready to splice into bodies.
    ``documents`` (by workload name) replaces ours, for a peer that names its fields otherwise."""
    if len(tokens) != data.users:
        raise ValueError("one token per driven user")
    lines = [
        "return {",
        f"  users = {data.users},",
        f"  published = {data.published},",
        f"  conversations = {data.conversations},",
        f"  hot_video = {HOT_VIDEO_ID},",
        "  tokens = {",
        *(f'    "{token}",' for token in tokens),
        "  },",
        "  queries = {",
        *(
            f"    {w.name} = [==[{json.dumps(documents[w.name] if documents else w.document)}]==],"
            for w in workloads
        ),
        "  },",
        "}",
    ]
    path.write_text("\n".join(lines) + "\n")
