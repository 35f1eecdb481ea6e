"""The expo's announcements with a window and withdrawal, over real HTTP and websockets: the
window is stored and handed to every page with the server's time; a withdrawal is announced
once, with a higher version, on every process; the history keeps withdrawn ones."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from alembic import command

from expo.migrate import alembic_config
from expo.models import utcnow
from forums.models import Announcement
from tests.cluster import sign_in as cluster_sign_in
from tests.live import LiveServer, Peer

ORGANIZER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"
TOPIC = "expo:announcements"


def at(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


async def as_organiser(server: LiveServer) -> Any:
    return server.http(headers={"Cookie": await server.sign_in(ORGANIZER)})


async def test_a_scheduled_announcement_keeps_its_window_and_pages_get_the_server_time(
    server: LiveServer,
):
    body = {"text_zh": "午餐", "text_en": "Lunch", "starts_at": at(60), "ends_at": at(120)}
    async with server.connect() as ws:
        page = Peer(ws)
        await page.command("subscribe", {"topic": TOPIC})
        async with await as_organiser(server) as http:
            created = await http.post("/api/announcements", json=body)
        event = await page.event("announcement.published")
    assert created.status_code == 201, created.text
    announcement = created.json()["announcement"]
    assert event["data"] == announcement
    assert datetime.fromisoformat(announcement["starts_at"]) == datetime.fromisoformat(
        body["starts_at"]
    )
    assert datetime.fromisoformat(announcement["ends_at"]) == datetime.fromisoformat(
        body["ends_at"]
    )
    async with server.http() as http:
        current = (await http.get("/api/announcements?current=true&limit=100")).json()
    assert announcement in current["announcements"]
    now = datetime.fromisoformat(current["now"])
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)


async def test_a_start_in_the_past_is_now_and_impossible_windows_are_refused(server: LiveServer):
    async with await as_organiser(server) as http:
        past = await http.post("/api/announcements", json={"text_en": "Now", "starts_at": at(-30)})
        backwards = await http.post(
            "/api/announcements", json={"text_en": "No", "starts_at": at(10), "ends_at": at(5)}
        )
        over = await http.post("/api/announcements", json={"text_en": "No", "ends_at": at(-1)})
        naive = await http.post(
            "/api/announcements", json={"text_en": "No", "starts_at": "2030-01-01T10:00:00"}
        )
    assert past.status_code == 201
    shown = past.json()["announcement"]
    assert datetime.fromisoformat(shown["starts_at"]) >= datetime.fromisoformat(shown["created_at"])
    for refused in (backwards, over):
        assert (refused.status_code, refused.json()["error"]["code"]) == (
            400,
            "announcement.bad_times",
        )
    assert (naive.status_code, naive.json()["error"]["code"]) == (400, "bad_request")


async def test_current_leaves_out_what_is_over_and_the_history_keeps_it(server: LiveServer):
    async with server.services.db() as db:
        organiser = 1
        over = Announcement(
            text_en="Yesterday",
            created_by=organiser,
            starts_at=utcnow() - timedelta(days=1),
            ends_at=utcnow() - timedelta(hours=20),
        )
        db.add(over)
        await db.commit()
        await db.refresh(over)
    async with server.http() as http:
        current = (await http.get("/api/announcements?current=true&limit=100")).json()
        history = (await http.get("/api/announcements?limit=100")).json()
        bad = await http.get("/api/announcements?current=maybe")
    assert over.id not in [a["id"] for a in current["announcements"]]
    assert over.id in [a["id"] for a in history["announcements"]]
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "bad_request")


async def test_a_withdrawal_is_announced_once_with_a_higher_version_and_kept(server: LiveServer):
    async with await as_organiser(server) as http:
        created = (await http.post("/api/announcements", json={"text_zh": "撤回我"})).json()
    announcement = created["announcement"]
    path = f"/api/announcements/{announcement['id']}/withdraw"
    async with server.connect() as ws:
        page = Peer(ws)
        await page.command("subscribe", {"topic": TOPIC})
        async with await as_organiser(server) as http:
            withdrawn = await http.post(path)
            again = await http.post(path)
            # Something else after it: the page hears it next, not a second withdrawal.
            await http.post("/api/announcements", json={"text_en": "Next"})
            organiser_view = (await http.get("/api/announcements?limit=100")).json()
        event = await page.event("announcement.withdrawn")
        following = await page.event("announcement.published")
        between = [frame["type"] for frame in page.events]
    assert withdrawn.status_code == 200 and again.status_code == 200
    taken = withdrawn.json()["announcement"]
    assert taken["version"] == 2 and taken["withdrawn_at"] is not None
    assert again.json()["announcement"] == taken
    assert event["data"] == {
        "id": announcement["id"],
        "withdrawn_at": taken["withdrawn_at"],
        "version": 2,
    }
    assert following["data"]["text"]["en"] == "Next"
    assert "announcement.withdrawn" not in between  # the second withdrawal announced nothing
    # Kept in the history: with its words for organisers, without for everyone else.
    [mine] = [a for a in organiser_view["announcements"] if a["id"] == announcement["id"]]
    assert mine == taken and mine["text"]["zh"] == "撤回我"
    async with server.http() as http:
        public = (await http.get("/api/announcements?current=true&limit=100")).json()
    [theirs] = [a for a in public["announcements"] if a["id"] == announcement["id"]]
    assert theirs["text"] == {"zh": "", "en": ""} and theirs["version"] == 2


async def test_only_organisers_withdraw_and_only_what_exists(server: LiveServer):
    async with server.http(headers={"Cookie": await server.sign_in(ATTENDEE)}) as http:
        attendee = await http.post("/api/announcements/1/withdraw")
    async with await as_organiser(server) as http:
        unknown = await http.post("/api/announcements/999999/withdraw")
    assert (attendee.status_code, attendee.json()["error"]["code"]) == (403, "forbidden")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "announcement.unknown")


async def test_a_withdrawal_on_one_process_reaches_pages_on_the_other(two_processes):
    a, b = two_processes
    cookie = await cluster_sign_in(a, ORGANIZER)
    async with b.connect() as ws:
        page = Peer(ws)
        await page.command("subscribe", {"topic": TOPIC})
        async with httpx.AsyncClient(base_url=a.base, headers={"Cookie": cookie}) as http:
            created = (
                await http.post(
                    "/api/announcements",
                    json={"text_en": "Soon", "starts_at": at(1), "ends_at": at(10)},
                )
            ).json()["announcement"]
            published = await page.event("announcement.published")
            await http.post(f"/api/announcements/{created['id']}/withdraw")
            withdrawn = await page.event("announcement.withdrawn")
    assert published["data"] == created
    assert (withdrawn["data"]["id"], withdrawn["data"]["version"]) == (created["id"], 2)


async def test_announcements_made_before_windows_start_when_they_were_made(tmp_path):
    """0006_forums upgrades a database in place: an old announcement shows from its creation,
    with no end, at version 1."""
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    config = alembic_config(url)
    await asyncio.to_thread(command.upgrade, config, "0004_forums")
    with sqlite3.connect(path) as db:
        # An account as the old schema has it: every required column, whatever it holds.
        required = [
            (name, kind)
            for _, name, kind, notnull, default, primary in db.execute("PRAGMA table_info(account)")
            if notnull and default is None and not primary
        ]
        sample = {"INTEGER": 0, "BOOLEAN": 0, "DATETIME": "2026-05-01 00:00:00.000000"}
        values = [sample.get(kind.split("(")[0], f"x-{name}") for name, kind in required]
        columns = ", ".join(name for name, _ in required)
        marks = ", ".join("?" for _ in required)
        db.execute(f"INSERT INTO account (id, {columns}) VALUES (1, {marks})", values)
        db.execute(
            "INSERT INTO announcement (text_zh, text_en, created_by, created_at)"
            " VALUES ('旧公告', 'Old', 1, '2026-05-26 02:00:00.000000')"
        )
    await asyncio.to_thread(command.upgrade, config, "heads")
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT starts_at, ends_at, withdrawn_at, version FROM announcement"
        ).fetchone()
    assert row == ("2026-05-26 02:00:00.000000", None, None, 1)
