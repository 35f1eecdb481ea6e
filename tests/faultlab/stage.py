"""The stage the fault scenarios play on: `expo serve` processes (real uvicorn, real sockets)
behind nothing, sharing a Redis of their own (tests/redis_server.py: stopped and started by the
scenarios, never the machine's) and a fresh PostgreSQL database with the demo expo; and what
the scenarios set up in that database: rooms, people with sessions, a booth with a queue.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import func, select

from expo.db import make_engine, make_sessionmaker
from expo.ratelimit import DEFAULT_RATES
from forums.models import Forum
from tests.cluster import Process, start, stop
from tests.live import prepare_demo_database
from tests.meeting_rows import insert_meeting
from tests.meetings_setup import Db, new_exhibitor, new_people
from tests.queue_crowd import Http, signed_in
from tests.redis_server import RedisServer


@dataclass
class Stage:
    env: dict[str, str]
    redis: RedisServer
    database_url: str
    logs: Path
    processes: list[Process] = field(default_factory=list)
    http: dict[str, Http] = field(default_factory=dict)  # ws url -> HTTP to that process
    engine: AsyncEngine | None = None

    @property
    def ws_urls(self) -> list[str]:
        return [p.ws_url for p in self.processes]

    @property
    def db(self) -> Db:
        assert self.engine is not None
        return make_sessionmaker(self.engine)

    async def start_processes(self, count: int) -> None:
        """`count` more processes, started side by side (each takes seconds to import)."""
        first = len(self.processes)
        started = await asyncio.gather(
            *(start(self.env, log=self.logs / f"process-{first + i}.log") for i in range(count)),
            return_exceptions=True,
        )
        for process in started:
            if isinstance(process, Process):
                self.processes.append(process)
                self.http[process.ws_url] = Http(process.base, connections=100)
        for failure in started:
            if isinstance(failure, BaseException):
                raise failure

    async def kill(self, index: int) -> None:
        """SIGKILL: no 1012 to its clients, no goodbye to Redis; its heartbeats just stop."""
        child = self.processes[index].child
        child.send_signal(signal.SIGKILL)
        await child.wait()

    async def rooms(self, count: int) -> list[int]:
        """`count` rooms: the demo's, and more made as a room of the demo is (chat only)."""
        async with self.db() as db:
            have = (await db.execute(select(func.count()).select_from(Forum))).scalar_one()
            for n in range(int(have), count):
                db.add(Forum(slug=f"fault-{n}", title_zh=f"分会场 {n}", title_en=f"Room {n}"))
            await db.commit()
            found = await db.execute(select(Forum.id).order_by(Forum.id).limit(count))
            return [int(i) for i in found.scalars()]

    async def people(self, count: int, exhibitor_id: int | None = None) -> list[tuple[int, str]]:
        """`count` fresh people, each signed in: [(account id, Cookie header)]."""
        if count == 0:
            return []
        made = await new_people(self.db, count, exhibitor_id=exhibitor_id, name="观众")
        cookies = await signed_in(self.db, self.env["EXPO_SECRET_KEY"], [a for a, _ in made])
        return [(a, cookies[a]) for a, _ in made]

    async def booth(self) -> int:
        return await new_exhibitor(self.db, seats=1)

    async def meeting(self, requester: int, recipient: int) -> int:
        """A confirmed meeting of the two (its room open to them alone): its id."""
        async with self.db() as db:
            return await insert_meeting(db, requester, recipient)

    async def join_queue(self, booth: int, cookie: str, ws_url: str) -> int:
        """The person of `cookie` joins `booth`'s queue through the process of `ws_url`: the
        ticket's id."""
        status, body = await self.http[ws_url].send(
            "POST", f"/api/match/queues/{booth}/tickets", cookie, {}
        )
        assert status == 201, (status, body)
        return int(body["ticket"]["id"])


def environment(
    redis_url: str,
    database_url: str,
    keep_limits: tuple[str, ...] = (),
    limits: dict[str, str] | None = None,
) -> dict[str, str]:
    """The processes' settings: every rate limit lifted (a few clients stand for thousands of
    people: the chat's 5 per 10 s per account would refuse the scenario's load, not a
    person's) but those in `keep_limits` (the platform's defaults) and in `limits` (name ->
    "count/seconds[/burst]")."""
    limits = limits or {}
    env = {
        **os.environ,
        "EXPO_DATABASE_URL": database_url,
        "EXPO_REDIS_URL": redis_url,
        "EXPO_SECRET_KEY": secrets.token_urlsafe(24),
        "EXPO_LOG_JSON": "1",
        "EXPO_RATE_LIMITS": ",".join(
            f"{name}={limits.get(name, '100000/1')}"
            for name in DEFAULT_RATES
            if name not in keep_limits
        ),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


@asynccontextmanager
async def staged(
    redis: RedisServer,
    database_url: str,
    logs: Path,
    *,
    processes: int = 2,
    keep_limits: tuple[str, ...] = (),
    limits: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
) -> AsyncIterator[Stage]:
    """`processes` servers on `redis` and the demo expo in the empty database `database_url`
    (see `environment` for the limits; `settings`: more of the processes' environment)."""
    await prepare_demo_database(database_url)
    env = environment(redis.url, database_url, keep_limits, limits) | (settings or {})
    stage = Stage(env, redis, database_url, logs, engine=make_engine(database_url))
    try:
        await stage.start_processes(processes)
        yield stage
    finally:
        for http in stage.http.values():
            await http.close()
        for process in stage.processes:
            await stop(process)
        if stage.engine is not None:
            await stage.engine.dispose()
