"""Sessions: signing out ends the session for HTTP and closes its websockets at once."""

from __future__ import annotations

import asyncio

import pytest
from websockets.exceptions import ConnectionClosed

from tests.live import LiveServer, Peer
from tests.waiting import eventually

ATTENDEE = "attendee@demo.shubo.live"


async def test_signing_out_ends_the_session_for_later_requests(server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    async with server.http(headers={"Cookie": cookie}) as http:
        assert (await http.get("/api/me")).status_code == 200
        out = await http.delete("/api/session")
        again = await http.get("/api/me", headers={"Cookie": cookie})  # a copy of the old cookie
    assert out.status_code == 200
    assert "expo_session=" in out.headers["set-cookie"]  # the browser is told to drop it
    assert (again.status_code, again.json()["error"]["code"]) == (401, "unauthorized")


async def test_signing_out_closes_that_sessions_websockets_within_a_second(server: LiveServer):
    ending, staying = await server.sign_in(ATTENDEE), await server.sign_in(ATTENDEE)
    async with (
        server.connect(ending) as tab_one,
        server.connect(ending) as tab_two,
        server.connect(staying) as other_device,
    ):
        for ws in (tab_one, tab_two, other_device):
            await Peer(ws).command("subscribe", {"topic": "forum:2"})
        async with server.http() as http:
            await http.delete("/api/session", headers={"Cookie": ending})
        for tab in (tab_one, tab_two):
            with pytest.raises(ConnectionClosed) as closed:
                async with asyncio.timeout(1.0):
                    while True:
                        await tab.recv()
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "Signed out.")
        # The same account's other session is untouched.
        reply = await Peer(other_device).command("chat.send", {"forum": 2, "text": "still here"})
    assert reply["type"] == "ok"


async def test_a_revoked_cookie_opens_an_anonymous_websocket(server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    async with server.http() as http:
        await http.delete("/api/session", headers={"Cookie": cookie})
    async with server.connect(cookie) as ws:
        reply = await Peer(ws).command("chat.send", {"forum": 2, "text": "ghost"})
    assert reply["error"]["code"] == "unauthorized"


async def test_one_account_may_hold_only_so_many_sockets(demo_sqlite):
    from websockets.exceptions import InvalidStatus

    from tests.live import live_server, make_settings

    async with live_server(make_settings(demo_sqlite, max_sockets_per_account=2)) as live:
        cookie = await live.sign_in(ATTENDEE)
        async with live.connect(cookie), live.connect(cookie):
            with pytest.raises(InvalidStatus) as refused:
                async with live.connect(cookie):
                    pass
            async with live.connect():  # anonymous sockets are not this account's
                pass
        assert refused.value.response.status_code == 429
        gateway = live.services.gateway
        # The two closed sockets are given back to the account's quota.
        await eventually(lambda: not gateway.clients and not gateway._releasing)
        async with live.connect(cookie) as ws:
            assert (await Peer(ws).command("subscribe", {"topic": "forum:2"}))["type"] == "ok"


async def test_an_expired_session_reads_as_signed_out(server: LiveServer):
    from datetime import timedelta

    from sqlmodel import select

    from expo.models import AccountSession, utcnow

    cookie = await server.sign_in(ATTENDEE)
    async with server.services.db() as db:
        newest = (
            (
                await db.execute(
                    select(AccountSession).order_by(AccountSession.created_at.desc()).limit(1)  # type: ignore[attr-defined]
                )
            )
            .scalars()
            .one()
        )
        newest.expires_at = utcnow() - timedelta(seconds=1)
        await db.commit()
    async with server.http(headers={"Cookie": cookie}) as http:
        response = await http.get("/api/me")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "unauthorized")


async def test_a_session_that_ended_unannounced_is_closed_by_the_audit(server: LiveServer):
    """As when a process missed the sign-out announcement while reconnecting to Redis."""
    cookie = await server.sign_in(ATTENDEE)
    async with server.connect(cookie) as ws:
        await Peer(ws).command("subscribe", {"topic": "forum:2"})
        gateway = server.services.gateway
        (session_id,) = {
            c.principal.session_id
            for c in gateway.clients
            if c.principal is not None
            and c.principal.display_name == "张伟 Zhang Wei"
            and c.principal.session_id is not None
        }
        await server.services.sessions.revoke(session_id)  # revoked, nobody told
        gateway.wake_audit()  # what a broker resync does
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(5):
                while True:
                    await ws.recv()
    assert closed.value.rcvd.code == 4001


async def test_the_audit_asks_about_more_sessions_than_one_query_may_carry():
    """asyncpg refuses a statement with more than 32,767 parameters: a process holding more
    sockets than that must still audit them all (in chunks)."""
    from expo.db import make_engine, make_sessionmaker
    from expo.models import Account
    from expo.security import TokenSigner
    from expo.sessions import AUDIT_CHUNK, SessionStore
    from tests.live import prepare_demo_database
    from tests.services import fresh_postgres_database

    async with fresh_postgres_database() as url:
        await prepare_demo_database(url)
        engine = make_engine(url)
        try:
            db = make_sessionmaker(engine)
            store = SessionStore(TokenSigner("k"), db, db)
            async with db() as session:
                account = await session.get(Account, 1)
            assert account is not None
            opened = [(await store.open(account))[1].session_id for _ in range(3)]
            live = {s for s in opened if s is not None}
            revoked = opened[0]
            assert revoked is not None
            await store.revoke(revoked)
            unknown = {f"gone-{n}" for n in range(33_000)}  # each one a parameter
            unknown |= {f"token:{n}" for n in range(10**6, 10**6 + AUDIT_CHUNK + 1)}
            assert await store.ended(live | unknown) == unknown | {revoked}
        finally:
            await engine.dispose()
