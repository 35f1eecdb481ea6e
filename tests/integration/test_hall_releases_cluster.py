"""Two `expo serve` processes on Redis and PostgreSQL: a release published on one reaches a lobby
client on the other at once, and a withdrawal too."""

from __future__ import annotations

import httpx

from tests.cluster import sign_in
from tests.live import Peer

ORGANIZER = "organizer@demo.shubo.live"
STAFF = "staff1.4@demo.shubo.live"  # 贵阳大数据交易所


async def test_published_on_one_process_arrives_at_a_lobby_on_the_other(two_processes):
    a, b = two_processes
    staff, organiser = await sign_in(a, STAFF), await sign_in(a, ORGANIZER)
    async with httpx.AsyncClient(base_url=a.base, timeout=10) as http:
        made = await http.post(
            "/api/exhibitors/4/releases",
            json={"kind": "result", "title_zh": "跨进程发布", "title_en": "Across processes"},
            headers={"Cookie": staff},
        )
        assert made.status_code == 201, made.text
        rid = made.json()["release"]["id"]
        # The demo requires approval: the staff member's submit waits for an organiser.
        submitted = await http.post(
            f"/api/releases/{rid}/submit", json={}, headers={"Cookie": staff}
        )
        assert submitted.json()["release"]["state"] == "pending"
        async with b.connect() as lobby_ws, a.connect() as same_ws:
            lobby, same = Peer(lobby_ws), Peer(same_ws)
            assert (await lobby.command("subscribe", {"topic": "hall:all"}))["type"] == "ok"
            assert (await same.command("subscribe", {"topic": "hall:all"}))["type"] == "ok"
            approved = await http.post(
                f"/api/releases/{rid}/approve", json={}, headers={"Cookie": organiser}
            )
            assert approved.status_code == 200, approved.text
            on_b = await lobby.event("release.published")
            on_a = await same.event("release.published")
            withdrawn = await http.post(
                f"/api/releases/{rid}/withdraw", json={}, headers={"Cookie": organiser}
            )
            gone = await lobby.event("release.withdrawn")
    release = approved.json()["release"]
    assert on_b["data"] == on_a["data"] == release
    assert on_b["seq"] == on_a["seq"]
    assert release["title"] == {"zh": "跨进程发布", "en": "Across processes"}
    assert gone["data"] == {"id": rid, "exhibitor_id": 4, "version": release["version"] + 1}
    assert withdrawn.json()["release"]["state"] == "withdrawn"
    async with httpx.AsyncClient(base_url=b.base, timeout=10) as http:
        assert (await http.get(f"/api/releases/{rid}")).status_code == 404
