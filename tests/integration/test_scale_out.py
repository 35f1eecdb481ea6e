"""Several server processes behave as one: real `expo serve` processes sharing the machine's
Redis and PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import websockets

from tests.cluster import Process, sign_in, start, stop
from tests.live import Peer


async def test_a_client_on_one_process_receives_what_another_process_caused(two_processes):
    a, b = two_processes
    cookie = await sign_in(a)  # a cookie from A is good on B: one secret for all processes
    async with a.connect() as watcher_ws, b.connect(cookie) as author_ws, b.connect() as peer_ws:
        watcher, author, same_process = Peer(watcher_ws), Peer(author_ws), Peer(peer_ws)
        await watcher.command("subscribe", {"topic": "forum:2"})
        await same_process.command("subscribe", {"topic": "forum:2"})
        replies = [
            await author.command("chat.send", {"forum": 2, "text": f"跨进程 {i}"}) for i in range(5)
        ]
        on_a = [await watcher.event("chat.message_posted") for _ in range(5)]
        on_b = [await same_process.event("chat.message_posted") for _ in range(5)]
    seqs = [r["data"]["seq"] for r in replies]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    assert [e["seq"] for e in on_a] == [e["seq"] for e in on_b] == seqs
    assert on_a == on_b
    assert [e["data"] for e in on_a] == [r["data"]["message"] for r in replies]


async def test_seqs_stay_gap_free_when_both_processes_publish_at_once(two_processes):
    a, b = two_processes
    cookie = await sign_in(a)
    async with (
        a.connect(cookie) as on_a_ws,
        b.connect(cookie) as on_b_ws,
        a.connect() as watcher_ws,
    ):
        on_a, on_b, watcher = Peer(on_a_ws), Peer(on_b_ws), Peer(watcher_ws)
        await watcher.command("subscribe", {"topic": "forum:3"})

        async def post(author: Peer, label: str) -> list[int]:
            return [
                (await author.command("chat.send", {"forum": 3, "text": f"{label}{i}"}))["data"][
                    "seq"
                ]
                for i in range(10)
            ]

        seqs_a, seqs_b = await asyncio.gather(post(on_a, "a"), post(on_b, "b"))
        seen = [(await watcher.event("chat.message_posted"))["seq"] for _ in range(20)]
    assert sorted(seqs_a + seqs_b) == seen == list(range(seen[0], seen[0] + 20))


async def test_a_client_that_reconnects_to_the_other_process_gets_exactly_what_it_missed(
    two_processes,
):
    a, b = two_processes
    cookie = await sign_in(a)
    async with a.connect() as ws:
        first = await Peer(ws).command("subscribe", {"topic": "forum:4"})
    seen, epoch = first["data"]["seq"], first["data"]["epoch"]
    async with a.connect(cookie) as ws:  # the client is away: these happen on A
        author = Peer(ws)
        missed = [
            await author.command("chat.send", {"forum": 4, "text": f"错过 {i}"}) for i in range(4)
        ]
    async with b.connect() as ws, a.connect(cookie) as author_ws:
        back = Peer(ws)
        reply = await back.command("subscribe", {"topic": "forum:4", "since": seen, "epoch": epoch})
        replayed = [e for e in back.events if e["type"] == "chat.message_posted"]
        back.events.clear()
        after = await Peer(author_ws).command("chat.send", {"forum": 4, "text": "之后"})
        live = await back.event("chat.message_posted")
    assert [e["seq"] for e in replayed] == list(range(seen + 1, seen + 5))
    assert [e["data"] for e in replayed] == [m["data"]["message"] for m in missed]
    assert (reply["data"]["epoch"], reply["data"]["replayed"]) == (epoch, 4)
    assert live["seq"] == after["data"]["seq"] == seen + 5


async def test_presence_counts_every_process(two_processes):
    a, b = two_processes
    async with a.connect() as one_ws, b.connect() as two_ws, b.connect() as three_ws:
        one = Peer(one_ws)
        for ws in (one_ws, two_ws, three_ws):
            await Peer(ws).command("subscribe", {"topic": "forum:5"})
        async with asyncio.timeout(10):
            while (await one.event("presence.changed"))["data"]["count"] != 3:
                pass
        async with httpx.AsyncClient(base_url=a.base) as http:
            rooms = (await http.get("/api/forums")).json()["forums"]
    assert [r["audience"] for r in rooms if r["topic"] == "forum:5"] == [3]


async def test_workers_share_one_port_and_metrics_add_up(shared_env, tmp_path):
    env = {**shared_env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    (tmp_path / "metrics").mkdir()
    server = await start(env, "--workers", "2", log=tmp_path / "workers.log")
    try:
        async with server.connect() as w1, server.connect() as w2, server.connect() as w3:
            for ws in (w1, w2, w3):
                await Peer(ws).command("subscribe", {"topic": "forum:6"})
            async with httpx.AsyncClient(base_url=server.base) as http:
                # Whichever worker answers, the gauge is the sum over both.
                texts = [(await http.get("/metrics")).text for _ in range(4)]
        assert all("expo_ws_connections 3.0" in t for t in texts)
    finally:
        await stop(server)


async def test_signing_out_on_one_process_closes_the_sessions_sockets_on_the_other(
    two_processes,
):
    a, b = two_processes
    cookie = await sign_in(a)
    async with b.connect(cookie) as ws:
        await Peer(ws).command("subscribe", {"topic": "forum:2"})
        async with httpx.AsyncClient(base_url=a.base) as http:
            await http.delete("/api/session", headers={"Cookie": cookie})
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            async with asyncio.timeout(1.0):
                while True:
                    await ws.recv()
    assert closed.value.rcvd.code == 4001


async def sign_in_as(process: Process, email: str) -> str:
    async with httpx.AsyncClient(base_url=process.base) as http:
        response = await http.post(
            "/api/session", json={"email": email, "password": "shubo-demo-2026"}
        )
    return f"expo_session={response.cookies['expo_session']}"


async def test_the_roster_of_a_room_spans_processes(two_processes):
    a, b = two_processes
    speaker = await sign_in_as(a, "speaker@demo.shubo.live")
    moderator = await sign_in_as(b, "moderator@demo.shubo.live")
    async with a.connect() as viewer_ws, a.connect(speaker) as s_ws, b.connect(moderator) as m_ws:
        viewer = Peer(viewer_ws)
        await viewer.command("subscribe", {"topic": "forum:7"})
        await Peer(s_ws).command("subscribe", {"topic": "forum:7"})
        await Peer(m_ws).command("subscribe", {"topic": "forum:7"})
        async with asyncio.timeout(10):
            while True:
                people = (await viewer.event("presence.roster"))["data"]["people"]
                if len(people) == 2:
                    break
    assert sorted(p["role"] for p in people) == ["moderator", "speaker"]


async def test_reactions_from_both_processes_reach_everyone_summed(two_processes):
    a, b = two_processes
    cookie = await sign_in(a)
    async with a.connect(cookie) as on_a_ws, b.connect(cookie) as on_b_ws, b.connect() as w_ws:
        on_a, on_b, watcher = Peer(on_a_ws), Peer(on_b_ws), Peer(w_ws)
        for peer in (on_a, on_b, watcher):
            await peer.command("subscribe", {"topic": "forum:8"})
        for _ in range(2):
            await on_a.command("reaction.send", {"forum": 8, "reaction": "clap"})
        for _ in range(3):
            await on_b.command("reaction.send", {"forum": 8, "reaction": "clap"})
        await on_b.command("reaction.send", {"forum": 8, "reaction": "idea"})
        seen: dict[str, int] = {}
        bursts = 0
        async with asyncio.timeout(10):
            while seen != {"clap": 5, "idea": 1}:
                event = await watcher.event("reaction.burst")
                bursts += 1
                for name, n in event["data"]["counts"].items():
                    seen[name] = seen.get(name, 0) + n
    # Sent within a second or two: one burst per second per room, whichever process sends it.
    assert 1 <= bursts <= 3


async def test_a_speaker_taken_off_the_programme_on_one_process_leaves_the_backstage_on_the_other(
    two_processes,
):
    a, b = two_processes
    speaker = await sign_in_as(b, "speaker@demo.shubo.live")
    organiser = await sign_in_as(a, "organizer@demo.shubo.live")
    async with httpx.AsyncClient(base_url=b.base, headers={"Cookie": speaker}) as http:
        speaker_id = (await http.get("/api/me")).json()["account"]["id"]
    session = {
        "starts_at": "2031-04-01T09:00:00+08:00",
        "ends_at": "2031-04-01T10:00:00+08:00",
        "title": {"en": "A talk, for now"},
        "speakers": [{"account_id": speaker_id}],
    }
    async with httpx.AsyncClient(base_url=a.base, headers={"Cookie": organiser}) as http:
        created = await http.post("/api/forums/6/sessions", json=session)
        assert created.status_code == 201, created.text
        async with b.connect(speaker) as ws:
            staff = Peer(ws)
            assert (await staff.command("subscribe", {"topic": "backstage:6"}))["type"] == "ok"
            await http.delete(f"/api/sessions/{created.json()['session']['id']}")
            ended = await staff.event("subscription.ended")
    assert ended["topic"] == "backstage:6" and ended["data"] == {"reason": "forbidden"}
