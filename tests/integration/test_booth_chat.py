"""A booth's public chat and private 1:1 chats over real sockets, on SQLite and PostgreSQL:
sending, history, deleting, mutes and bans by the booth's staff, the chat rate limit; private
conversations opened, written, claimed (two staff at once: exactly one wins), read, closed; and
every object check (staff of another exhibitor, a conversation of another booth)."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select, update

from expo.hall.models import BoothActivity, BoothChatMessage, Conversation, PrivateMessage
from expo.models import Account, Role
from expo.ratelimit import DEFAULT_RATES, Rate
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

PASSWORD = "云上贵州-数据之都-2026"
STAFF_A = "exhibitor@demo.shubo.live"  # staff of exhibitor 1
ORGANIZER = "organizer@demo.shubo.live"
BOOTH = 1
OTHER = 2


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('booth_chat') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url)) as live:
                yield live


async def person(server: LiveServer, name: str, *, staff_of: int | None = None) -> tuple[int, str]:
    """A fresh account (staff of `staff_of` if given): (id, Cookie header value)."""
    email = f"booth-{secrets.token_hex(5)}@example.com"
    async with server.http() as http:
        response = await http.post(
            "/api/accounts", json={"email": email, "password": PASSWORD, "display_name": name}
        )
    assert response.status_code == 201, response.text
    account_id = response.json()["account"]["id"]
    if staff_of is not None:
        async with server.services.db() as db:
            await db.execute(
                update(Account)
                .where(Account.id == account_id)  # type: ignore[arg-type]
                .values(role=Role.EXHIBITOR, exhibitor_id=staff_of)
            )
            await db.commit()
    return account_id, await server.sign_in(email, PASSWORD)


async def history(server: LiveServer, booth: int = BOOTH, **query: Any) -> list[dict[str, Any]]:
    async with server.http() as http:
        response = await http.get(f"/api/exhibitors/{booth}/chat", params=query)
    assert response.status_code == 200, response.text
    return response.json()["messages"]  # type: ignore[no-any-return]


async def count(server: LiveServer, model: Any, *where: Any) -> int:
    async with server.services.read() as db:
        return int(
            (await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
        )


async def test_send_is_stored_then_announced_with_a_staff_badge(server: LiveServer):
    _, visitor = await person(server, "访客 Visitor")
    staff = await server.sign_in(STAFF_A)
    chats_before = await count(server, BoothActivity, BoothActivity.kind == "chat")
    async with server.connect(visitor) as vws, server.connect(staff) as sws:
        v, s = Peer(vws), Peer(sws)
        assert (await v.command("subscribe", {"topic": f"booth:{BOOTH}"}))["type"] == "ok"
        said = await v.command(
            "booth.chat.send", {"exhibitor": BOOTH, "text": "  你好，<b>算力</b>  "}
        )
        assert said["type"] == "ok", said
        message = said["data"]["message"]
        assert message["text"] == "你好，<b>算力</b>"
        assert message["staff"] is False and message["exhibitor"] is None
        posted = await v.event("booth.chat_posted")
        assert posted["topic"] == f"booth:{BOOTH}" and posted["data"] == message
        answer = await s.command("booth.chat.send", {"exhibitor": BOOTH, "text": "欢迎 welcome"})
        assert answer["data"]["message"]["staff"] is True
        assert answer["data"]["message"]["exhibitor"]["id"] == BOOTH
        # Staff of this booth on another booth are visitors there: no badge.
        elsewhere = await s.command("booth.chat.send", {"exhibitor": OTHER, "text": "路过"})
        assert elsewhere["data"]["message"]["staff"] is False
    shown = await history(server)
    assert [m["id"] for m in shown][-2:] == [message["id"], answer["data"]["message"]["id"]]
    assert shown[-1]["staff"] is True
    assert await count(server, BoothActivity, BoothActivity.kind == "chat") == chats_before + 3


async def test_bad_input_is_refused_and_changes_nothing(server: LiveServer):
    _, visitor = await person(server, "坏输入")
    before = await count(server, BoothChatMessage)
    async with server.connect(visitor) as ws:
        me = Peer(ws)
        empty = await me.command("booth.chat.send", {"exhibitor": BOOTH, "text": "  \u0000 "})
        long = await me.command("booth.chat.send", {"exhibitor": BOOTH, "text": "长" * 501})
        nobody = await me.command("booth.chat.send", {"exhibitor": 999999, "text": "hi"})
        big = await me.command("booth.chat.send", {"exhibitor": 2**31, "text": "hi"})
    async with server.connect() as ws:
        anonymous = await Peer(ws).command("booth.chat.send", {"exhibitor": BOOTH, "text": "hi"})
    assert empty["error"]["code"] == "chat.empty"
    assert long["error"]["code"] == "chat.too_long"
    assert nobody["error"]["code"] == "exhibitor.unknown"
    assert big["error"]["code"] == "bad_request"
    assert anonymous["error"]["code"] == "unauthorized"
    assert await count(server, BoothChatMessage) == before


async def test_history_pages_back(server: LiveServer):
    _, visitor = await person(server, "翻页")
    async with server.connect(visitor) as ws:
        me = Peer(ws)
        ids = []
        for n in range(5):
            reply = await me.command("booth.chat.send", {"exhibitor": 3, "text": f"第{n}条"})
            ids.append(reply["data"]["message"]["id"])
    latest = await history(server, 3, limit=2)
    assert [m["id"] for m in latest] == ids[-2:]
    earlier = await history(server, 3, limit=2, before=ids[-2])
    assert [m["id"] for m in earlier] == ids[-4:-2]
    async with server.http() as http:
        assert (await http.get("/api/exhibitors/999999/chat")).status_code == 404


async def test_delete_by_author_and_staff_not_by_others(server: LiveServer):
    _, author = await person(server, "作者")
    _, stranger = await person(server, "旁人")
    _, other_staff = await person(server, "别家员工", staff_of=OTHER)
    staff = await server.sign_in(STAFF_A)
    async with server.connect(author) as ws:
        me = Peer(ws)
        first = (await me.command("booth.chat.send", {"exhibitor": BOOTH, "text": "一"}))["data"]
        second = (await me.command("booth.chat.send", {"exhibitor": BOOTH, "text": "二"}))["data"]
    first_id, second_id = first["message"]["id"], second["message"]["id"]
    for cookie in (stranger, other_staff):
        async with server.connect(cookie) as ws:
            refused = await Peer(ws).command(
                "booth.chat.delete", {"exhibitor": BOOTH, "message": first_id}
            )
        assert refused["error"]["code"] == "chat.not_author", refused
    async with server.connect(other_staff) as ws:
        wrong_booth = await Peer(ws).command(
            "booth.chat.delete", {"exhibitor": OTHER, "message": first_id}
        )
    assert wrong_booth["error"]["code"] == "booth.chat_unknown"
    assert {first_id, second_id} <= {m["id"] for m in await history(server, limit=200)}
    async with server.connect(author) as ws:
        me = Peer(ws)
        await me.command("subscribe", {"topic": f"booth:{BOOTH}"})
        own = await me.command("booth.chat.delete", {"exhibitor": BOOTH, "message": first_id})
        assert own["type"] == "ok"
        gone = await me.event("booth.chat_deleted")
        assert gone["data"] == {"id": first_id, "exhibitor_id": BOOTH}
    async with server.connect(staff) as ws:
        by_staff = await Peer(ws).command(
            "booth.chat.delete", {"exhibitor": BOOTH, "message": second_id}
        )
    assert by_staff["type"] == "ok"
    left = {m["id"] for m in await history(server, limit=200)}
    assert first_id not in left and second_id not in left


async def test_mute_and_ban_by_the_booths_staff(server: LiveServer):
    target_id, target = await person(server, "被禁言")
    _, other_staff = await person(server, "别家", staff_of=OTHER)
    staff = await server.sign_in(STAFF_A)
    async with server.connect(other_staff) as ws:
        refused = await Peer(ws).command(
            "booth.mute", {"exhibitor": BOOTH, "account": target_id, "duration": 5}
        )
    assert refused["error"]["code"] == "forbidden"
    async with server.connect(staff) as sws, server.connect(target) as tws:
        s, t = Peer(sws), Peer(tws)
        await t.command("subscribe", {"topic": f"account:{target_id}"})
        assert (await t.command("subscribe", {"topic": f"booth:{BOOTH}"}))["type"] == "ok"
        own = await s.command(
            "booth.mute", {"exhibitor": BOOTH, "account": 0 + target_id, "duration": 5}
        )
        assert own["type"] == "ok" and own["data"]["sanction"]["kind"] == "mute"
        notice = await t.event("booth.sanction_imposed")
        assert notice["data"]["kind"] == "mute"
        muted = await t.command("booth.chat.send", {"exhibitor": BOOTH, "text": "还能说吗"})
        assert muted["error"]["code"] == "chat.muted"
        # Muted at this booth only.
        assert (await t.command("booth.chat.send", {"exhibitor": OTHER, "text": "别处"}))[
            "type"
        ] == "ok"
        colleague = await s.command(
            "booth.ban",
            {"exhibitor": BOOTH, "account": (await own_id(server, STAFF_A)), "duration": 5},
        )
        assert colleague["error"]["code"] == "moderation.self"
        banned = await s.command(
            "booth.ban", {"exhibitor": BOOTH, "account": target_id, "duration": "day"}
        )
        assert banned["type"] == "ok"
        ended = await t.event("subscription.ended")
        assert ended == {
            "type": "subscription.ended",
            "topic": f"booth:{BOOTH}",
            "data": {"reason": "booth.banned"},
        }
        again = await t.command("subscribe", {"topic": f"booth:{BOOTH}"})
        assert again["error"]["code"] == "booth.banned"
        said = await t.command("booth.chat.send", {"exhibitor": BOOTH, "text": "被封了"})
        assert said["error"]["code"] == "booth.banned"
        opened = await t.command("booth.private.open", {"exhibitor": BOOTH})
        assert opened["error"]["code"] == "booth.banned"
        lifted = await s.command("booth.lift", {"exhibitor": BOOTH, "account": target_id})
        assert {v["kind"] for v in lifted["data"]["lifted"]} == {"mute", "ban"}
        assert (await t.command("subscribe", {"topic": f"booth:{BOOTH}"}))["type"] == "ok"
        assert (await t.command("booth.chat.send", {"exhibitor": BOOTH, "text": "回来了"}))[
            "type"
        ] == "ok"


async def own_id(server: LiveServer, email: str) -> int:
    async with server.services.read() as db:
        found = await db.execute(select(Account.id).where(Account.email == email))  # type: ignore[call-overload]
        return int(found.scalar_one())


async def test_booth_chat_spends_the_chat_rate(tmp_path_factory: pytest.TempPathFactory):
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('booth_rate') / 'expo.db'}"
    await prepare_demo_database(url)
    rates = {name: Rate(100_000, 1) for name in DEFAULT_RATES} | {"chat": Rate(2, 60, burst=2)}
    async with live_server(make_settings(url, rate_limits=rates)) as server:
        _, visitor = await person(server, "刷屏")
        async with server.connect(visitor) as ws:
            me = Peer(ws)
            replies = [
                await me.command("booth.chat.send", {"exhibitor": BOOTH, "text": f"{n}"})
                for n in range(3)
            ]
            # One budget with the forums' chat.
            forum = await me.command("chat.send", {"forum": 2, "text": "论坛"})
        assert [r["type"] for r in replies] == ["ok", "ok", "error"]
        assert replies[2]["error"]["code"] == "rate_limited"
        assert forum["error"]["code"] == "rate_limited"
        assert len(await history(server)) == 2


# --- private chats ----------------------------------------------------------------------------


async def inbox(server: LiveServer, cookie: str, booth: int = BOOTH) -> Any:
    async with server.http(headers={"Cookie": cookie}) as http:
        return await http.get(f"/api/exhibitors/{booth}/conversations")


async def test_a_private_conversation_from_open_to_close(server: LiveServer):
    visitor_id, visitor = await person(server, "私聊访客")
    staff = await server.sign_in(STAFF_A)
    opened_before = await count(server, BoothActivity, BoothActivity.kind == "private_chat")
    async with server.connect(visitor) as vws, server.connect(staff) as sws:
        v, s = Peer(vws), Peer(sws)
        await v.command("subscribe", {"topic": f"account:{visitor_id}"})
        assert (await s.command("subscribe", {"topic": f"booth-staff:{BOOTH}"}))["type"] == "ok"
        opened = await v.command("booth.private.open", {"exhibitor": BOOTH})
        assert opened["type"] == "ok", opened
        conversation = opened["data"]["conversation"]
        cid = conversation["id"]
        assert conversation["state"] == "waiting" and opened["data"]["opened"] is True
        again = await v.command("booth.private.open", {"exhibitor": BOOTH})
        assert again["data"]["conversation"]["id"] == cid and again["data"]["opened"] is False
        changed = await s.event("booth.conversation_changed")
        assert changed["data"]["conversation"]["visitor"] == {"id": visitor_id, "name": "私聊访客"}
        ref = {"exhibitor": BOOTH, "conversation": cid}
        for text in ("请问价格？", "还有演示吗"):
            assert (await v.command("booth.private.send", ref | {"text": text}))["type"] == "ok"
        posted = await s.event("booth.private_posted")
        assert posted["data"]["message"]["text"] == "请问价格？"
        listed = (await inbox(server, staff)).json()
        mine = next(c for c in listed["conversations"] if c["id"] == cid)
        assert mine["unread"] == 2 and mine["state"] == "waiting"
        assert mine["waiting_since"] is not None and mine["last"]["text"] == "还有演示吗"
        unclaimed = await s.command("booth.private.send", ref | {"text": "您好"})
        assert unclaimed["error"]["code"] == "private.not_claimed"
        claimed = await s.command("booth.private.claim", ref)
        assert claimed["data"]["conversation"]["state"] == "claimed"
        answer = await s.command("booth.private.send", ref | {"text": "您好，报价单发您"})
        assert answer["type"] == "ok"
        heard = await v.event("booth.private_posted")
        while heard["data"]["message"]["from_staff"] is not True:
            heard = await v.event("booth.private_posted")
        assert heard["topic"] == f"account:{visitor_id}"
        assert heard["data"]["conversation"]["unread"] == 1
        assert (await s.command("booth.private.read", ref))["data"]["conversation"]["unread"] == 0
        mine = next(
            c for c in (await inbox(server, staff)).json()["conversations"] if c["id"] == cid
        )
        assert mine["unread"] == 0 and mine["waiting_since"] is None
        read = await v.command("booth.private.read", ref)
        assert read["data"]["conversation"]["unread"] == 0
        async with server.http(headers={"Cookie": visitor}) as http:
            theirs = (await http.get("/api/me/conversations")).json()["conversations"]
            page = (await http.get(f"/api/exhibitors/{BOOTH}/conversations/{cid}/messages")).json()
        assert [c["id"] for c in theirs] == [cid]
        assert [m["text"] for m in page["messages"]] == [
            "请问价格？",
            "还有演示吗",
            "您好，报价单发您",
        ]
        closed = await v.command("booth.private.close", ref)
        assert closed["data"]["conversation"]["state"] == "closed"
        late = await v.command("booth.private.send", ref | {"text": "还在吗"})
        assert late["error"]["code"] == "private.closed"
        fresh = await v.command("booth.private.open", {"exhibitor": BOOTH})
        assert fresh["data"]["conversation"]["id"] != cid
    assert (
        await count(server, BoothActivity, BoothActivity.kind == "private_chat")
        == opened_before + 2
    )


async def test_two_staff_claiming_at_once_exactly_one_wins(server: LiveServer):
    _, visitor = await person(server, "抢单访客")
    colleagues = [(await person(server, f"员工{n}", staff_of=BOOTH))[1] for n in range(3)]
    cookies = [await server.sign_in(STAFF_A), *colleagues]
    async with server.connect(visitor) as ws:
        cid = (await Peer(ws).command("booth.private.open", {"exhibitor": BOOTH}))["data"][
            "conversation"
        ]["id"]
    ref = {"exhibitor": BOOTH, "conversation": cid}
    winners = []
    for _ in range(3):  # four staff members at once, three times over
        async with contextlib.AsyncExitStack() as stack:
            peers = [Peer(await stack.enter_async_context(server.connect(c))) for c in cookies]
            replies = await asyncio.gather(*(p.command("booth.private.claim", ref) for p in peers))
            kinds = [r["type"] for r in replies]
            assert kinds.count("ok") == 1, replies
            assert {r["error"]["code"] for r in replies if r["type"] == "error"} == {
                "private.claimed"
            }
            winner = peers[kinds.index("ok")]
            claimer = replies[kinds.index("ok")]["data"]["conversation"]["claimed_by"]["id"]
            winners.append(claimer)
            for other in peers:
                if other is not winner:
                    refused = await other.command("booth.private.send", ref | {"text": "我来答"})
                    assert refused["error"]["code"] == "private.claimed"
            async with server.services.read() as db:
                row = await db.get(Conversation, cid)
                assert row is not None and row.claimed_by == claimer
            assert (await winner.command("booth.private.release", ref))["type"] == "ok"
    async with server.services.read() as db:
        row = await db.get(Conversation, cid)
        assert row is not None and row.claimed_by is None


async def test_object_checks_on_conversations(server: LiveServer):
    visitor_id, visitor = await person(server, "本人")
    _, snoop = await person(server, "别的访客")
    _, other_staff = await person(server, "别家员工", staff_of=OTHER)
    async with server.connect(visitor) as ws:
        cid = (await Peer(ws).command("booth.private.open", {"exhibitor": BOOTH}))["data"][
            "conversation"
        ]["id"]
        await Peer(ws).command(
            "booth.private.send", {"exhibitor": BOOTH, "conversation": cid, "text": "私事"}
        )
    messages_before = await count(server, PrivateMessage)
    for cookie in (snoop, other_staff):
        async with server.connect(cookie) as ws:
            me = Peer(ws)
            for name, extra in (
                ("booth.private.send", {"text": "偷看"}),
                ("booth.private.claim", {}),
                ("booth.private.read", {}),
                ("booth.private.close", {}),
            ):
                here = await me.command(name, {"exhibitor": BOOTH, "conversation": cid, **extra})
                assert here["error"]["code"] == "forbidden", (name, here)
                # Named as a conversation of another booth: there is none there.
                there = await me.command(name, {"exhibitor": OTHER, "conversation": cid, **extra})
                assert there["error"]["code"] in ("private.unknown", "forbidden"), (name, there)
            follow = await me.command("subscribe", {"topic": f"booth-staff:{BOOTH}"})
            assert follow["error"]["code"] == "forbidden"
            theirs = await me.command("subscribe", {"topic": f"account:{visitor_id}"})
            assert theirs["error"]["code"] == "account.not_yours"
        async with server.http(headers={"Cookie": cookie}) as http:
            assert (await http.get(f"/api/exhibitors/{BOOTH}/conversations")).status_code == 403
            page = await http.get(f"/api/exhibitors/{BOOTH}/conversations/{cid}/messages")
            assert page.status_code == 403
            assert (
                await http.get(f"/api/exhibitors/{OTHER}/conversations/{cid}/messages")
            ).status_code in (403, 404)
            assert (await http.get("/api/me/conversations")).json()["conversations"] == []
    # Staff of the other exhibitor on their own booth: the conversation is not theirs → 404.
    async with server.connect(other_staff) as ws:
        wrong = await Peer(ws).command(
            "booth.private.claim", {"exhibitor": OTHER, "conversation": cid}
        )
    assert wrong["error"]["code"] == "private.unknown"
    async with server.http(headers={"Cookie": other_staff}) as http:
        page = await http.get(f"/api/exhibitors/{OTHER}/conversations/{cid}/messages")
        assert page.status_code == 404 and page.json()["error"]["code"] == "private.unknown"
        listed = (await http.get(f"/api/exhibitors/{OTHER}/conversations")).json()["conversations"]
        assert cid not in {c["id"] for c in listed}
    async with server.services.read() as db:
        row = await db.get(Conversation, cid)
        assert row is not None and row.claimed_by is None and row.closed_at is None
        assert row.staff_unread == 1
    assert await count(server, PrivateMessage) == messages_before
    staff = await server.sign_in(STAFF_A)
    async with server.connect(staff) as ws:
        own = await Peer(ws).command("booth.private.open", {"exhibitor": BOOTH})
    assert own["error"]["code"] == "private.own_booth"
