"""The web edge: security headers on every HTTP response, and the web files (only those).

A page of another site must not frame ours (a moderator tricked into one-click bans), a browser
must not guess a JSON answer to be a script, and the web root, a Python package, must not hand
out its `__init__.py`.
"""

from __future__ import annotations

import os
import stat
from pathlib import PurePosixPath

from starlette.datastructures import MutableHeaders
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# frontend/index.html's own <meta> policy (what the browser tests run under), plus what only a
# header can say: no one may frame us. Keep the two in step (tests/integration/test_hardening.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' https: blob:; connect-src 'self' ws: wss:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Adds the security headers to every HTTP response (pages, files, the API, errors)."""

    def __init__(self, app: ASGIApp, *, hsts_max_age: int = 0) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
            (b"x-frame-options", b"DENY"),  # for browsers that predate frame-ancestors
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]
        if hsts_max_age > 0:
            # No includeSubDomains: other sites on sibling hosts may not all be on HTTPS.
            value = f"max-age={hsts_max_age}"
            self.headers.append((b"strict-transport-security", value.encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers.setdefault(name.decode(), value.decode())
            await send(message)

        await self.app(scope, receive, send_with_headers)


# What a browser fetches from frontend/: pages, modules, styles, icons, the demo stream.
WEB_SUFFIXES = frozenset(
    {".html", ".js", ".mjs", ".css", ".svg", ".png", ".ico", ".woff2", ".m3u8", ".ts"}
)


class WebFiles(StaticFiles):
    """StaticFiles limited to web files: the package's Python modules, caches, lock files and
    licences answer 404 like anything else that is not there."""

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        full_path, stat_result = super().lookup_path(path)
        if stat_result is None or not _is_web_file(path, stat_result):
            return "", None
        return full_path, stat_result


def _is_web_file(path: str, stat_result: os.stat_result) -> bool:
    parts = PurePosixPath(path).parts
    if any(part.startswith(("_", ".")) for part in parts):
        return False  # __init__.py, __pycache__/, .DS_Store
    if stat.S_ISDIR(stat_result.st_mode):
        return True  # a directory: StaticFiles looks for its index.html, itself checked
    return PurePosixPath(path).suffix in WEB_SUFFIXES
