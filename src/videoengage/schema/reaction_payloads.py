"""Inputs and results of the reaction toggles, for videos and for posts."""

from __future__ import annotations

import strawberry

from videoengage.schema.post import Post
from videoengage.schema.reaction import ReactionAction, ReactionCounts, ReactionType
from videoengage.schema.video import Video


@strawberry.input(description="Which video to react to, and how.")
class ToggleVideoReactionInput:
    video_id: strawberry.ID = strawberry.field(description="The published video.")
    type: ReactionType = strawberry.field(
        description="The reaction. The viewer's current type again removes it; another type replaces it."
    )


# Input types cannot carry @deprecated; the argument that takes it does (toggleVideoReaction.input).
@strawberry.input(
    description="Deprecated: use ToggleVideoReactionInput (the `reaction` argument of toggleVideoReaction). "
    "Which video to react to, and how; accepted for one more release."
)
class ToggleReactionInput:
    video_id: strawberry.ID = strawberry.field(description="The published video.")
    type: ReactionType = strawberry.field(
        description="The reaction. The viewer's current type again removes it; another type replaces it."
    )


@strawberry.input(description="Which post to react to, and how.")
class TogglePostReactionInput:
    post_id: strawberry.ID = strawberry.field(description="The post.")
    type: ReactionType = strawberry.field(
        description="The reaction. The viewer's current type again removes it; another type replaces it."
    )


@strawberry.type(description="What toggling a reaction on a video did, and the video's counts after it.")
class ToggleVideoReactionPayload:
    action: ReactionAction = strawberry.field(
        description="Whether the reaction was added, changed or removed."
    )
    type: ReactionType | None = strawberry.field(
        description="The viewer's reaction after the toggle; null when it was removed."
    )
    reaction_counts: ReactionCounts = strawberry.field(
        description="The video's counts right after this toggle, read in the same transaction."
    )
    video: Video = strawberry.field(description="The video, as of this toggle.")


@strawberry.type(description="What toggling a reaction on a post did, and the post's counts after it.")
class TogglePostReactionPayload:
    action: ReactionAction = strawberry.field(
        description="Whether the reaction was added, changed or removed."
    )
    type: ReactionType | None = strawberry.field(
        description="The viewer's reaction after the toggle; null when it was removed."
    )
    reaction_counts: ReactionCounts = strawberry.field(
        description="The post's counts right after this toggle, read in the same transaction."
    )
    post: Post = strawberry.field(description="The post, as of this toggle.")
