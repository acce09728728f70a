"""Conversations: the ``Conversation`` type and the input that starts a direct one."""

from __future__ import annotations

from datetime import datetime

import strawberry

from videoengage.context import Info
from videoengage.db import models
from videoengage.db.rows import ConversationRow
from videoengage.message_builders import messages_from_rows
from videoengage.schema.message import Message
from videoengage.schema.selection import selected_below
from videoengage.schema.user import User


@strawberry.type(description="A conversation the viewer takes part in.")
class Conversation:
    id: strawberry.ID = strawberry.field(description="The conversation's id.")
    created_at: datetime = strawberry.field(description="When the conversation was started.")
    last_message_id: strawberry.Private[int | None]

    @strawberry.field(
        description="Everyone in the conversation, the viewer included, in the order they joined."
    )
    async def participants(self, info: Info) -> list[User]:
        rows = await info.context.loaders.participants_by_conversation_id.load(int(self.id))
        return [User.from_row(row) for row in rows or []]

    @strawberry.field(description="The newest message; null while the conversation has none.")
    async def last_message(self, info: Info) -> Message | None:
        if self.last_message_id is None:
            return None
        row = await info.context.loaders.message_by_id.load(self.last_message_id)
        if row is None:
            return None
        wanted = selected_below(info)
        [message] = await messages_from_rows(
            info, [row], shared_video="sharedVideo" in wanted, shared_post="sharedPost" in wanted
        )
        return message

    @classmethod
    def from_row(cls, row: models.Conversation | ConversationRow) -> Conversation:
        return cls(
            id=strawberry.ID(str(row.id)),
            created_at=row.created_at,
            last_message_id=row.last_message_id,
        )


@strawberry.input(description="Whom to start (or reopen) a direct conversation with.")
class StartDirectConversationInput:
    user_id: strawberry.ID = strawberry.field(description="The other user; not the viewer.")
