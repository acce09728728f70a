"""Before any load: a few requests of each workload through the app in-process, which must all succeed
(and, over HTTP, through the plain Strawberry reference).

A workload that fails here would only measure errors, so the benchmark stops early with the answer.
The same requests count the SQL statements the app sends for each (as the tests count them, with
``before_cursor_execute``): the cold count, before per-process caches warm up, next to the count the
served processes report under load.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import httpx
from sqlalchemy import event

from bench.dataset import DataSet
from bench.workloads import Workload
from videoengage.app import create_app
from videoengage.settings import Settings

SAMPLES = 20
_TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}


class WorkloadFailed(RuntimeError):
    """A workload's request failed before any load: the benchmark would only measure errors."""


def check_workloads(
    settings: Settings, data: DataSet, tokens: list[str], workloads: tuple[Workload, ...]
) -> dict[str, float]:
    """Mean SQL statements per request of each workload, over ``SAMPLES`` requests with random ids."""
    return asyncio.run(_count(settings, data, tokens, workloads))


async def _count(
    settings: Settings, data: DataSet, tokens: list[str], workloads: tuple[Workload, ...]
) -> dict[str, float]:
    app = create_app(settings)
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() not in _TRANSACTION_CONTROL:
            sent.append(statement)

    rng = random.Random(20261127)
    means: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        engine = app.state.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", record)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for workload in workloads:
                total = 0
                for _ in range(SAMPLES):
                    body, headers = _request(workload, rng, data, tokens)
                    sent.clear()
                    _check(workload.name, body, await client.post("/graphql", json=body, headers=headers))
                    total += len(sent)
                means[workload.name] = total / SAMPLES
        event.remove(engine, "before_cursor_execute", record)
    return means


def check_served(url: str, data: DataSet, tokens: list[str], workloads: tuple[Workload, ...]) -> None:
    """The same check over HTTP, for a server the benchmark cannot run in-process (the reference)."""
    rng = random.Random(20261128)
    with httpx.Client(base_url=url, timeout=30) as client:
        for workload in workloads:
            for _ in range(SAMPLES):
                body, headers = _request(workload, rng, data, tokens)
                _check(
                    f"{workload.name} against {url}",
                    body,
                    client.post("/graphql", json=body, headers=headers),
                )


def _request(
    workload: Workload, rng: random.Random, data: DataSet, tokens: list[str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """One request of ``workload`` with fresh random ids: its JSON body and its headers."""
    user, variables = workload.draw(rng, data)
    body = {"query": workload.document, "variables": variables}
    return body, {"authorization": f"Bearer {tokens[user - 1]}"}


def _check(what: str, body: dict[str, Any], response: httpx.Response) -> None:
    if response.status_code != 200 or "errors" in response.json():
        raise WorkloadFailed(
            f"{what} {json.dumps(body['variables'])}: {response.status_code} {response.text}"
        )
