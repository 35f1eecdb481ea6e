"""Who watched which room, over a real server (forums/attendance.py): the signed-in people
following a room are sampled into one row per person, room and minute, however many tabs they
have open, anonymous followers are not, and the minutes counted inside sessions earn the
certificates' "opening ceremony" and "forum audience" achievements."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import col, select

from certificates.domain import OPENING_MINUTES, SESSION_MINUTES
from forums.attendance import on_the_minute
from forums.models import Attendance, Forum, ForumSession, RoomKind
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database
from tests.waiting import eventually

PASSWORD = "云上贵州-数据之都-2026"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    """The same on both databases: each has its own insert that skips a row already there."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('attendance') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url, attendance_interval=0.1)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url, attendance_interval=0.1)) as live:
                yield live


async def newcomer(server: LiveServer) -> tuple[int, str]:
    body = {
        "email": f"watch-{secrets.token_hex(5)}@example.com",
        "password": PASSWORD,
        "display_name": "观众 Viewer",
    }
    async with server.http() as http:
        response = await http.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    return response.json()["account"]["id"], f"expo_session={response.cookies['expo_session']}"


async def minutes_of(server: LiveServer, account_id: int) -> list[tuple[int, object]]:
    async with server.services.read() as db:
        rows = await db.execute(
            select(Attendance.forum_id, Attendance.minute).where(
                col(Attendance.account_id) == account_id
            )
        )
        return [tuple(r) for r in rows.all()]


async def test_a_follower_is_seen_once_a_minute_however_many_tabs(server: LiveServer):
    me, cookie = await newcomer(server)
    async with server.connect(cookie) as tab, server.connect(cookie) as other_tab:
        for ws in (tab, other_tab):
            assert (await Peer(ws).command("subscribe", {"topic": "forum:1"}))["type"] == "ok"
        async with server.connect() as anonymous:
            reply = await Peer(anonymous).command("subscribe", {"topic": "forum:2"})
            assert reply["type"] == "ok"
            seen = await eventually(lambda: minutes_of(server, me), timeout=10)
            assert {forum for forum, _ in seen} == {1}
            # Samples come five times a second here: still one row for each minute.
            assert len(seen) == len({minute for _, minute in seen}) <= 2
            assert "2" not in server.services.gateway.followers("forum")  # anonymous only
        await Peer(tab).command("unsubscribe", {"topic": "forum:1"})
        assert me in server.services.gateway.followers("forum")["1"]  # the other tab
        await Peer(other_tab).command("unsubscribe", {"topic": "forum:1"})
        assert me not in server.services.gateway.followers("forum").get("1", set())


async def claim(server: LiveServer, cookie: str) -> list[str]:
    async with server.http(headers={"Cookie": cookie}) as http:
        response = await http.post("/api/me/credentials")
    assert response.status_code in (200, 201), response.text
    return list(response.json()["issued"])


async def watch(server: LiveServer, account_id: int, session: ForumSession, minutes: int) -> None:
    """`minutes` minutes of `session` seen, as the samples would have stored them."""
    async with server.services.db() as db:
        start = on_the_minute(session.starts_at)
        db.add_all(
            Attendance(
                account_id=account_id,
                forum_id=session.forum_id,
                minute=start + timedelta(minutes=m),
            )
            for m in range(minutes)
        )
        await db.commit()


async def test_minutes_inside_sessions_earn_the_watching_achievements(server: LiveServer):
    async with server.services.read() as db:
        opening = (
            (
                await db.execute(
                    select(ForumSession)
                    .join(Forum, col(Forum.id) == col(ForumSession.forum_id))
                    .where(col(Forum.kind) == RoomKind.STAGE)
                    .order_by(col(ForumSession.starts_at))
                )
            )
            .scalars()
            .first()
        )
        talk = (
            (
                await db.execute(
                    select(ForumSession)
                    .join(Forum, col(Forum.id) == col(ForumSession.forum_id))
                    .where(col(Forum.kind) == RoomKind.FORUM)
                    .order_by(col(ForumSession.starts_at))
                )
            )
            .scalars()
            .first()
        )
    assert opening is not None and talk is not None
    assert (talk.ends_at - talk.starts_at) >= timedelta(minutes=SESSION_MINUTES)

    short, short_cookie = await newcomer(server)
    await watch(server, short, opening, OPENING_MINUTES - 1)
    await watch(server, short, talk, SESSION_MINUTES - 1)
    assert await claim(server, short_cookie) == []

    viewer, cookie = await newcomer(server)
    await watch(server, viewer, opening, OPENING_MINUTES)
    assert await claim(server, cookie) == ["opening_ceremony"]
    await watch(server, viewer, talk, SESSION_MINUTES)
    assert await claim(server, cookie) == ["session_watched"]
    # Minutes outside every session (after the last one ends) count for nothing.
    late, late_cookie = await newcomer(server)
    async with server.services.db() as db:
        after = on_the_minute(talk.ends_at) + timedelta(days=2)
        db.add_all(
            Attendance(account_id=late, forum_id=talk.forum_id, minute=after + timedelta(minutes=m))
            for m in range(SESSION_MINUTES)
        )
        await db.commit()
    assert await claim(server, late_cookie) == []
