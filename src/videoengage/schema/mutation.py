"""The root ``Mutation`` type: binds resolvers to fields."""

from __future__ import annotations

import strawberry

from videoengage.resolvers import conversations, messages, progress, reactions
from videoengage.schema.conversation import Conversation
from videoengage.schema.message import Message
from videoengage.schema.progress import VideoProgress
from videoengage.schema.reaction_payloads import TogglePostReactionPayload, ToggleVideoReactionPayload


@strawberry.type(description="Everything a client can change. Every field needs a bearer token.")
class Mutation:
    save_video_progress: VideoProgress = strawberry.field(
        resolver=progress.save_video_progress,
        description="Save the viewer's playback position in a video; returns the stored state after the "
        "save. Safe to send concurrently and out of order: the furthest point watched is kept.",
    )
    toggle_video_reaction: ToggleVideoReactionPayload = strawberry.field(
        resolver=reactions.toggle_video_reaction,
        description="Add the viewer's reaction to a video, change its type, or remove it (same type "
        "again). One reaction per viewer and video.",
    )
    toggle_post_reaction: TogglePostReactionPayload = strawberry.field(
        resolver=reactions.toggle_post_reaction,
        description="Add the viewer's reaction to a post, change its type, or remove it (same type "
        "again). One reaction per viewer and post.",
    )
    send_message: Message = strawberry.field(
        resolver=messages.send_message,
        description=(
            "Send a message to a conversation the viewer takes part in (NOT_FOUND otherwise). Invalid "
            "input is BAD_USER_INPUT and writes nothing; a retry with the same clientMessageId returns "
            "the stored message."
        ),
    )
    start_direct_conversation: Conversation = strawberry.field(
        resolver=conversations.start_direct_conversation,
        description=(
            "The viewer's direct conversation with another user, created on first use: exactly one per "
            "pair. BAD_USER_INPUT for the viewer themself or an unknown user."
        ),
    )
