"""The six workloads: each one's GraphQL document, its random variables and its SQL floor.

``variables`` mirrors ``wrk/workload.lua`` (the in-process statement count uses it): both draw the
same kinds of ids from the data set's arithmetic (see ``dataset.py``).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.dataset import HOT_VIDEO_ID, DataSet

SQL_DIR = Path(__file__).parent / "sql"
REACTION_TYPES = ("LIKE", "LOVE", "HAHA", "WOW", "SAD", "PRAY")

Variables = dict[str, object]
Draw = Callable[[random.Random, DataSet], tuple[int, Variables]]


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    document: str
    # Root fields the document needs ("Mutation.saveVideoProgress"): a workload whose fields this
    # server does not have yet is skipped, with the reason, instead of reporting only errors.
    needs: tuple[str, ...]
    draw: Draw  # the acting user and the variables of one request

    @property
    def floor_sql(self) -> Path:
        return SQL_DIR / f"{self.name}.sql"


def published_video(rng: random.Random, data: DataSet) -> int:
    k = rng.randint(1, data.published)
    return k + (k - 1) // 9


def duration_of(video_id: int) -> int:
    return 60 + (video_id * 37) % 3541


def _participant(rng: random.Random, data: DataSet) -> tuple[int, int]:
    """A random conversation and one of its two users."""
    conversation = rng.randint(1, data.conversations)
    return 2 * conversation - 1 + rng.randint(0, 1), conversation


def _viewer(rng: random.Random, data: DataSet) -> tuple[int, Variables]:
    return rng.randint(1, data.users), {}


def _messages(rng: random.Random, data: DataSet) -> tuple[int, Variables]:
    user, conversation = _participant(rng, data)
    return user, {"conversationId": str(conversation)}


def _save_progress(rng: random.Random, data: DataSet) -> tuple[int, Variables]:
    video = published_video(rng, data)
    duration = duration_of(video)
    position = rng.randint(0, duration)
    return rng.randint(1, data.users), {
        "videoId": str(video),
        "watchedSeconds": position,
        "durationSeconds": duration,
        "lastPosition": position,
    }


def _toggle_reaction(rng: random.Random, data: DataSet) -> tuple[int, Variables]:
    video = published_video(rng, data)
    return rng.randint(1, data.users), {"videoId": str(video), "type": rng.choice(REACTION_TYPES)}


def _hot_video(rng: random.Random, data: DataSet) -> tuple[int, Variables]:
    return rng.randint(1, data.users), {"id": str(HOT_VIDEO_ID)}


def _send_message(rng: random.Random, data: DataSet) -> tuple[int, Variables]:
    user, conversation = _participant(rng, data)
    return user, {"conversationId": str(conversation), "body": f"Bench message {rng.randint(1, 10**9)}"}


_COUNTS = "reactionCounts { like love haha wow sad pray total }"

WORKLOADS = (
    Workload(
        "W0",
        "viewer { id }",
        "query W0 { viewer { id } }",
        ("Query.viewer",),
        _viewer,
    ),
    Workload(
        "W1",
        "messages(first: 50) with senders and shared videos",
        "query W1($conversationId: ID!) { messages(conversationId: $conversationId, first: 50) {"
        " edges { node { id type body mediaUrl createdAt sender { id displayName }"
        " sharedVideo { id title thumbnailUrl durationSeconds } } } } }",
        ("Query.messages",),
        _messages,
    ),
    Workload(
        "W2",
        "saveVideoProgress",
        "mutation W2($videoId: ID!, $watchedSeconds: Int!, $durationSeconds: Int!, $lastPosition: Int!) {"
        " saveVideoProgress(input: {videoId: $videoId, watchedSeconds: $watchedSeconds,"
        " durationSeconds: $durationSeconds, lastPosition: $lastPosition}) {"
        " videoId watchedSeconds lastPosition durationSeconds completed updatedAt } }",
        ("Mutation.saveVideoProgress",),
        _save_progress,
    ),
    Workload(
        "W3",
        "toggleVideoReaction with counts",
        "mutation W3($videoId: ID!, $type: ReactionType!) {"
        f" toggleVideoReaction(input: {{videoId: $videoId, type: $type}}) {{ action type {_COUNTS} }} }}",
        ("Mutation.toggleVideoReaction",),
        _toggle_reaction,
    ),
    Workload(
        "W4",
        "video(id) of the hot video: counts and viewerReaction",
        f"query W4($id: ID!) {{ video(id: $id) {{ id {_COUNTS} viewerReaction }} }}",
        ("Query.video",),
        _hot_video,
    ),
    Workload(
        "W5",
        "sendMessage TEXT",
        "mutation W5($conversationId: ID!, $body: String!) {"
        " sendMessage(input: {conversationId: $conversationId, type: TEXT, body: $body}) {"
        " id type body createdAt } }",
        ("Mutation.sendMessage",),
        _send_message,
    ),
)
BY_NAME = {workload.name: workload for workload in WORKLOADS}


def missing_fields(workloads: tuple[Workload, ...]) -> dict[str, list[str]]:
    """For each workload, the root fields it needs that this server's schema does not have."""
    from graphql import build_schema

    from videoengage.schema.schema import schema

    served = build_schema(schema.as_str())
    roots = {"Query": served.query_type, "Mutation": served.mutation_type}
    missing: dict[str, list[str]] = {}
    for workload in workloads:
        for needed in workload.needs:
            type_name, field_name = needed.split(".")
            root = roots[type_name]
            if root is None or field_name not in root.fields:
                missing.setdefault(workload.name, []).append(needed)
    return missing
