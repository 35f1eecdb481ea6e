"""A booth's chats on two `expo serve` processes sharing Redis and PostgreSQL: a visitor on
process A talks privately to the staff on process B; two staff members on two processes claim
the conversation at once and exactly one gets it; the booth's public chat reaches both."""

from __future__ import annotations

import asyncio
import secrets

import httpx
from sqlalchemy import update

from expo.db import make_engine, make_sessionmaker
from expo.models import Account, Role
from tests.cluster import Process, sign_in
from tests.live import Peer

PASSWORD = "云上贵州-数据之都-2026"
STAFF = "exhibitor@demo.shubo.live"  # staff of exhibitor 1
BOOTH = 1


async def newcomer(process: Process, name: str) -> tuple[int, str, str]:
    email = f"cluster-{secrets.token_hex(5)}@example.com"
    async with httpx.AsyncClient(base_url=process.base, timeout=30) as http:
        response = await http.post(
            "/api/accounts", json={"email": email, "password": PASSWORD, "display_name": name}
        )
    assert response.status_code == 201, response.text
    cookie = f"expo_session={response.cookies['expo_session']}"
    return response.json()["account"]["id"], email, cookie


async def make_staff(database_url: str, account_id: int) -> None:
    engine = make_engine(database_url)
    try:
        async with make_sessionmaker(engine)() as db:
            await db.execute(
                update(Account)
                .where(Account.id == account_id)  # type: ignore[arg-type]
                .values(role=Role.EXHIBITOR, exhibitor_id=BOOTH)
            )
            await db.commit()
    finally:
        await engine.dispose()


async def test_private_chat_and_the_claim_hold_across_processes(two_processes, shared_env):
    a, b = two_processes
    visitor_id, _, visitor = await newcomer(a, "跨进程访客")
    colleague_id, colleague_email, _ = await newcomer(a, "第二位员工")
    await make_staff(shared_env["EXPO_DATABASE_URL"], colleague_id)
    # Signed in again once staff: the new session carries the new role.
    async with httpx.AsyncClient(base_url=a.base, timeout=30) as http:
        signed = await http.post(
            "/api/session", json={"email": colleague_email, "password": PASSWORD}
        )
    signed.raise_for_status()
    colleague = f"expo_session={signed.cookies['expo_session']}"
    staff = await sign_in(b, STAFF)
    async with (
        a.connect(visitor) as visitor_ws,
        b.connect(staff) as staff_ws,
        a.connect(colleague) as colleague_ws,
        b.connect() as watcher_ws,
    ):
        v, s, c, w = Peer(visitor_ws), Peer(staff_ws), Peer(colleague_ws), Peer(watcher_ws)
        assert (await v.command("subscribe", {"topic": f"account:{visitor_id}"}))["type"] == "ok"
        assert (await s.command("subscribe", {"topic": f"booth-staff:{BOOTH}"}))["type"] == "ok"
        assert (await w.command("subscribe", {"topic": f"booth:{BOOTH}"}))["type"] == "ok"

        # The public chat: said on A, seen on B.
        said = await v.command("booth.chat.send", {"exhibitor": BOOTH, "text": "大家好"})
        seen = await w.event("booth.chat_posted")
        assert seen["data"] == said["data"]["message"]

        opened = await v.command("booth.private.open", {"exhibitor": BOOTH})
        cid = opened["data"]["conversation"]["id"]
        ref = {"exhibitor": BOOTH, "conversation": cid}
        waiting = await s.event("booth.conversation_changed")
        assert waiting["data"]["conversation"]["id"] == cid
        assert waiting["data"]["conversation"]["state"] == "waiting"
        await v.command("booth.private.send", ref | {"text": "能报个价吗"})
        posted = await s.event("booth.private_posted")
        assert posted["data"]["message"]["text"] == "能报个价吗"
        assert posted["data"]["conversation"]["unread"] == 1

        # Two staff members, one on each process, claim at once: exactly one gets it.
        replies = await asyncio.gather(
            s.command("booth.private.claim", ref), c.command("booth.private.claim", ref)
        )
        assert sorted(r["type"] for r in replies) == ["error", "ok"], replies
        loser_reply = next(r for r in replies if r["type"] == "error")
        assert loser_reply["error"]["code"] == "private.claimed"
        winner, loser = (s, c) if replies[0]["type"] == "ok" else (c, s)
        refused = await loser.command("booth.private.send", ref | {"text": "我也来答"})
        assert refused["error"]["code"] == "private.claimed"
        answered = await winner.command("booth.private.send", ref | {"text": "马上发您"})
        assert answered["type"] == "ok"
        heard = await v.event("booth.private_posted")
        while not heard["data"]["message"]["from_staff"]:
            heard = await v.event("booth.private_posted")
        assert heard["data"]["message"]["text"] == "马上发您"
        assert heard["data"]["conversation"]["state"] == "claimed"
        assert heard["data"]["conversation"]["unread"] == 1
