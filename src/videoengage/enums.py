"""The shared vocabulary of the domain, used by the database and the GraphQL schema alike.

Member names are what GraphQL clients see (``LIKE``); values are what the database stores (``like``).
"""

from enum import Enum


class ReactionType(Enum):
    """One reaction set for posts and videos."""

    LIKE = "like"
    LOVE = "love"
    HAHA = "haha"
    WOW = "wow"
    SAD = "sad"
    PRAY = "pray"


class ReactionAction(Enum):
    """What a toggle did to the viewer's one reaction."""

    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"


class MessageType(Enum):
    """What a direct message carries; each type needs its own column (see the CHECKs on messages)."""

    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    SHARED_POST = "shared_post"
    SHARED_VIDEO = "shared_video"
