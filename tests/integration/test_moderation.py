"""Room moderation and the expo's announcements over real websockets: each command, and each of
its refusals, as a client sees them; and slow mode and sanctions holding across two processes."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack
from datetime import datetime, timedelta

import httpx
import pytest

from expo.errors import Unavailable
from tests.cluster import Process
from tests.cluster import sign_in as cluster_sign_in
from tests.live import LiveServer, Peer

MODERATOR = "moderator@demo.shubo.live"
ORGANIZER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"
PASSWORD = "云上贵州-数据之都-2026"


async def newcomer(server: LiveServer, name: str = "新观众 Newcomer") -> tuple[int, str]:
    """A fresh attendee (so tests do not share sanctions): its account id and cookie."""
    body = {"email": f"m-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD}
    async with server.http() as http:
        response = await http.post("/api/accounts", json=body | {"display_name": name})
    assert response.status_code == 201, response.text
    return response.json()["account"]["id"], f"expo_session={response.cookies['expo_session']}"


class Room:
    """Open sockets, signed in as given, closed together at the end."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.stack = AsyncExitStack()

    async def __aenter__(self) -> Room:
        await self.stack.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stack.__aexit__(*exc)

    async def peer(self, cookie: str | None = None, *topics: str) -> Peer:
        peer = Peer(await self.stack.enter_async_context(self.server.connect(cookie)))
        for topic in topics:
            assert (await peer.command("subscribe", {"topic": topic}))["type"] == "ok"
        return peer


def error_of(reply: dict) -> str:
    assert reply["type"] == "error", reply
    return reply["error"]["code"]


async def history(server: LiveServer, forum: int) -> list[dict]:
    async with server.http() as http:
        return (await http.get(f"/api/forums/{forum}/chat?limit=200")).json()["messages"]


# --- deleting chat messages ------------------------------------------------------------------


async def test_an_author_deletes_their_own_message_and_the_room_drops_it(server: LiveServer):
    _, cookie = await newcomer(server)
    async with Room(server) as room:
        author = await room.peer(cookie)
        reader = await room.peer(None, "forum:4")
        sent = await author.command("chat.send", {"forum": 4, "text": "打错字了 typo"})
        message = sent["data"]["message"]
        reply = await author.command("chat.delete", {"forum": 4, "message": message["id"]})
        await reader.event("chat.message_posted")
        deleted = await reader.event("chat.message_deleted")
    assert reply == {"type": "ok", "id": "t2", "data": {"id": message["id"], "seq": deleted["seq"]}}
    assert deleted == {
        "type": "chat.message_deleted",
        "topic": "forum:4",
        "seq": deleted["seq"],
        "data": {"id": message["id"]},
    }
    assert message["id"] not in [m["id"] for m in await history(server, 4)]


async def test_an_attendee_cannot_delete_someone_elses_message(server: LiveServer):
    _, author_cookie = await newcomer(server, "作者 Author")
    _, other_cookie = await newcomer(server, "路人 Passer-by")
    async with Room(server) as room:
        author, other = await room.peer(author_cookie), await room.peer(other_cookie)
        message = (await author.command("chat.send", {"forum": 4, "text": "我的话"}))["data"]
        reply = await other.command(
            "chat.delete", {"forum": 4, "message": message["message"]["id"]}
        )
    assert reply == {
        "type": "error",
        "id": "t1",
        "error": {
            "code": "chat.not_author",
            "message": "Only its author or a moderator may delete it.",
        },
    }
    assert message["message"] in await history(server, 4)


async def test_a_moderator_deletes_anyones_message(server: LiveServer):
    _, cookie = await newcomer(server)
    async with Room(server) as room:
        author = await room.peer(cookie, "forum:4")
        moderator = await room.peer(await server.sign_in(MODERATOR))
        message = (await author.command("chat.send", {"forum": 4, "text": "广告 spam"}))["data"]
        message_id = message["message"]["id"]
        reply = await moderator.command("chat.delete", {"forum": 4, "message": message_id})
        seen_by_author = await author.event("chat.message_deleted")
    assert reply["type"] == "ok"
    assert seen_by_author["data"] == {"id": message_id}
    assert message_id not in [m["id"] for m in await history(server, 4)]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"forum": 4, "message": 2**31 - 1}, "chat.unknown_message"),
        ({"forum": 4, "message": 0}, "bad_request"),
        ({"forum": 999, "message": 1}, "chat.unknown_message"),
    ],
)
async def test_deleting_what_is_not_there_is_refused(server: LiveServer, data, code):
    async with Room(server) as room:
        moderator = await room.peer(await server.sign_in(MODERATOR))
        assert error_of(await moderator.command("chat.delete", data)) == code


async def test_deleting_a_message_in_another_room_is_refused(server: LiveServer):
    _, cookie = await newcomer(server)
    async with Room(server) as room:
        author = await room.peer(cookie)
        message = (await author.command("chat.send", {"forum": 4, "text": "在四号厅"}))["data"]
        reply = await author.command(
            "chat.delete", {"forum": 5, "message": message["message"]["id"]}
        )
    assert error_of(reply) == "chat.unknown_message"


# --- who may moderate ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("forum.mute", {"forum": 5, "account": 2, "duration": 5}),
        ("forum.ban", {"forum": 5, "account": 2, "duration": "day"}),
        ("forum.lift", {"forum": 5, "account": 2}),
        ("forum.list_sanctions", {"forum": 5}),
        ("forum.set_slow_mode", {"forum": 5, "seconds": 30}),
        ("forum.pin", {"forum": 5, "text": "我来置顶"}),
        ("forum.unpin", {"forum": 5}),
    ],
)
async def test_an_attendee_cannot_moderate(server: LiveServer, kind, data):
    async with Room(server) as room:
        attendee = await room.peer(await server.sign_in(ATTENDEE))
        reply = await attendee.command(kind, data)
    assert reply["error"] == {
        "code": "forbidden",
        "message": f"An attendee may not do {kind!r}.",
    }


async def test_moderators_and_organisers_cannot_be_sanctioned(server: LiveServer):
    async with Room(server) as room:
        moderator = await room.peer(await server.sign_in(MODERATOR))
        me = (await moderator.command("forum.list_sanctions", {"forum": 5}))["type"]
        organiser = await moderator.command("forum.ban", {"forum": 5, "account": 5, "duration": 5})
        itself = await moderator.command("forum.mute", {"forum": 5, "account": 4, "duration": 5})
        nobody = await moderator.command(
            "forum.mute", {"forum": 5, "account": 2**31 - 1, "duration": 5}
        )
    assert me == "ok"
    assert error_of(organiser) == "moderation.staff"
    assert error_of(itself) == "moderation.self"
    assert error_of(nobody) == "account.unknown"


@pytest.mark.parametrize(
    "duration", [0, -5, 7 * 24 * 60 + 1, "week", "5", 1.5, None], ids=lambda d: repr(d)
)
async def test_a_sanction_lasts_minutes_or_the_rest_of_the_day(server: LiveServer, duration):
    async with Room(server) as room:
        moderator = await room.peer(await server.sign_in(MODERATOR))
        reply = await moderator.command(
            "forum.mute", {"forum": 5, "account": 1, "duration": duration}
        )
    assert error_of(reply) == "bad_request"
    assert reply["error"]["details"][0]["field"].startswith("duration")


# --- muting ----------------------------------------------------------------------------------


async def test_a_muted_attendee_watches_but_cannot_chat_until_lifted(server: LiveServer):
    account, cookie = await newcomer(server, "吵闹 Noisy")
    async with Room(server) as room:
        muted = await room.peer(cookie, "forum:5", f"account:{account}")
        moderator = await room.peer(await server.sign_in(MODERATOR))
        imposed = await moderator.command(
            "forum.mute", {"forum": 5, "account": account, "duration": 5, "reason": "刷屏"}
        )
        notice = await muted.event("moderation.sanction_imposed")
        refused = await muted.command("chat.send", {"forum": 5, "text": "我还能说话吗"})
        listed = await moderator.command("forum.list_sanctions", {"forum": 5})
        # Still watching: what others post reaches them.
        await moderator.command("chat.send", {"forum": 5, "text": "请文明发言"})
        posted = await muted.event("chat.message_posted")
        lifted = await moderator.command("forum.lift", {"forum": 5, "account": account})
        lifted_notice = await muted.event("moderation.sanction_lifted")
        after = await muted.command("chat.send", {"forum": 5, "text": "谢谢"})
    sanction = imposed["data"]["sanction"]
    until = datetime.fromisoformat(sanction["until"])
    created = datetime.fromisoformat(sanction["created_at"])
    assert until - created == timedelta(minutes=5)
    assert sanction | {"until": "", "created_at": "", "id": 0} == {
        "id": 0,
        "forum_id": 5,
        "account": {"id": account, "name": "吵闹 Noisy"},
        "kind": "mute",
        "until": "",
        "reason": "刷屏",
        "created_at": "",
        "lifted_at": None,
    }
    assert notice["topic"] == f"account:{account}"
    assert notice["data"] == {
        "forum_id": 5,
        "kind": "mute",
        "until": sanction["until"],
        "reason": "刷屏",
        "lifted": False,
        "version": 2 * sanction["id"],  # its lift's notice is one higher
    }
    assert refused["error"] == {
        "code": "chat.muted",
        "message": f"A moderator muted you in this room until {sanction['until']}.",
        "details": {"until": sanction["until"]},
    }
    assert sanction in listed["data"]["sanctions"]
    assert posted["data"]["text"] == "请文明发言"
    assert [s["id"] for s in lifted["data"]["lifted"]] == [sanction["id"]]
    assert lifted["data"]["lifted"][0]["lifted_at"] is not None
    assert lifted_notice["data"]["lifted"] is True
    assert lifted_notice["data"]["version"] == 2 * sanction["id"] + 1
    assert after["type"] == "ok"


async def test_anyone_signed_in_learns_their_own_standing(server: LiveServer):
    account, cookie = await newcomer(server)
    async with Room(server) as room:
        moderator = await room.peer(await server.sign_in(MODERATOR))
        me = await room.peer(cookie)
        free = await me.command("forum.standing", {"forum": 5})
        muted = await moderator.command(
            "forum.mute", {"forum": 5, "account": account, "duration": 5}
        )
        banned = await moderator.command(
            "forum.ban", {"forum": 5, "account": account, "duration": 1}
        )
        both = await me.command("forum.standing", {"forum": 5})
        await moderator.command("forum.lift", {"forum": 5, "account": account})
        anonymous = await (await room.peer()).command("forum.standing", {"forum": 5})
    assert free["data"] == {"muted_until": None, "banned_until": None}
    assert both["data"] == {
        "muted_until": muted["data"]["sanction"]["until"],  # the longer of the two
        "banned_until": banned["data"]["sanction"]["until"],
    }
    assert error_of(anonymous) == "unauthorized"


async def test_a_mute_in_one_room_leaves_the_others_alone(server: LiveServer):
    account, cookie = await newcomer(server)
    async with Room(server) as room:
        moderator = await room.peer(await server.sign_in(MODERATOR))
        await moderator.command("forum.mute", {"forum": 5, "account": account, "duration": 60})
        attendee = await room.peer(cookie)
        here = await attendee.command("chat.send", {"forum": 5, "text": "五号厅"})
        there = await attendee.command("chat.send", {"forum": 6, "text": "六号厅"})
        await moderator.command("forum.lift", {"forum": 5, "account": account, "kind": "mute"})
    assert error_of(here) == "chat.muted"
    assert there["type"] == "ok"


async def test_a_new_mute_replaces_the_last_one(server: LiveServer):
    account, _ = await newcomer(server)
    async with Room(server) as room:
        moderator = await room.peer(await server.sign_in(MODERATOR))
        await moderator.command("forum.mute", {"forum": 5, "account": account, "duration": 60})
        await moderator.command("forum.mute", {"forum": 5, "account": account, "duration": 5})
        listed = await moderator.command("forum.list_sanctions", {"forum": 5})
        lifted = await moderator.command("forum.lift", {"forum": 5, "account": account})
        again = await moderator.command("forum.lift", {"forum": 5, "account": account})
    mine = [s for s in listed["data"]["sanctions"] if s["account"]["id"] == account]
    assert len(mine) == 1
    until, created = (datetime.fromisoformat(mine[0][k]) for k in ("until", "created_at"))
    assert until - created == timedelta(minutes=5)
    assert len(lifted["data"]["lifted"]) == 1
    assert again["data"] == {"lifted": []}


# --- banning ---------------------------------------------------------------------------------


async def test_a_banned_attendee_is_evicted_and_cannot_come_back_until_lifted(server: LiveServer):
    account, cookie = await newcomer(server, "捣乱 Troll")
    async with Room(server) as room:
        banned = await room.peer(cookie, "forum:6", f"account:{account}")
        second_tab = await room.peer(cookie, "forum:6")
        moderator = await room.peer(await server.sign_in(MODERATOR), "forum:6")
        reply = await moderator.command(
            "forum.ban", {"forum": 6, "account": account, "duration": "day"}
        )
        ended = await banned.event("subscription.ended")
        ended_too = await second_tab.event("subscription.ended")
        notice = await banned.event("moderation.sanction_imposed")
        # Off the room: what is said there no longer reaches them.
        await moderator.command("chat.send", {"forum": 6, "text": "已处理"})
        again = await banned.command("subscribe", {"topic": "forum:6"})
        chat = await banned.command("chat.send", {"forum": 6, "text": "我又来了"})
        elsewhere = await banned.command("subscribe", {"topic": "forum:7"})
        await moderator.command("forum.lift", {"forum": 6, "account": account, "kind": "ban"})
        back = await banned.command("subscribe", {"topic": "forum:6"})
    until = reply["data"]["sanction"]["until"]
    assert reply["data"]["sanction"]["kind"] == "ban"
    assert (
        ended
        == ended_too
        == {
            "type": "subscription.ended",
            "topic": "forum:6",
            "data": {"reason": "forum.banned"},
        }
    )
    assert notice["data"]["kind"] == "ban"
    assert [e for e in banned.events if e["type"] == "chat.message_posted"] == []
    assert again["error"] == {
        "code": "forum.banned",
        "message": f"A moderator banned you from this room until {until}.",
        "details": {"until": until},
    }
    assert error_of(chat) == "forum.banned"
    assert elsewhere["type"] == "ok"
    assert back["type"] == "ok"


async def watching(peer: Peer, count: int) -> None:
    """Wait until `peer`'s room reports `count` watching (presence is pushed at an interval)."""
    async with asyncio.timeout(10):
        while (await peer.event("presence.changed"))["data"]["count"] != count:
            pass


async def test_a_lifted_ban_lets_every_open_tab_back_into_the_room(server: LiveServer):
    """Issue 9: what a page needs to get back in when the ban is lifted. A tab the ban evicted
    and one refused the room during the ban (opened or reconnected meanwhile) both learn of the
    lift on `account:<id>`, which every signed-in page follows; subscribing again then counts
    them as watching, the evicted tab resumes with its seq and epoch and is replayed what was
    said meanwhile, and both receive what is said after."""
    account, cookie = await newcomer(server, "解封 Lifted")
    async with Room(server) as room:
        watcher = await room.peer(None, "forum:6")
        evicted = await room.peer(cookie, f"account:{account}")
        joined = await evicted.command("subscribe", {"topic": "forum:6"})
        moderator = await room.peer(await server.sign_in(MODERATOR))
        await moderator.command("forum.ban", {"forum": 6, "account": account, "duration": "day"})
        await evicted.event("subscription.ended")
        late = await room.peer(cookie, f"account:{account}")
        refused = await late.command("subscribe", {"topic": "forum:6"})
        await watching(watcher, 1)
        meanwhile = await moderator.command("chat.send", {"forum": 6, "text": "封禁期间"})

        await moderator.command("forum.lift", {"forum": 6, "account": account, "kind": "ban"})
        lifted = [await tab.event("moderation.sanction_lifted") for tab in (evicted, late)]
        resumed = await evicted.command(
            "subscribe",
            {"topic": "forum:6", "since": joined["data"]["seq"], "epoch": joined["data"]["epoch"]},
        )
        fresh = await late.command("subscribe", {"topic": "forum:6"})
        await watching(watcher, 3)
        after = await moderator.command("chat.send", {"forum": 6, "text": "欢迎回来"})
        received = [await tab.event("chat.message_posted") for tab in (evicted, late)]
        received.append(await evicted.event("chat.message_posted"))
    assert error_of(refused) == "forum.banned"
    for notice in lifted:
        assert notice["topic"] == f"account:{account}"
        assert notice["data"] | {"until": None, "reason": None, "version": None} == {
            "forum_id": 6,
            "kind": "ban",
            "until": None,
            "reason": None,
            "lifted": True,
            "version": None,
        }
    assert resumed["type"] == fresh["type"] == "ok"
    assert (resumed["data"]["replayed"], resumed["data"]["reload"]) == (1, False)
    assert fresh["data"]["reload"] is False
    said_meanwhile = meanwhile["data"]["message"]["id"]
    said_after = after["data"]["message"]["id"]
    assert [e["data"]["id"] for e in received] == [said_meanwhile, said_after, said_after]


async def test_a_ban_leaves_the_room_to_everyone_else(server: LiveServer):
    account, cookie = await newcomer(server)
    async with Room(server) as room:
        other = await room.peer(await server.sign_in(ATTENDEE), "forum:6")
        await room.peer(cookie, "forum:6")
        moderator = await room.peer(await server.sign_in(MODERATOR))
        await moderator.command("forum.ban", {"forum": 6, "account": account, "duration": 5})
        await moderator.command("chat.send", {"forum": 6, "text": "继续"})
        posted = await other.event("chat.message_posted")
        await moderator.command("forum.lift", {"forum": 6, "account": account})
    assert posted["data"]["text"] == "继续"
    assert [e for e in other.events if e["type"] == "subscription.ended"] == []


# --- slow mode -------------------------------------------------------------------------------


async def test_slow_mode_refuses_the_second_message_and_accepts_after_the_wait(server: LiveServer):
    _, cookie = await newcomer(server)
    async with Room(server) as room:
        watcher = await room.peer(None, "forum:7")
        moderator = await room.peer(await server.sign_in(MODERATOR))
        attendee = await room.peer(cookie)
        reply = await moderator.command("forum.set_slow_mode", {"forum": 7, "seconds": 2})
        changed = await watcher.event("moderation.slow_mode_changed")
        first = await attendee.command("chat.send", {"forum": 7, "text": "一"})
        second = await attendee.command("chat.send", {"forum": 7, "text": "二"})
        # Moderators are exempt.
        staff = [await moderator.command("chat.send", {"forum": 7, "text": t}) for t in "甲乙"]
        async with server.http() as http:
            room_now = (await http.get("/api/forums/7")).json()
        # The point is time passing: slow mode lets the next message in after retry_after.
        await asyncio.sleep(second["error"]["retry_after"])
        third = await attendee.command("chat.send", {"forum": 7, "text": "三"})
        await moderator.command("forum.set_slow_mode", {"forum": 7, "seconds": 0})
        off = await watcher.event("moderation.slow_mode_changed")
        fourth = await attendee.command("chat.send", {"forum": 7, "text": "四"})
    assert reply["data"] == {"seconds": 2, "seq": changed["seq"]}
    assert changed["data"] == {"forum_id": 7, "seconds": 2, "version": changed["data"]["version"]}
    assert off["data"]["version"] > changed["data"]["version"]  # each change bumps the room's
    assert first["type"] == "ok"
    error = second["error"]
    assert error["code"] == "chat.slow_mode"
    assert 0 < error["retry_after"] <= 2
    assert error["details"] == {"seconds": 2}
    assert [r["type"] for r in staff] == ["ok", "ok"]
    assert room_now["slow_mode_seconds"] == 2
    assert third["type"] == "ok"
    assert off["data"] == {"forum_id": 7, "seconds": 0, "version": off["data"]["version"]}
    assert fourth["type"] == "ok"


@pytest.mark.parametrize("seconds", [-1, 3601, "10", 1.5])
async def test_slow_mode_takes_whole_seconds_up_to_an_hour(server: LiveServer, seconds):
    async with Room(server) as room:
        moderator = await room.peer(await server.sign_in(MODERATOR))
        reply = await moderator.command("forum.set_slow_mode", {"forum": 7, "seconds": seconds})
    assert error_of(reply) == "bad_request"


# --- the pinned announcement -----------------------------------------------------------------


async def test_a_pinned_announcement_reaches_the_room_and_its_page(server: LiveServer):
    async with Room(server) as room:
        watcher = await room.peer(None, "forum:8")
        organiser = await room.peer(await server.sign_in(ORGANIZER))
        reply = await organiser.command("forum.pin", {"forum": 8, "text": "  下午 2 点继续 <b> \n"})
        pinned = await watcher.event("moderation.announcement_changed")
        async with server.http() as http:
            shown = (await http.get("/api/forums/8")).json()["announcement"]
            listed = (await http.get("/api/forums")).json()["forums"]
        empty = await organiser.command("forum.pin", {"forum": 8, "text": " \u200b "})
        await organiser.command("forum.unpin", {"forum": 8})
        cleared = await watcher.event("moderation.announcement_changed")
        async with server.http() as http:
            gone = (await http.get("/api/forums/8")).json()["announcement"]
    announcement = reply["data"]["announcement"]
    assert announcement["text"] == "下午 2 点继续 <b>"
    assert pinned["data"] == {
        "forum_id": 8,
        "announcement": announcement,
        "version": pinned["data"]["version"],
    }
    assert cleared["data"]["version"] > pinned["data"]["version"]
    assert shown == announcement
    assert [f["announcement"] for f in listed if f["id"] == 8] == [announcement]
    assert error_of(empty) == "announcement.empty"
    assert cleared["data"] == {
        "forum_id": 8,
        "announcement": None,
        "version": cleared["data"]["version"],
    }
    assert gone is None


# --- the expo's announcements ----------------------------------------------------------------


async def test_an_organiser_announces_to_every_page(server: LiveServer):
    body = {"text_zh": "开幕式 10:00 开始", "text_en": "The opening starts at 10:00"}
    async with Room(server) as room:
        anyone = await room.peer(None, "expo:announcements")
        async with server.http(headers={"Cookie": await server.sign_in(ORGANIZER)}) as http:
            created = await http.post("/api/announcements", json=body)
        event = await anyone.event("announcement.published")
    async with server.http() as http:
        latest = (await http.get("/api/announcements?limit=1")).json()
    announcement = created.json()["announcement"]
    assert created.status_code == 201
    assert announcement["text"] == {"zh": "开幕式 10:00 开始", "en": "The opening starts at 10:00"}
    assert event["topic"] == "expo:announcements" and event["data"] == announcement
    assert latest == {
        "announcements": [announcement],
        "topic": "expo:announcements",
        "now": latest["now"],
    }
    assert (announcement["starts_at"], announcement["ends_at"]) == (
        announcement["created_at"],
        None,
    )
    assert (announcement["withdrawn_at"], announcement["version"]) == (None, 1)


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        (None, {"text_zh": "你好"}, 401, "unauthorized"),
        (ATTENDEE, {"text_zh": "你好"}, 403, "forbidden"),
        (MODERATOR, {"text_en": "Hello"}, 403, "forbidden"),
        (ORGANIZER, {"text_zh": " ", "text_en": ""}, 400, "announcement.empty"),
        (ORGANIZER, {"text_zh": "数" * 501}, 400, "announcement.too_long"),
        (ORGANIZER, {"text": "hi"}, 400, "bad_request"),
    ],
)
async def test_only_organisers_announce_and_only_something(server, who, body, status, code):
    headers = {"Cookie": await server.sign_in(who)} if who else {}
    async with server.http(headers=headers) as http:
        response = await http.post("/api/announcements", json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


async def test_only_the_announcements_topic_exists_under_expo(server: LiveServer):
    async with Room(server) as room:
        anyone = await room.peer()
        reply = await anyone.command("subscribe", {"topic": "expo:secrets"})
    assert error_of(reply) == "expo.unknown"


# --- two processes: slow mode and sanctions agree ----------------------------------------------


async def newcomer_on(process: Process, name: str) -> tuple[int, str]:
    body = {"email": f"c-{uuid.uuid4().hex[:10]}@example.com", "password": PASSWORD}
    async with httpx.AsyncClient(base_url=process.base) as http:
        response = await http.post("/api/accounts", json=body | {"display_name": name})
    assert response.status_code == 201, response.text
    return response.json()["account"]["id"], f"expo_session={response.cookies['expo_session']}"


async def test_slow_mode_holds_across_processes(two_processes):
    a, b = two_processes
    _, cookie = await newcomer_on(a, "两地 Twice")
    moderator_cookie = await cluster_sign_in(b, MODERATOR)
    async with a.connect(cookie) as on_a_ws, b.connect(cookie) as on_b_ws:
        async with b.connect(moderator_cookie) as moderator_ws:
            moderator = Peer(moderator_ws)
            await moderator.command("forum.set_slow_mode", {"forum": 3, "seconds": 60})
            on_a, on_b = Peer(on_a_ws), Peer(on_b_ws)
            first = await on_a.command("chat.send", {"forum": 3, "text": "在 A 上"})
            second = await on_b.command("chat.send", {"forum": 3, "text": "在 B 上"})
            await moderator.command("forum.set_slow_mode", {"forum": 3, "seconds": 0})
            third = await on_b.command("chat.send", {"forum": 3, "text": "关了以后"})
    assert first["type"] == "ok"
    assert second["error"]["code"] == "chat.slow_mode"
    assert 55 < second["error"]["retry_after"] <= 60
    assert third["type"] == "ok"


async def test_a_ban_on_one_process_evicts_and_refuses_on_the_other(two_processes):
    a, b = two_processes
    account, cookie = await newcomer_on(a, "远端 Remote")
    moderator_cookie = await cluster_sign_in(a, MODERATOR)
    async with b.connect(cookie) as on_b_ws, a.connect(cookie) as on_a_ws:
        on_b, on_a = Peer(on_b_ws), Peer(on_a_ws)
        for peer in (on_a, on_b):
            assert (await peer.command("subscribe", {"topic": "forum:4"}))["type"] == "ok"
        async with a.connect(moderator_cookie) as moderator_ws:
            moderator = Peer(moderator_ws)
            await moderator.command("forum.ban", {"forum": 4, "account": account, "duration": 60})
            ended_b = await on_b.event("subscription.ended")
            ended_a = await on_a.event("subscription.ended")
            listed = await moderator.command("forum.list_sanctions", {"forum": 4})
            again_b = await on_b.command("subscribe", {"topic": "forum:4"})
            chat_b = await on_b.command("chat.send", {"forum": 4, "text": "换个进程试试"})
            await moderator.command("forum.lift", {"forum": 4, "account": account, "kind": "ban"})
            await moderator.command("forum.mute", {"forum": 4, "account": account, "duration": 5})
            back_b = await on_b.command("subscribe", {"topic": "forum:4"})
            muted_b = await on_b.command("chat.send", {"forum": 4, "text": "我回来了"})
            await moderator.command("forum.lift", {"forum": 4, "account": account})
            free_b = await on_b.command("chat.send", {"forum": 4, "text": "谢谢"})
    assert ended_a["data"] == ended_b["data"] == {"reason": "forum.banned"}
    assert ended_b["topic"] == "forum:4"
    assert [s["account"]["id"] for s in listed["data"]["sanctions"]] == [account]
    assert error_of(again_b) == "forum.banned"
    assert error_of(chat_b) == "forum.banned"
    assert back_b["type"] == "ok"
    assert error_of(muted_b) == "chat.muted"
    assert free_b["type"] == "ok"


async def test_a_sanctions_reason_is_stored_as_one_clean_line(server: LiveServer):
    """No NUL (PostgreSQL refuses it: the mute would fail `internal`), no bidi overrides or
    other control characters reach the staff's and the person's pages."""
    account, _ = await newcomer(server)
    async with Room(server) as room:
        moderator = await room.peer(await server.sign_in(MODERATOR))
        reply = await moderator.command(
            "forum.mute",
            {"forum": 5, "account": account, "duration": 1, "reason": " 刷屏\x00\u202e\n广告\t "},
        )
        await moderator.command("forum.lift", {"forum": 5, "account": account})
    assert reply["data"]["sanction"]["reason"] == "刷屏 广告"


async def test_an_announcement_the_broker_refused_stands_and_is_listed_once(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    """Stored, so made: a 201, listed once, and announced by a retry (no 503 inviting a
    second post of the same text)."""
    hub = server.services.hub

    async def broker_down(topic: str, kind: str, data: object) -> object:
        raise Unavailable(message="The event broker cannot be reached.")

    body = {"text_zh": "broker 故障时的通知", "text_en": "Sent while the broker is down"}
    async with server.http(headers={"Cookie": await server.sign_in(ORGANIZER)}) as http:
        monkeypatch.setattr(hub, "publish", broker_down)
        refused = await http.post("/api/announcements", json=body)
        monkeypatch.undo()
        latest = (await http.get("/api/announcements?limit=20")).json()["announcements"]
    assert refused.status_code == 201, refused.text
    assert [a["text"]["en"] for a in latest].count(body["text_en"]) == 1


async def test_a_lift_the_broker_could_not_announce_is_made_all_the_same(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    """Answering `unavailable` would invite a retry that lifts nothing and tells nobody."""
    account, _ = await newcomer(server)
    hub = server.services.hub
    publish = hub.publish

    async def broker_down(topic: str, kind: str, data: object) -> object:
        raise Unavailable(message="The event broker cannot be reached.")

    async with Room(server) as room:
        moderator = await room.peer(await server.sign_in(MODERATOR))
        await moderator.command("forum.mute", {"forum": 5, "account": account, "duration": 5})
        monkeypatch.setattr(hub, "publish", broker_down)
        lifted = await moderator.command("forum.lift", {"forum": 5, "account": account})
        monkeypatch.setattr(hub, "publish", publish)
        left = await moderator.command("forum.list_sanctions", {"forum": 5})
    assert lifted["type"] == "ok", lifted
    assert [s["kind"] for s in lifted["data"]["lifted"]] == ["mute"]
    assert [s for s in left["data"]["sanctions"] if s["account"]["id"] == account] == []
