"""Polls in a forum room over real sockets: drafting, opening, voting, closing, and who sees
the tally when."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from expo.errors import Unavailable
from expo.models import utcnow
from forums.models import PollBallot, RoomSanction, SanctionKind
from forums.qa_views import PollPage
from tests.cluster import Process, sign_in
from tests.integration.test_qa import (
    ATTENDEE,
    MODERATOR,
    PASSWORD,
    SPEAKER,
    error,
    register,
    speaks_in,
)
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database
from tests.waiting import eventually

DRAFT = {
    "question": "您最关心哪个议题？",
    "options": ["算力调度 Scheduling", "数据安全 Security", "绿色节能 Energy"],
}


async def polls(server: LiveServer, forum: int, cookie: str | None = None) -> dict[str, Any]:
    headers = {"Cookie": cookie} if cookie else {}
    async with server.http() as http:
        response = await http.get(f"/api/forums/{forum}/polls", headers=headers)
    assert response.status_code == 200, response.text
    page = response.json()
    PollPage.model_validate(page)  # exactly what the OpenAPI document says
    return page  # type: ignore[no-any-return]


def only(page: dict[str, Any], poll_id: int) -> dict[str, Any]:
    [poll] = [p for p in page["polls"] if p["id"] == poll_id]
    return poll


async def results_until(peer: Peer, voters: int) -> dict[str, Any]:
    """The `poll.results` event that counts `voters` ballots (earlier ones are coalesced)."""
    while True:
        event = await peer.event("poll.results")
        if event["data"]["voters"] == voters:
            return event


async def test_a_poll_goes_from_draft_to_open_to_closed_and_the_room_sees_live_results(
    server: LiveServer,
):
    moderator = await server.sign_in(MODERATOR)
    (_, one), (_, two) = await register(server, "投票一"), await register(server, "投票二")
    async with (
        server.connect(moderator) as mod_ws,
        server.connect(one) as one_ws,
        server.connect(two) as two_ws,
        server.connect() as room_ws,
    ):
        mod, first, second, room = Peer(mod_ws), Peer(one_ws), Peer(two_ws), Peer(room_ws)
        await room.command("subscribe", {"topic": "forum:2"})
        await mod.command("subscribe", {"topic": "backstage:2"})
        created = await mod.command("poll.create", {"forum": 2, **DRAFT, "multiple": False})
        poll = created["data"]["poll"]
        assert (poll["state"], poll["multiple"], poll["live_results"]) == ("draft", False, True)
        assert poll["results"] == {"counts": [0, 0, 0], "voters": 0}
        assert (await mod.event("poll.updated"))["data"] == poll
        assert poll["id"] not in [p["id"] for p in (await polls(server, 2))["polls"]]
        assert error(await first.command("poll.vote", {"poll": poll["id"], "choices": [0]})) == (
            "poll.not_open"
        )

        opened = await mod.command("poll.open", {"poll": poll["id"]})
        assert opened["data"]["poll"]["state"] == "open"
        announced = await room.event("poll.updated")
        assert announced["data"] == opened["data"]["poll"]  # live results: shown to all

        cast = await first.command("poll.vote", {"poll": poll["id"], "choices": [1]})
        assert cast["data"] == {"poll_id": poll["id"], "choices": [1]}
        await second.command("poll.vote", {"poll": poll["id"], "choices": [1]})
        tally = await results_until(room, 2)
        assert tally["data"] == {
            "poll_id": poll["id"],
            "forum_id": 2,
            "state": "open",
            "version": opened["data"]["poll"]["version"],  # the tally of the poll as opened
            "counts": [0, 2, 0],
            "voters": 2,
        }
        changed = await second.command("poll.vote", {"poll": poll["id"], "choices": [2]})
        assert changed["data"]["choices"] == [2]  # a ballot may change while the poll is open
        while (await room.event("poll.results"))["data"]["counts"] != [0, 1, 1]:
            pass
        page = await polls(server, 2, two)
        assert only(page, poll["id"])["my_choices"] == [2]
        assert only(page, poll["id"])["results"] == {"counts": [0, 1, 1], "voters": 2}

        closed = await mod.command("poll.close", {"poll": poll["id"]})
        final = await room.event("poll.updated")
        assert final["data"]["state"] == "closed"
        assert final["data"]["results"] == {"counts": [0, 1, 1], "voters": 2}
        assert closed["data"]["poll"]["closed_at"] is not None
        assert error(await first.command("poll.vote", {"poll": poll["id"], "choices": [0]})) == (
            "poll.not_open"
        )
        assert error(await mod.command("poll.close", {"poll": poll["id"]})) == "poll.bad_move"
        assert error(await mod.command("poll.open", {"poll": poll["id"]})) == "poll.bad_move"
        reopened = await mod.command("poll.reopen", {"poll": poll["id"]})
        assert reopened["data"]["poll"]["state"] == "open"
        assert (await first.command("poll.vote", {"poll": poll["id"], "choices": [0]}))[
            "type"
        ] == "ok"
        assert error(await mod.command("poll.delete", {"poll": poll["id"]})) == "poll.bad_move"
        await mod.command("poll.close", {"poll": poll["id"]})
        deleted = await mod.command("poll.delete", {"poll": poll["id"]})
        removed = {"id": poll["id"], "forum_id": 2, "created_at": poll["created_at"]}
        assert deleted["data"] == removed
        assert (await room.event("poll.removed"))["data"] == removed
    assert poll["id"] not in [p["id"] for p in (await polls(server, 2))["polls"]]


async def test_hidden_results_go_backstage_until_the_poll_closes(server: LiveServer):
    await speaks_in(server, 3)
    moderator, speaker = await server.sign_in(MODERATOR), await server.sign_in(SPEAKER)
    (_, voter) = await register(server, "不看结果")
    async with (
        server.connect(moderator) as mod_ws,
        server.connect(speaker) as staff_ws,
        server.connect(voter) as voter_ws,
        server.connect() as room_ws,
    ):
        mod, staff, me, room = Peer(mod_ws), Peer(staff_ws), Peer(voter_ws), Peer(room_ws)
        await room.command("subscribe", {"topic": "forum:3"})
        await staff.command("subscribe", {"topic": "backstage:3"})
        draft = {"forum": 3, **DRAFT, "multiple": True, "live_results": False}
        poll = (await mod.command("poll.create", draft))["data"]["poll"]
        await mod.command("poll.open", {"poll": poll["id"]})
        shown = await room.event("poll.updated")
        assert (shown["data"]["state"], shown["data"]["results"]) == ("open", None)
        cast = await me.command("poll.vote", {"poll": poll["id"], "choices": [2, 0]})
        assert cast["data"]["choices"] == [0, 2]
        backstage = await results_until(staff, 1)
        assert (backstage["topic"], backstage["data"]["counts"]) == ("backstage:3", [1, 0, 1])

        mine = only(await polls(server, 3, voter), poll["id"])
        assert (mine["results"], mine["my_choices"]) == (None, [0, 2])
        assert only(await polls(server, 3, speaker), poll["id"])["results"] == {
            "counts": [1, 0, 1],
            "voters": 1,
        }
        await mod.command("poll.close", {"poll": poll["id"]})
        final = await room.event("poll.updated")
        assert final["data"]["results"] == {"counts": [1, 0, 1], "voters": 1}
    # The room saw no tally before the close (a late coalesced one says "closed").
    assert {e["data"]["state"] for e in room.events if e["type"] == "poll.results"} <= {"closed"}
    assert only(await polls(server, 3), poll["id"])["results"] == {
        "counts": [1, 0, 1],
        "voters": 1,
    }


async def test_bad_ballots_and_bad_drafts_are_refused(server: LiveServer):
    moderator = await server.sign_in(MODERATOR)
    async with (
        server.connect(moderator) as mod_ws,
        server.connect(await server.sign_in(ATTENDEE)) as ws,
        server.connect() as anon_ws,
    ):
        mod, me, anonymous = Peer(mod_ws), Peer(ws), Peer(anon_ws)
        poll = (await mod.command("poll.create", {"forum": 4, **DRAFT}))["data"]["poll"]
        await mod.command("poll.open", {"poll": poll["id"]})
        pid = poll["id"]
        for choices, code in [
            ([0, 1], "poll.single_choice"),
            ([3], "poll.bad_choice"),
            ([-1], "poll.bad_choice"),
            ([], "poll.bad_choice"),
            ([1, 1], "poll.bad_choice"),
            (["1"], "bad_request"),
        ]:
            assert error(await me.command("poll.vote", {"poll": pid, "choices": choices})) == code
        assert error(await me.command("poll.vote", {"poll": 99999, "choices": [0]})) == (
            "poll.unknown"
        )
        assert error(await anonymous.command("poll.vote", {"poll": pid, "choices": [0]})) == (
            "unauthorized"
        )
        for options, code in [
            (["只有一个"], "poll.bad_options"),
            ([f"选项 {i}" for i in range(11)], "poll.bad_options"),
            (["是", " 是 "], "poll.duplicate_option"),
            (["是", "\u200b"], "poll.option.empty"),
        ]:
            draft = {"forum": 4, "question": "？", "options": options}
            assert error(await mod.command("poll.create", draft)) == code, options
        assert error(await mod.command("poll.create", {"forum": 4, **DRAFT, "question": " "})) == (
            "poll.empty"
        )
        assert error(await mod.command("poll.create", {"forum": 999, **DRAFT})) == "forum.unknown"
        for kind in ("poll.create", "poll.open", "poll.close", "poll.reopen", "poll.delete"):
            data = {"forum": 4, **DRAFT} if kind == "poll.create" else {"poll": pid}
            assert error(await me.command(kind, data)) == "forbidden", kind
    assert only(await polls(server, 4), pid)["state"] == "open"


async def test_a_banned_attendee_may_not_vote(server: LiveServer):
    banned_id, banned = await register(server, "封禁投票")
    async with server.services.db() as db:
        db.add(
            RoomSanction(
                forum_id=5,
                account_id=banned_id,
                kind=SanctionKind.BAN,
                until=utcnow() + timedelta(hours=1),
                created_by=1,
            )
        )
        await db.commit()
    async with (
        server.connect(await server.sign_in(MODERATOR)) as mod_ws,
        server.connect(banned) as ws,
    ):
        mod = Peer(mod_ws)
        pid = (await mod.command("poll.create", {"forum": 5, **DRAFT}))["data"]["poll"]["id"]
        await mod.command("poll.open", {"poll": pid})
        refused = await Peer(ws).command("poll.vote", {"poll": pid, "choices": [0]})
    assert error(refused) == "forum.banned"
    assert only(await polls(server, 5), pid)["results"] == {"counts": [0, 0, 0], "voters": 0}


async def test_drafts_are_shown_to_staff_only_and_open_polls_come_first(server: LiveServer):
    await speaks_in(server, 6)
    moderator, speaker = await server.sign_in(MODERATOR), await server.sign_in(SPEAKER)
    async with server.connect(moderator) as ws:
        mod = Peer(ws)
        ids = [
            (await mod.command("poll.create", {"forum": 6, **DRAFT}))["data"]["poll"]["id"]
            for _ in range(3)
        ]
        await mod.command("poll.open", {"poll": ids[0]})
        await mod.command("poll.close", {"poll": ids[0]})
        await mod.command("poll.open", {"poll": ids[1]})
    staff = await polls(server, 6, speaker)
    assert [(p["id"], p["state"]) for p in staff["polls"]] == [
        (ids[1], "open"),
        (ids[2], "draft"),
        (ids[0], "closed"),
    ]
    assert staff["staff"] is True and staff["backstage"]["topic"] == "backstage:6"
    room = await polls(server, 6)
    assert [p["id"] for p in room["polls"]] == [ids[1], ids[0]]
    assert (room["staff"], room["backstage"], room["topic"]) == (False, None, "forum:6")


# --- several processes --------------------------------------------------------------------------


async def register_on(process: Process, name: str) -> str:
    body = {"email": f"poll-{secrets.token_hex(5)}@example.com", "password": PASSWORD}
    async with httpx.AsyncClient(base_url=process.base, timeout=10) as http:
        response = await http.post("/api/accounts", json=body | {"display_name": name})
    assert response.status_code == 201, response.text
    return f"expo_session={response.cookies['expo_session']}"


async def test_votes_on_either_process_reach_both_with_the_same_tally_and_gap_free_seqs(
    two_processes: tuple[Process, Process],
):
    a, b = two_processes
    moderator = await sign_in(a, MODERATOR)
    voters = [await register_on((a, b)[i % 2], f"跨进程 {i}") for i in range(12)]
    ballots = [[i % 3] for i in range(12)]
    expected = {"counts": [4, 4, 4], "voters": 12}
    async with (
        a.connect(moderator) as mod_ws,
        a.connect() as on_a_ws,
        b.connect() as on_b_ws,
    ):
        mod, on_a, on_b = Peer(mod_ws), Peer(on_a_ws), Peer(on_b_ws)
        starts = [
            (await w.command("subscribe", {"topic": "forum:7"}))["data"]["seq"]
            for w in (on_a, on_b)
        ]
        pid = (await mod.command("poll.create", {"forum": 7, **DRAFT}))["data"]["poll"]["id"]
        await mod.command("poll.open", {"poll": pid})
        qid = (await mod.command("question.ask", {"forum": 7, "text": "跨进程的问题"}))["data"][
            "question"
        ]["id"]

        async def vote(i: int) -> None:
            async with (a, b)[i % 2].connect(voters[i]) as ws:
                voter = Peer(ws)
                cast = await voter.command("poll.vote", {"poll": pid, "choices": ballots[i]})
                upvote = await voter.command("question.vote", {"question": qid})
            assert (cast["type"], upvote["type"]) == ("ok", "ok"), (cast, upvote)

        await asyncio.gather(*(vote(i) for i in range(12)))
        # Both watchers come to the stored numbers, whichever process counted which vote.
        for watcher in (on_a, on_b):
            await settled(watcher, pid, qid, expected)
        # A last event marks where both compare their streams.
        mark = await mod.command("chat.send", {"forum": 7, "text": "投票结束"})
        streams = [await stream_until(w, mark["data"]["seq"]) for w in (on_a, on_b)]
    assert streams[0] == streams[1]
    assert [e["seq"] for e in streams[0]] == list(range(starts[0] + 1, mark["data"]["seq"] + 1))
    assert starts[0] == starts[1]
    async with httpx.AsyncClient(base_url=b.base) as http:
        page = (await http.get("/api/forums/7/polls")).json()
    assert only(page, pid)["results"] == expected


async def settled(watcher: Peer, pid: int, qid: int, tally: dict[str, Any]) -> None:
    """Read the watcher's events until the poll's tally and the question's votes are `tally`."""
    seen: dict[str, Any] = {}
    for event in list(watcher.events):
        note(seen, event, pid, qid)
    while seen.get("poll") != tally or seen.get("votes") != tally["voters"]:
        async with asyncio.timeout(10):
            raw = json.loads(await watcher.ws.recv())
        watcher.events.append(raw)
        note(seen, raw, pid, qid)


def note(seen: dict[str, Any], event: dict[str, Any], pid: int, qid: int) -> None:
    data = event.get("data", {})
    if event["type"] == "poll.results" and data["poll_id"] == pid:
        seen["poll"] = {"counts": data["counts"], "voters": data["voters"]}
    elif event["type"] == "question.votes":
        for counted in data["votes"]:
            if counted["id"] == qid:
                seen["votes"] = counted["votes"]


async def stream_until(watcher: Peer, seq: int) -> list[dict[str, Any]]:
    """The watcher's sequenced events up to and including `seq`, in the order they came."""
    while not any(e.get("seq") == seq for e in watcher.events):
        async with asyncio.timeout(10):
            watcher.events.append(json.loads(await watcher.ws.recv()))
    return [e for e in watcher.events if "seq" in e and e["seq"] <= seq]


async def test_a_broker_failure_after_a_move_or_a_draft_leaves_it_made(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    """A close the broker could not announce is made all the same (answering `unavailable`
    would invite a retry that can only be `poll.bad_move`), and so is a draft: what is stored
    stands and is announced by a retry (expo/realtime/announce.py)."""
    moderator = await server.sign_in(MODERATOR)
    hub = server.services.hub
    publish = hub.publish

    async def broker_down(topic: str, kind: str, data: object) -> Any:
        raise Unavailable(message="The event broker cannot be reached.")

    async with server.connect(moderator) as ws:
        mod = Peer(ws)
        pid = (await mod.command("poll.create", {"forum": 7, **DRAFT}))["data"]["poll"]["id"]
        await mod.command("poll.open", {"poll": pid})
        monkeypatch.setattr(hub, "publish", broker_down)
        closed = await mod.command("poll.close", {"poll": pid})
        drafted = await mod.command("poll.create", {"forum": 7, **DRAFT, "question": "重来?"})
        monkeypatch.setattr(hub, "publish", publish)
    assert closed["type"] == "ok", closed
    assert closed["data"]["poll"]["state"] == "closed"
    assert drafted["type"] == "ok", drafted
    staff = await polls(server, 7, moderator)
    assert only(staff, pid)["state"] == "closed"
    assert [p["id"] for p in staff["polls"] if p["question"] == "重来?"] == [
        drafted["data"]["poll"]["id"]
    ]


@pytest.fixture
async def postgres_server() -> AsyncIterator[LiveServer]:
    """A server on PostgreSQL (READ COMMITTED: each statement reads afresh)."""
    async with fresh_postgres_database() as url:
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live


async def test_a_reopen_between_reading_a_poll_and_its_tally_keeps_the_tally_backstage(
    postgres_server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    """PostgreSQL reads each statement afresh: a reopen (results hidden again) committing
    between the read of the poll and that of its ballots must not send ballots cast after it
    to the room under the closed poll's public state."""
    from forums import polls as polls_module
    from forums import qa_store
    from forums.qa_coalescer import coalescer

    def coalescer_idle() -> bool:
        return not coalescer(postgres_server.services)._keys

    moderator = await postgres_server.sign_in(MODERATOR)
    first_id, first = await register(postgres_server, "先投")
    second_id, _ = await register(postgres_server, "后投")
    async with (
        postgres_server.connect(moderator) as mod_ws,
        postgres_server.connect(first) as first_ws,
        postgres_server.connect() as room_ws,
    ):
        mod, room = Peer(mod_ws), Peer(room_ws)
        draft = {"forum": 8, **DRAFT, "live_results": False}
        pid = (await mod.command("poll.create", draft))["data"]["poll"]["id"]
        await mod.command("poll.open", {"poll": pid})
        await Peer(first_ws).command("poll.vote", {"poll": pid, "choices": [0]})
        await mod.command("poll.close", {"poll": pid})
        await room.command("subscribe", {"topic": "forum:8"})
        await eventually(coalescer_idle)  # the coalescer's own reads of the vote are done

        tally = qa_store.poll_tally
        reopened = asyncio.Event()

        async def reopened_meanwhile(db: Any, poll: Any) -> Any:
            monkeypatch.setattr(qa_store, "poll_tally", tally)  # during this one read only
            async with postgres_server.services.db() as other:
                stored = await qa_store.get_poll(other, pid)
                stored.state = "open"  # a moderator reopens: hidden again
                other.add(PollBallot(poll_id=pid, account_id=second_id, choices=[1]))
                await other.commit()
            reopened.set()
            return await tally(db, poll)

        monkeypatch.setattr(qa_store, "poll_tally", reopened_meanwhile)
        polls_module.touch_tally(postgres_server.services, pid)
        await asyncio.wait_for(reopened.wait(), 10)
        await eventually(coalescer_idle)  # what it read, and its confirming read, are announced
        # A last event on the room's topic: whatever the room was sent came before it.
        mark = await mod.command("chat.send", {"forum": 8, "text": "投票重开"})
        heard = [
            e for e in await stream_until(room, mark["data"]["seq"]) if e["type"] == "poll.results"
        ]
        async with postgres_server.services.db() as db:
            (await qa_store.get_poll(db, pid)).state = "closed"
            await db.commit()
    assert [e for e in heard if e["data"]["voters"] > 1] == []  # the second ballot is hidden
    assert first_id != second_id


async def test_a_draft_can_be_rewritten_until_it_opens(server: LiveServer):
    moderator = await server.sign_in(MODERATOR)
    attendee = await server.sign_in(ATTENDEE)
    async with server.connect(moderator) as mod_ws, server.connect(attendee) as att_ws:
        mod, att = Peer(mod_ws), Peer(att_ws)
        await mod.command("subscribe", {"topic": "backstage:6"})
        poll = (await mod.command("poll.create", {"forum": 6, **DRAFT}))["data"]["poll"]
        await mod.event("poll.updated")
        change = {
            "poll": poll["id"],
            "question": "  哪个议题最重要？ ",
            "options": ["算力 Compute", "安全 Security"],
            "multiple": True,
            "live_results": False,
        }
        by_attendee = await att.command("poll.update", change)
        changed = (await mod.command("poll.update", change))["data"]["poll"]
        heard = (await mod.event("poll.updated"))["data"]
        duplicate = await mod.command("poll.update", change | {"options": ["同 same", "同 same"]})
        await mod.command("poll.open", {"poll": poll["id"]})
        after_opening = await mod.command("poll.update", change)
    assert error(by_attendee) == "forbidden"
    assert (changed["question"], changed["options"]) == (
        "哪个议题最重要？",
        ["算力 Compute", "安全 Security"],
    )
    assert (changed["multiple"], changed["live_results"], changed["state"]) == (
        True,
        False,
        "draft",
    )
    assert heard == changed
    assert error(duplicate) == "poll.duplicate_option"
    assert error(after_opening) == "poll.not_draft"
