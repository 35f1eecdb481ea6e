"""Replays end to end on 127.0.0.1: two platform processes on Redis and PostgreSQL, nginx set
up by `expo rtmp-config` (recording on), ffmpeg pushing a test pattern under a room's key.

When the push stops, nginx's recording is made into an MP4 replay, announced on the room's
topic on both processes, listed for everyone with chapters from the programme (the sessions it
covered), and served in byte ranges; an organiser hides it (gone for everyone else, announced)
and shows it again. A backup publisher that only stood by leaves no replay and no file. nginx's
callback is refused with a wrong secret or a path that is not one of its recordings.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cluster import Process, sign_in, start, stop
from tests.integration.test_stream_ingest import end, follower, heard, push
from tests.live import Peer
from tests.streaming import Nginx, missing_tools, nginx_rtmp

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

ORGANISER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"
WAIT = 60.0  # seconds any one step may take at most, on a loaded 2-core machine
PUSH = 8.0  # seconds of test pattern per recording


@dataclass
class Stage:
    a: Process
    b: Process
    nginx: Nginx
    run_dir: Path
    organiser: str  # cookie
    attendee: str


@pytest.fixture(scope="module")
async def stage(shared_env, tmp_path_factory) -> AsyncIterator[Stage]:
    missing = missing_tools()
    if missing:
        pytest.skip("MISSING SERVICE: " + ", ".join(missing) + " not installed")
    run_dir = tmp_path_factory.mktemp("replays")
    logs = tmp_path_factory.mktemp("logs")
    env = {
        **shared_env,
        "EXPO_STREAM_GRACE": "1",
        "EXPO_REPLAY_DIR": str(run_dir / "replays"),
        "EXPO_RECORDING_DIR": str(run_dir / "recordings"),
    }
    a = await start(env, log=logs / "a.log")
    try:
        b = await start(env, log=logs / "b.log")
    except BaseException:
        await stop(a)
        raise
    try:
        async with nginx_rtmp(a.base, env["EXPO_SECRET_KEY"], run_dir) as nginx:
            yield Stage(
                a=a,
                b=b,
                nginx=nginx,
                run_dir=run_dir,
                organiser=await sign_in(a, ORGANISER),
                attendee=await sign_in(a, ATTENDEE),
            )
    finally:
        await stop(a)
        await stop(b)


async def rooms(stage: Stage) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=stage.a.base, timeout=10) as http:
        response = await http.get("/api/streams", headers={"Cookie": stage.organiser})
    assert response.status_code == 200, response.text
    return list(response.json()["rooms"])


async def add_session(stage: Stage, forum_id: int, start: datetime, end: datetime, n: int) -> int:
    async with httpx.AsyncClient(base_url=stage.a.base, timeout=10) as http:
        made = await http.post(
            f"/api/forums/{forum_id}/sessions",
            json={
                "starts_at": start.isoformat(),
                "ends_at": end.isoformat(),
                "title": {"zh": f"回放测试{n}", "en": f"Replay test {n}"},
            },
            headers={"Cookie": stage.organiser, "Origin": stage.a.base},
        )
    assert made.status_code == 201, made.text
    return int(made.json()["session"]["id"])


async def clear_programme(stage: Stage, forum_id: int) -> None:
    """The demo's sessions off the room: the test's own say what is on."""
    async with httpx.AsyncClient(base_url=stage.a.base, timeout=10) as http:
        sessions = (await http.get(f"/api/forums/{forum_id}")).json()["sessions"]
        for session in sessions:
            gone = await http.delete(
                f"/api/sessions/{session['id']}",
                headers={"Cookie": stage.organiser, "Origin": stage.a.base},
            )
            assert gone.status_code in (200, 204), gone.text


async def replay_event(peer: Peer, kind: str, timeout: float = WAIT) -> dict[str, Any]:
    event = await peer.event(kind, timeout=timeout)
    return dict(event["data"])


async def ffprobe_duration(path: Path) -> float:
    probe = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name",
        "-of", "json", str(path),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(probe.communicate(), 30)
    found = json.loads(out)
    assert "h264" in {s["codec_name"] for s in found["streams"]}, found
    return float(found["format"]["duration"])


async def test_a_stopped_push_becomes_a_replay_with_chapters_everywhere(stage: Stage, tmp_path):
    target = (await rooms(stage))[3]
    forum_id, key = target["forum_id"], target["keys"]["main"]
    await clear_programme(stage, forum_id)
    ws_a, on_a = await follower(stage.a, forum_id)
    ws_b, on_b = await follower(stage.b, forum_id)
    try:
        child = await push(f"{stage.nginx.rtmp}/{key}", PUSH)
        try:
            await heard((on_a, on_b), "live")
            # The recording spans the change of session: the first ends half-way through the
            # push. Counted from when it went live, not from when ffmpeg was asked to start (on
            # a loaded machine that can be seconds apart, and a chapter under a quarter of the
            # recording is left out: it failed so in CI). Chapters are read when shown.
            now = datetime.now(UTC)
            split = now + timedelta(seconds=PUSH / 2 - 1)
            first = await add_session(stage, forum_id, now - timedelta(hours=1), split, 1)
            second = await add_session(stage, forum_id, split, now + timedelta(hours=1), 2)
            await asyncio.wait_for(child.wait(), WAIT)
        finally:
            await end(child)
        ready_a, ready_b = await asyncio.gather(
            replay_event(on_a, "replay.ready"), replay_event(on_b, "replay.ready")
        )
    finally:
        await ws_a.close()
        await ws_b.close()
    assert ready_a == ready_b
    replay = ready_a
    assert replay["forum"]["id"] == forum_id and replay["publisher"] == "main"
    assert replay["hidden"] is False and replay["kind"] == "mp4"
    assert replay["url"] == f"/api/replays/{replay['id']}/media"
    assert PUSH / 2 < replay["duration"] < PUSH * 2
    chapters = replay["chapters"]
    assert [c["session"] for c in chapters] == [first, second], chapters
    assert chapters[0]["at"] == 0 and chapters[0]["title"]["en"] == "Replay test 1"
    assert 0 < chapters[1]["at"] < replay["duration"]

    # nginx's recording is gone, the MP4 is in the replay directory; no key in any name.
    assert list((stage.run_dir / "recordings").iterdir()) == []
    kept = list((stage.run_dir / "replays").iterdir())
    assert [p.suffix for p in kept] == [".mp4"]
    assert key not in kept[0].name

    async with httpx.AsyncClient(base_url=stage.b.base, timeout=10) as anyone:
        listed = (await anyone.get("/api/replays", params={"forum": forum_id})).json()
        assert [r["id"] for r in listed["replays"]] == [replay["id"]]
        assert (await anyone.get(f"/api/replays/{replay['id']}")).json() == replay
        media = await anyone.get(replay["url"])
        assert media.status_code == 200 and media.headers["content-type"] == "video/mp4"
        assert media.headers["accept-ranges"] == "bytes"
        part = await anyone.get(replay["url"], headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and len(part.content) == 100
        assert part.content == media.content[:100]
    saved = tmp_path / "replay.mp4"
    saved.write_bytes(media.content)
    assert PUSH / 2 < await ffprobe_duration(saved) < PUSH * 2

    # Organisers hide it: everyone else loses it at once, on both processes.
    ws_a, on_a = await follower(stage.a, forum_id)
    ws_b, on_b = await follower(stage.b, forum_id)
    try:
        async with httpx.AsyncClient(base_url=stage.a.base, timeout=10) as http:
            refused = await http.post(
                f"/api/replays/{replay['id']}/hidden",
                json={"hidden": True},
                headers={"Cookie": stage.attendee, "Origin": stage.a.base},
            )
            assert refused.status_code == 403, refused.text
            hidden = await http.post(
                f"/api/replays/{replay['id']}/hidden",
                json={"hidden": True},
                headers={"Cookie": stage.organiser, "Origin": stage.a.base},
            )
            assert hidden.status_code == 200, hidden.text
        changed_a, changed_b = await asyncio.gather(
            replay_event(on_a, "replay.changed"), replay_event(on_b, "replay.changed")
        )
        assert changed_a == changed_b == hidden.json()
        assert changed_a["hidden"] is True and changed_a["version"] > replay["version"]
    finally:
        await ws_a.close()
        await ws_b.close()
    async with httpx.AsyncClient(base_url=stage.b.base, timeout=10) as http:
        assert (await http.get("/api/replays", params={"forum": forum_id})).json() == {
            "replays": []
        }
        for path in (f"/api/replays/{replay['id']}", replay["url"]):
            gone = await http.get(path, headers={"Cookie": stage.attendee})
            assert gone.status_code == 404 and gone.json()["error"]["code"] == "replay.unknown"
        seen = await http.get(
            "/api/replays", params={"forum": forum_id, "hidden": 1},
            headers={"Cookie": stage.organiser},
        )  # fmt: skip
        assert [r["hidden"] for r in seen.json()["replays"]] == [True]
        assert (await http.get(replay["url"], headers={"Cookie": stage.organiser})).is_success
        shown = await http.post(
            f"/api/replays/{replay['id']}/hidden",
            json={"hidden": False},
            headers={"Cookie": stage.organiser, "Origin": stage.b.base},
        )
        assert shown.json()["hidden"] is False
        assert (await http.get(replay["url"])).status_code == 200


async def test_a_backup_that_only_stood_by_leaves_no_replay(stage: Stage):
    target = (await rooms(stage))[4]
    forum_id, keys = target["forum_id"], target["keys"]
    recordings = stage.run_dir / "recordings"
    ws_a, on_a = await follower(stage.a, forum_id)
    try:
        main = await push(f"{stage.nginx.rtmp}/{keys['main']}")
        try:
            await heard((on_a,), "live")
            backup = await push(f"{stage.nginx.rtmp}/{keys['backup']}", PUSH / 2)
            await asyncio.wait_for(backup.wait(), WAIT)
            # Its recording is reported and removed: no backup file stays behind.
            deadline = time.monotonic() + WAIT
            while any("-backup-" in p.name for p in recordings.iterdir()):
                assert time.monotonic() < deadline, list(recordings.iterdir())
                await asyncio.sleep(0.1)
        finally:
            await end(main)
        ready = await replay_event(on_a, "replay.ready")
    finally:
        await ws_a.close()
    assert ready["publisher"] == "main" and ready["forum"]["id"] == forum_id
    async with httpx.AsyncClient(base_url=stage.a.base, timeout=10) as http:
        listed = (await http.get("/api/replays", params={"forum": forum_id})).json()
    assert [r["publisher"] for r in listed["replays"]] == ["main"]


async def test_the_callback_takes_only_nginxs_own_recordings(stage: Stage):
    secret = next(
        line.split("secret=")[1].rstrip(";")
        for line in (stage.run_dir / "nginx.conf").read_text().splitlines()
        if "on_record_done" in line
    )
    form = {"call": "record_done", "app": "hls", "clientid": "7", "name": "main"}
    stamp = int(time.time())
    async with httpx.AsyncClient(base_url=stage.a.base, timeout=10) as http:
        hook = "/api/streams/hooks/record-done"
        wrong = await http.post(hook, params={"secret": "nope"}, data={**form, "path": "/x"})
        assert wrong.status_code == 404
        for path, name in (
            (f"/etc/main-{stamp}.flv", "main"),  # outside EXPO_RECORDING_DIR
            (f"{stage.run_dir}/recordings/../main-{stamp}.flv", "main"),
            (f"{stage.run_dir}/recordings/other-{stamp}.flv", "main"),
            ("relative.flv", "main"),
        ):
            refused = await http.post(
                hook, params={"secret": secret}, data={**form, "path": path, "name": name}
            )
            assert refused.status_code == 400, (path, refused.text)
            assert refused.json()["error"]["code"] == "stream.bad_recording"
        nobody = await http.post(
            hook,
            params={"secret": secret},
            data={**form, "name": "no-such-room", "path": f"{stage.run_dir}/recordings/"
                  f"no-such-room-{stamp}.flv"},
        )  # fmt: skip
        assert nobody.status_code == 200 and nobody.json() == {"kept": False}
