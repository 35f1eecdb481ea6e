"""The meeting room on two `expo serve` processes sharing Redis and PostgreSQL: the two
parties, each on their own process, hear each other's signals (relayed through the broker,
never stored) and chat lines; a stranger on either process is refused everything."""

from __future__ import annotations

from typing import Any

import httpx

from tests.cluster import Process
from tests.integration.test_booth_chat_scale_out import newcomer
from tests.live import Peer
from tests.meeting_rows import meeting_at

SDP = "v=0\r\no=- 7 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
CANDIDATE = {"candidate": "candidate:2 1 udp 2122260223 192.0.2.7 50000 typ host", "sdpMid": "0"}


def code(reply: dict[str, Any]) -> str | None:
    return reply.get("error", {}).get("code")  # type: ignore[no-any-return]


async def messages(process: Process, meeting: int, cookie: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=process.base, timeout=30) as http:
        return await http.get(f"/api/match/meetings/{meeting}/messages", headers={"Cookie": cookie})


async def test_signals_and_chat_cross_processes_between_the_two_parties(two_processes, shared_env):
    a, b = two_processes
    alice_id, _, alice = await newcomer(a, "跨进程甲 Alice")
    bob_id, _, bob = await newcomer(b, "跨进程乙 Bob")
    _, _, stranger = await newcomer(b, "跨进程路人")
    meeting = await meeting_at(shared_env["EXPO_DATABASE_URL"], alice_id, bob_id)
    topic = f"meeting:{meeting}"
    async with a.connect(alice) as alice_ws, b.connect(bob) as bob_ws, b.connect(stranger) as s_ws:
        pa, pb, ps = Peer(alice_ws), Peer(bob_ws), Peer(s_ws)
        assert (await pa.command("subscribe", {"topic": topic}))["type"] == "ok"
        assert (await pb.command("subscribe", {"topic": topic}))["type"] == "ok"
        assert code(await ps.command("subscribe", {"topic": topic})) == "forbidden"

        # Perfect negotiation's opening, across processes: Bob (on B) is ready, Alice (on A)
        # offers, Bob answers, both trickle candidates.
        assert (await pb.command("meeting.signal", {"meeting": meeting, "kind": "ready"}))[
            "type"
        ] == "ok"
        ready = await pa.event("meeting.signal")
        assert ready["data"] == {
            "meeting": meeting,
            "from": bob_id,
            "kind": "ready",
            "payload": None,
        }
        await pa.command("meeting.signal", {"meeting": meeting, "kind": "offer", "payload": SDP})
        offer = await pb.event("meeting.signal")
        while offer["data"]["from"] == bob_id:  # Bob's own `ready`, heard back: dropped
            offer = await pb.event("meeting.signal")
        assert (offer["data"]["from"], offer["data"]["kind"]) == (alice_id, "offer")
        assert offer["data"]["payload"] == SDP
        await pb.command("meeting.signal", {"meeting": meeting, "kind": "answer", "payload": SDP})
        await pb.command(
            "meeting.signal", {"meeting": meeting, "kind": "ice", "payload": CANDIDATE}
        )
        heard = []
        while len(heard) < 2:
            event = await pa.event("meeting.signal")
            if event["data"]["from"] == bob_id:
                heard.append((event["data"]["kind"], event["data"]["payload"]))
        assert heard == [("answer", SDP), ("ice", CANDIDATE)]

        # The stranger on Bob's process: refused, and hears nothing of the call.
        refused = await ps.command(
            "meeting.signal", {"meeting": meeting, "kind": "offer", "payload": SDP}
        )
        assert code(refused) == "forbidden"
        assert code(await ps.command("meeting.say", {"meeting": meeting, "text": "hi"})) == (
            "forbidden"
        )
        assert not [e for e in ps.events if e["type"].startswith("meeting.")]

        # Chat: said on A, stored in PostgreSQL, announced on B.
        said = await pa.command("meeting.say", {"meeting": meeting, "text": "你好，我在A进程"})
        assert said["type"] == "ok", said
        posted = await pb.event("meeting.message_posted")
        assert posted["data"] == said["data"]["message"]

    read_on_b = await messages(b, meeting, bob)
    assert read_on_b.status_code == 200
    assert [m["text"] for m in read_on_b.json()["messages"]] == ["你好，我在A进程"]
    refused_read = await messages(a, meeting, stranger)
    assert refused_read.status_code == 403
