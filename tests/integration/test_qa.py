"""Q&A in a forum room over real sockets: asking, upvoting, moderating, and who sees what."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import pytest

from expo.errors import Unavailable
from expo.models import utcnow
from forums.models import RoomSanction, SanctionKind
from forums.qa_views import QuestionPage
from tests.live import LiveServer, Peer

ATTENDEE = "attendee@demo.shubo.live"
SPEAKER = "speaker@demo.shubo.live"
MODERATOR = "moderator@demo.shubo.live"
ORGANISER = "organizer@demo.shubo.live"
PASSWORD = "云上贵州-数据之都-2026"


async def register(server: LiveServer, name: str) -> tuple[int, str]:
    """A fresh attendee: (account id, Cookie header value)."""
    body = {
        "email": f"qa-{secrets.token_hex(5)}@example.com",
        "password": PASSWORD,
        "display_name": name,
    }
    async with server.http() as http:
        response = await http.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    return response.json()["account"]["id"], f"expo_session={response.cookies['expo_session']}"


async def questions(server: LiveServer, forum: int, cookie: str | None = None) -> dict[str, Any]:
    headers = {"Cookie": cookie} if cookie else {}
    async with server.http() as http:
        response = await http.get(f"/api/forums/{forum}/questions", headers=headers)
    assert response.status_code == 200, response.text
    page = response.json()
    QuestionPage.model_validate(page)  # exactly what the OpenAPI document says
    return page  # type: ignore[no-any-return]


async def speaks_in(server: LiveServer, forum: int) -> None:
    """Put the demo speaker on `forum`'s programme, as the organisers would: speakers are the
    staff of the rooms they speak in only (forums/room_rules.py). Their session is far from the
    demo day, an hour per room, so it clashes with nothing; a second call finds it there."""
    speaker = await server.sign_in(SPEAKER)
    async with server.http(headers={"Cookie": speaker}) as http:
        speaker_id = (await http.get("/api/me")).json()["account"]["id"]
    session = {
        "starts_at": f"2030-01-01T{forum:02d}:00:00+00:00",
        "ends_at": f"2030-01-01T{forum:02d}:30:00+00:00",
        "title": {"zh": "演讲", "en": "A talk"},
        "speakers": [{"account_id": speaker_id}],
    }
    async with server.http(headers={"Cookie": await server.sign_in(ORGANISER)}) as http:
        response = await http.post(f"/api/forums/{forum}/sessions", json=session)
    assert response.status_code == 201 or (
        response.status_code == 409 and response.json()["error"]["code"] == "schedule.room_taken"
    ), response.text


def error(reply: dict[str, Any]) -> str:
    assert reply["type"] == "error", reply
    return reply["error"]["code"]  # type: ignore[no-any-return]


async def test_a_question_is_stored_then_announced_to_the_room_and_listed(server: LiveServer):
    cookie = await server.sign_in(ATTENDEE)
    async with server.connect(cookie) as author_ws, server.connect() as reader_ws:
        author, reader = Peer(author_ws), Peer(reader_ws)
        await reader.command("subscribe", {"topic": "forum:2"})
        reply = await author.command("question.ask", {"forum": 2, "text": " 时延怎么解决？<b> "})
        event = await reader.event("question.asked")
    question = reply["data"]["question"]
    public = {k: v for k, v in question.items() if k not in ("voted_by_me", "mine")}
    assert event == {
        "type": "question.asked",
        "topic": "forum:2",
        "seq": event["seq"],
        "data": public,
    }
    assert question["text"] == "时延怎么解决？<b>"  # stored as written; pages escape it
    assert (question["state"], question["votes"], question["pinned"]) == ("visible", 0, False)
    assert question["author"]["name"] == "张伟 Zhang Wei"
    assert (question["voted_by_me"], question["mine"]) == (False, True)
    assert question["session_id"] is not None  # the demo day's first session is on

    page = await questions(server, 2)
    assert page["questions"][-1] == public | {"voted_by_me": False, "mine": False}
    assert (page["topic"], page["staff"], page["backstage"]) == ("forum:2", False, None)
    assert page["seq"] >= event["seq"] and page["epoch"]
    own = await questions(server, 2, cookie)
    assert own["questions"][-1]["mine"] is True


async def test_asking_needs_an_account_and_words(server: LiveServer):
    async with server.connect() as ws:
        anonymous = await Peer(ws).command("question.ask", {"forum": 2, "text": "hello"})
    assert anonymous == {
        "type": "error",
        "id": "t1",
        "error": {"code": "unauthorized", "message": "Sign in first."},
    }
    async with server.connect(await server.sign_in(ATTENDEE)) as ws:
        me = Peer(ws)
        assert error(await me.command("question.ask", {"forum": 2, "text": " \u200b\n"})) == (
            "qa.empty"
        )
        assert error(await me.command("question.ask", {"forum": 2, "text": "问" * 301})) == (
            "qa.too_long"
        )
        assert error(await me.command("question.ask", {"forum": 999, "text": "x"})) == (
            "forum.unknown"
        )
        assert error(await me.command("question.ask", {"forum": 2})) == "bad_request"


async def test_an_upvote_counts_once_can_be_taken_back_and_reaches_the_room(server: LiveServer):
    _, asker = await register(server, "提问者")
    _, voter = await register(server, "投票者")
    async with (
        server.connect(asker) as asker_ws,
        server.connect(voter) as voter_ws,
        server.connect() as reader_ws,
    ):
        reader = Peer(reader_ws)
        await reader.command("subscribe", {"topic": "forum:3"})
        asked = await Peer(asker_ws).command("question.ask", {"forum": 3, "text": "算力怎么调度？"})
        qid = asked["data"]["question"]["id"]
        me = Peer(voter_ws)
        up = await me.command("question.vote", {"question": qid})
        assert up["data"] == {"question_id": qid, "votes": 1, "voted_by_me": True}
        assert error(await me.command("question.vote", {"question": qid})) == "qa.already_voted"
        counted = await reader.event("question.votes")
        assert counted["data"] == {"forum_id": 3, "votes": [{"id": qid, "votes": 1}]}
        page = await questions(server, 3, voter)
        assert [q["voted_by_me"] for q in page["questions"] if q["id"] == qid] == [True]

        down = await me.command("question.unvote", {"question": qid})
        assert down["data"] == {"question_id": qid, "votes": 0, "voted_by_me": False}
        assert error(await me.command("question.unvote", {"question": qid})) == "qa.not_voted"
        while (await reader.event("question.votes"))["data"]["votes"] != [{"id": qid, "votes": 0}]:
            pass
        assert error(await me.command("question.vote", {"question": 99999})) == "qa.unknown"
    page = await questions(server, 3, voter)
    assert [(q["votes"], q["voted_by_me"]) for q in page["questions"] if q["id"] == qid] == [
        (0, False)
    ]


async def test_the_room_lists_pinned_then_open_questions_by_votes_then_answered(
    server: LiveServer,
):
    moderator = await server.sign_in(MODERATOR)
    voters = [await register(server, f"听众 {i}") for i in range(3)]
    async with server.connect(voters[0][1]) as ws, server.connect(moderator) as mod_ws:
        asker, mod = Peer(ws), Peer(mod_ws)
        ids = [
            (await asker.command("question.ask", {"forum": 6, "text": f"问题 {i}"}))["data"][
                "question"
            ]["id"]
            for i in range(4)
        ]
        for count, qid in zip([1, 3, 2, 0], ids, strict=True):
            for _, cookie in voters[:count]:
                async with server.connect(cookie) as vws:
                    assert (await Peer(vws).command("question.vote", {"question": qid}))[
                        "type"
                    ] == "ok"
        await mod.command("question.pin", {"question": ids[3]})
        await mod.command("question.answer", {"question": ids[1]})
    page = await questions(server, 6)
    shown = [q["id"] for q in page["questions"]]
    assert shown == [ids[3], ids[2], ids[0], ids[1]]
    assert [q["votes"] for q in page["questions"]] == [0, 2, 1, 3]


async def test_pre_moderation_keeps_new_questions_backstage_until_approved(server: LiveServer):
    await speaks_in(server, 4)
    moderator, speaker = await server.sign_in(MODERATOR), await server.sign_in(SPEAKER)
    _, asker = await register(server, "待审核")
    _, other = await register(server, "旁观者")
    async with (
        server.connect(moderator) as mod_ws,
        server.connect(speaker) as speaker_ws,
        server.connect(asker) as asker_ws,
        server.connect(other) as other_ws,
    ):
        mod, staff, me, room = Peer(mod_ws), Peer(speaker_ws), Peer(asker_ws), Peer(other_ws)
        await room.command("subscribe", {"topic": "forum:4"})
        assert (await staff.command("subscribe", {"topic": "backstage:4"}))["type"] == "ok"
        before = await questions(server, 4)
        switched = await mod.command("forum.set_pre_moderation", {"forum": 4, "enabled": True})
        version = switched["data"]["version"]  # the room's settings' version, bumped
        assert switched["data"] == {"forum_id": 4, "pre_moderation": True, "version": version}
        changed = await room.event("qa.pre_moderation_changed")
        assert changed["data"] == {"forum_id": 4, "pre_moderation": True, "version": version}
        # The snapshot carries that version with the flag: a page drops an older switch that
        # comes after it (frontend/js/qa.js), as it does for slow mode.
        after = await questions(server, 4)
        assert (after["pre_moderation"], after["version"]) == (True, version)
        assert before["version"] < version

        asked = await me.command("question.ask", {"forum": 4, "text": "秘密的问题"})
        question = asked["data"]["question"]
        assert (question["state"], question["mine"]) == ("pending", True)
        queued = await staff.event("question.asked")
        assert (queued["topic"], queued["data"]["id"]) == ("backstage:4", question["id"])
        assert error(await room.command("question.vote", {"question": question["id"]})) == (
            "qa.not_votable"
        )

        assert question["id"] not in [q["id"] for q in (await questions(server, 4))["questions"]]
        assert question["id"] not in [
            q["id"] for q in (await questions(server, 4, other))["questions"]
        ]
        assert [q["state"] for q in (await questions(server, 4, asker))["questions"]] == ["pending"]
        staff_page = await questions(server, 4, speaker)
        assert [q["id"] for q in staff_page["questions"]] == [question["id"]]
        assert staff_page["staff"] is True
        assert staff_page["backstage"]["topic"] == "backstage:4"

        approved = await mod.command("question.approve", {"question": question["id"]})
        assert approved["data"]["question"]["state"] == "visible"
        shown = await room.event("question.asked")
        await mod.command("forum.set_pre_moderation", {"forum": 4, "enabled": False})
        await room.event("qa.pre_moderation_changed")
    assert shown["data"]["id"] == question["id"] and shown["data"]["text"] == "秘密的问题"
    # The room never heard of it before the approval.
    assert all("秘密" not in str(e) for e in room.events)
    assert [q["id"] for q in (await questions(server, 4))["questions"]] == [question["id"]]


async def test_moderators_pin_answer_and_hide_and_the_room_sees_only_what_it_may(
    server: LiveServer,
):
    await speaks_in(server, 7)
    moderator, speaker = await server.sign_in(MODERATOR), await server.sign_in(SPEAKER)
    async with (
        server.connect(moderator) as mod_ws,
        server.connect(speaker) as speaker_ws,
        server.connect(await server.sign_in(ATTENDEE)) as ws,
        server.connect() as room_ws,
    ):
        mod, staff, me, room = Peer(mod_ws), Peer(speaker_ws), Peer(ws), Peer(room_ws)
        await room.command("subscribe", {"topic": "forum:7"})
        await staff.command("subscribe", {"topic": "backstage:7"})
        qid = (await me.command("question.ask", {"forum": 7, "text": "请介绍一下案例"}))["data"][
            "question"
        ]["id"]
        await room.event("question.asked")
        await staff.event("question.asked")

        pinned = await mod.command("question.pin", {"question": qid, "pinned": True})
        assert pinned["data"]["question"]["pinned"] is True
        assert (await room.event("question.updated"))["data"]["pinned"] is True
        answered = await staff.command("question.answer", {"question": qid})  # speakers may
        assert answered["data"]["question"]["state"] == "answered"
        assert answered["data"]["question"]["answered_at"] is not None
        assert (await room.event("question.updated"))["data"]["state"] == "answered"

        hidden = await mod.command("question.hide", {"question": qid})
        assert (hidden["data"]["question"]["state"], hidden["data"]["question"]["pinned"]) == (
            "hidden",
            False,
        )
        removed = await room.event("question.removed")
        assert removed["data"] == {"id": qid, "forum_id": 7, "version": 4}  # its fourth state
        backstage = [await staff.event("question.updated") for _ in range(3)]
        assert [e["data"]["state"] for e in backstage] == ["visible", "answered", "hidden"]
        assert error(await mod.command("question.hide", {"question": qid})) == "qa.bad_move"
        assert error(await mod.command("question.pin", {"question": qid})) == "qa.bad_move"
        assert qid not in [q["id"] for q in (await questions(server, 7))["questions"]]
        assert qid in [q["id"] for q in (await questions(server, 7, speaker))["questions"]]

        restored = await mod.command("question.approve", {"question": qid})
        assert restored["data"]["question"]["state"] == "visible"
        assert (await room.event("question.asked"))["data"]["id"] == qid


async def test_only_staff_moderate_and_follow_the_backstage(server: LiveServer):
    async with server.connect(await server.sign_in(ATTENDEE)) as ws:
        me = Peer(ws)
        qid = (await me.command("question.ask", {"forum": 8, "text": "我能置顶吗？"}))["data"][
            "question"
        ]["id"]
        for kind, data in [
            ("question.approve", {"question": qid}),
            ("question.pin", {"question": qid}),
            ("question.hide", {"question": qid}),
            ("question.answer", {"question": qid}),
            ("forum.set_pre_moderation", {"forum": 8, "enabled": True}),
        ]:
            assert error(await me.command(kind, data)) == "forbidden", kind
        assert error(await me.command("subscribe", {"topic": "backstage:8"})) == "forbidden"
    async with server.connect() as ws:
        assert error(await Peer(ws).command("subscribe", {"topic": "backstage:8"})) == (
            "unauthorized"
        )
    async with server.connect(await server.sign_in(SPEAKER)) as ws:
        speaker = Peer(ws)
        assert error(await speaker.command("question.pin", {"question": qid})) == "forbidden"
        assert error(await speaker.command("subscribe", {"topic": "backstage:999"})) == (
            "forum.unknown"
        )
    page = await questions(server, 8)
    assert [(q["state"], q["pinned"]) for q in page["questions"] if q["id"] == qid] == [
        ("visible", False)
    ]


async def test_a_muted_attendee_may_vote_but_not_ask_and_a_banned_one_neither(
    server: LiveServer,
):
    muted_id, muted = await register(server, "被禁言")
    banned_id, banned = await register(server, "被封禁")
    async with server.services.db() as db:
        for account, kind in [(muted_id, SanctionKind.MUTE), (banned_id, SanctionKind.BAN)]:
            db.add(
                RoomSanction(
                    forum_id=5,
                    account_id=account,
                    kind=kind,
                    until=utcnow() + timedelta(hours=1),
                    created_by=account,
                )
            )
        # An expired mute and a lifted one bind nobody.
        db.add(
            RoomSanction(forum_id=6, account_id=muted_id, kind="mute", until=utcnow(), created_by=1)
        )
        db.add(
            RoomSanction(
                forum_id=7,
                account_id=muted_id,
                kind="mute",
                until=utcnow() + timedelta(hours=1),
                lifted_at=utcnow(),
                created_by=1,
            )
        )
        await db.commit()
    async with server.connect(await server.sign_in(ATTENDEE)) as ws:
        qid = (await Peer(ws).command("question.ask", {"forum": 5, "text": "大家怎么看？"}))[
            "data"
        ]["question"]["id"]
    async with server.connect(muted) as ws:
        me = Peer(ws)
        refused = await me.command("question.ask", {"forum": 5, "text": "让我说话"})
        assert error(refused) == "qa.muted"
        assert refused["error"]["details"]["until"]
        assert (await me.command("question.vote", {"question": qid}))["type"] == "ok"
        for forum in (6, 7):
            assert (await me.command("question.ask", {"forum": forum, "text": "可以了"}))[
                "type"
            ] == "ok"
    async with server.connect(banned) as ws:
        me = Peer(ws)
        assert error(await me.command("question.ask", {"forum": 5, "text": "x"})) == (
            "forum.banned"
        )
        assert error(await me.command("question.vote", {"question": qid})) == "forum.banned"


async def test_the_author_alone_hears_that_their_pending_question_was_hidden(server: LiveServer):
    moderator = await server.sign_in(MODERATOR)
    asker_id, asker = await register(server, "被隐藏")
    async with (
        server.connect(moderator) as mod_ws,
        server.connect(asker) as asker_ws,
        server.connect() as room_ws,
    ):
        mod, me, room = Peer(mod_ws), Peer(asker_ws), Peer(room_ws)
        await room.command("subscribe", {"topic": "forum:9"})
        assert (await me.command("subscribe", {"topic": f"account:{asker_id}"}))["type"] == "ok"
        await mod.command("forum.set_pre_moderation", {"forum": 9, "enabled": True})
        asked = await me.command("question.ask", {"forum": 9, "text": "不合适的问题"})
        qid = asked["data"]["question"]["id"]
        await mod.command("question.hide", {"question": qid})
        notice = await me.event("question.updated")
        await mod.command("forum.set_pre_moderation", {"forum": 9, "enabled": False})
        await room.event("qa.pre_moderation_changed")
        await room.event("qa.pre_moderation_changed")
    assert notice["topic"] == f"account:{asker_id}"
    assert (notice["data"]["id"], notice["data"]["state"]) == (qid, "hidden")
    # The room heard nothing of it (presence figures come and go with the timing).
    assert [e["type"] for e in room.events if not e["type"].startswith("presence.")] == []


async def test_a_banned_speaker_loses_the_backstage_over_the_socket_and_the_snapshots(
    server: LiveServer,
):
    _, asker = await register(server, "待审者 Pending")
    await speaks_in(server, 8)
    speaker = await server.sign_in(SPEAKER)
    async with server.http() as http:
        me = await http.get("/api/me", headers={"Cookie": speaker})
    speaker_id = me.json()["account"]["id"]
    async with (
        server.connect(await server.sign_in(MODERATOR)) as mod_ws,
        server.connect(asker) as asker_ws,
        server.connect(speaker) as speaker_ws,
    ):
        mod, author, staff = Peer(mod_ws), Peer(asker_ws), Peer(speaker_ws)
        await mod.command("forum.set_pre_moderation", {"forum": 8, "enabled": True})
        assert (await staff.command("subscribe", {"topic": "backstage:8"}))["type"] == "ok"
        asked = await author.command("question.ask", {"forum": 8, "text": "待审的问题？"})
        pending = asked["data"]["question"]["id"]
        draft = await mod.command(
            "poll.create", {"forum": 8, "question": "草稿?", "options": ["a", "b"]}
        )
        assert pending in [q["id"] for q in (await questions(server, 8, speaker))["questions"]]

        banned = await mod.command("forum.ban", {"forum": 8, "account": speaker_id, "duration": 5})
        assert banned["type"] == "ok", banned
        ended = await staff.event("subscription.ended")
        again = await staff.command("subscribe", {"topic": "backstage:8"})
        page = await questions(server, 8, speaker)
        async with server.http() as http:
            poll_page = (await http.get("/api/forums/8/polls", headers={"Cookie": speaker})).json()

        await mod.command("forum.lift", {"forum": 8, "account": speaker_id})
        await mod.command("poll.delete", {"poll": draft["data"]["poll"]["id"]})
        await mod.command("question.hide", {"question": pending})
        await mod.command("forum.set_pre_moderation", {"forum": 8, "enabled": False})
    assert ended == {
        "type": "subscription.ended",
        "topic": "backstage:8",
        "data": {"reason": "forum.banned"},
    }
    assert error(again) == "forum.banned"
    assert (page["staff"], page["backstage"]) == (False, None)
    assert pending not in [q["id"] for q in page["questions"]]
    assert (poll_page["staff"], poll_page["backstage"]) == (False, None)
    assert draft["data"]["poll"]["id"] not in [p["id"] for p in poll_page["polls"]]


async def test_a_banned_attendee_cannot_take_back_an_upvote_either(server: LiveServer):
    """question.unvote is action `question.vote`: signed in and not banned in the room."""
    voter_id, voter = await register(server, "先投后封")
    async with server.connect(await server.sign_in(ATTENDEE)) as ws:
        asked = await Peer(ws).command("question.ask", {"forum": 5, "text": "封禁后能撤票吗？"})
    qid = asked["data"]["question"]["id"]
    async with server.connect(voter) as ws:
        me = Peer(ws)
        assert (await me.command("question.vote", {"question": qid}))["type"] == "ok"
        async with server.services.db() as db:
            db.add(
                RoomSanction(
                    forum_id=5,
                    account_id=voter_id,
                    kind=SanctionKind.BAN,
                    until=utcnow() + timedelta(hours=1),
                    created_by=1,
                )
            )
            await db.commit()
        refused = await me.command("question.unvote", {"question": qid})
    assert error(refused) == "forum.banned"
    assert [q["votes"] for q in (await questions(server, 5))["questions"] if q["id"] == qid] == [1]


async def test_an_approval_the_broker_could_not_announce_is_made_all_the_same(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    """Answering `unavailable` would invite a retry that can only be `qa.bad_move`."""
    _, asker = await register(server, "待批准")
    hub = server.services.hub
    publish = hub.publish

    async def broker_down(topic: str, kind: str, data: object) -> Any:
        raise Unavailable(message="The event broker cannot be reached.")

    async with (
        server.connect(await server.sign_in(MODERATOR)) as mod_ws,
        server.connect(asker) as asker_ws,
    ):
        mod = Peer(mod_ws)
        await mod.command("forum.set_pre_moderation", {"forum": 7, "enabled": True})
        asked = await Peer(asker_ws).command("question.ask", {"forum": 7, "text": "等批准"})
        qid = asked["data"]["question"]["id"]
        monkeypatch.setattr(hub, "publish", broker_down)
        approved = await mod.command("question.approve", {"question": qid})
        monkeypatch.setattr(hub, "publish", publish)
        await mod.command("forum.set_pre_moderation", {"forum": 7, "enabled": False})
    assert approved["type"] == "ok", approved
    assert approved["data"]["question"]["state"] == "visible"
    assert qid in [q["id"] for q in (await questions(server, 7))["questions"]]


async def test_a_speaker_answers_only_what_the_room_sees_and_a_moderator_answers_pending_too(
    server: LiveServer,
) -> None:
    """Under pre-moderation, answering a pending question would show it to the room without a
    moderator's approval: a speaker's answer is refused (`qa.not_approved`) and changes nothing;
    a moderator's answers (and so approves) it; once approved, the speaker answers."""
    await speaks_in(server, 1)
    moderator, speaker = await server.sign_in(MODERATOR), await server.sign_in(SPEAKER)
    async with (
        server.connect(moderator) as mod_ws,
        server.connect(speaker) as speaker_ws,
        server.connect(await server.sign_in(ATTENDEE)) as asker_ws,
        server.connect() as room_ws,
    ):
        mod, staff, me, room = Peer(mod_ws), Peer(speaker_ws), Peer(asker_ws), Peer(room_ws)
        await room.command("subscribe", {"topic": "forum:1"})
        await mod.command("forum.set_pre_moderation", {"forum": 1, "enabled": True})
        await room.event("qa.pre_moderation_changed")
        first, second = [
            (await me.command("question.ask", {"forum": 1, "text": text}))["data"]["question"]
            for text in ("未审核的问题一", "未审核的问题二")
        ]
        assert (first["state"], second["state"]) == ("pending", "pending")

        refused = await staff.command("question.answer", {"question": first["id"]})
        assert refused == {
            "type": "error",
            "id": refused["id"],
            "error": {
                "code": "qa.not_approved",
                "message": "A moderator approves this question before it can be answered.",
            },
        }
        staff_page = await questions(server, 1, speaker)
        still = [q for q in staff_page["questions"] if q["id"] == first["id"]]
        assert [(q["state"], q["version"]) for q in still] == [("pending", first["version"])]

        answered = await mod.command("question.answer", {"question": second["id"]})
        assert answered["data"]["question"]["state"] == "answered"  # approved by answering
        # The first thing the room hears of: the refused answer showed it nothing.
        shown = await room.event("question.asked")
        assert (shown["data"]["id"], shown["data"]["state"]) == (second["id"], "answered")

        await mod.command("question.approve", {"question": first["id"]})
        assert (await room.event("question.asked"))["data"]["id"] == first["id"]
        now = await staff.command("question.answer", {"question": first["id"]})
        assert now["data"]["question"]["state"] == "answered"
        await mod.command("forum.set_pre_moderation", {"forum": 1, "enabled": False})
