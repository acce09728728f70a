"""Checks a ``SendMessageInput`` before anything is written: each type gets its fields and no other."""

from __future__ import annotations

from urllib.parse import urlsplit

from videoengage.db.send_message import NewMessage
from videoengage.enums import MessageType
from videoengage.errors import BadUserInput
from videoengage.ids import parse_id
from videoengage.resolvers.unset import given
from videoengage.schema.message import (
    MAX_BODY_LENGTH,
    MAX_CLIENT_MESSAGE_ID_LENGTH,
    MAX_MEDIA_URL_LENGTH,
    SendMessageInput,
)

MEDIA_TYPES = frozenset({MessageType.IMAGE, MessageType.VIDEO, MessageType.AUDIO})

# The optional fields each type may carry; sending any other is a client bug worth reporting.
FIELDS_BY_TYPE: dict[MessageType, frozenset[str]] = {
    MessageType.TEXT: frozenset({"body"}),
    MessageType.IMAGE: frozenset({"body", "mediaUrl"}),
    MessageType.VIDEO: frozenset({"body", "mediaUrl"}),
    MessageType.AUDIO: frozenset({"body", "mediaUrl"}),
    MessageType.SHARED_POST: frozenset({"sharedPostId"}),
    MessageType.SHARED_VIDEO: frozenset({"body", "sharedVideoId"}),
}


def new_message(data: SendMessageInput, sender_id: int) -> NewMessage:
    """The message to write, or BAD_USER_INPUT naming the first field that is wrong."""
    conversation_id = parse_id(data.conversation_id, "conversationId")
    body, media_url = given(data.body), given(data.media_url)
    shared_post_id, shared_video_id = given(data.shared_post_id), given(data.shared_video_id)
    fields = {
        "body": body,
        "mediaUrl": media_url,
        "sharedPostId": shared_post_id,
        "sharedVideoId": shared_video_id,
    }
    for name, value in fields.items():
        if value is not None and name not in FIELDS_BY_TYPE[data.type]:
            raise BadUserInput(f"{name} does not belong to a {data.type.name} message", field=name)
    client_message_id = _client_message_id(given(data.client_message_id))
    # Each type's own fields, checked in this order; built once (``dataclasses.replace`` on a base
    # message cost a fiftieth of a send).
    media = post = video = None
    if data.type is MessageType.TEXT:
        if body is None or not body.strip():
            raise BadUserInput("A TEXT message needs a body that is not blank", field="body")
        body = _text(body, "body", MAX_BODY_LENGTH)
    elif data.type in MEDIA_TYPES:
        body, media = _caption(body), _media_url(media_url, data.type)
    elif data.type is MessageType.SHARED_POST:
        body, post = None, _required_id(shared_post_id, "sharedPostId")
    else:
        body, video = _caption(body), _required_id(shared_video_id, "sharedVideoId")
    return NewMessage(
        conversation_id=conversation_id,
        sender_id=sender_id,
        type=data.type,
        body=body,
        media_url=media,
        shared_post_id=post,
        shared_video_id=video,
        client_message_id=client_message_id,
    )


def _text(value: str, field: str, max_length: int) -> str:
    """Text the database stores as sent: not too long, no NUL, and encodable (no lone surrogates)."""
    if len(value) > max_length:
        raise BadUserInput(f"{field} must be at most {max_length:,} characters", field=field)
    if "\x00" in value:
        raise BadUserInput(f"{field} must not contain NUL characters", field=field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadUserInput(f"{field} is not valid Unicode text", field=field) from None
    return value


def _caption(value: str | None) -> str | None:
    """An optional caption or comment; a blank one is no caption."""
    if value is None or not value.strip():
        return None
    return _text(value, "body", MAX_BODY_LENGTH)


def _client_message_id(value: str | None) -> str | None:
    if value is None:
        return None
    if not value.strip():
        raise BadUserInput("clientMessageId must not be blank", field="clientMessageId")
    return _text(value, "clientMessageId", MAX_CLIENT_MESSAGE_ID_LENGTH)


def _media_url(value: str | None, message_type: MessageType) -> str:
    """An absolute http(s) address with a host, in printable ASCII: nothing a client could run."""
    if value is None:
        raise BadUserInput(f"A {message_type.name} message needs a mediaUrl", field="mediaUrl")
    if len(value) > MAX_MEDIA_URL_LENGTH:
        raise BadUserInput(f"mediaUrl must be at most {MAX_MEDIA_URL_LENGTH:,} characters", field="mediaUrl")
    try:
        if not all("!" <= char <= "~" for char in value):
            raise ValueError("spaces, control or non-ASCII characters")
        parts = urlsplit(value)
        _ = parts.port  # raises ValueError for a port that is not a number in range
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("not an http(s) address with a host")
    except ValueError:
        raise BadUserInput("mediaUrl must be an http or https address", field="mediaUrl") from None
    return value


def _required_id(value: str | None, field: str) -> int:
    if value is None:
        raise BadUserInput(f"{field} is required for this type of message", field=field)
    return parse_id(value, field)
