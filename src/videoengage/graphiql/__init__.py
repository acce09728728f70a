"""GraphiQL served from our own origin: a page with a strict Content-Security-Policy and pinned files.

Strawberry's built-in GraphiQL loads its scripts and styles from a public CDN and starts them with an
inline script, so it shows "Loading..." on a machine without internet and fails behind a strict
policy. Ours ships every file in the package (``static/vendor``, copied from npm by
``scripts/update-graphiql``, licences included) and names each by its content's digest, so a browser
may keep it for a year and never sees a stale one after an update.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

STATIC = Path(__file__).parent / "static"
ASSET_PATH = "/static/graphiql"  # served at ASSET_PATH/<digest>/<name>

# In the order the page loads them: React first, GraphiQL on it, the explorer plugin on GraphiQL.
STYLES = ("vendor/graphiql.min.css", "vendor/plugin-explorer.min.css", "page.css")
SETUP = "graphiql-setup.js"  # ours: carries the page's style nonce to GraphiQL
SCRIPTS = (
    "vendor/react.production.min.js",
    "vendor/react-dom.production.min.js",
    "vendor/graphiql.min.js",
    "vendor/plugin-explorer.min.js",
    SETUP,
)
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

# No inline script, no third-party origin. The fonts and icons GraphiQL's stylesheet embeds are data:
# URLs. Its dialogs add one <style> element (react-remove-scroll-bar), allowed by a nonce of the
# page's own that our setup script hands over; 'self' in connect-src covers ws: and wss: to this host
# (CSP Level 3).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; font-src 'self' data:; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
}
ASSET_HEADERS = {
    "cache-control": "public, max-age=31536000, immutable",
    "x-content-type-options": "nosniff",
    "vary": "accept-encoding",
}


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes
    digest: str

    @property
    def url(self) -> str:
        return f"{ASSET_PATH}/{self.digest}/{self.name}"

    @functools.cached_property
    def gzipped(self) -> bytes:
        """Compressed on first request (about a third of the size), not at startup."""
        return gzip.compress(self.body, compresslevel=9, mtime=0)


class GraphiQLFiles:
    """The page and its files, read on first use: apps that never serve GraphiQL never read them."""

    @functools.cached_property
    def assets(self) -> dict[str, Asset]:
        assets = {}
        for name in (*STYLES, *SCRIPTS):
            body = (STATIC / name).read_bytes()
            assets[name] = Asset(name, body, hashlib.sha256(body).hexdigest()[:16])
        return assets

    @functools.cached_property
    def page(self) -> str:
        """Relative URLs, so the page works under a path prefix too; ``{nonce}`` is filled per page."""
        styles = "".join(f'<link rel="stylesheet" href="{self.assets[n].url[1:]}">\n' for n in STYLES)
        nonce = ' nonce="{nonce}"'
        scripts = "".join(
            f'<script src="{self.assets[n].url[1:]}"{nonce if n == SETUP else ""}></script>\n'
            for n in SCRIPTS
        )
        return (
            '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<link rel="icon" href="data:,">\n<title>videoengage · GraphiQL</title>\n'
            f'{styles}</head>\n<body>\n<div id="graphiql">Loading GraphiQL…</div>\n'
            f"{scripts}</body>\n</html>\n"
        )

    def page_response(self) -> Response:
        """A fresh nonce for every page, so it cannot be guessed; the page is never cached."""
        nonce = secrets.token_urlsafe(18)  # letters, digits, - and _: safe in the header and in HTML
        headers = {**PAGE_HEADERS, "content-security-policy": CONTENT_SECURITY_POLICY.format(nonce=nonce)}
        return HTMLResponse(self.page.replace("{nonce}", nonce), headers=headers)

    async def asset_response(self, request: Request) -> Response:
        """GET ASSET_PATH/<digest>/<name>: a file of the current page, or 404 for any other."""
        asset = self.assets.get(request.path_params["name"])
        if asset is None or request.path_params["digest"] != asset.digest:
            return Response("Not Found", status_code=404, media_type="text/plain")
        media_type = MEDIA_TYPES[Path(asset.name).suffix]
        if "gzip" in request.headers.get("accept-encoding", ""):
            headers = {**ASSET_HEADERS, "content-encoding": "gzip"}
            return Response(asset.gzipped, media_type=media_type, headers=headers)
        return Response(asset.body, media_type=media_type, headers=ASSET_HEADERS)
