"""toggleVideoReaction's input, renamed: `reaction: ToggleVideoReactionInput` beside the deprecated
`input: ToggleReactionInput`, which documents written before the rename still send for one release.
Exactly one of the two: both, or neither, is BAD_USER_INPUT and writes nothing."""

from __future__ import annotations

from typing import Any

from tests.api import Api, error_codes
from tests.db_state import reaction_rows
from tests.factories import create_user, create_video
from videoengage.db.engine import Database
from videoengage.db.reaction_targets import VIDEO
from videoengage.enums import ReactionType

PAYLOAD = "action type reactionCounts { love total } video { viewerReaction }"
NEW = f"""mutation ToggleVideoReaction($reaction: ToggleVideoReactionInput!) {{
  toggleVideoReaction(reaction: $reaction) {{ {PAYLOAD} }}
}}"""
OLD = f"""mutation Toggle($input: ToggleReactionInput!) {{
  toggleVideoReaction(input: $input) {{ {PAYLOAD} }}
}}"""
BOTH = f"""mutation Both($reaction: ToggleVideoReactionInput, $input: ToggleReactionInput) {{
  toggleVideoReaction(reaction: $reaction, input: $input) {{ {PAYLOAD} }}
}}"""
DEPRECATED_ARGUMENTS = """query {
  __type(name: "Mutation") {
    fields { name args(includeDeprecated: true) { name isDeprecated deprecationReason type { name kind } } }
  }
}"""


def reaction(video_id: int, type: str = "LOVE") -> dict[str, str]:
    return {"videoId": str(video_id), "type": type}


async def test_the_new_input_toggles(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db)

    data = await api.data(NEW, {"reaction": reaction(video)}, as_user=viewer)

    assert data["toggleVideoReaction"] == {
        "action": "ADDED",
        "type": "LOVE",
        "reactionCounts": {"love": 1, "total": 1},
        "video": {"viewerReaction": "LOVE"},
    }
    assert await reaction_rows(db, VIDEO) == [(viewer, video, ReactionType.LOVE)]


async def test_a_document_written_for_the_old_input_still_validates_and_toggles(
    api: Api, db: Database
) -> None:
    viewer, video = await create_user(db), await create_video(db)
    await api.data(NEW, {"reaction": reaction(video)}, as_user=viewer)

    data = await api.data(OLD, {"input": reaction(video)}, as_user=viewer)

    assert data["toggleVideoReaction"]["action"] == "REMOVED"
    assert await reaction_rows(db, VIDEO) == []


async def test_old_and_new_literals_both_validate(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db)
    old = f'mutation {{ toggleVideoReaction(input: {{videoId: "{video}", type: LIKE}}) {{ action type }} }}'
    new = f'mutation {{ toggleVideoReaction(reaction: {{videoId: "{video}", type: WOW}}) {{ action type }} }}'

    assert (await api.data(old, as_user=viewer))["toggleVideoReaction"] == {"action": "ADDED", "type": "LIKE"}
    assert (await api.data(new, as_user=viewer))["toggleVideoReaction"] == {
        "action": "CHANGED",
        "type": "WOW",
    }


async def test_both_arguments_is_bad_user_input_and_writes_nothing(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db)

    result = await api.gql(
        BOTH, {"reaction": reaction(video), "input": reaction(video, "LIKE")}, as_user=viewer
    )

    assert result["data"] is None
    assert error_codes(result) == ["BAD_USER_INPUT"]
    assert result["errors"][0]["extensions"]["field"] == "input"
    assert "not both" in result["errors"][0]["message"]
    assert await reaction_rows(db, VIDEO) == []


async def test_neither_argument_is_bad_user_input_and_writes_nothing(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db)
    omitted = "mutation { toggleVideoReaction { action } }"
    nulls = "mutation { toggleVideoReaction(reaction: null, input: null) { action } }"

    for document, variables in [(omitted, None), (nulls, None), (BOTH, {}), (BOTH, {"reaction": None})]:
        result = await api.gql(document, variables, as_user=viewer)
        assert error_codes(result) == ["BAD_USER_INPUT"], (document, result)
        assert result["errors"][0]["extensions"]["field"] == "reaction"
    assert await reaction_rows(db, VIDEO) == []
    # One of the two given, the other explicitly null, is exactly one.
    result = await api.gql(BOTH, {"reaction": reaction(video), "input": None}, as_user=viewer)
    assert result["data"]["toggleVideoReaction"]["action"] == "ADDED"


async def test_each_input_type_belongs_to_its_own_argument(api: Api, db: Database) -> None:
    viewer, video = await create_user(db), await create_video(db)
    crossed = [
        "mutation M($r: ToggleReactionInput!) { toggleVideoReaction(reaction: $r) { action } }",
        "mutation M($r: ToggleVideoReactionInput!) { toggleVideoReaction(input: $r) { action } }",
    ]
    hostile: list[tuple[str, dict[str, Any]]] = [
        (NEW, {"reaction": {"videoId": str(video)}}),
        (NEW, {"reaction": {**reaction(video), "userId": "1"}}),
        (NEW, {"reaction": {"videoId": "-1", "type": "LOVE"}}),
        (NEW, {"reaction": "LOVE"}),
        (OLD, {"input": {"videoId": str(video), "type": "ANGRY"}}),
    ]

    for document in crossed:
        result = await api.gql(document, {"r": reaction(video)}, as_user=viewer)
        assert error_codes(result) == ["BAD_USER_INPUT"], result
        assert "used in position expecting" in result["errors"][0]["message"]
    for document, variables in hostile:
        result = await api.gql(document, variables, as_user=viewer)
        assert error_codes(result) == ["BAD_USER_INPUT"], (variables, result)
    assert await reaction_rows(db, VIDEO) == []


async def test_the_schema_marks_the_old_argument_deprecated(api: Api) -> None:
    data = await api.data(DEPRECATED_ARGUMENTS)

    fields = {field["name"]: field["args"] for field in data["__type"]["fields"]}
    arguments = {arg["name"]: arg for arg in fields["toggleVideoReaction"]}
    assert arguments["reaction"]["type"] == {"name": "ToggleVideoReactionInput", "kind": "INPUT_OBJECT"}
    assert arguments["reaction"]["isDeprecated"] is False
    assert arguments["input"]["type"] == {"name": "ToggleReactionInput", "kind": "INPUT_OBJECT"}
    assert arguments["input"]["isDeprecated"] is True
    assert "ToggleVideoReactionInput" in arguments["input"]["deprecationReason"]
