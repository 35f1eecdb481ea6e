"""State events across processes: two moderators on two processes move the same question (or
poll) at once, many rounds; a page that keeps the highest version per object ends every round
in the database's state, whatever order the two announcements came in.

One of the two processes reaches Redis over a slower link (a proxy that holds what it sends for
LATENCY seconds, as a process on a farther host would): its move can commit first and still be
announced second, which is the order the pages must not be fooled by.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from expo.db import make_engine
from forums.domain import Versions
from tests.cluster import Process, sign_in, start, stop
from tests.integration.test_qa import MODERATOR, PASSWORD
from tests.live import Peer
from tests.services import REDIS_URL

FORUM = 6
ROUNDS = 20
DRAFT = {"question": "先后次序", "options": ["先 First", "后 Then"]}
LATENCY = 0.03  # seconds the far process's requests to Redis take on the way


class SlowLink:
    """A TCP proxy to Redis that delivers what the client sends LATENCY seconds late, in order
    (answers come back at once): one process on a farther host."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.server: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        for pipe in (self._late(reader, up_writer), self._pipe(up_reader, writer)):
            task = asyncio.create_task(pipe)
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _late(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        due: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            while True:
                at, chunk = await due.get()
                if not chunk:
                    writer.close()
                    return
                await asyncio.sleep(max(0.0, at - loop.time()))  # the link's latency
                writer.write(chunk)
                await writer.drain()

        sender = asyncio.create_task(send())
        try:
            while chunk := await reader.read(65536):
                due.put_nowait((loop.time() + LATENCY, chunk))
            due.put_nowait((0.0, b""))
            await sender
        finally:
            sender.cancel()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        finally:
            writer.close()


@pytest.fixture(scope="module")
async def far_and_near(
    shared_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[Process, Process]]:
    """Two processes on one Redis and PostgreSQL; the first on a slow link to Redis."""
    redis = urlsplit(REDIS_URL)
    link = SlowLink(redis.hostname or "127.0.0.1", redis.port or 6379)
    port = await link.start()
    far_url = urlunsplit(redis._replace(netloc=f"127.0.0.1:{port}"))
    logs = tmp_path_factory.mktemp("logs")
    far = await start(shared_env | {"EXPO_REDIS_URL": far_url}, log=logs / "far.log")
    try:
        near = await start(shared_env, log=logs / "near.log")
    except BaseException:
        await stop(far)
        raise
    yield far, near
    await stop(far)
    await stop(near)
    await link.close()


class Page:
    """What a page keeps of the room's questions and polls, by the pages' rule
    (frontend/js/versions.js): an event older than the one applied for its object is dropped."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer
        self.versions = Versions()
        self.questions: dict[int, str] = {}  # id -> state as shown; absent: not shown
        self.polls: dict[int, str] = {}

    def apply(self, event: dict[str, Any]) -> None:
        kind, data = event["type"], event.get("data") or {}
        if kind in ("question.asked", "question.updated", "question.removed"):
            if not self.versions.take(("question", data["id"]), data.get("version")):
                return
            if kind == "question.removed":
                self.questions.pop(data["id"], None)
            else:
                self.questions[data["id"]] = data["state"]
        elif kind == "poll.updated":
            if self.versions.take(("poll", data["id"]), data.get("version")):
                self.polls[data["id"]] = data["state"]

    async def until(self, seen: Any) -> None:
        """Apply events until `seen(event)` is true of one (a marker sent after the moves)."""
        for event in self.peer.events:
            self.apply(event)
        marked = any(seen(e) for e in self.peer.events)
        self.peer.events.clear()
        while not marked:
            async with asyncio.timeout(10):
                event = json.loads(await self.peer.ws.recv())
            self.apply(event)
            marked = seen(event)


async def register_on(process: Process, name: str) -> str:
    body = {"email": f"order-{secrets.token_hex(5)}@example.com", "password": PASSWORD}
    async with httpx.AsyncClient(base_url=process.base, timeout=10) as http:
        response = await http.post("/api/accounts", json=body | {"display_name": name})
    assert response.status_code == 201, response.text
    return f"expo_session={response.cookies['expo_session']}"


async def stored(process: Process, cookie: str, what: str) -> dict[int, str]:
    """The database's word: each question's (or poll's) state, from the staff snapshot."""
    async with httpx.AsyncClient(base_url=process.base, timeout=10) as http:
        page = (await http.get(f"/api/forums/{FORUM}/{what}", headers={"Cookie": cookie})).json()
    return {item["id"]: item["state"] for item in page[what]}


async def committed(engine: AsyncEngine, table: str, row: int, state: str) -> None:
    """Wait until the database holds `state` for the row (another process's move committed)."""
    query = text(f"SELECT state FROM {table} WHERE id = :id")  # noqa: S608 (our table names)
    async with asyncio.timeout(10):
        while True:
            async with engine.connect() as db:
                if (await db.execute(query, {"id": row})).scalar() == state:
                    return
            await asyncio.sleep(0.002)


@pytest.fixture(scope="module")
async def database(shared_env: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(shared_env["EXPO_DATABASE_URL"])
    yield engine
    await engine.dispose()


async def race(
    far: Peer,
    near: Peer,
    moves: tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]],
    stored_first: Any,
) -> None:
    """The far process's move commits first; the near one's is sent the moment it has (and so
    goes out on Redis while the far one's announcement is still on its way)."""
    (far_kind, far_data), (near_kind, near_data) = moves
    await far.ws.send(json.dumps({"type": far_kind, "id": "far", "data": far_data}))
    await stored_first
    replies = await asyncio.gather(far.reply("far"), near.command(near_kind, near_data))
    assert [r["type"] for r in replies] == ["ok", "ok"], replies


async def test_conflicting_question_moves_on_two_processes_end_in_the_stored_state(
    far_and_near: tuple[Process, Process], database: AsyncEngine
):
    far, near = far_and_near
    moderator = await sign_in(near, MODERATOR)
    asker = await register_on(near, "问个问题")
    wrong: list[tuple[int, str, str, str]] = []
    async with (
        far.connect(moderator) as far_ws,
        near.connect(moderator) as near_ws,
        near.connect(asker) as asker_ws,
        far.connect() as room_far_ws,
        near.connect() as room_near_ws,
        near.connect(moderator) as back_ws,
    ):
        on_far, on_near, ask_peer = Peer(far_ws), Peer(near_ws), Peer(asker_ws)
        rooms = [Page(Peer(room_far_ws)), Page(Peer(room_near_ws))]
        backstage = Page(Peer(back_ws))
        for page in rooms:
            await page.peer.command("subscribe", {"topic": f"forum:{FORUM}"})
        await backstage.peer.command("subscribe", {"topic": f"backstage:{FORUM}"})
        await on_near.command("forum.set_pre_moderation", {"forum": FORUM, "enabled": True})
        for round_ in range(ROUNDS):
            asked = await ask_peer.command(
                "question.ask", {"forum": FORUM, "text": f"第{round_}问"}
            )
            qid = asked["data"]["question"]["id"]
            # Approve then hide, or hide then approve: both are allowed in either order.
            first, then = (("question.approve", "visible"), ("question.hide", "hidden"))[
                :: 1 if round_ % 2 else -1
            ]
            await race(
                on_far,
                on_near,
                ((first[0], {"question": qid}), (then[0], {"question": qid})),
                committed(database, "question", qid, first[1]),
            )
            # Markers published after both moves were answered (so after their events).
            chat = await on_near.command("chat.send", {"forum": FORUM, "text": f"标记 {round_}"})
            mark = (await on_near.command("poll.create", {"forum": FORUM, **DRAFT}))["data"]
            for page in rooms:
                await page.until(lambda e, seq=chat["data"]["seq"]: e.get("seq") == seq)
            await backstage.until(
                lambda e, pid=mark["poll"]["id"]: (
                    e["type"] == "poll.updated" and e["data"]["id"] == pid
                )
            )
            state = (await stored(near, moderator, "questions"))[qid]
            assert state == then[1]
            shown = "visible" if state in ("visible", "answered") else None
            for name, page in (("room on far", rooms[0]), ("room on near", rooms[1])):
                if page.questions.get(qid) != shown:
                    wrong.append((round_, name, state, str(page.questions.get(qid))))
            if backstage.questions.get(qid) != state:
                wrong.append((round_, "backstage", state, str(backstage.questions.get(qid))))
        await on_near.command("forum.set_pre_moderation", {"forum": FORUM, "enabled": False})
    assert wrong == [], f"{len(wrong)} pages out of step with the database: {wrong}"


async def test_conflicting_poll_moves_on_two_processes_end_in_the_stored_state(
    far_and_near: tuple[Process, Process], database: AsyncEngine
):
    far, near = far_and_near
    moderator = await sign_in(near, MODERATOR)
    wrong: list[tuple[int, str, str, str]] = []
    async with (
        far.connect(moderator) as far_ws,
        near.connect(moderator) as near_ws,
        far.connect() as room_far_ws,
        near.connect() as room_near_ws,
    ):
        on_far, on_near = Peer(far_ws), Peer(near_ws)
        rooms = [Page(Peer(room_far_ws)), Page(Peer(room_near_ws))]
        for page in rooms:
            await page.peer.command("subscribe", {"topic": f"forum:{FORUM}"})
        for round_ in range(ROUNDS):
            drafted = await on_near.command("poll.create", {"forum": FORUM, **DRAFT})
            pid = drafted["data"]["poll"]["id"]
            await on_near.command("poll.open", {"poll": pid})
            # The far process closes it; the near one reopens it the moment the close is stored.
            await race(
                on_far,
                on_near,
                (("poll.close", {"poll": pid}), ("poll.reopen", {"poll": pid})),
                committed(database, "poll", pid, "closed"),
            )
            chat = await on_near.command("chat.send", {"forum": FORUM, "text": f"标记 {round_}"})
            for page in rooms:
                await page.until(lambda e, seq=chat["data"]["seq"]: e.get("seq") == seq)
            state = (await stored(near, moderator, "polls"))[pid]
            assert state == "open"
            for name, page in (("room on far", rooms[0]), ("room on near", rooms[1])):
                if page.polls.get(pid) != state:
                    wrong.append((round_, name, state, str(page.polls.get(pid))))
            # Done with it: out of the way of the next rounds.
            await on_near.command("poll.close", {"poll": pid})
    assert wrong == [], f"{len(wrong)} pages out of step with the database: {wrong}"
