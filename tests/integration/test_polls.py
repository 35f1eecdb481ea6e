"""Polls in a forum room over real sockets: drafting, opening, voting, closing, and who sees
the tally when."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from expo.models import utcnow
from forums.models import RoomSanction, SanctionKind
from forums.qa_views import PollPage
from tests.integration.test_qa import ATTENDEE, MODERATOR, SPEAKER, error, register
from tests.live import LiveServer, Peer

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
        assert deleted["data"] == {"id": poll["id"], "forum_id": 2}
        assert (await room.event("poll.removed"))["data"] == {"id": poll["id"], "forum_id": 2}
    assert poll["id"] not in [p["id"] for p in (await polls(server, 2))["polls"]]


async def test_hidden_results_go_backstage_until_the_poll_closes(server: LiveServer):
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
