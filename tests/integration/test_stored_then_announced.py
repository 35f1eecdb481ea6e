"""One policy for "stored, but the broker failed" (expo/realtime/announce.py), feature by
feature: a broker that fails the next publish leaves the write made and answered as made, and
the event reaches the room all the same (retried); a broker that cannot be reached before the
write refuses it with `unavailable` and nothing is stored.

The broker is the server's real in-process one, wrapped so that it fails at one exact call (a
real broker cannot be made to fail there).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from expo.realtime.broker import Broker, BrokerTimeout, BrokerUnavailable, Event
from forums.qa_coalescer import MAX_FAILURES
from tests.integration.test_agenda import DAY, add_session
from tests.integration.test_qa import MODERATOR, SPEAKER, register
from tests.live import LiveServer, Peer
from tests.waiting import eventually

ORGANIZER = "organizer@demo.shubo.live"


class FailingBroker:
    """The real broker, except that the first publish of each event type in `fail` fails
    (and, with `down`, every ping and publish: the broker cannot be reached at all); likewise
    the first control message of each kind in `fail_control`."""

    def __init__(self, broker: Broker) -> None:
        self.inner = broker
        self.fail: list[str] = []
        self.fail_control: list[str] = []
        self.down = False
        self.failed: list[str] = []  # event types refused, in order
        self.announced: list[str] = []  # control kinds taken, in order

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def ping(self) -> None:
        if self.down:
            raise BrokerUnavailable("redis: connection refused")
        await self.inner.ping()

    async def publish(self, topic: str, event_type: str, data: Any) -> Event:
        if self.down or event_type in self.fail:
            if event_type in self.fail:
                self.fail.remove(event_type)
            self.failed.append(event_type)
            # A timeout now and then: it "may be out", and is retried all the same.
            if len(self.failed) % 2:
                raise BrokerUnavailable("redis: connection reset")
            raise BrokerTimeout("redis: timed out")
        return await self.inner.publish(topic, event_type, data)

    async def announce(self, message: bytes) -> None:
        kind = json.loads(message)["kind"]
        if kind in self.fail_control:
            self.fail_control.remove(kind)
            self.failed.append(kind)
            raise BrokerUnavailable("redis: connection reset")
        await self.inner.announce(message)
        self.announced.append(kind)


@pytest.fixture
async def broker(server: LiveServer) -> AsyncIterator[FailingBroker]:
    hub = server.services.hub
    failing = FailingBroker(hub.broker)
    hub.broker = failing
    yield failing
    async with asyncio.timeout(10):  # every retry done: nothing left for the next test
        while hub.announcer.waiting():
            await asyncio.sleep(0.01)
    hub.broker = failing.inner


async def watch(server: LiveServer, topic: str, cookie: str | None = None) -> Any:
    ws = await server.connect(cookie).__aenter__()
    peer = Peer(ws)
    assert (await peer.command("subscribe", {"topic": topic}))["type"] == "ok"
    return peer


async def test_a_chat_message_stands_and_reaches_the_room_when_the_broker_fails_it(
    server: LiveServer, broker: FailingBroker
):
    _, cookie = await register(server, "说话的人")
    room = await watch(server, "forum:3")
    async with server.connect(cookie) as ws:
        broker.fail = ["chat.message_posted"]
        sent = await Peer(ws).command("chat.send", {"forum": 3, "text": "重试送达"})
    posted = await room.event("chat.message_posted")
    await room.ws.close()
    assert sent["type"] == "ok", sent
    assert sent["data"]["seq"] is None  # announced later, by the retry
    assert posted["data"] == sent["data"]["message"]
    assert broker.failed == ["chat.message_posted"]
    async with server.http() as http:
        texts = [m["text"] for m in (await http.get("/api/forums/3/chat")).json()["messages"]]
    assert texts.count("重试送达") == 1


async def test_a_question_and_a_move_stand_and_reach_the_room_when_the_broker_fails_them(
    server: LiveServer, broker: FailingBroker
):
    _, cookie = await register(server, "提问的人")
    room = await watch(server, "forum:4")
    backstage = await watch(server, "backstage:4", await server.sign_in(MODERATOR))
    async with (
        server.connect(cookie) as ws,
        server.connect(await server.sign_in(MODERATOR)) as mod_ws,
    ):
        broker.fail = ["question.asked"]  # the room's, the first; the backstage's goes out
        asked = await Peer(ws).command("question.ask", {"forum": 4, "text": "断线时的问题"})
        qid = asked["data"]["question"]["id"]
        broker.fail = ["question.removed", "question.updated"]  # both of the hide's events
        hidden = await Peer(mod_ws).command("question.hide", {"question": qid})
    # In order on each topic: the ask before the hide.
    assert (await room.event("question.asked"))["data"]["id"] == qid
    assert (await room.event("question.removed"))["data"]["id"] == qid
    assert (await backstage.event("question.asked"))["data"]["id"] == qid
    updated = await backstage.event("question.updated")
    await room.ws.close()
    await backstage.ws.close()
    assert (asked["type"], hidden["type"]) == ("ok", "ok"), (asked, hidden)
    assert updated["data"]["state"] == "hidden"
    assert sorted(broker.failed) == ["question.asked", "question.removed", "question.updated"]


async def test_poll_moves_stand_and_reach_the_room_when_the_broker_fails_them(
    server: LiveServer, broker: FailingBroker
):
    room = await watch(server, "forum:5")
    draft = {"forum": 5, "question": "重试?", "options": ["是", "否"]}
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        mod = Peer(ws)
        broker.fail = ["poll.updated"] * 3  # the draft's; the open's and close's to the room
        created = await mod.command("poll.create", draft)
        pid = created["data"]["poll"]["id"]
        opened = await mod.command("poll.open", {"poll": pid})
        closed = await mod.command("poll.close", {"poll": pid})
    states = [(await room.event("poll.updated"))["data"]["state"] for _ in range(2)]
    await room.ws.close()
    assert [r["type"] for r in (created, opened, closed)] == ["ok"] * 3
    assert states == ["open", "closed"]  # in the order they were made


async def test_moderation_stands_and_reaches_the_room_when_the_broker_fails_it(
    server: LiveServer, broker: FailingBroker
):
    account, cookie = await register(server, "被禁言的人")
    room = await watch(server, "forum:6")
    notices = await watch(server, f"account:{account}", cookie)
    async with server.connect(await server.sign_in(MODERATOR)) as ws:
        mod = Peer(ws)
        broker.fail = [
            "moderation.slow_mode_changed",
            "moderation.announcement_changed",
            *["moderation.sanction_imposed"] * 2,
            *["moderation.sanction_lifted"] * 2,
        ]
        slow = await mod.command("forum.set_slow_mode", {"forum": 6, "seconds": 3})
        pinned = await mod.command("forum.pin", {"forum": 6, "text": "重试的公告"})
        muted = await mod.command("forum.mute", {"forum": 6, "account": account, "duration": 5})
        lifted = await mod.command("forum.lift", {"forum": 6, "account": account})
        await mod.command("forum.set_slow_mode", {"forum": 6, "seconds": 0})
        await mod.command("forum.unpin", {"forum": 6})
    changed = await room.event("moderation.slow_mode_changed")
    announced = await room.event("moderation.announcement_changed")
    imposed = await notices.event("moderation.sanction_imposed")
    lift = await notices.event("moderation.sanction_lifted")
    await room.ws.close()
    await notices.ws.close()
    assert [r["type"] for r in (slow, pinned, muted, lifted)] == ["ok"] * 4
    assert (slow["data"]["seq"], pinned["data"]["seq"]) == (None, None)
    assert changed["data"]["seconds"] == 3
    assert announced["data"]["announcement"]["text"] == "重试的公告"
    assert imposed["data"]["kind"] == lift["data"]["kind"] == "mute"


async def test_an_expo_announcement_stands_and_goes_out_when_the_broker_fails_it(
    server: LiveServer, broker: FailingBroker
):
    watcher = await watch(server, "expo:announcements")
    body = {"text_zh": "重试的通知", "text_en": f"Retried {secrets.token_hex(3)}"}
    async with server.http(headers={"Cookie": await server.sign_in(ORGANIZER)}) as http:
        broker.fail = ["announcement.published"]
        posted = await http.post("/api/announcements", json=body)
        latest = (await http.get("/api/announcements?limit=20")).json()["announcements"]
    published = await watcher.event("announcement.published")
    await watcher.ws.close()
    assert posted.status_code == 201, posted.text
    assert published["data"] == posted.json()["announcement"]
    assert [a["text"]["en"] for a in latest].count(body["text_en"]) == 1


async def test_a_programme_change_and_a_star_stand_and_go_out_when_the_broker_fails_them(
    server: LiveServer, broker: FailingBroker
):
    account, cookie = await register(server, "收藏的人")
    room = await watch(server, "forum:2")
    tabs = await watch(server, f"account:{account}", cookie)
    organiser = await server.sign_in(ORGANIZER)
    broker.fail = ["programme.session_saved"] * 2  # the room's and the lobby's
    session = await add_session(server.base, organiser, 2, DAY + timedelta(days=6))
    async with server.connect(cookie) as ws:
        broker.fail = ["agenda.changed"]
        starred = await Peer(ws).command("agenda.star", {"session": session["id"]})
    saved = await room.event("programme.session_saved")
    changed = await tabs.event("agenda.changed")
    await room.ws.close()
    await tabs.ws.close()
    assert saved["data"]["session"] == session
    assert starred["type"] == "ok", starred
    assert changed["data"] == {"session": session["id"], "starred": True}


async def test_a_broker_that_cannot_be_reached_refuses_writes_before_anything_is_stored(
    server: LiveServer, broker: FailingBroker
):
    _, cookie = await register(server, "无人知晓")
    async with server.connect(cookie) as ws:
        me = Peer(ws)
        broker.down = True
        chat = await me.command("chat.send", {"forum": 3, "text": "不该留下"})
        ask = await me.command("question.ask", {"forum": 3, "text": "不该留下的问题"})
        broker.down = False
    assert chat["error"]["code"] == ask["error"]["code"] == "unavailable"
    assert broker.failed == []  # refused before storing: nothing to announce
    async with server.http() as http:
        texts = [m["text"] for m in (await http.get("/api/forums/3/chat")).json()["messages"]]
        asked = [q["text"] for q in (await http.get("/api/forums/3/questions")).json()["questions"]]
    assert "不该留下" not in texts
    assert "不该留下的问题" not in asked


async def test_a_tally_outlives_a_broker_outage_longer_than_the_coalescers_own_retries(
    server: LiveServer, broker: FailingBroker
):
    """The coalescer gives a key up after MAX_FAILURES failed publishes; the ballots are stored,
    so their tally goes out under the one policy and reaches the room once the broker is back."""
    room = await watch(server, "forum:8")
    _, voter = await register(server, "投票的人")
    draft = {"forum": 8, "question": "断线时的投票", "options": ["一", "二"]}
    async with (
        server.connect(await server.sign_in(MODERATOR)) as mod_ws,
        server.connect(voter) as voter_ws,
    ):
        mod = Peer(mod_ws)
        pid = (await mod.command("poll.create", draft))["data"]["poll"]["id"]
        await mod.command("poll.open", {"poll": pid})
        broker.fail = ["poll.results"] * (MAX_FAILURES + 1)
        cast = await Peer(voter_ws).command("poll.vote", {"poll": pid, "choices": [1]})
        tally = await room.event("poll.results", timeout=20)
        await mod.command("poll.close", {"poll": pid})
    await room.ws.close()
    assert cast["type"] == "ok", cast
    assert (tally["data"]["poll_id"], tally["data"]["counts"]) == (pid, [0, 1])
    assert broker.failed == ["poll.results"] * (MAX_FAILURES + 1)


async def test_a_ban_stands_and_takes_them_off_the_room_when_the_broker_fails_the_eviction(
    server: LiveServer, broker: FailingBroker
):
    """The ban is stored before its eviction is announced: a broker that fails the eviction
    must not turn a stored ban into `unavailable` (a retry would ban twice), and the eviction
    is retried like an event, so the banned person does leave the room."""
    account, cookie = await register(server, "被封禁的人")
    async with (
        server.connect(cookie) as ws,
        server.connect(await server.sign_in(MODERATOR)) as mod_ws,
    ):
        banned = Peer(ws)
        await banned.command("subscribe", {"topic": "forum:7"})
        await banned.command("subscribe", {"topic": f"account:{account}"})
        mod = Peer(mod_ws)
        broker.fail_control = ["topic.evict"]  # the room's eviction; the backstage's goes out
        reply = await mod.command("forum.ban", {"forum": 7, "account": account, "duration": 5})
        assert reply["type"] == "ok", reply  # stored: answered as made
        ended = await banned.event("subscription.ended")
        notice = await banned.event("moderation.sanction_imposed")
        listed = await mod.command("forum.list_sanctions", {"forum": 7})
    assert ended == {
        "type": "subscription.ended",
        "topic": "forum:7",
        "data": {"reason": "forum.banned"},
    }
    assert notice["data"]["kind"] == "ban"
    assert [s["account"]["id"] for s in listed["data"]["sanctions"]].count(account) == 1
    assert broker.failed == ["topic.evict"]
    # The room's eviction, retried, reaches the other processes too (after the backstage's).
    await eventually(lambda: broker.announced.count("topic.evict") == 2)


async def test_a_speaker_taken_off_the_programme_leaves_the_backstage_when_the_broker_fails_it(
    server: LiveServer, broker: FailingBroker
):
    """The recheck that follows a programme change is retried too, not only logged."""
    speaker, organiser = await server.sign_in(SPEAKER), await server.sign_in(ORGANIZER)
    async with server.http(headers={"Cookie": speaker}) as http:
        me = (await http.get("/api/me")).json()
    session = {
        "starts_at": "2031-03-02T09:00:00+08:00",
        "ends_at": "2031-03-02T10:00:00+08:00",
        "title": {"zh": "临时演讲", "en": "A talk, for now"},
        "speakers": [{"account_id": me["account"]["id"]}],
    }
    async with server.http(headers={"Cookie": organiser}) as http:
        created = await http.post("/api/forums/6/sessions", json=session)
    assert created.status_code == 201, created.text
    async with server.connect(speaker) as ws:
        staff = Peer(ws)
        followed = await staff.command("subscribe", {"topic": "backstage:6"})
        broker.fail_control = ["topic.recheck"]
        async with server.http(headers={"Cookie": organiser}) as http:
            gone = await http.delete(f"/api/sessions/{created.json()['session']['id']}")
        ended = await staff.event("subscription.ended")
    assert followed["type"] == "ok", followed
    assert gone.status_code == 200, gone.text
    assert ended == {
        "type": "subscription.ended",
        "topic": "backstage:6",
        "data": {"reason": "forbidden"},
    }
    assert broker.failed == ["topic.recheck"]
    await eventually(lambda: "topic.recheck" in broker.announced)


async def test_signing_out_stands_and_closes_the_sockets_when_the_broker_fails_it(
    server: LiveServer, broker: FailingBroker
):
    """The session is revoked before its end is announced: the sign-out is answered as made,
    and the announcement that closes its sockets on every process is retried."""
    _, cookie = await register(server, "要走的人")
    async with server.connect(cookie) as tab:
        await Peer(tab).command("subscribe", {"topic": "forum:2"})
        broker.fail_control = ["session.ended"]
        async with server.http() as http:
            signed_out = await http.delete("/api/session", headers={"Cookie": cookie})
        assert signed_out.status_code == 200, signed_out.text
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                while True:
                    await tab.recv()
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4001, "Signed out.")
    assert broker.failed == ["session.ended"]
    await eventually(lambda: "session.ended" in broker.announced)
