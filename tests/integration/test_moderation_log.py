"""The moderation log over a real server, on SQLite and PostgreSQL: each moderation action
leaves exactly one entry with who, whom or what, and why, written with the action; a refused
action or an author's own deletion leaves none; organisers read it newest first, by room,
moderator and target, paged back by id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from forums.moderation_log import LogPage
from tests.integration.test_qa import ATTENDEE, MODERATOR, register
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

ORGANIZER = "organizer@demo.shubo.live"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def logged(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('log') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url)) as live:
                yield live


async def read_log(
    server: LiveServer, query: str = "", cookie: str | None = None
) -> dict[str, Any]:
    cookie = cookie or await server.sign_in(ORGANIZER)
    async with server.http() as http:
        response = await http.get(f"/api/moderation/log{query}", headers={"Cookie": cookie})
    assert response.status_code == 200, response.text
    page = response.json()
    LogPage.model_validate(page)  # exactly what the OpenAPI document says
    return page  # type: ignore[no-any-return]


async def newest_id(server: LiveServer) -> int:
    entries = (await read_log(server, "?limit=1"))["entries"]
    return entries[0]["id"] if entries else 0


async def entries_since(server: LiveServer, since: int) -> list[dict[str, Any]]:
    return [e for e in (await read_log(server, "?limit=200"))["entries"] if e["id"] > since]


async def only_new(server: LiveServer, since: int) -> dict[str, Any]:
    """The one entry written since `since` (and there is exactly one)."""
    new = await entries_since(server, since)
    assert len(new) == 1, new
    return new[0]


def ok(reply: dict[str, Any]) -> dict[str, Any]:
    assert reply["type"] == "ok", reply
    return reply["data"]  # type: ignore[no-any-return]


async def account_id(server: LiveServer, cookie: str) -> int:
    async with server.http() as http:
        response = await http.get("/api/me", headers={"Cookie": cookie})
    assert response.status_code == 200, response.text
    return int(response.json()["account"]["id"])


async def test_a_moderator_deleting_a_message_logs_it_and_its_author_deleting_does_not(
    logged: LiveServer,
):
    server = logged
    author_id, author = await register(server, "发言者 Speaker-of-words")
    moderator = await server.sign_in(MODERATOR)
    moderator_id = await account_id(server, moderator)
    async with server.connect(author) as a_ws, server.connect(moderator) as m_ws:
        writer, mod = Peer(a_ws), Peer(m_ws)
        first = ok(await writer.command("chat.send", {"forum": 3, "text": "广告 spam"}))
        second = ok(await writer.command("chat.send", {"forum": 3, "text": "打错了 typo"}))
        since = await newest_id(server)
        ok(await writer.command("chat.delete", {"forum": 3, "message": second["message"]["id"]}))
        assert await entries_since(server, since) == []  # one's own words: not moderation
        message = first["message"]["id"]
        reason = " 垃圾\u0000广告\n  spam "
        ok(await mod.command("chat.delete", {"forum": 3, "message": message, "reason": reason}))
        entry = await only_new(server, since)
        # Deleting it again changes nothing and logs nothing.
        ok(await mod.command("chat.delete", {"forum": 3, "message": message}))
        assert len(await entries_since(server, since)) == 1
    assert entry["action"] == "chat.delete"
    assert entry["forum"]["id"] == 3
    assert entry["moderator"] == {"id": moderator_id, "name": entry["moderator"]["name"]}
    assert entry["target"] == {"id": author_id, "name": "发言者 Speaker-of-words"}
    assert entry["subject"] == {"kind": "message", "id": message}
    assert entry["reason"] == "垃圾 广告 spam"  # one line, controls out
    assert entry["details"] == {"text": "广告 spam"}


@pytest.mark.parametrize("kind", ["mute", "ban"])
async def test_a_sanction_and_its_lift_log_one_entry_each(logged: LiveServer, kind: str):
    server = logged
    target_id, _ = await register(server, f"被{kind} Sanctioned")
    moderator = await server.sign_in(MODERATOR)
    moderator_id = await account_id(server, moderator)
    async with server.connect(moderator) as ws:
        mod = Peer(ws)
        since = await newest_id(server)
        data = {"forum": 5, "account": target_id, "duration": 30, "reason": "刷屏 flooding"}
        sanction = ok(await mod.command(f"forum.{kind}", data))["sanction"]
        imposed = await only_new(server, since)
        since = imposed["id"]
        lift = {"forum": 5, "account": target_id, "kind": kind, "reason": "已道歉 apologised"}
        assert len(ok(await mod.command("forum.lift", lift))["lifted"]) == 1
        lifted = await only_new(server, since)
        since = lifted["id"]
        # Lifting what is no longer there lifts nothing and logs nothing.
        assert ok(await mod.command("forum.lift", lift))["lifted"] == []
        assert await entries_since(server, since) == []
    assert imposed["action"] == f"forum.{kind}"
    assert imposed["moderator"]["id"] == moderator_id
    assert imposed["target"] == {"id": target_id, "name": f"被{kind} Sanctioned"}
    assert (imposed["forum"]["id"], imposed["reason"]) == (5, "刷屏 flooding")
    assert imposed["details"] == {"until": sanction["until"], "duration": 30}
    assert lifted["action"] == "forum.lift"
    assert lifted["target"]["id"] == target_id
    assert (lifted["reason"], lifted["details"]) == ("已道歉 apologised", {"kinds": [kind]})


async def test_a_refused_sanction_logs_nothing(logged: LiveServer):
    server = logged
    moderator = await server.sign_in(MODERATOR)
    organizer_id = await account_id(server, await server.sign_in(ORGANIZER))
    async with server.connect(moderator) as ws:
        mod = Peer(ws)
        since = await newest_id(server)
        data = {"forum": 5, "account": organizer_id, "duration": 30, "reason": "no"}
        reply = await mod.command("forum.ban", data)
    assert reply["error"]["code"] == "moderation.staff"
    assert await entries_since(server, since) == []


async def test_hiding_a_question_logs_it_with_its_author(logged: LiveServer):
    server = logged
    asker_id, asker = await register(server, "提问者 Asker")
    moderator = await server.sign_in(MODERATOR)
    async with server.connect(asker) as a_ws, server.connect(moderator) as m_ws:
        question = ok(await Peer(a_ws).command("question.ask", {"forum": 6, "text": "离题?"}))
        qid = question["question"]["id"]
        since = await newest_id(server)
        ok(await Peer(m_ws).command("question.hide", {"question": qid, "reason": "离题 off-topic"}))
    entry = await only_new(server, since)
    assert (entry["action"], entry["forum"]["id"]) == ("question.hide", 6)
    assert entry["target"] == {"id": asker_id, "name": "提问者 Asker"}
    assert entry["subject"] == {"kind": "question", "id": qid}
    assert (entry["reason"], entry["details"]) == ("离题 off-topic", {"text": "离题?"})


async def test_room_settings_and_a_poll_deletion_log_one_entry_each(logged: LiveServer):
    server = logged
    moderator = await server.sign_in(MODERATOR)
    async with server.connect(moderator) as ws:
        mod = Peer(ws)
        since = await newest_id(server)
        slow = {"forum": 7, "seconds": 20, "reason": "太快 too fast"}
        ok(await mod.command("forum.set_slow_mode", slow))
        slowed = await only_new(server, since)
        ok(await mod.command("forum.pin", {"forum": 7, "text": "请文明发言 Be kind"}))
        pinned = await only_new(server, slowed["id"])
        ok(await mod.command("forum.unpin", {"forum": 7}))
        unpinned = await only_new(server, pinned["id"])
        ok(await mod.command("forum.set_pre_moderation", {"forum": 7, "enabled": True}))
        premod = await only_new(server, unpinned["id"])
        ok(await mod.command("forum.set_pre_moderation", {"forum": 7, "enabled": False}))
        since = (await only_new(server, premod["id"]))["id"]
        draft = {"forum": 7, "question": "删掉?", "options": ["是", "否"]}
        poll = ok(await mod.command("poll.create", draft))["poll"]
        assert await entries_since(server, since) == []  # making a poll is no moderation
        ok(await mod.command("poll.delete", {"poll": poll["id"], "reason": "重复 duplicate"}))
        deleted = await only_new(server, since)
    room = {"kind": "room", "id": 7}
    assert (slowed["action"], slowed["subject"], slowed["reason"]) == (
        "forum.set_slow_mode",
        room,
        "太快 too fast",
    )
    assert slowed["details"] == {"seconds": 20, "was": 0}
    assert (pinned["action"], pinned["details"]) == ("forum.pin", {"text": "请文明发言 Be kind"})
    assert (unpinned["action"], unpinned["details"]) == ("forum.unpin", {})
    assert (premod["action"], premod["details"]) == ("forum.set_pre_moderation", {"enabled": True})
    assert deleted["action"] == "poll.delete"
    assert deleted["subject"] == {"kind": "poll", "id": poll["id"]}
    assert deleted["reason"] == "重复 duplicate"
    assert deleted["details"] == {"question": "删掉?", "state": "draft"}


async def test_the_log_filters_by_room_moderator_and_target_and_pages_back(logged: LiveServer):
    server = logged
    moderator = await server.sign_in(MODERATOR)
    moderator_id = await account_id(server, moderator)
    target_id, _ = await register(server, "翻页 Pager")
    async with server.connect(moderator) as ws:
        mod = Peer(ws)
        for forum in (8, 9, 8):
            data = {"forum": forum, "account": target_id, "duration": 5, "reason": f"在{forum}"}
            ok(await mod.command("forum.mute", data))
    about = await read_log(server, f"?target={target_id}")
    assert [(e["forum"]["id"], e["reason"]) for e in about["entries"]] == [
        (8, "在8"),
        (9, "在9"),
        (8, "在8"),
    ]
    in_eight = await read_log(server, f"?target={target_id}&forum=8")
    assert [e["forum"]["id"] for e in in_eight["entries"]] == [8, 8]
    by_them = await read_log(server, f"?moderator={moderator_id}&target={target_id}")
    assert by_them["entries"] == about["entries"]
    first = await read_log(server, f"?target={target_id}&limit=2")
    assert first["entries"] == about["entries"][:2]
    assert first["next_before"] == about["entries"][1]["id"]
    rest = await read_log(server, f"?target={target_id}&limit=2&before={first['next_before']}")
    assert (rest["entries"], rest["next_before"]) == (about["entries"][2:], None)


@pytest.mark.parametrize("who", [MODERATOR, ATTENDEE, None])
async def test_only_organisers_read_the_log(logged: LiveServer, who: str | None):
    cookie = await logged.sign_in(who) if who else None
    async with logged.http() as http:
        response = await http.get("/api/moderation/log", headers={"Cookie": cookie or ""})
    expected = ("forbidden", 403) if who else ("unauthorized", 401)
    assert (response.json()["error"]["code"], response.status_code) == expected
