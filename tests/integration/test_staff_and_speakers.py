"""Exhibitor staff's chat messages carry their exhibitor's badge (live and in the history), and
speakers and moderators list where and when they are on the programme."""

from __future__ import annotations

from tests.live import LiveServer, Peer

STAFF = "exhibitor@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"


async def test_staff_messages_carry_their_exhibitors_badge_live_and_in_history(
    server: LiveServer,
):
    staff, attendee = await server.sign_in(STAFF), await server.sign_in(ATTENDEE)
    async with server.http(headers={"Cookie": staff}) as http:
        mine = (await http.get("/api/me")).json()["exhibitor"]
    async with server.connect(attendee) as watcher, server.connect(staff) as ws:
        watching = Peer(watcher)
        await watching.command("subscribe", {"topic": "forum:4"})
        posted = await Peer(ws).command("chat.send", {"forum": 4, "text": "欢迎来展台"})
        plain = await watching.command("chat.send", {"forum": 4, "text": "好的"})
        seen = await watching.event("chat.message_posted")
    assert posted["data"]["message"]["exhibitor"] == mine
    assert mine == {"id": mine["id"], "name_zh": mine["name_zh"], "name_en": mine["name_en"]}
    assert seen["data"] == posted["data"]["message"]
    assert plain["data"]["message"]["exhibitor"] is None
    async with server.http() as http:
        page = (await http.get("/api/forums/4/chat")).json()["messages"]
    by_id = {m["id"]: m for m in page}
    assert by_id[posted["data"]["message"]["id"]]["exhibitor"] == mine
    assert by_id[plain["data"]["message"]["id"]]["exhibitor"] is None


async def test_speakers_and_moderators_list_their_own_sessions(server: LiveServer):
    async def sessions_of(email: str) -> list[dict]:
        cookie = await server.sign_in(email)
        async with server.http(headers={"Cookie": cookie}) as http:
            response = await http.get("/api/me/sessions")
        assert response.status_code == 200, response.text
        return response.json()["sessions"]  # type: ignore[no-any-return]

    speaker = await sessions_of("speaker@demo.shubo.live")
    moderator = await sessions_of("moderator@demo.shubo.live")
    attendee = await sessions_of(ATTENDEE)
    assert speaker and all(s["roles"] == ["speaker"] for s in speaker)
    assert [s["session"]["starts_at"] for s in speaker] == sorted(
        s["session"]["starts_at"] for s in speaker
    )
    first = speaker[0]
    assert first["room"]["id"] == first["session"]["forum_id"]
    assert any(p["account_id"] is not None for p in first["session"]["speakers"])
    assert moderator and all(s["roles"] == ["moderator"] for s in moderator)
    assert attendee == []
    async with server.http() as http:
        anonymous = await http.get("/api/me/sessions")
    assert anonymous.status_code == 401
