"""GraphiQL in a real browser (Debian's Chromium driven by Playwright) against a served app, offline.

Every request to anything but 127.0.0.1 is refused, so a page that needed a CDN would stay blank.
The screenshots land in ``artifacts/`` at the checkout's root (gitignored; CI keeps the folder).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect, sync_playwright

from tests.api import without_cost
from tests.conftest import TEST_JWT_SECRET
from tests.served import Served, served

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "artifacts"
RESULT = ".result-window"


def chromium_or_skip() -> str:
    """Debian's chromium (installed by .ci/run); missing, the tests skip, or fail under CI."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but chromium is not installed (.ci/run installs Debian's chromium)")
        pytest.skip("the browser tests need Debian's chromium: apt-get install chromium")
    return path


def cli(database_url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "JWT_SECRET": TEST_JWT_SECRET}
    result = subprocess.run(
        [sys.executable, "-m", "videoengage.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


@dataclass
class Demo:
    server: Served
    token: str
    conversation_id: str

    def post(self, query: str, variables: dict[str, object] | None = None) -> dict[str, object]:
        response = httpx.post(
            self.server.graphql_url,
            json={"query": query, "variables": variables or {}},
            headers={"authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        body: dict[str, object] = response.json()
        return body


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A served app on its own SQLite file with the demo data, and a token for demo user 1."""
    chromium_or_skip()
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('graphiql') / 'demo.db'}"
    cli(url, "migrate")
    ids = json.loads(cli(url, "seed", "--demo", "--json"))
    token = cli(url, "token", str(ids["users"][0]))
    with served(url) as server:
        yield Demo(server, token, str(ids["conversations"][0]["id"]))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


@dataclass
class Watched:
    """What the page asked of the world and complained about while the test ran."""

    page: Page
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture
def watched(browser: Browser, demo: Demo, request: pytest.FixtureRequest) -> Iterator[Watched]:
    """A fresh page on GraphiQL; its last state is saved as artifacts/<test name>.png, pass or fail."""
    context = browser.new_context(viewport={"width": 1400, "height": 860})
    page = context.new_page()
    watched = Watched(page)

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            watched.refused.append(route.request.url)
            route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":  # CSP violations are reported here too
            watched.errors.append(message.text)

    page.route("**/*", only_loopback)
    page.on("console", console)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.goto(demo.server.graphql_url)
    page.wait_for_selector(".graphiql-container .graphiql-query-editor .CodeMirror")
    yield watched
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{request.node.name}.png")
    context.close()


def replace_editor(page: Page, selector: str, text: str) -> None:
    """Select all in a CodeMirror editor and type over it (inserted as one text: no auto-closing)."""
    page.locator(f"{selector} .CodeMirror-lines >> visible=true").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def write_anonymous_operation(page: Page, text: str) -> None:
    """Replace the example with ``text``; GraphiQL takes the operation's name from the editor a moment
    later (debounced), so wait until its tab says so, or the run would send the example's name."""
    replace_editor(page, ".graphiql-query-editor", text)
    page.wait_for_selector(".graphiql-tab-active :text-is('<untitled>')")


def enter_token(page: Page, token: str) -> None:
    page.click(".graphiql-editor-tools button[data-name='headers']")
    replace_editor(page, ".graphiql-editor-tool", json.dumps({"Authorization": f"Bearer {token}"}))


def run(page: Page) -> None:
    page.click(".graphiql-execute-button")


def result_json(page: Page) -> dict[str, Any]:
    """The result pane's text, parsed: what a person reads there, less the operation's cost
    (tests/test_rate_limit.py checks that)."""
    text = page.locator(f"{RESULT} .CodeMirror-code").inner_text()
    return without_cost(json.loads(text.replace("\u200b", "").replace("\xa0", " ")))


def test_a_person_runs_the_example_then_asks_who_they_are(watched: Watched, demo: Demo) -> None:
    page = watched.page
    assert "query ViewerAndVideos" in page.locator(".graphiql-query-editor").inner_text()
    enter_token(page, demo.token)
    run(page)
    page.wait_for_selector(f"{RESULT} :text('Ada Lovelace')")
    example = result_json(page)
    assert isinstance(example, dict)
    assert example["data"]["viewer"] == {"displayName": "Ada Lovelace"}
    assert len(example["data"]["videos"]["edges"]) == 3

    write_anonymous_operation(page, "{ viewer { displayName } }")
    run(page)
    # The pane empties, then shows the new result: wait for the new one, not the gap between.
    expect(page.locator(RESULT)).to_have_text(re.compile(r"^(?![\s\S]*videos)[\s\S]*Ada Lovelace"))
    assert result_json(page) == {"data": {"viewer": {"displayName": "Ada Lovelace"}}}

    page.get_by_role("button", name="Show Documentation Explorer").click()
    page.get_by_role("link", name="Query").first.click()
    page.wait_for_selector(".graphiql-doc-explorer :text('The user the bearer token belongs to.')")
    assert watched.refused == []
    assert watched.errors == []


def test_the_explorer_and_the_dialogs_open_within_the_policy(watched: Watched) -> None:
    """Dialogs add a <style> element: the page's nonce must let it in (a violation is a console error)."""
    page = watched.page
    page.get_by_role("button", name="Open settings dialog").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Show GraphiQL Explorer").click()
    expect(page.locator(".graphiql-explorer-root")).to_contain_text("continueWatching")
    assert watched.refused == []
    assert watched.errors == []


def test_a_mutation_runs_with_the_same_token(watched: Watched, demo: Demo) -> None:
    page = watched.page
    enter_token(page, demo.token)
    mutation = (
        'mutation { sendMessage(input: {conversationId: "CONVERSATION", type: TEXT, body: "from GraphiQL"})'
        " { body sender { displayName } } }"
    ).replace("CONVERSATION", demo.conversation_id)
    write_anonymous_operation(page, mutation)
    run(page)
    page.wait_for_selector(f"{RESULT} :text('from GraphiQL')")
    assert result_json(page) == {
        "data": {"sendMessage": {"body": "from GraphiQL", "sender": {"displayName": "Ada Lovelace"}}}
    }
    assert watched.errors == []


def test_a_subscription_receives_a_message_sent_elsewhere(demo: Demo, watched: Watched) -> None:
    page = watched.page
    sent_frames: list[str | bytes] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent_frames.append(frame)))
    newest = demo.post(
        "query($c: ID!) { messages(conversationId: $c, first: 1) { edges { cursor } } }",
        {"c": demo.conversation_id},
    )
    cursor = newest["data"]["messages"]["edges"][0]["cursor"]  # type: ignore[index]
    enter_token(page, demo.token)
    # From the newest message on: whenever the server takes the subscription, nothing is missed.
    subscription = (
        'subscription { messageSent(conversationId: "CONVERSATION", after: "CURSOR") { node { body } } }'
    )
    write_anonymous_operation(
        page, subscription.replace("CONVERSATION", demo.conversation_id).replace("CURSOR", cursor)
    )
    run(page)
    sent = demo.post(
        'mutation($c: ID!) { sendMessage(input: {conversationId: $c, type: TEXT, body: "pushed"}) { id } }',
        {"c": demo.conversation_id},
    )
    assert "errors" not in sent, sent
    expect(page.locator(RESULT)).to_contain_text('"pushed"')
    assert result_json(page) == {"data": {"messageSent": {"node": {"body": "pushed"}}}}
    # The headers tab went to the socket as connection_init's payload: the server's contract.
    assert json.loads(sent_frames[0]) == {
        "type": "connection_init",
        "payload": {"Authorization": f"Bearer {demo.token}"},
    }
    assert watched.refused == []
    assert watched.errors == []
