"""A room's live extras over real sockets: reactions, who of the staff is present, evictions,
and the personal `account:<id>` topic."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from expo.models import utcnow
from forums.models import RoomSanction
from tests.live import LiveServer, Peer

ATTENDEE = "attendee@demo.shubo.live"
SPEAKER = "speaker@demo.shubo.live"
MODERATOR = "moderator@demo.shubo.live"


async def account_id(server: LiveServer, cookie: str) -> int:
    async with server.http(headers={"Cookie": cookie}) as http:
        return (await http.get("/api/me")).json()["account"]["id"]


async def bursts_until(peer: Peer, total: dict[str, int], timeout: float = 10) -> dict[str, int]:
    """Sum `reaction.burst` events until they reach `total` (they may come split in two)."""
    seen: dict[str, int] = {}
    async with asyncio.timeout(timeout):
        while seen != total:
            event = await peer.event("reaction.burst")
            assert "seq" not in event  # flashed, not numbered: no replay for applause
            for name, n in event["data"]["counts"].items():
                seen[name] = seen.get(name, 0) + n
            assert all(seen.get(k, 0) <= total.get(k, 0) for k in seen), seen
    return seen


async def test_reactions_are_summed_and_flashed_to_the_room(server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    async with server.connect(cookie) as fan_ws, server.connect() as viewer_ws:
        fan, viewer = Peer(fan_ws), Peer(viewer_ws)
        await viewer.command("subscribe", {"topic": "forum:2"})
        await fan.command("subscribe", {"topic": "forum:2"})
        for reaction in ["clap", "clap", "heart", "clap"]:
            assert (await fan.command("reaction.send", {"forum": 2, "reaction": reaction}))[
                "type"
            ] == "ok"
        assert await bursts_until(viewer, {"clap": 3, "heart": 1}) == {"clap": 3, "heart": 1}


async def test_reactions_come_from_inside_the_room_and_from_the_list(server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    async with server.connect(cookie) as ws:
        peer = Peer(ws)
        outside = await peer.command("reaction.send", {"forum": 2, "reaction": "clap"})
        nowhere = await peer.command("reaction.send", {"forum": 999, "reaction": "clap"})
        await peer.command("subscribe", {"topic": "forum:2"})
        odd = await peer.command("reaction.send", {"forum": 2, "reaction": "<script>"})
    assert outside["error"]["code"] == "reaction.not_in_room"
    assert nowhere["error"]["code"] == "forum.unknown"
    assert odd["error"]["code"] == "bad_request"


async def test_reacting_needs_a_signed_in_user(server: LiveServer):
    async with server.connect() as ws:
        peer = Peer(ws)
        await peer.command("subscribe", {"topic": "forum:2"})
        reply = await peer.command("reaction.send", {"forum": 2, "reaction": "clap"})
    assert reply["error"]["code"] == "unauthorized"


def people(event: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["name"], p["role"]) for p in event["data"]["people"]]


async def test_the_room_lists_the_speakers_and_moderators_present(server: LiveServer):
    speaker, moderator, attendee = [await server.sign_in(e) for e in (SPEAKER, MODERATOR, ATTENDEE)]
    async with server.connect(attendee) as viewer_ws:
        viewer = Peer(viewer_ws)
        await viewer.command("subscribe", {"topic": "forum:4"})
        async with server.connect(speaker) as s_ws, server.connect(moderator) as m_ws:
            await Peer(s_ws).command("subscribe", {"topic": "forum:4"})
            await Peer(m_ws).command("subscribe", {"topic": "forum:4"})
            async with asyncio.timeout(10):
                while True:
                    roster = people(await viewer.event("presence.roster"))
                    if len(roster) == 2:
                        break
            expected = [("王晓 Wang Xiao", "speaker"), ("陈静 Chen Jing", "moderator")]
            assert sorted(roster) == expected
        # They left: the roster empties (attendees are never on it).
        async with asyncio.timeout(10):
            while people(await viewer.event("presence.roster")):
                pass


async def test_an_evicted_account_stops_receiving_the_room(server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    me = await account_id(server, cookie)
    async with server.connect(cookie) as ws, server.connect() as other_ws:
        peer, other = Peer(ws), Peer(other_ws)
        await peer.command("subscribe", {"topic": "forum:5"})
        await other.command("subscribe", {"topic": "forum:5"})
        await server.services.gateway.evict("forum:5", me, "banned")
        ended = await peer.event("subscription.ended")
        assert ended == {
            "type": "subscription.ended",
            "topic": "forum:5",
            "data": {"reason": "banned"},
        }
        await server.services.hub.publish("forum:5", "test.after", {})
        await other.event("test.after")  # the room goes on for the others...
        again = await peer.command("unsubscribe", {"topic": "forum:5"})
    assert again["error"]["code"] == "subscribe.not_subscribed"  # ...not for the evicted one
    assert not [e for e in peer.events if e["type"] == "test.after"]


async def test_only_the_account_itself_follows_its_topic(server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    me = await account_id(server, cookie)
    async with server.connect(cookie) as ws, server.connect() as anon_ws:
        peer = Peer(ws)
        own = await peer.command("subscribe", {"topic": f"account:{me}"})
        other = await peer.command("subscribe", {"topic": f"account:{me + 1}"})
        anonymous = await Peer(anon_ws).command("subscribe", {"topic": f"account:{me}"})
        await server.services.hub.publish(f"account:{me}", "agenda.reminder", {"session": 1})
        notice = await peer.event("agenda.reminder")
    assert own["type"] == "ok"
    assert other["error"]["code"] == "account.not_yours"
    assert anonymous["error"]["code"] == "unauthorized"
    assert notice["data"] == {"session": 1}


async def test_after_a_resync_a_ban_missed_meanwhile_still_takes_the_account_off(
    server: LiveServer,
):
    cookie = await server.sign_in(ATTENDEE)
    me = await account_id(server, cookie)
    moderator = await account_id(server, await server.sign_in(MODERATOR))
    async with server.connect(cookie) as ws, server.connect() as anonymous_ws:
        peer, anonymous = Peer(ws), Peer(anonymous_ws)
        await peer.command("subscribe", {"topic": "forum:6"})
        await anonymous.command("subscribe", {"topic": "forum:6"})
        # Banned in the database, but the eviction's control message never reached us.
        async with server.services.db() as db:
            ban = RoomSanction(
                forum_id=6,
                account_id=me,
                kind="ban",
                until=utcnow() + timedelta(hours=1),
                created_by=moderator,
            )
            db.add(ban)
            await db.commit()
        server.services.gateway.resynced()
        ended = await peer.event("subscription.ended")
        await server.services.hub.publish("forum:6", "test.after", {})
        await anonymous.event("test.after")
        again = await peer.command("unsubscribe", {"topic": "forum:6"})
    assert ended["data"] == {"reason": "forum.banned"}
    assert again["error"]["code"] == "subscribe.not_subscribed"
