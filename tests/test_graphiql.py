"""GraphiQL's page and files over HTTP: ours, pinned, under a strict policy, and off in production.

What a browser makes of them is tests/test_graphiql_browser.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.conftest import make_settings, serve
from videoengage.graphiql import STATIC

ROOT = Path(__file__).parent.parent
HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}  # Chromium's


def asset_urls(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(static/graphiql/[^"]+)"', page)


async def test_the_page_loads_only_our_files_under_a_policy_without_unsafe_inline(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/graphql", headers=HTML)
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "unsafe" not in policy
    assert page.headers["cache-control"] == "no-store"
    assert "<script>" not in page.text and "style=" not in page.text  # nothing inline
    assert "//" not in re.sub(r"<!doctype html>", "", page.text)  # no URL of another origin
    urls = asset_urls(page.text)
    assert len(urls) == 8
    for url in urls:
        response = await client.get(f"/{url}")
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.content == (STATIC / url.split("/", 3)[3]).read_bytes()


async def test_every_page_has_a_fresh_style_nonce_that_only_our_script_carries(
    client: httpx.AsyncClient,
) -> None:
    first, second = [await client.get("/graphql", headers=HTML) for _ in range(2)]
    nonces = []
    for page in (first, second):
        nonce = re.findall(r"'nonce-([\w-]+)'", page.headers["content-security-policy"])
        assert len(nonce) == 1 and len(nonce[0]) >= 24
        assert re.findall(r'nonce="([^"]+)"', page.text) == nonce
        assert re.search(rf'graphiql-setup\.js" nonce="{nonce[0]}"', page.text)
        nonces.append(nonce[0])
    assert nonces[0] != nonces[1]


async def test_files_are_gzipped_for_clients_that_ask(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers=HTML)
    script = next(u for u in asset_urls(page.text) if u.endswith("graphiql.min.js"))
    plain = await client.get(f"/{script}", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    packed = await client.get(f"/{script}", headers={"accept-encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "accept-encoding"
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert packed.content == plain.content  # httpx decompressed it
    assert plain.headers["content-type"] == "text/javascript; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    [
        "/static/graphiql/0000000000000000/vendor/graphiql.min.js",  # a digest of no current file
        "/static/graphiql/{digest}/vendor/manifest.json",  # in the folder, not a page file
        "/static/graphiql/{digest}/%2e%2e/%2e%2e/settings.py",  # reaches the route undecoded
        "/static/graphiql/{digest}/vendor/THIRD_PARTY_LICENSES.txt",
    ],
)
async def test_anything_but_a_current_file_is_not_found(client: httpx.AsyncClient, path: str) -> None:
    page = await client.get("/graphql", headers=HTML)
    digest = asset_urls(page.text)[0].split("/")[2]
    response = await client.get(path.format(digest=digest))
    assert response.status_code == 404
    assert response.headers.get("cache-control") is None


@pytest.mark.parametrize("overrides", [{"production": True}, {"graphiql": False}])
async def test_production_and_graphiql_off_serve_neither_page_nor_files(
    db_url: str, overrides: dict[str, bool]
) -> None:
    async with serve(make_settings(db_url)) as client:
        page = await client.get("/graphql", headers=HTML)
        urls = asset_urls(page.text)
        assert urls
    async with serve(make_settings(db_url, **overrides)) as client:
        refused = await client.get("/graphql", headers=HTML)
        assert "<html" not in refused.text.lower()
        assert "content-security-policy" not in refused.headers
        for url in urls:
            assert (await client.get(f"/{url}")).status_code == 404


def test_the_files_match_their_manifest_and_the_lock() -> None:
    """What scripts/update-graphiql copied is what the lock pins, unchanged since."""
    manifest = json.loads((STATIC / "vendor" / "manifest.json").read_text())
    lock = json.loads((ROOT / "graphiql" / "package-lock.json").read_text())
    for name, entry in manifest.items():
        body = (STATIC / "vendor" / name).read_bytes()
        assert hashlib.sha256(body).hexdigest() == entry["sha256"], name
        assert lock["packages"][f"node_modules/{entry['package']}"]["version"] == entry["version"]
    licences = (STATIC / "vendor" / "THIRD_PARTY_LICENSES.txt").read_text()
    for key in lock["packages"]:
        if key:
            assert f"\n{key.split('node_modules/')[-1]} " in licences, key


def test_the_wheel_ships_the_files_and_their_licences(tmp_path: Path) -> None:
    uv = ROOT / ".tools" / "bin" / "uv"
    if not uv.exists():
        pytest.skip("building the wheel needs uv from scripts/bootstrap")
    command = [str(uv), "build", "--wheel", "--out-dir", str(tmp_path), "--quiet"]
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}  # the Python that runs the tests builds it
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=300)
    (wheel,) = tmp_path.glob("videoengage-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    src = STATIC.parent.parent.parent
    shipped = {path.relative_to(src).as_posix() for path in STATIC.rglob("*") if path.is_file()}
    assert shipped <= names, shipped - names
    assert "videoengage/graphiql/static/vendor/THIRD_PARTY_LICENSES.txt" in names
