"""DateTime as generated clients see it: @specifiedBy RFC 3339 in introspection, and every value the
server writes is RFC 3339 with an offset, on both databases."""

from __future__ import annotations

import re
from datetime import datetime

from tests.api import Api, error_codes
from tests.factories import create_conversation, create_message, create_user, create_video
from videoengage.db.engine import Database

# RFC 3339 section 5.6 date-time, as Python's isoformat writes it with an offset.
RFC_3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)")
SAVE = """mutation Save($input: SaveVideoProgressInput!) { saveVideoProgress(input: $input) { updatedAt } }"""


async def test_introspection_says_date_time_is_rfc_3339(api: Api) -> None:
    data = await api.data('{ __type(name: "DateTime") { kind specifiedByURL description } }')

    assert data["__type"]["kind"] == "SCALAR"
    assert data["__type"]["specifiedByURL"] == "https://datatracker.ietf.org/doc/html/rfc3339"
    assert "RFC 3339" in data["__type"]["description"]


async def test_every_date_time_the_server_writes_is_rfc_3339_with_an_offset(api: Api, db: Database) -> None:
    ada, grace = await create_user(db, "Ada"), await create_user(db, "Grace")
    video = await create_video(db)
    conversation = await create_conversation(db, ada, grace)
    await create_message(db, conversation, ada)
    saved = await api.data(
        SAVE,
        {"input": {"videoId": str(video), "watchedSeconds": 1, "lastPosition": 1, "durationSeconds": 600}},
        as_user=ada,
    )
    data = await api.data(
        f"""{{ video(id: "{video}") {{ publishedAt viewerProgress {{ updatedAt }} }}
              conversations(first: 5) {{
                edges {{ node {{ createdAt lastMessage {{ createdAt }} }} }} }} }}""",
        as_user=ada,
    )

    (edge,) = data["conversations"]["edges"]
    values = [
        saved["saveVideoProgress"]["updatedAt"],
        data["video"]["publishedAt"],
        data["video"]["viewerProgress"]["updatedAt"],
        edge["node"]["createdAt"],
        edge["node"]["lastMessage"]["createdAt"],
    ]
    for value in values:
        assert RFC_3339.fullmatch(value), value
        assert datetime.fromisoformat(value).utcoffset() is not None


async def test_a_date_time_without_an_offset_or_not_a_date_time_is_bad_user_input(
    api: Api, db: Database
) -> None:
    viewer, video = await create_user(db), await create_video(db)
    base = {"videoId": str(video), "watchedSeconds": 1, "lastPosition": 1, "durationSeconds": 600}

    for recorded_at in ["2026-11-27T08:00:00", "yesterday", "2026-13-45T08:00:00Z", 1764230400]:
        result = await api.gql(SAVE, {"input": {**base, "recordedAt": recorded_at}}, as_user=viewer)
        assert error_codes(result) == ["BAD_USER_INPUT"], (recorded_at, result)
