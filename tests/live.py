"""A real server for tests: uvicorn on 127.0.0.1, port 0, with the app's own ws class."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
import websockets
from websockets.asyncio.client import ClientConnection

from expo.app import WS_CLASS, create_app
from expo.db import make_engine, make_sessionmaker
from expo.features import Feature, load_features
from expo.migrate import upgrade_async
from expo.ratelimit import DEFAULT_RATES, Rate
from expo.seed import seed_demo
from expo.settings import Settings
from tests.demo_template import copy_demo


class LiveServer:
    def __init__(self, server: uvicorn.Server) -> None:
        self._server = server
        host, port = server.servers[0].sockets[0].getsockname()[:2]
        self.base = f"http://{host}:{port}"
        self.ws_url = f"ws://{host}:{port}/ws"

    @property
    def services(self) -> Any:
        """The app's services, as its lifespan built them (to act as the server would)."""
        return self._server.lifespan.state["expo"]

    def http(self, **kwargs: Any) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base, timeout=10, **kwargs)

    async def sign_in(self, email: str, password: str = "shubo-demo-2026") -> str:
        """Sign in over HTTP; returns the Cookie header value for the websocket."""
        async with self.http() as client:
            response = await client.post(
                "/api/session", json={"email": email, "password": password}
            )
            response.raise_for_status()
            return f"expo_session={response.cookies['expo_session']}"

    def connect(self, cookie: str | None = None, **kwargs: Any) -> Any:
        headers = {"Cookie": cookie} if cookie else None
        return websockets.connect(
            self.ws_url, additional_headers=headers, open_timeout=10, **kwargs
        )


@asynccontextmanager
async def live_server(
    settings: Settings, features: Sequence[Feature] | None = None
) -> AsyncIterator[LiveServer]:
    """`features`: the app's, when a test adds one of its own (else those installed)."""
    config = uvicorn.Config(
        create_app(settings, features),
        host="127.0.0.1",
        port=0,
        ws=WS_CLASS,
        lifespan="on",
        log_config=None,
        access_log=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if not server.started:
        await task  # surfaces the startup error
        raise RuntimeError("server did not start")
    try:
        yield LiveServer(server)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


class Peer:
    """A test client: sends commands, reads replies and events as dicts."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []  # events read while waiting for a reply
        self._next = 0

    async def command(self, kind: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a command and return its reply (events read on the way are kept)."""
        self._next += 1
        command_id = f"t{self._next}"
        await self.ws.send(json.dumps({"type": kind, "id": command_id, "data": data or {}}))
        return await self.reply(command_id)

    async def reply(self, command_id: str | int | None, timeout: float = 10) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.ws.recv())
                if frame.get("type") in ("ok", "error") and frame.get("id") == command_id:
                    return frame
                self.events.append(frame)

    async def event(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        for index, frame in enumerate(self.events):
            if frame["type"] == kind:
                return self.events.pop(index)
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.ws.recv())
                if frame["type"] == kind:
                    return frame
                self.events.append(frame)


async def prepare_demo_database(url: str) -> None:
    """The demo expo in the empty database at `url`: migrated with Alembic (as production does)
    and seeded, in a template a moment ago, and copied (tests/demo_template.py)."""
    await copy_demo(url, migrate_and_seed)


async def migrate_and_seed(url: str) -> None:
    features = load_features()
    await upgrade_async(url, features)
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as db:
        await seed_demo(db, features)
    await engine.dispose()


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        # Tests connect and sign in far faster than people: limits are tested on their own.
        "rate_limits": {name: Rate(100_000, 1) for name in DEFAULT_RATES},
        "secret_key": secrets.token_urlsafe(16),
        "presence_interval": 0.2,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
