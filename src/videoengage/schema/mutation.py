"""The root ``Mutation`` type: binds resolvers to fields."""

from __future__ import annotations

import strawberry

from videoengage.resolvers import conversations, messages
from videoengage.schema.conversation import Conversation
from videoengage.schema.message import Message


@strawberry.type(description="Everything a client can change. Every field needs a bearer token.")
class Mutation:
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
