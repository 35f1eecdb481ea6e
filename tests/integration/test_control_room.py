"""The control room across processes on 127.0.0.1: two platform processes on Redis and
PostgreSQL, nginx configured by `expo rtmp-config` and ffmpeg pushing a test pattern (the
ingest's own fixture, tests/integration/test_stream_ingest.py).

A push appears in the figures heard on both processes, with nginx's bitrate, frame rate and
resolution; a burst of chat sent through both processes shows in the room's chat rate on both;
a third process that stops raises "process stopped reporting"; whoever is not an organiser is
refused the topic and the HTTP read.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.cluster import Process, sign_in, start, stop
from tests.integration.test_stream_ingest import (  # the ingest's fixture and helpers, shared
    Ingest,
    end,
    ingest,  # noqa: F401  (a fixture, by name)
    push,
    room,
)
from tests.live import Peer

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

ORGANISER = "organizer@demo.shubo.live"
MODERATOR = "moderator@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"
WAIT = 30.0  # seconds any one step may take at most, on a loaded 2-core machine


async def watcher(process: Process, cookie: str) -> tuple[Any, Peer]:
    ws = await process.connect(cookie).__aenter__()
    peer = Peer(ws)
    reply = await peer.command("subscribe", {"topic": "control:all"})
    assert reply["type"] == "ok", reply
    return ws, peer


async def figures_until(
    peer: Peer, wanted: Callable[[dict[str, Any]], bool], timeout: float = WAIT
) -> dict[str, Any]:
    """The first `control.figures` whose data satisfies `wanted` (older ones skipped)."""
    last: dict[str, Any] | None = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                event = await peer.event("control.figures", timeout=timeout)
                assert event["topic"] == "control:all", event
                last = event["data"]
                if wanted(last):
                    return last
    except TimeoutError:
        raise AssertionError(f"not heard within {timeout} s; the last figures: {last}") from None


def stage(data: dict[str, Any], forum: int) -> dict[str, Any]:
    return next(s for s in data["stages"] if s["forum"] == forum)


async def test_a_push_is_in_the_figures_heard_on_both_processes(ingest: Ingest):  # noqa: F811
    target = await room(ingest)
    forum_id, key = target["forum_id"], target["keys"]["main"]
    async with httpx.AsyncClient(base_url=ingest.a.base, timeout=10) as http:
        cleared = await http.patch(
            f"/api/forums/{forum_id}", json={"stream_url": ""}, headers={"Cookie": ingest.organiser}
        )
        assert cleared.status_code == 200, cleared.text
    ws_a, on_a = await watcher(ingest.a, ingest.organiser)
    ws_b, on_b = await watcher(ingest.b, await sign_in(ingest.b, ORGANISER))
    try:
        before = await figures_until(on_a, lambda d: True)
        assert stage(before, forum_id)["state"] == "offline"
        child = await push(f"{ingest.rtmp}/{key}")
        try:

            def on_air(data: dict[str, Any]) -> bool:
                shown = stage(data, forum_id)
                return shown["state"] == "live" and bool(shown["kbps"])

            seen_a, seen_b = await asyncio.gather(
                figures_until(on_a, on_air), figures_until(on_b, on_air)
            )
        finally:
            await end(child)
    finally:
        await ws_a.close()
        await ws_b.close()
    for data in (seen_a, seen_b):
        shown = stage(data, forum_id)
        assert shown["publisher"] == "main" and shown["since"] is not None
        # ffmpeg's 640x360 test pattern: nginx-rtmp reads the size from the H.264 header in
        # whole macroblocks of 16 pixels, so 360 lines read as 352.
        assert shown["width"] == 640 and shown["height"] in (352, 360), shown
        assert shown["fps"] == 25
        assert shown["kbps"] > 0
        assert shown["external"] is False
        assert data["seq"] > before["seq"]
        assert len(data["processes"]) >= 2
        assert sum(p["leader"] for p in data["processes"]) == 1


async def test_a_burst_of_chat_through_both_processes_shows_in_the_chat_rate(
    ingest: Ingest,  # noqa: F811
):
    ws_a, on_a = await watcher(ingest.a, ingest.organiser)
    ws_b, on_b = await watcher(ingest.b, await sign_in(ingest.b, ORGANISER))
    moderator_a = await sign_in(ingest.a, MODERATOR)
    try:
        before = await figures_until(on_a, lambda d: True)
        forum_id = before["stages"][2]["forum"]
        was = stage(before, forum_id)["chat_per_min"]
        async with ingest.a.connect(moderator_a) as chat_a, ingest.b.connect(moderator_a) as chat_b:
            for n in range(10):
                ws = chat_a if n % 2 else chat_b
                reply = await Peer(ws).command("chat.send", {"forum": forum_id, "text": f"#{n}"})
                assert reply["type"] == "ok", reply

        def counted(data: dict[str, Any]) -> bool:
            return stage(data, forum_id)["chat_per_min"] >= was + 10

        await asyncio.gather(figures_until(on_a, counted), figures_until(on_b, counted))
    finally:
        await ws_a.close()
        await ws_b.close()


async def test_a_process_that_stops_reporting_raises_the_alert(
    ingest: Ingest,  # noqa: F811
    shared_env: dict[str, str],
    tmp_path,
):
    ws_a, on_a = await watcher(ingest.a, ingest.organiser)
    try:
        before = await figures_until(on_a, lambda d: True)
        known = {p["id"] for p in before["processes"]}
        third = await start(shared_env, log=tmp_path / "c.log")
        try:
            joined = await figures_until(
                on_a, lambda d: len({p["id"] for p in d["processes"]} - known) == 1
            )
            [gone] = [p["id"] for p in joined["processes"] if p["id"] not in known]
        finally:
            await stop(third)
        raised = await figures_until(
            on_a, lambda d: any(a["id"] == f"process.silent:{gone}" for a in d["alerts"])
        )
    finally:
        await ws_a.close()
    alert = next(a for a in raised["alerts"] if a["id"] == f"process.silent:{gone}")
    assert alert["kind"] == "process.silent" and alert["level"] == "critical"
    assert alert["process"] == gone and alert["seconds"] >= 5
    assert next(p for p in raised["processes"] if p["id"] == gone)["silent"] is True
    assert not any(
        a["kind"] == "process.silent" and a["process"] in known for a in raised["alerts"]
    )


async def test_whoever_is_not_an_organiser_is_refused_the_topic_and_the_read(
    ingest: Ingest,  # noqa: F811
):
    for process in (ingest.a, ingest.b):
        for email in (ATTENDEE, MODERATOR):
            cookie = await sign_in(process, email)
            async with process.connect(cookie) as ws:
                reply = await Peer(ws).command("subscribe", {"topic": "control:all"})
            assert reply["type"] == "error" and reply["error"]["code"] == "forbidden", reply
            async with httpx.AsyncClient(base_url=process.base, timeout=10) as http:
                response = await http.get("/api/control/figures", headers={"Cookie": cookie})
            assert response.status_code == 403, response.text
            assert response.json()["error"]["code"] == "forbidden"
        async with process.connect() as ws:
            reply = await Peer(ws).command("subscribe", {"topic": "control:all"})
        assert reply["type"] == "error" and reply["error"]["code"] == "unauthorized", reply
    async with httpx.AsyncClient(base_url=ingest.b.base, timeout=10) as http:
        shown = await http.get("/api/control/figures", headers={"Cookie": ingest.organiser})
    assert shown.status_code == 200 and shown.json()["figures"]["seq"] >= 1
