"""The root ``Subscription`` type: binds the realtime resolvers to fields (served over WebSocket)."""

from __future__ import annotations

import strawberry

from videoengage.resolvers import subscriptions


@strawberry.type(
    description=(
        "Events pushed over WebSocket (graphql-transport-ws at /graphql). Every field needs a bearer token, "
        "sent in connection_init's payload or the upgrade request's Authorization header."
    )
)
class Subscription:
    message_sent = strawberry.subscription(
        resolver=subscriptions.message_sent,
        description=(
            "Each message sent into the conversation after `after` (a cursor from `messages` or from an "
            "earlier event), oldest first, then every new one as it is stored."
        ),
    )
    conversation_updated = strawberry.subscription(
        resolver=subscriptions.conversation_updated,
        description=(
            "For the inbox: each conversation of the viewer, as it gets a new message (the conversation "
            "with its lastMessage)."
        ),
    )
