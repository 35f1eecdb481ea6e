"""Driving the web app in the system's Chromium with Playwright's async API.

Playwright never downloads a browser here: it drives the Chromium this machine has
(EXPO_TEST_CHROMIUM, else `chromium` or `chromium-browser` on PATH; on Debian `apt-get install
chromium fonts-noto-cjk`, the fonts for the Chinese pages).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
import struct
import uuid
import zlib
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, WebSocketRoute
from playwright.async_api import Error as PlaywrightError

from tests.live import LiveServer
from tests.waiting import eventually

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000  # every wait in these tests: actions, navigation and expect()
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

ATTENDEE = "attendee@demo.shubo.live"
PASSWORD = "shubo-demo-2026"
NEW_PASSWORD = "云上贵州-数据之都-2026"  # passes the server's rules for any name and email


def unique_email(prefix: str = "new") -> str:
    """An address no account has yet (the server's database lives for a whole test module)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.com"


async def register(server: LiveServer, display_name: str, **fields: str) -> tuple[str, str]:
    """Register a fresh attendee over HTTP, as the sign-up page does; returns (its email, the
    Cookie header value that signs it in)."""
    email = fields.pop("email", None) or unique_email()
    body = {"email": email, "password": NEW_PASSWORD, "display_name": display_name, **fields}
    async with server.http() as client:
        response = await client.post("/api/accounts", json=body)
        assert response.status_code == 201, response.text
        return email, f"expo_session={response.cookies['expo_session']}"


def find_chromium() -> str | None:
    configured = os.environ.get("EXPO_TEST_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


class Pages:
    """Opens pages of the app, each in its own browser context: its own cookies and storage,
    like a separate person."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self._browser = browser
        self._server = server
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    async def new(
        self, *, locale: str = "zh-CN", phone: bool = False, cookie: str | None = None
    ) -> Page:
        """A blank page at 1280x800 (390x844 with `phone`) in Beijing time, with `locale` as
        the browser's language; `cookie` ("expo_session=…", from LiveServer.sign_in) signs in."""
        options: dict[str, Any] = {
            "base_url": self._server.base,
            "locale": locale,
            "timezone_id": "Asia/Shanghai",
            "viewport": PHONE if phone else DESKTOP,
            "device_scale_factor": 1,
            "reduced_motion": "reduce",
        }
        if phone:
            options.update(is_mobile=True, has_touch=True)
        context = await self._browser.new_context(**options)
        self.contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        if cookie:
            name, _, value = cookie.partition("=")
            await context.add_cookies([{"name": name, "value": value, "url": self._server.base}])
        page = await context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        return page

    async def open(self, path: str = "/#/", **options: Any) -> Page:
        page = await self.new(**options)
        await page.goto(path)
        return page

    async def tab(self, beside: Page, path: str = "/#/") -> Page:
        """Another tab in `beside`'s browser context: the same cookies, so the same session."""
        page = await beside.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{page.url}: {error}"))
        await page.goto(path)
        return page

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


class Line:
    """The page's websockets, passed through Playwright: every JSON frame each way, in order,
    and a switch for the network. While it is down, new connections hang (as on a dead
    network: no answer, no refusal) until it is back up, or for TIMEOUT_MS at most."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self._up = asyncio.Event()
        self._up.set()

    async def carry(self, context: BrowserContext) -> None:
        await context.route_web_socket("**/ws", self._connect)

    def down(self) -> None:
        self._up.clear()

    def up(self) -> None:
        self._up.set()

    async def _connect(self, page_side: WebSocketRoute) -> None:
        try:
            async with asyncio.timeout(TIMEOUT_MS / 1000):
                await self._up.wait()
        except TimeoutError:
            with contextlib.suppress(PlaywrightError):
                await page_side.close(code=1011, reason="the test network stayed down")
            return
        server_side = page_side.connect_to_server()

        def to_server(message: str | bytes) -> None:
            self.sent.append(json.loads(message))
            server_side.send(message)

        def to_page(message: str | bytes) -> None:
            self.received.append(json.loads(message))
            page_side.send(message)

        page_side.on_message(to_server)
        server_side.on_message(to_page)

    def commands(self, kind: str) -> list[dict[str, Any]]:
        return [frame for frame in self.sent if frame.get("type") == kind]

    def reply_to(self, command: dict[str, Any]) -> dict[str, Any]:
        return next(
            frame
            for frame in self.received
            if frame.get("type") in ("ok", "error") and frame.get("id") == command["id"]
        )


TWO_FRAMES = "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


async def page_true(page: Page, function: str, *, timeout_ms: int = TIMEOUT_MS) -> Any:
    """Evaluate `function` (JavaScript: `() => ...`) in the page until it returns something
    truthy, and return that. Polled with page.evaluate, which the page's CSP allows:
    wait_for_function's later polls build the condition with eval, which `script-src 'self'`
    forbids (it fails whenever the first poll was false)."""
    return await eventually(
        lambda: page.evaluate(function), timeout=timeout_ms / 1000, interval=0.1
    )


async def boxes(page: Page, **selectors: str) -> dict[str, dict[str, float] | None]:
    """Where the first element each selector matches is in the window now (its top, bottom,
    height, left, right and width in CSS pixels; None when none is rendered), and the window's
    own box as "window". One round trip, so the boxes are measured together."""
    measured = await page.evaluate(
        """(selectors) => {
          const out = {
            window: {
              top: 0, bottom: innerHeight, height: innerHeight,
              left: 0, right: innerWidth, width: innerWidth,
            },
          };
          for (const [name, selector] of Object.entries(selectors)) {
            const element = document.querySelector(selector);
            const shown = element && element.getClientRects().length;
            const box = shown ? element.getBoundingClientRect() : null;
            out[name] = box && {
              top: box.top, bottom: box.bottom, height: box.height,
              left: box.left, right: box.right, width: box.width,
            };
          }
          return out;
        }""",
        selectors,
    )
    return measured


async def assert_side_panel_in_view(page: Page, *, scrolled: bool = False) -> None:
    """A room's side panel (chat, Q&A, polls) on a wide screen lies between the sticky header and
    the window's bottom edge, clear of the footer, and the chat's send box (or its sign-in
    prompt) is in view, with or without the expo's banner; `scrolled`: at the top of the page,
    halfway down and at the very bottom (the footer in view) in turn, instead of where it is."""
    if scrolled:
        for part in (0, 0.5, 1):
            await page.evaluate(f"scrollTo(0, document.documentElement.scrollHeight * {part})")
            await assert_side_panel_in_view(page)
        return
    # The panel fits itself to the window on the next frame after a scroll or a resize.
    await page.evaluate(TWO_FRAMES)
    at = await boxes(
        page,
        header=".top-bar",
        side=".room-side",
        compose="#tabpanel-chat .chat-compose",
        footer=".site-footer",
    )
    header, side, compose, footer, window = map(
        at.get, ("header", "side", "compose", "footer", "window")
    )
    assert header and side and compose and footer, at
    assert side["top"] >= header["bottom"] - 0.5, ("under the header", at)
    assert side["bottom"] <= min(window["bottom"], footer["top"]) + 0.5, ("below the window", at)
    assert 0 <= compose["top"] and compose["bottom"] <= window["bottom"] + 0.5, ("send box", at)


async def screenshot(page: Page, name: str) -> None:
    """Save docs/screenshots/<name>.png (the README shows them) once the fonts are in, kept
    small: 6 bits a channel (the dark gradients' dithering is what makes PNGs big) and
    deflated hard. Chromium encodes PNGs for speed. With EXPO_TEST_SCREENSHOTS=capture (CI,
    whose clone is thrown away) the page is captured and nothing is written."""
    await page.evaluate("document.fonts.ready.then(() => true)")
    shot = await page.screenshot(animations="disabled", caret="hide")
    if os.environ.get("EXPO_TEST_SCREENSHOTS") == "capture":
        return  # CI: the page is captured; the README's copy (~2 s a picture) is not remade
    assert page.context.browser is not None
    scratch = await page.context.browser.new_page()  # its own context, away from the app's
    try:
        posterized = await scratch.evaluate(POSTERIZE, base64.b64encode(shot).decode())
    finally:
        await scratch.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"{name}.png").write_bytes(deflate_harder(base64.b64decode(posterized)))


# Rounds each colour channel to 6 bits in an opaque canvas; returns its PNG (RGB), base64.
POSTERIZE = """async (png) => {
  const image = new Image();
  image.src = `data:image/png;base64,${png}`;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d", { alpha: false });
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  const data = pixels.data;
  for (let i = 0; i < data.length; i += 1) {
    if (i % 4 !== 3) data[i] = Math.min(data[i] + 2, 255) & 0xfc;
  }
  context.putImageData(pixels, 0, 0);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}"""


def deflate_harder(png: bytes) -> bytes:
    """The same PNG with its image data deflated at zlib's highest level."""
    signature, chunks, position = png[:8], [], 8
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        chunks.append((png[position + 4 : position + 8], png[position + 8 : position + 8 + length]))
        position += 12 + length
    pixels = zlib.decompress(b"".join(data for kind, data in chunks if kind == b"IDAT"))
    packer = zlib.compressobj(9, zlib.DEFLATED, 15, 9)
    idat = packer.compress(pixels) + packer.flush()
    out = [signature]
    for kind, data in chunks:
        if kind == b"IDAT":
            if idat is None:
                continue
            kind, data, idat = b"IDAT", idat, None
        out.append(struct.pack(">I", len(data)) + kind + data)
        out.append(struct.pack(">I", zlib.crc32(kind + data)))
    return b"".join(out)
