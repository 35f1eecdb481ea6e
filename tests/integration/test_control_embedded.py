"""The control room on the embedded defaults (one process, SQLite, the in-process broker): the
figures arrive once a second on `control:all` with a growing sequence, carry every room and the
hall, count a burst of chat in the chat rate, and are organisers' only (topic and HTTP)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.live import LiveServer, Peer

ORGANISER = "organizer@demo.shubo.live"
MODERATOR = "moderator@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"
WAIT = 30.0


async def next_figures(peer: Peer, timeout: float = WAIT) -> dict[str, Any]:
    event = await peer.event("control.figures", timeout=timeout)
    assert event["topic"] == "control:all" and "seq" not in event, event  # a flash: no seq
    return event["data"]


async def figures_until(peer: Peer, wanted: Any, timeout: float = WAIT) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            data = await next_figures(peer, timeout)
            if wanted(data):
                return data


async def test_organisers_hear_the_figures_every_second_newest_last(server: LiveServer):
    cookie = await server.sign_in(ORGANISER)
    async with server.connect(cookie) as ws:
        peer = Peer(ws)
        assert (await peer.command("subscribe", {"topic": "control:all"}))["type"] == "ok"
        first = await next_figures(peer)
        second = await next_figures(peer)
    assert second["seq"] > first["seq"]
    assert len(first["stages"]) == 9
    stage = first["stages"][0]
    assert stage["kind"] == "stage" and set(stage["title"]) == {"zh", "en"}
    assert stage["state"] in {"live", "interrupted", "offline"}
    assert first["hall"]["booths"] >= 12
    assert sum(s["booths"] for s in first["hall"]["sections"]) == first["hall"]["booths"]
    assert [p["leader"] for p in first["processes"]] == [True]
    async with server.http() as http:
        shown = (await http.get("/api/control/figures", headers={"Cookie": cookie})).json()
    assert shown["figures"]["seq"] >= first["seq"]


async def test_a_burst_of_chat_shows_in_the_rooms_chat_rate(server: LiveServer):
    organiser = await server.sign_in(ORGANISER)
    chatter = await server.sign_in(MODERATOR)  # no slow mode, no sanctions in the way
    async with server.connect(organiser) as control_ws, server.connect(chatter) as chat_ws:
        control, chat = Peer(control_ws), Peer(chat_ws)
        assert (await control.command("subscribe", {"topic": "control:all"}))["type"] == "ok"
        before = await next_figures(control)
        forum = before["stages"][1]["forum"]
        was = before["stages"][1]["chat_per_min"]
        for n in range(12):
            reply = await chat.command("chat.send", {"forum": forum, "text": f"burst {n}"})
            assert reply["type"] == "ok", reply
        after = await figures_until(
            control,
            lambda d: (
                next(s for s in d["stages"] if s["forum"] == forum)["chat_per_min"] >= was + 12
            ),
        )
    assert after["seq"] > before["seq"]


async def test_the_figures_are_organisers_only(server: LiveServer):
    for email in (ATTENDEE, MODERATOR):
        cookie = await server.sign_in(email)
        async with server.connect(cookie) as ws:
            reply = await Peer(ws).command("subscribe", {"topic": "control:all"})
        assert reply["type"] == "error" and reply["error"]["code"] == "forbidden", reply
        async with server.http() as http:
            response = await http.get("/api/control/figures", headers={"Cookie": cookie})
        assert response.status_code == 403, response.text
    async with server.connect() as ws:
        reply = await Peer(ws).command("subscribe", {"topic": "control:all"})
    assert reply["error"]["code"] == "unauthorized", reply
    async with server.http() as http:
        assert (await http.get("/api/control/figures")).status_code == 401
