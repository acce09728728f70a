"""Building the image and running containers of it with the Docker CLI, for tests/test_image.py.

Everything runs on the host's network (`--network host`): the build reaches the package registry as
the host does, and the containers listen on, and reach PostgreSQL at, 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.served import free_port

ROOT = Path(__file__).parent.parent
IMAGE = "videoengage:image-test"
LOCAL_BASE = "videoengage-base:local"
BUILD_TIMEOUT_SECONDS = 900
START_TIMEOUT_SECONDS = 60


def skip_or_fail(reason: str) -> None:
    """Skip with the reason; under CI=true, where the engine is set up by .ci/run, fail instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


def docker(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {result.stderr.strip()}")
    return result


def engine_or_skip() -> None:
    """The Docker client and a running engine, or a skip (a failure under CI) saying which is missing."""
    if shutil.which("docker") is None:
        skip_or_fail("the docker client is not installed (.ci/run installs docker.io)")
    info = docker("info", "--format", "{{.ServerVersion}}", timeout=30, check=False)
    if info.returncode != 0:
        said = (info.stderr.strip().splitlines() or ["(nothing)"])[-1]
        skip_or_fail(f"no Docker engine answers: {said}")


def base_or_skip() -> str:
    """The base image to build on: TEST_IMAGE_BASE, or the one scripts/image-base makes."""
    base = os.environ.get("TEST_IMAGE_BASE", LOCAL_BASE)
    if docker("image", "inspect", base, check=False).returncode != 0:
        skip_or_fail(
            f"the base image {base} is not there: make it with scripts/image-base (root, debootstrap), "
            "or set TEST_IMAGE_BASE to an image the engine can pull"
        )
    return base


@dataclass(frozen=True)
class Build:
    log: str
    seconds: float

    def context_bytes(self) -> float:
        """The size of the build context the client sent, as the legacy builder reports it."""
        match = re.search(r"Sending build context to Docker daemon\s+([\d.]+)([kMG]?B)", self.log)
        if match is None:
            raise AssertionError(f"no build context size in the build's output:\n{self.log[:2000]}")
        unit = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[match.group(2)]
        return float(match.group(1)) * unit


def build(base: str) -> Build:
    """Build the image from the working copy, and forget the image the tag named before."""
    before = docker("image", "inspect", "--format", "{{.Id}}", IMAGE, check=False).stdout.strip()
    started = time.monotonic()
    result = subprocess.run(
        ["docker", "build", "--network", "host", "--build-arg", f"BASE_IMAGE={base}", "-t", IMAGE, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
        check=False,
        env={**os.environ, "DOCKER_BUILDKIT": "0"},  # one builder everywhere, and its context line
    )
    seconds = time.monotonic() - started
    log = result.stdout + result.stderr
    if result.returncode != 0:
        raise AssertionError(f"docker build failed:\n{log[-4000:]}")
    after = docker("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout.strip()
    if before and before != after:
        # Only the layers no other image uses go; the next build keeps its cache.
        docker("image", "rm", before, check=False)
    return Build(log, seconds)


@dataclass(frozen=True)
class Container:
    name: str
    url: str

    def exec(self, *command: str) -> str:
        return docker("exec", self.name, *command).stdout

    def health(self) -> str:
        return docker("inspect", "--format", "{{.State.Health.Status}}", self.name).stdout.strip()

    def wait_for_health(self, status: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while (current := self.health()) != status:
            if time.monotonic() > deadline:
                raise AssertionError(f"health is {current!r}, not {status!r}, after {timeout} s")
            time.sleep(0.5)

    def logs(self) -> str:
        return _logs(self.name)


@contextlib.contextmanager
def container(env: dict[str, str], *run_args: str) -> Iterator[Container]:
    """A container of the image on a free port, once it answers /healthz; removed afterwards."""
    port = free_port()
    name = f"videoengage-test-{uuid.uuid4().hex[:10]}"
    env_args = [arg for key, value in {"PORT": str(port), **env}.items() for arg in ("-e", f"{key}={value}")]
    docker("run", "--detach", "--name", name, "--network", "host", *env_args, *run_args, IMAGE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            state = json.loads(docker("inspect", "--format", "{{json .State}}", name).stdout)
            if not state["Running"]:
                raise AssertionError(f"the container exited ({state['ExitCode']}):\n{_logs(name)}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"no answer on {url} within {START_TIMEOUT_SECONDS} s:\n{_logs(name)}")
            time.sleep(0.2)
        yield Container(name, url)
    finally:
        docker("rm", "--force", name, check=False)


def _logs(name: str) -> str:
    result = docker("logs", name, check=False)
    return result.stdout + result.stderr
