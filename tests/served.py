"""A real server process (``videoengage serve``) on a free port, for suites that need a socket."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.chat import SEND_MESSAGE
from tests.conftest import TEST_JWT_SECRET, make_settings
from videoengage.auth import issue_token

# A start imports the app and checks the database: a second or two, but far longer on a machine
# busy with other work (a bound that fails only under load would be a flaky test).
STARTUP_SECONDS = 60


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    log_file: Path

    def log(self) -> str:
        """What the server has printed so far (a file, so a chatty server never blocks on a pipe)."""
        return self.log_file.read_text()

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def served(database_url: str, *args: str, **env: str) -> Iterator[Served]:
    """Start the server, wait until it answers /healthz, and stop it (SIGTERM) afterwards."""
    port = free_port()
    log_dir = Path(tempfile.mkdtemp(prefix="videoengage-served-"))
    log_file = log_dir / "server.log"
    output = log_file.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "videoengage.cli", "serve", "--port", str(port), *args],
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "JWT_SECRET": TEST_JWT_SECRET,
            "LOG_LEVEL": "warning",
            # As in make_settings: generous, for suites that send many operations as one viewer.
            "RATE_LIMIT_POINTS": "1000000000",
            **env,
        },
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited: {log_file.read_text()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start within {STARTUP_SECONDS} s")
            time.sleep(0.1)
        yield Served(url, process, log_file)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        output.close()


def send_text(
    server: Served, db_url: str, sender: int, conversation: int, body: str = "hi", **extra: Any
) -> str:
    """A text message (or ``extra`` fields) sent over HTTP by ``sender``, as a client sends it; its id."""
    response = httpx.post(
        server.graphql_url,
        json={
            "query": SEND_MESSAGE,
            "variables": {
                "input": {"conversationId": str(conversation), "type": "TEXT", "body": body, **extra}
            },
        },
        headers={"authorization": f"Bearer {issue_token(make_settings(db_url), sender, 3600)}"},
        timeout=10,
    )
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    message_id: str = response.json()["data"]["sendMessage"]["id"]
    return message_id
