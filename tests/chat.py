"""A small chat world shared by the messaging tests: two friends, a stranger, videos and a post."""

from __future__ import annotations

from dataclasses import dataclass

from tests.factories import create_conversation, create_post, create_user, create_video
from videoengage.db.engine import Database

SEND_MESSAGE = """
mutation Send($input: SendMessageInput!) {
  sendMessage(input: $input) {
    id conversationId type body mediaUrl clientMessageId createdAt
    sender { id displayName }
    sharedVideo { id title thumbnailUrl durationSeconds }
    sharedPost { id body author { id displayName } }
  }
}
"""

MESSAGES = """
query Messages($conversationId: ID!, $first: Int, $after: String) {
  messages(conversationId: $conversationId, first: $first, after: $after) {
    edges {
      cursor
      node {
        id conversationId type body mediaUrl clientMessageId createdAt
        sender { id displayName }
        sharedVideo { id title thumbnailUrl durationSeconds reactionCounts { total } viewerReaction }
        sharedPost { id body author { id displayName } viewerReaction }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@dataclass(frozen=True)
class Chat:
    ada: int
    grace: int
    stranger: int
    conversation: int
    video: int
    unpublished_video: int
    post: int


async def create_chat(db: Database) -> Chat:
    ada = await create_user(db, "Ada")
    grace = await create_user(db, "Grace")
    stranger = await create_user(db, "Stranger")
    return Chat(
        ada=ada,
        grace=grace,
        stranger=stranger,
        conversation=await create_conversation(db, ada, grace),
        video=await create_video(db, "Morning yoga", duration_seconds=1260),
        unpublished_video=await create_video(db, "Draft", published=False),
        post=await create_post(db, grace, "Garden day on Saturday?"),
    )
