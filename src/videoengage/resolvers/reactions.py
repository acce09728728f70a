"""Toggling the viewer's reaction on a video or a post: one generic toggle, retried on conflicts."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from aiodataloader import DataLoader

from videoengage.context import Info
from videoengage.db.reaction_targets import POST, VIDEO, R, ReactionTarget
from videoengage.db.toggle_reaction import Toggled, toggle
from videoengage.errors import BadUserInput, NotFound
from videoengage.ids import parse_id
from videoengage.schema.post import Post
from videoengage.schema.reaction import ReactionCounts, ReactionType
from videoengage.schema.reaction_payloads import (
    TogglePostReactionInput,
    TogglePostReactionPayload,
    ToggleReactionInput,
    ToggleVideoReactionInput,
    ToggleVideoReactionPayload,
)
from videoengage.schema.video import Video

VideoInput = Annotated[
    ToggleVideoReactionInput | None,
    strawberry.argument(
        description="The video and the reaction. Required: nullable only while the deprecated `input` "
        "is accepted; give exactly one of the two (BAD_USER_INPUT otherwise)."
    ),
]
# Documents written before ToggleVideoReactionInput declare `$input: ToggleReactionInput!`: the old
# argument keeps its name and type (now nullable, which every such document still satisfies).
DeprecatedVideoInput = Annotated[
    ToggleReactionInput | None,
    strawberry.argument(
        description="The video and the reaction, as before ToggleVideoReactionInput.",
        deprecation_reason="Use `reaction: ToggleVideoReactionInput`; `input` goes in the next release.",
    ),
]
PostInput = Annotated[TogglePostReactionInput, strawberry.argument(description="The post and the reaction.")]


async def toggle_video_reaction(
    info: Info, reaction: VideoInput = None, input: DeprecatedVideoInput = None
) -> ToggleVideoReactionPayload:
    given = _exactly_one(reaction, input)
    loaders = info.context.loaders
    toggled = await _toggle(
        info,
        VIDEO,
        parse_id(given.video_id, "videoId"),
        given.type,
        reaction_loader=loaders.video_reaction_by_user_and_video,
        target_loader=loaders.published_video_by_id,
    )
    return ToggleVideoReactionPayload(
        action=toggled.action,
        type=toggled.type,
        reaction_counts=ReactionCounts.from_row(toggled.target),
        video=Video.from_row(toggled.target),
    )


async def toggle_post_reaction(info: Info, input: PostInput) -> TogglePostReactionPayload:
    loaders = info.context.loaders
    toggled = await _toggle(
        info,
        POST,
        parse_id(input.post_id, "postId"),
        input.type,
        reaction_loader=loaders.post_reaction_by_user_and_post,
        target_loader=loaders.post_by_id,
    )
    return TogglePostReactionPayload(
        action=toggled.action,
        type=toggled.type,
        reaction_counts=ReactionCounts.from_row(toggled.target),
        post=Post.from_row(toggled.target),
    )


async def _toggle(
    info: Info,
    target: ReactionTarget[R],
    target_id: int,
    type: ReactionType,
    *,
    reaction_loader: DataLoader[tuple[int, int], Any],
    target_loader: DataLoader[int, Any],
) -> Toggled[R]:
    """Toggle (the toggle's owner picks its path); then refresh this request's loaders."""
    user_id = info.context.viewer_id
    toggled = await toggle(info.context.db, target, user_id, target_id, type)
    if toggled is None:
        raise NotFound(f"No {target.name} has this id", field=f"{target.name}Id")
    key = (user_id, target_id)
    reaction_loader.clear(key).prime(key, toggled.type)
    target_loader.clear(target_id).prime(target_id, toggled.target)
    return toggled


def _exactly_one(
    reaction: ToggleVideoReactionInput | None, input: ToggleReactionInput | None
) -> ToggleVideoReactionInput | ToggleReactionInput:
    """The one of the two arguments given; both or neither is the client's mistake, and nothing runs."""
    if reaction is not None and input is not None:
        raise BadUserInput("Give `reaction` or the deprecated `input`, not both", field="input")
    given = reaction if reaction is not None else input
    if given is None:
        raise BadUserInput("`reaction` is required: the video and the reaction", field="reaction")
    return given
