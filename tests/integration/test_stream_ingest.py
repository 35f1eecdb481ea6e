"""The ingest end to end on 127.0.0.1: two platform processes on Redis and PostgreSQL, nginx
with its RTMP module configured by `expo rtmp-config`, ffmpeg pushing a generated test pattern.

A right key turns the room live for the room's followers on both processes, nginx serves its HLS
under the room's slug (the key in no URL), stopping the push interrupts it and, after the grace
(EXPO_STREAM_GRACE, 2 s here), turns it offline; a backup publisher stands by under
`<slug>-backup` and takes over when main stops; a publisher back within the grace resumes the
session; a wrong key and a rotated one are refused, rotating the live key drops its publisher,
and no key reaches the platform's logs. The times (ffmpeg started -> live event, publisher
stopped -> interrupted, -> offline, main stopped -> backup on air) are printed and, with
EXPO_STREAMS_RESULTS set, written there as JSON (bench/stream_ingest.py does).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from streams.domain import STALE_AFTER
from tests.cluster import Process, free_port, sign_in, start, stop
from tests.live import Peer
from tests.streaming import missing_tools, nginx_rtmp

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

ORGANISER = "organizer@demo.shubo.live"
WAIT = 30.0  # seconds any one step may take at most, on a loaded 2-core machine
GRACE = 2  # EXPO_STREAM_GRACE of the processes: interrupted this long, then offline


def _require_tools() -> None:
    missing = missing_tools()
    if missing:
        pytest.skip(
            "MISSING SERVICE: " + ", ".join(missing) + " not installed "
            "(apt-get install -y --no-install-recommends nginx libnginx-mod-rtmp ffmpeg)"
        )


@dataclass
class Ingest:
    a: Process
    b: Process
    logs: list[Path]
    run_dir: Path
    rtmp: str  # rtmp://127.0.0.1:<port>/live
    hls: str  # http://127.0.0.1:<port>/hls
    organiser: str  # cookie
    figures: dict[str, Any] = field(default_factory=dict)


@pytest.fixture(scope="module")
async def ingest(shared_env, tmp_path_factory) -> AsyncIterator[Ingest]:
    _require_tools()
    run_dir = tmp_path_factory.mktemp("nginx")
    logs = tmp_path_factory.mktemp("logs")
    http_port = free_port()
    hls = f"http://127.0.0.1:{http_port}/hls"
    env = {
        **shared_env,
        "EXPO_HLS_BASE_URL": hls,
        "EXPO_RTMP_URL": "rtmp://127.0.0.1/live",
        "EXPO_STREAM_GRACE": str(GRACE),
    }
    a = await start(env, log=logs / "a.log")
    try:
        b = await start(env, log=logs / "b.log")
    except BaseException:
        await stop(a)
        raise
    try:
        secret = env["EXPO_SECRET_KEY"]
        async with nginx_rtmp(a.base, secret, run_dir, http_port=http_port) as nginx:
            yield Ingest(
                a=a,
                b=b,
                logs=[logs / "a.log", logs / "b.log"],
                run_dir=run_dir,
                rtmp=nginx.rtmp,
                hls=hls,
                organiser=await sign_in(a, ORGANISER),
            )
    finally:
        await stop(a)
        await stop(b)


def ffmpeg_args(url: str, seconds: float | None = None) -> list[str]:
    limit = ["-t", str(seconds)] if seconds else []
    return [
        "ffmpeg",
        "-hide_banner",
        "-loglevel",
        "error",
        "-nostdin",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=640x360:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine",
        *limit,
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-g",
        "25",
        "-c:a",
        "aac",
        "-f",
        "flv",
        url,
    ]


async def push(url: str, seconds: float | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *ffmpeg_args(url, seconds),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def end(child: asyncio.subprocess.Process) -> None:
    if child.returncode is None:
        child.send_signal(signal.SIGINT)  # ffmpeg ends the RTMP stream cleanly
        try:
            await asyncio.wait_for(child.wait(), WAIT)
        except TimeoutError:
            child.kill()
            await child.wait()


async def follower(process: Process, forum_id: int) -> tuple[Any, Peer]:
    ws = await process.connect().__aenter__()
    peer = Peer(ws)
    reply = await peer.command("subscribe", {"topic": f"forum:{forum_id}"})
    assert reply["type"] == "ok", reply
    return ws, peer


async def room(ingest: Ingest, slug: str | None = None) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=ingest.a.base, timeout=10) as http:
        response = await http.get("/api/streams", headers={"Cookie": ingest.organiser})
    assert response.status_code == 200, response.text
    rooms = response.json()["rooms"]
    assert len(rooms) == 9
    # The forum streamed here: the last room (its external demo URL is taken off below).
    return rooms[-1] if slug is None else next(r for r in rooms if r["slug"] == slug)


async def stream_state(peer: Peer, state: str, timeout: float = WAIT) -> dict[str, Any]:
    """The next `stream.state` event in `state` (others before it are skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            event = await peer.event("stream.state", timeout=timeout)
            if event["data"]["state"] == state:
                return event


async def heard(peers: tuple[Peer, ...], state: str, timeout: float = WAIT) -> list[Any]:
    """The event in `state` on every peer, all agreeing on the version."""
    events = await asyncio.gather(*(stream_state(p, state, timeout) for p in peers))
    assert len({e["data"]["version"] for e in events}) == 1, events
    return list(events)


def keys_in_logs(ingest: Ingest, *keys: str) -> list[str]:
    text = "".join(path.read_text(errors="replace") for path in ingest.logs)
    return [key for key in keys if key in text]


async def test_a_push_turns_the_room_live_everywhere_and_offline_when_it_stops(
    ingest: Ingest,
):
    target = await room(ingest)
    forum_id, slug, key = target["forum_id"], target["slug"], target["keys"]["main"]
    assert target["rtmp_url"] == "rtmp://127.0.0.1/live"
    assert target["state"]["state"] == "offline"
    async with httpx.AsyncClient(base_url=ingest.a.base, timeout=10) as http:
        cleared = await http.patch(
            f"/api/forums/{forum_id}",
            json={"stream_url": ""},
            headers={"Cookie": ingest.organiser},
        )
        assert cleared.status_code == 200, cleared.text
    ws_a, on_a = await follower(ingest.a, forum_id)
    ws_b, on_b = await follower(ingest.b, forum_id)
    try:
        started = time.monotonic()
        child = await push(f"{ingest.rtmp}/{key}")
        try:
            live_a, live_b = await heard((on_a, on_b), "live")
            heard_live = time.monotonic() - started
            playlist_url = f"{ingest.hls}/{slug}.m3u8"
            for event in (live_a, live_b):
                assert event["topic"] == f"forum:{forum_id}"
                assert event["data"] == {
                    "forum": forum_id,
                    "state": "live",
                    "live": True,
                    "since": event["data"]["since"],
                    "interrupted_since": None,
                    "publisher": "main",
                    "version": event["data"]["version"],
                    "hls_url": playlist_url,
                    "stream_url": playlist_url,
                }
            async with httpx.AsyncClient(base_url=ingest.b.base, timeout=10) as http:
                shown = (await http.get(f"/api/forums/{forum_id}")).json()
            assert shown["stream_url"] == playlist_url
            assert shown["stream"] == {
                "state": "live",
                "live": True,
                "since": live_a["data"]["since"],
                "interrupted_since": None,
                "publisher": "main",
                "hls_url": playlist_url,
                "version": live_a["data"]["version"],
            }

            # nginx writes the HLS under the slug: fetch the playlist and a segment.
            segment = await hls_segment(playlist_url)
            assert len(segment) > 0 and segment[0] == 0x47  # an MPEG-TS packet's sync byte
            assert not any(key in p.name for p in (ingest.run_dir / "hls").iterdir())
        finally:
            stopping = time.monotonic()
            await end(child)
        interrupted, _ = await heard((on_a, on_b), "interrupted")
        heard_interrupted = time.monotonic() - stopping
        assert interrupted["data"]["version"] > live_a["data"]["version"]
        assert interrupted["data"]["since"] == live_a["data"]["since"]
        assert interrupted["data"]["interrupted_since"] is not None
        assert interrupted["data"]["stream_url"] is None
        async with httpx.AsyncClient(base_url=ingest.b.base, timeout=10) as http:
            shown = (await http.get(f"/api/forums/{forum_id}")).json()
        assert shown["stream_url"] is None and shown["stream"]["state"] == "interrupted"
        # The stopped publish's playlist is gone: the next publish's viewers get none of it.
        await playlist_gone(playlist_url)
        offline, _ = await heard((on_a, on_b), "offline")
        heard_offline = time.monotonic() - stopping
        assert heard_offline >= GRACE
        assert offline["data"]["since"] is None and offline["data"]["stream_url"] is None
    finally:
        await ws_a.close()
        await ws_b.close()
    ingest.figures.update(
        publish_to_live_ms=round(heard_live * 1000),
        stop_to_interrupted_ms=round(heard_interrupted * 1000),
        stop_to_offline_ms=round(heard_offline * 1000),
        grace_s=GRACE,
    )
    report(ingest)
    assert keys_in_logs(ingest, key) == []


async def hls_segment(playlist_url: str) -> bytes:
    async with httpx.AsyncClient(timeout=10) as http:
        async with asyncio.timeout(WAIT):
            while True:
                response = await http.get(playlist_url)
                if response.status_code == 200 and ".ts" in response.text:
                    break
                await asyncio.sleep(0.2)
        assert response.headers["content-type"] == "application/vnd.apple.mpegurl"
        assert response.headers["cache-control"] == "no-cache"
        names = [line for line in response.text.splitlines() if line.endswith(".ts")]
        assert all(re.fullmatch(r"[a-z0-9-]+-[0-9]+\.ts", name) for name in names), names
        segment = await http.get(playlist_url.rsplit("/", 1)[0] + "/" + names[-1])
        assert segment.status_code == 200
        return segment.content


async def playlist_gone(playlist_url: str) -> None:
    """Removed as its publisher stops (nginx's exec_publish_done): within a few seconds, not
    when nginx's periodic clean-up gets to it (6 to 12 s later), by which time a publisher
    back at once would have had viewers shown the old playlist's footage."""
    async with httpx.AsyncClient(timeout=10) as http:
        async with asyncio.timeout(3):
            while (await http.get(playlist_url)).status_code != 404:
                await asyncio.sleep(0.1)


async def refused(url: str) -> int:
    """ffmpeg's exit status pushing to `url` (it gives up when nginx refuses the publish)."""
    child = await push(url, seconds=20)
    try:
        return await asyncio.wait_for(child.wait(), WAIT)
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()


async def test_a_wrong_key_is_refused_and_logged_without_the_key(ingest: Ingest):
    target = await room(ingest)
    ws, peer = await follower(ingest.b, target["forum_id"])
    try:
        wrong = secrets.token_urlsafe(24)
        assert await refused(f"{ingest.rtmp}/{wrong}") != 0
        with pytest.raises(TimeoutError):
            await peer.event("stream.state", timeout=1)
    finally:
        await ws.close()
    assert (await room(ingest))["state"]["state"] == "offline"
    await asyncio.sleep(0.2)  # the log line is written
    assert keys_in_logs(ingest, wrong) == []
    assert "no room has this key" in ingest.logs[0].read_text()


async def test_a_rotated_key_is_refused_and_the_new_one_works(ingest: Ingest):
    before = await room(ingest)
    forum_id, old = before["forum_id"], before["keys"]["backup"]
    async with httpx.AsyncClient(base_url=ingest.b.base, timeout=10) as http:
        rotated = await http.post(
            f"/api/streams/{forum_id}/keys/rotate",
            json={"which": "backup"},
            headers={"Cookie": ingest.organiser},
        )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["keys"]["backup"]
    assert new != old and rotated.json()["keys"]["main"] == before["keys"]["main"]
    assert await refused(f"{ingest.rtmp}/{old}") != 0
    ws, peer = await follower(ingest.a, forum_id)
    try:
        child = await push(f"{ingest.rtmp}/{new}")
        try:
            event = await stream_state(peer, "live")
            assert event["data"]["publisher"] == "backup"
            assert event["data"]["hls_url"] == f"{ingest.hls}/{before['slug']}-backup.m3u8"
        finally:
            await end(child)
        await stream_state(peer, "interrupted")
        await stream_state(peer, "offline")
    finally:
        await ws.close()
    assert keys_in_logs(ingest, old, new) == []


async def test_the_hooks_answer_only_with_the_deployments_secret(ingest: Ingest):
    form = {"call": "publish", "app": "live", "name": "x", "addr": "127.0.0.1", "clientid": "1"}
    async with httpx.AsyncClient(base_url=ingest.a.base, timeout=10) as http:
        for query in ("", "?secret=", "?secret=" + "0" * 64):
            response = await http.post(f"/api/streams/hooks/publish{query}", data=form)
            assert response.status_code == 404, response.text
            assert response.json()["error"]["code"] == "stream.hook_unknown"


async def test_the_backup_takes_over_and_main_resumes_the_session_within_the_grace(
    ingest: Ingest,
):
    target = await room(ingest)
    forum_id, slug, keys = target["forum_id"], target["slug"], target["keys"]
    assert target["state"]["state"] == "offline"
    main_playlist = f"{ingest.hls}/{slug}.m3u8"
    backup_playlist = f"{ingest.hls}/{slug}-backup.m3u8"
    ws_a, on_a = await follower(ingest.a, forum_id)
    ws_b, on_b = await follower(ingest.b, forum_id)
    pushes: list[asyncio.subprocess.Process] = []
    try:
        pushes.append(main := await push(f"{ingest.rtmp}/{keys['main']}"))
        first, _ = await heard((on_a, on_b), "live")
        since = first["data"]["since"]
        assert first["data"]["publisher"] == "main"
        # The backup stands by, relayed into its own HLS beside main's (viewers see no change).
        pushes.append(backup := await push(f"{ingest.rtmp}/{keys['backup']}"))
        assert (await hls_segment(backup_playlist))[0] == 0x47
        assert (await hls_segment(main_playlist))[0] == 0x47

        stopping = time.monotonic()
        await end(main)
        on_backup = await heard((on_a, on_b), "live")
        main_to_backup = time.monotonic() - stopping
        for event in on_backup:
            assert event["data"] == {
                "forum": forum_id,
                "state": "live",
                "live": True,
                "since": since,
                "interrupted_since": None,
                "publisher": "backup",
                "version": event["data"]["version"],
                "hls_url": backup_playlist,
                "stream_url": backup_playlist,
            }
        assert on_backup[0]["data"]["version"] > first["data"]["version"]
        assert (await hls_segment(backup_playlist))[0] == 0x47

        # Main back while the backup is on air takes over; gone again, the backup is back on air.
        pushes.append(main := await push(f"{ingest.rtmp}/{keys['main']}"))
        taken_back = await heard((on_a, on_b), "live")
        assert taken_back[0]["data"]["publisher"] == "main"
        assert taken_back[0]["data"]["hls_url"] == main_playlist
        assert taken_back[0]["data"]["since"] == since
        await end(main)
        again = await heard((on_a, on_b), "live")
        assert again[0]["data"]["publisher"] == "backup"
        assert again[0]["data"]["hls_url"] == backup_playlist

        stopping = time.monotonic()
        await end(backup)
        interrupted = await heard((on_a, on_b), "interrupted", timeout=2.0)
        lost_to_interrupted = time.monotonic() - stopping
        assert interrupted[0]["data"]["since"] == since
        assert interrupted[0]["data"]["publisher"] is None
        assert interrupted[0]["data"]["hls_url"] is None

        # Main back within the grace (2 s): the same session goes on.
        pushes.append(main := await push(f"{ingest.rtmp}/{keys['main']}"))
        resumed = await heard((on_a, on_b), "live")
        assert resumed[0]["data"]["since"] == since
        assert resumed[0]["data"]["publisher"] == "main"
        assert resumed[0]["data"]["hls_url"] == main_playlist

        stopping = time.monotonic()
        await end(main)
        await heard((on_a, on_b), "interrupted")
        offline = await heard((on_a, on_b), "offline")
        assert time.monotonic() - stopping >= GRACE
        assert offline[0]["data"]["since"] is None
    finally:
        for child in pushes:
            await end(child)
        await ws_a.close()
        await ws_b.close()
    ingest.figures.update(
        main_lost_to_backup_live_ms=round(main_to_backup * 1000),
        publisher_lost_to_interrupted_ms=round(lost_to_interrupted * 1000),
    )
    report(ingest)
    assert keys_in_logs(ingest, keys["main"], keys["backup"]) == []


async def test_rotating_the_live_key_takes_the_room_out_of_live_and_nginx_drops_it(
    ingest: Ingest,
):
    target = await room(ingest)
    forum_id, key = target["forum_id"], target["keys"]["main"]
    ws, peer = await follower(ingest.b, forum_id)
    child = await push(f"{ingest.rtmp}/{key}")
    try:
        await stream_state(peer, "live")
        async with httpx.AsyncClient(base_url=ingest.a.base, timeout=10) as http:
            rotated = await http.post(
                f"/api/streams/{forum_id}/keys/rotate",
                json={"which": "main"},
                headers={"Cookie": ingest.organiser},
            )
        assert rotated.status_code == 200, rotated.text
        assert rotated.json()["state"]["state"] == "interrupted"
        event = await stream_state(peer, "interrupted")
        assert event["data"]["version"] == rotated.json()["state"]["version"]
        # nginx's next on_update (every 5 s) is refused: it drops the publisher, ffmpeg ends.
        await asyncio.wait_for(child.wait(), WAIT)
        await stream_state(peer, "offline")
    finally:
        await end(child)
        await ws.close()
    assert "no longer the room's" in "".join(p.read_text() for p in ingest.logs)
    assert keys_in_logs(ingest, key) == []


async def test_a_publisher_that_goes_silent_is_dropped_and_the_room_interrupted(
    ingest: Ingest,
):
    """A publisher whose connection stays open but carries nothing (its network gone, the
    encoder hung: here ffmpeg stopped with SIGSTOP) is dropped by nginx after its idle limit,
    so viewers get the slate without waiting for the platform's own 15 s staleness."""
    target = await room(ingest)
    forum_id, key = target["forum_id"], target["keys"]["main"]
    ws, peer = await follower(ingest.a, forum_id)
    child = await push(f"{ingest.rtmp}/{key}")
    try:
        await stream_state(peer, "live")
        await asyncio.sleep(1)  # a little picture first
        frozen = time.monotonic()
        child.send_signal(signal.SIGSTOP)
        event = await stream_state(peer, "interrupted", timeout=STALE_AFTER.total_seconds())
        silent_to_interrupted = time.monotonic() - frozen
        assert event["data"]["since"] is not None
        assert silent_to_interrupted < STALE_AFTER.total_seconds()  # nginx's drop, not ours
    finally:
        if child.returncode is None:
            child.send_signal(signal.SIGCONT)
        await end(child)
        await ws.close()
    ingest.figures["publisher_silent_to_interrupted_ms"] = round(silent_to_interrupted * 1000)
    report(ingest)


def report(ingest: Ingest) -> None:
    print(f"\nstreams ingest: {json.dumps(ingest.figures)}")
    target = os.environ.get("EXPO_STREAMS_RESULTS")
    if target:
        Path(target).write_text(json.dumps(ingest.figures, indent=2) + "\n")
