"""W6: subscriptions under load. 1,000 subscribers (``messageSent``) over two workers, across 200
conversations, while W5 sends 100 messages a second through HTTP.

Reported: delivery latency (p50, p99) from each send's HTTP response to each subscriber's event,
and from the message's ``createdAt`` (its transaction's start, on the same machine's clock);
server CPU per delivered event (``/proc``, as the other workloads); the workers' resident memory per
1,000 idle sockets; SQL statements the server sent per message (the probe of the other workloads:
the send and every worker's load for it); and lost or duplicated events (each subscriber must
receive exactly the messages of its conversation, in order).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/videoengage_bench_w6 .venv/bin/python -m bench.w6
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.database import chosen_url, create_database, with_database
from bench.database import connect as db_connect
from bench.server import Server, cpu_seconds, rss_mb, serve
from videoengage.auth import issue_token
from videoengage.db.migrate import upgrade
from videoengage.settings import Settings

SECRET = "bench-w6-secret-long-enough-for-hs256-0123456789abcdef"
SUBSCRIBE = (
    "subscription($c: ID!) { messageSent(conversationId: $c) "
    "{ cursor node { id type body createdAt sender { id displayName } sharedVideo { id title } } } }"
)
SEND = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { id } }"


def build(url: str, conversations: int) -> None:
    """A fresh schema with two users per conversation (conversation c: users 2c-1 and 2c)."""
    with db_connect(url) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    upgrade(Settings(database_url=url).database_url)
    with db_connect(url) as conn:
        conn.execute(
            "INSERT INTO users (display_name) SELECT 'user ' || n FROM generate_series(1, %s) n",
            [2 * conversations],
        )
        conn.execute(
            "INSERT INTO conversations (direct_low_user_id, direct_high_user_id) "
            "SELECT 2 * c - 1, 2 * c FROM generate_series(1, %s) c",
            [conversations],
        )
        conn.execute(
            "INSERT INTO conversation_participants (conversation_id, user_id) "
            "SELECT c, 2 * c - 1 FROM generate_series(1, %s) c "
            "UNION ALL SELECT c, 2 * c FROM generate_series(1, %s) c",
            [conversations, conversations],
        )


class Subscriber:
    def __init__(self, conversation: int) -> None:
        self.conversation = conversation
        self.received: list[tuple[int, float]] = []
        self.since_stored_ms: list[float] = []


async def _subscribe(url: str, settings: Settings, subscriber: Subscriber) -> ClientConnection:
    connection = await connect(url, subprotocols=[Subprotocol("graphql-transport-ws")], open_timeout=60)
    token = issue_token(settings, 2 * subscriber.conversation - 1)
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    assert json.loads(await connection.recv())["type"] == "connection_ack"
    payload = {"query": SUBSCRIBE, "variables": {"c": str(subscriber.conversation)}}
    await connection.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return connection


async def _listen(connection: ClientConnection, subscriber: Subscriber) -> None:
    async for raw in connection:
        message = json.loads(raw)
        if message["type"] == "next":
            node = message["payload"]["data"]["messageSent"]["node"]
            subscriber.received.append((int(node["id"]), time.monotonic()))
            stored = datetime.fromisoformat(node["createdAt"]).timestamp()
            subscriber.since_stored_ms.append((time.time() - stored) * 1000)
        elif message["type"] == "ping":
            await connection.send(json.dumps({"type": "pong"}))


async def _send_for(
    server: Server, settings: Settings, conversations: int, rate: float, seconds: float
) -> tuple[dict[int, float], dict[int, list[int]]]:
    """Sends at ``rate`` a second (round robin over the conversations, from their second user)."""
    responded: dict[int, float] = {}
    sent: dict[int, list[int]] = defaultdict(list)
    tokens = {c: issue_token(settings, 2 * c) for c in range(1, conversations + 1)}
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as http:

        async def one(n: int) -> None:
            c = n % conversations + 1
            body = {
                "query": SEND,
                "variables": {"input": {"conversationId": str(c), "type": "TEXT", "body": f"w6 {n}"}},
            }
            response = await http.post(
                f"{server.url}/graphql", json=body, headers={"authorization": f"Bearer {tokens[c]}"}
            )
            message_id = int(response.json()["data"]["sendMessage"]["id"])
            responded[message_id] = time.monotonic()
            sent[c].append(message_id)

        tasks = []
        started = time.monotonic()
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            tasks.append(asyncio.create_task(one(n)))
        await asyncio.gather(*tasks)
    return responded, sent


async def run(
    url: str, subscribers: int, conversations: int, rate: float, seconds: float, workers: int
) -> dict[str, Any]:
    settings = Settings(database_url=url, jwt_secret=SECRET)  # type: ignore[arg-type]
    output = Path(tempfile.mkdtemp(prefix="bench-w6-"))
    with serve(settings, workers, output / "server.log", output / "counters") as server:
        idle_rss = sum(rss_mb(pid) for pid in server.worker_pids())
        ws = server.url.replace("http://", "ws://") + "/graphql"
        group = [Subscriber(n % conversations + 1) for n in range(subscribers)]
        connections = []
        for start in range(0, subscribers, 50):
            connections += await asyncio.gather(
                *(_subscribe(ws, settings, s) for s in group[start : start + 50])
            )
        listeners = [asyncio.create_task(_listen(c, s)) for c, s in zip(connections, group, strict=True)]
        await asyncio.sleep(2)
        socket_rss = sum(rss_mb(pid) for pid in server.worker_pids())
        cpu_before, statements_before = cpu_seconds(server.processes), server.statements_sent()
        responded, sent = await _send_for(server, settings, conversations, rate, seconds)
        await asyncio.sleep(3)  # the last events arrive
        cpu = cpu_seconds(server.processes) - cpu_before
        statements = server.statements_sent() - statements_before
        for listener in listeners:
            listener.cancel()
        for connection in connections:
            await connection.close()
    latencies, lost, duplicated, out_of_order = [], 0, 0, 0
    for subscriber in group:
        ids = [message_id for message_id, _ in subscriber.received]
        expected = sent[subscriber.conversation]
        lost += len(set(expected) - set(ids))
        duplicated += len(ids) - len(set(ids))
        out_of_order += int(ids != sorted(ids))
        latencies += [
            (at - responded[message_id]) * 1000
            for message_id, at in subscriber.received
            if message_id in responded
        ]
    latencies.sort()
    since_stored = sorted(value for s in group for value in s.since_stored_ms)
    delivered = sum(len(s.received) for s in group)
    messages = sum(len(ids) for ids in sent.values())
    return {
        "subscribers": subscribers,
        "conversations": conversations,
        "workers": workers,
        "messages_sent": messages,
        "events_delivered": delivered,
        "lost": lost,
        "duplicated": duplicated,
        "subscribers_out_of_order": out_of_order,
        "latency_p50_ms": round(statistics.median(latencies), 1),
        "latency_p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 1),
        "events_before_their_send_response": sum(1 for value in latencies if value < 0),
        "since_stored_p50_ms": round(statistics.median(since_stored), 1),
        "since_stored_p99_ms": round(since_stored[int(len(since_stored) * 0.99) - 1], 1),
        "server_cpu_ms_per_event": round(cpu * 1000 / delivered, 3),
        "server_cpu_ms_per_message": round(cpu * 1000 / messages, 3),
        "worker_rss_mb_idle": round(idle_rss, 1),
        "worker_rss_mb_per_1000_sockets": round((socket_rss - idle_rss) * 1000 / subscribers, 1),
        "statements_per_message": round(statements / messages, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.w6", description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()
    url = options.database_url or with_database(chosen_url(None), "videoengage_bench_w6")
    create_database(url)
    build(url, options.conversations)
    result = asyncio.run(
        run(url, options.subscribers, options.conversations, options.rate, options.duration, options.workers)
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
