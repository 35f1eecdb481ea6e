"""The organisers' slots and settings under concurrency and versions, over a real server on
SQLite and PostgreSQL: two first saves at once (no settings row yet) never answer 500, and a
slot list carries the version that tells it from an older one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import delete

from matchmaking.models import MatchSettings
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

ORGANIZER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"


@pytest.fixture(params=["sqlite", "postgres"])
async def expo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('slots') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url)) as live:
                yield live


async def call(
    server: LiveServer, method: str, path: str, cookie: str, body: Any = None
) -> tuple[int, Any]:
    async with server.http() as http:
        response = await http.request(method, path, json=body, headers={"Cookie": cookie})
    return response.status_code, response.json()


async def no_settings_row(server: LiveServer) -> None:
    async with server.services.db() as db:
        await db.execute(delete(MatchSettings))
        await db.commit()


async def test_first_settings_saves_at_once_succeed_in_turn_or_are_stale(expo: LiveServer):
    organiser = await expo.sign_in(ORGANIZER)
    for round_ in range(3):  # the race is the point: a few rounds, each from no row at all
        await no_settings_row(expo)
        saves = [
            call(
                expo,
                "PUT",
                "/api/match/settings",
                organiser,
                {"open_request_cap": 5 + i, "default_seats": 2, "version": 0},
            )
            for i in range(4)
        ]
        answers = await asyncio.gather(*saves)
        statuses = sorted(status for status, _ in answers)
        assert statuses == [200, 409, 409, 409], (round_, answers)
        assert all(
            body["error"]["code"] == "match.stale" for status, body in answers if status == 409
        )
        # Without a version each save wins in turn: all four stored, the version counts them.
        await no_settings_row(expo)
        unversioned = [
            call(
                expo,
                "PUT",
                "/api/match/settings",
                organiser,
                {"open_request_cap": 5 + i, "default_seats": 2},
            )
            for i in range(4)
        ]
        answers = await asyncio.gather(*unversioned)
        assert [status for status, _ in answers] == [200] * 4, answers
        assert sorted(body["settings"]["version"] for _, body in answers) == [1, 2, 3, 4]


async def test_first_slot_saves_at_once_all_succeed(expo: LiveServer):
    organiser = await expo.sign_in(ORGANIZER)
    status, body = await call(expo, "GET", "/api/match/slots", organiser)
    slots = [
        {"id": s["id"], "starts_at": s["starts_at"], "ends_at": s["ends_at"]} for s in body["slots"]
    ]
    for _ in range(3):
        await no_settings_row(expo)
        answers = await asyncio.gather(
            *(call(expo, "PUT", "/api/match/slots", organiser, {"slots": slots}) for _ in range(4))
        )
        assert [status for status, _ in answers] == [200] * 4, answers
        assert sorted(body["version"] for _, body in answers) == [1, 2, 3, 4]


async def test_a_slot_list_carries_a_version_bumped_with_each_change(expo: LiveServer):
    organiser = await expo.sign_in(ORGANIZER)
    attendee = await expo.sign_in(ATTENDEE)
    status, before = await call(expo, "GET", "/api/match/slots", attendee)
    assert status == 200 and set(before) == {"slots", "version"}
    last = before["slots"][-1]
    ends = datetime.fromisoformat(last["ends_at"])
    new = {"starts_at": ends.isoformat(), "ends_at": (ends + timedelta(minutes=30)).isoformat()}
    async with expo.connect(organiser) as ws:
        peer = Peer(ws)
        reply = await peer.command("subscribe", {"topic": "match-organisers:all"})
        assert reply["type"] == "ok", reply
        status, saved = await call(
            expo, "PUT", "/api/match/slots", organiser, {"slots": [*before["slots"], new]}
        )
        assert status == 200, saved
        event = await peer.event("match.slots_changed")
    assert saved["version"] == before["version"] + 1
    assert event["data"] == saved
    status, after = await call(expo, "GET", "/api/match/slots", attendee)
    assert after == saved
    # The settings share the row: their version moved with it, and a save naming the older
    # one is stale (the console reads the settings again on the organisers' topic).
    status, settings = await call(expo, "GET", "/api/match/settings", organiser)
    assert settings["settings"]["version"] == saved["version"]
    stale = {"open_request_cap": 7, "default_seats": 3, "version": before["version"]}
    status, body = await call(expo, "PUT", "/api/match/settings", organiser, stale)
    assert status == 409 and body["error"]["code"] == "match.stale"
