"""The clients' operations (clients/operations, through codegen's persisted-documents manifest) are the
production allow-list: an app with TRUSTED_DOCUMENTS_ONLY and that manifest runs each of them sent by
hash alone. Needs no Node.js: the manifest is committed, and CI checks it is what codegen generates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from graphql import FieldNode, OperationDefinitionNode, SelectionSetNode, parse, print_ast

from tests.api import assert_no_internals
from tests.client_tools import CLIENTS
from tests.conftest import make_settings, serve
from tests.factories import create_post, create_user, create_video
from videoengage.auth import issue_token
from videoengage.db.engine import Database
from videoengage.persisted_documents import load_manifest
from videoengage.settings import ConfigurationError

MANIFEST = CLIENTS / "src" / "gql" / "persisted-documents.json"
OPERATIONS = CLIENTS / "operations"
SUBSCRIPTIONS = ("MessageSent", "ConversationUpdated")  # over a socket: test_client_subscriptions.py


def operation_name(document: str) -> str:
    (operation,) = parse(document).definitions
    assert isinstance(operation, OperationDefinitionNode) and operation.name is not None
    return operation.name.value


def canonical(document: str) -> str:
    """The document with its variables and fields in sorted order, as codegen prints persisted ones."""
    (operation,) = parse(document, no_location=True).definitions
    assert isinstance(operation, OperationDefinitionNode) and operation.name is not None
    variables = sorted(print_ast(node) for node in operation.variable_definitions or ())
    head = f"{operation.operation.value} {operation.name.value}({', '.join(variables)})"
    return f"{head} {_fields(operation.selection_set)}"


def _fields(selections: SelectionSetNode | None) -> str:
    if selections is None:
        return ""
    fields = [node for node in selections.selections if isinstance(node, FieldNode)]
    assert len(fields) == len(selections.selections), "the clients' operations use no fragments"
    printed = sorted(
        f"{node.name.value}({', '.join(print_ast(argument) for argument in node.arguments or ())})"
        f"{_fields(node.selection_set)}"
        for node in fields
    )
    return "{ " + " ".join(printed) + " }"


def manifest_by_name() -> dict[str, tuple[str, str]]:
    """Operation name -> (hash, document), from the committed manifest, checked as the server loads it."""
    return {operation_name(document): (sha, document) for sha, document in load_manifest(MANIFEST).items()}


def variables(ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Each operation's variables, in the order a session runs them (progress before continueWatching)."""
    video, post, grace = ids["video"], ids["post"], ids["grace"]
    return {
        "Viewer": {},
        "SaveVideoProgress": {
            "input": {
                "videoId": video,
                "watchedSeconds": 95,
                "lastPosition": 90,
                "durationSeconds": 1260,
                "recordedAt": "2026-11-27T08:00:00Z",
            }
        },
        "ContinueWatching": {"first": 10},
        "ToggleVideoReaction": {"reaction": {"videoId": video, "type": "LOVE"}},
        "TogglePostReaction": {"input": {"postId": post, "type": "LIKE"}},
        "StartDirectConversation": {"input": {"userId": grace}},
        "SendMessage": {
            "input": {
                "conversationId": "<conversation>",
                "type": "SHARED_VIDEO",
                "sharedVideoId": video,
                "body": "Watch this",
                "clientMessageId": "b7e1c2",
            }
        },
        "Messages": {"conversationId": "<conversation>", "first": 20},
        "Conversations": {"first": 20},
    }


def test_every_operation_file_is_in_the_manifest_as_codegen_printed_it() -> None:
    files = {path.stem: path.read_text(encoding="utf-8") for path in sorted(OPERATIONS.glob("*.graphql"))}
    manifest = manifest_by_name()

    assert sorted(files) == sorted(manifest), "run scripts/clients after changing clients/operations"
    for name, text in files.items():
        assert operation_name(text) == name  # one operation per file, named as the file
        assert canonical(text) == canonical(manifest[name][1]), name


async def test_every_client_operation_runs_by_hash_against_the_trusted_documents_only_app(
    db: Database, db_url: str
) -> None:
    ada, grace = await create_user(db, "Ada"), await create_user(db, "Grace")
    ids = {"video": str(await create_video(db, "Morning yoga")), "post": str(await create_post(db, grace))}
    ids["grace"] = str(grace)
    manifest = manifest_by_name()
    plan = variables(ids)
    assert sorted([*plan, *SUBSCRIPTIONS]) == sorted(manifest), "give each new client operation its variables"
    settings = make_settings(db_url, trusted_documents=MANIFEST, trusted_documents_only=True)
    headers = {"authorization": f"Bearer {issue_token(settings, ada, 3600)}"}

    answers: dict[str, Any] = {}
    async with serve(settings) as http:
        for name, values in plan.items():
            if "conversationId" in json.dumps(values):
                conversation = answers["StartDirectConversation"]["startDirectConversation"]["id"]
                values = json.loads(json.dumps(values).replace("<conversation>", conversation))
            sha, _ = manifest[name]
            body = {"variables": values, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}}}
            response = await http.post("/graphql", json=body, headers=headers)
            assert_no_internals(response)
            result = response.json()
            assert response.status_code == 200 and "errors" not in result, (name, result)
            answers[name] = result["data"]
        refused = await http.post("/graphql", json={"query": "{ viewer { id } }"}, headers=headers)

    assert refused.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert answers["Viewer"]["viewer"]["displayName"] == "Ada"
    assert answers["ToggleVideoReaction"]["toggleVideoReaction"]["action"] == "ADDED"
    (watching,) = answers["ContinueWatching"]["continueWatching"]["edges"]
    assert watching["node"]["viewerProgress"]["lastPosition"] == 90
    (message,) = answers["Messages"]["messages"]["edges"]
    assert message["node"]["sharedVideo"]["title"] == "Morning yoga"
    assert len(answers["Conversations"]["conversations"]["edges"]) == 1


@pytest.mark.parametrize("name", ["ToggleVideoReaction", "SendMessage"])
def test_the_manifest_hashes_are_what_apollo_clients_send(name: str) -> None:
    sha, document = manifest_by_name()[name]
    assert len(sha) == 64 and not sha.startswith("sha256:")
    assert Path(MANIFEST).read_text(encoding="utf-8").count(sha) == 1
    assert document in json.loads(MANIFEST.read_text(encoding="utf-8")).values()


def test_a_manifest_with_the_presets_default_prefixed_keys_is_refused_with_the_fix(tmp_path: Path) -> None:
    prefixed = {f"sha256:{sha}": document for sha, document in load_manifest(MANIFEST).items()}
    path = tmp_path / "persisted-documents.json"
    path.write_text(json.dumps(prefixed), encoding="utf-8")

    with pytest.raises(ConfigurationError, match=r"prefixed 'sha256:': generate plain hex SHA-256"):
        load_manifest(path)
