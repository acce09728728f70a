"""The reference client, the npm package graphql-ws (what Apollo Client and urql use), subscribes,
catches up with ``after``, receives live messages, and finds them in order."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.chat import create_chat
from tests.conftest import make_settings
from tests.factories import create_messages
from tests.served import send_text, served
from tests.sockets import ws_url
from videoengage.auth import issue_token
from videoengage.db.engine import Database
from videoengage.schema.pagination import encode_cursor

CLIENT_DIR = Path(__file__).parent / "graphql_ws_client"


def _node_or_skip() -> str:
    node = shutil.which("node")
    installed = (CLIENT_DIR / "node_modules" / "graphql-ws").is_dir()
    if node and installed:
        return node
    reason = (
        "the reference client needs Node.js and `npm ci --prefix tests/graphql_ws_client` "
        "(scripts/test runs it)"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


async def test_graphql_ws_catches_up_and_receives_live_messages_in_order(db: Database, db_url: str) -> None:
    node = _node_or_skip()
    chat = await create_chat(db)
    stored = await create_messages(db, chat.conversation, chat.grace, 5)
    settings = make_settings(db_url)
    after = encode_cursor("messages", chat.conversation, stored[1])  # the client saw the first two
    with served(db_url, VIEWER_CACHE_SECONDS="0") as server:
        process = await asyncio.create_subprocess_exec(
            node,
            str(CLIENT_DIR / "client.mjs"),
            ws_url(server.url),
            issue_token(settings, chat.ada),
            str(chat.conversation),
            "6",  # three to catch up on, three live
            after,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None
        lines = [json.loads(await asyncio.wait_for(process.stdout.readline(), 30))]
        assert lines == [{"connected": True}]
        for _ in range(3):
            lines.append(json.loads(await asyncio.wait_for(process.stdout.readline(), 30)))
        live = [int(send_text(server, db_url, chat.grace, chat.conversation, f"{n}")) for n in range(3)]
        output, errors = await asyncio.wait_for(process.communicate(), 30)
        assert process.returncode == 0, errors.decode()
    done = json.loads(output.decode().strip().splitlines()[-1])
    assert done == {"done": [*stored[2:], *live]}
