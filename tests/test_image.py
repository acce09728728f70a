"""The image as an operator runs it: built from the Dockerfile, started with docker, used over HTTP.

Needs a Docker engine and a base image (.ci/run sets both up); skipped with the reason otherwise,
and failed under CI=true. Marked ``image``: ``pytest -m "not image"`` leaves it out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api import without_cost
from tests.conftest import TEST_JWT_SECRET, postgres_url_or_skip
from tests.docker_image import Build, Container, base_or_skip, build, container, engine_or_skip
from tests.unmigrated import unmigrated_database
from videoengage.demo import USERS

pytestmark = pytest.mark.image

NOT_MIGRATED = {"status": "unavailable", "reason": "not migrated: run `videoengage migrate`"}
# The health check is the image's own command; only how often it runs is shortened here.
FAST_HEALTH = ("--health-interval", "1s", "--health-start-period", "1s", "--health-retries", "2")
MAX_CONTEXT_BYTES = 5_000_000


@pytest.fixture(scope="module")
def image() -> Build:
    engine_or_skip()
    return build(base_or_skip())


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment for a container on an empty database: the image's own SQLite file in /data,
    or a fresh PostgreSQL database on the host's server."""
    if request.param == "sqlite":
        yield {}
        return
    with unmigrated_database(postgres_url_or_skip(), tmp_path) as url:
        yield {"DATABASE_URL": url}


def graphql(server: Container, query: str, token: str) -> dict[str, Any]:
    """The answer, less its cost (tests/test_rate_limit.py checks that)."""
    response = httpx.post(
        f"{server.url}/graphql",
        json={"query": query},
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return without_cost(body)


def test_the_build_sends_only_the_package_not_the_working_copy(image: Build) -> None:
    """.dockerignore keeps .venv, .tools, databases, node_modules and .git out of the context."""
    assert image.context_bytes() < MAX_CONTEXT_BYTES


def test_without_migrate_on_start_an_empty_database_is_not_ready(
    image: Build, empty_database: dict[str, str]
) -> None:
    with container({"JWT_SECRET": TEST_JWT_SECRET, **empty_database}, *FAST_HEALTH) as server:
        assert httpx.get(f"{server.url}/healthz").status_code == 200
        ready = httpx.get(f"{server.url}/readyz")
        assert ready.status_code == 503
        assert ready.json() == NOT_MIGRATED
        server.wait_for_health("unhealthy")


def test_with_migrate_on_start_it_is_ready_unprivileged_and_answers_a_query_and_a_mutation(
    image: Build, empty_database: dict[str, str]
) -> None:
    env = {"JWT_SECRET": TEST_JWT_SECRET, "MIGRATE_ON_START": "true", **empty_database}
    with container(env, *FAST_HEALTH) as server:
        ready = httpx.get(f"{server.url}/readyz")
        assert ready.status_code == 200, server.logs()
        assert ready.json() == {"status": "ready"}
        server.wait_for_health("healthy")
        assert server.exec("id", "-u").strip() == "10001"  # not root

        # Given the demo data and a token, made with the image's own command line
        demo = json.loads(server.exec("videoengage", "seed", "--demo", "--json"))
        user_id, video_id = demo["users"][0], demo["videos"]["published"][0]
        token = server.exec("videoengage", "token", str(user_id)).strip()

        # When the viewer asks who they are, and reacts to a video
        viewer = graphql(server, "{ viewer { displayName } }", token)
        toggled = graphql(
            server,
            f'mutation {{ toggleVideoReaction(reaction: {{videoId: "{video_id}", type: LOVE}}) '
            "{ action reactionCounts { love total } } }",
            token,
        )

    # Then the answers are the API's
    assert viewer == {"data": {"viewer": {"displayName": USERS[0][0]}}}
    assert toggled == {
        "data": {"toggleVideoReaction": {"action": "ADDED", "reactionCounts": {"love": 1, "total": 1}}}
    }
