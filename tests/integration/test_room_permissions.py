"""Permissions on the object, over real sockets: a speaker acts only in the rooms where they
speak, and not while banned from them; moderators not in a room that banned them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from expo.models import utcnow
from forums.models import RoomSanction, SanctionKind
from tests.integration.test_qa import (
    ATTENDEE,
    MODERATOR,
    SPEAKER,
    error,
    questions,
    register,
)
from tests.live import LiveServer, Peer

# The demo speaker holds the keynote of forum 2 (forums/seed.py) and speaks nowhere else; a test
# puts them on forum 6's programme for a while.
OWN_ROOM, OTHER_ROOM, BRIEF_ROOM = 2, 5, 6
ORGANISER = "organizer@demo.shubo.live"


async def account_id(server: LiveServer, cookie: str) -> int:
    async with server.http() as http:
        me = await http.get("/api/me", headers={"Cookie": cookie})
    return me.json()["account"]["id"]  # type: ignore[no-any-return]


async def pending_question(server: LiveServer, mod: Peer, forum: int, text: str) -> int:
    """A question waiting for approval in `forum` (pre-moderation on while it is asked)."""
    _, asker = await register(server, "提问者 Asker")
    await mod.command("forum.set_pre_moderation", {"forum": forum, "enabled": True})
    async with server.connect(asker) as ws:
        asked = await Peer(ws).command("question.ask", {"forum": forum, "text": text})
    await mod.command("forum.set_pre_moderation", {"forum": forum, "enabled": False})
    assert asked["data"]["question"]["state"] == "pending", asked
    return asked["data"]["question"]["id"]  # type: ignore[no-any-return]


def state_of(page: dict[str, Any], question: int) -> str | None:
    return next((q["state"] for q in page["questions"] if q["id"] == question), None)


async def test_a_speaker_banned_from_their_room_cannot_answer_a_pending_question_there(
    server: LiveServer,
):
    moderator, speaker = await server.sign_in(MODERATOR), await server.sign_in(SPEAKER)
    speaker_id = await account_id(server, speaker)
    async with server.connect(moderator) as mod_ws, server.connect(speaker) as speaker_ws:
        mod, staff = Peer(mod_ws), Peer(speaker_ws)
        qid = await pending_question(server, mod, OWN_ROOM, "封禁后还能回答吗？")
        banned = await mod.command(
            "forum.ban", {"forum": OWN_ROOM, "account": speaker_id, "duration": 5}
        )
        assert banned["type"] == "ok", banned
        answered = await staff.command("question.answer", {"question": qid})
        approved = await staff.command("question.approve", {"question": qid})
        page = await questions(server, OWN_ROOM, moderator)
        await mod.command("forum.lift", {"forum": OWN_ROOM, "account": speaker_id})
        await mod.command("question.hide", {"question": qid})
    assert error(answered) in ("forbidden", "forum.banned")
    assert error(approved) == "forbidden"
    # Still waiting for a moderator: the room never saw it.
    assert state_of(page, qid) == "pending"
    assert state_of(await questions(server, OWN_ROOM), qid) is None


async def test_a_speaker_cannot_answer_in_a_room_where_they_do_not_speak(server: LiveServer):
    moderator, speaker = await server.sign_in(MODERATOR), await server.sign_in(SPEAKER)
    async with server.connect(moderator) as mod_ws, server.connect(speaker) as speaker_ws:
        mod, staff = Peer(mod_ws), Peer(speaker_ws)
        qid = await pending_question(server, mod, OTHER_ROOM, "不是你的房间？")
        answered = await staff.command("question.answer", {"question": qid})
        backstage = await staff.command("subscribe", {"topic": f"backstage:{OTHER_ROOM}"})
        page = await questions(server, OTHER_ROOM, speaker)
        await mod.command("question.hide", {"question": qid})
    assert error(answered) == "forbidden"
    assert error(backstage) == "forbidden"
    assert (page["staff"], page["backstage"]) == (False, None)
    assert state_of(page, qid) is None  # not theirs to see, pending


async def test_a_speaker_answers_and_follows_the_backstage_of_their_own_room(
    server: LiveServer,
):
    moderator, speaker = await server.sign_in(MODERATOR), await server.sign_in(SPEAKER)
    async with server.connect(moderator) as mod_ws, server.connect(speaker) as speaker_ws:
        mod, staff = Peer(mod_ws), Peer(speaker_ws)
        backstage = await staff.command("subscribe", {"topic": f"backstage:{OWN_ROOM}"})
        qid = await pending_question(server, mod, OWN_ROOM, "你的房间，你来回答？")
        page = await questions(server, OWN_ROOM, speaker)
        # Answering it pending would show it unapproved: the moderators' call (qa_rules.py).
        too_soon = await staff.command("question.answer", {"question": qid})
        await mod.command("question.approve", {"question": qid})
        answered = await staff.command("question.answer", {"question": qid})
        await mod.command("question.hide", {"question": qid})
    assert backstage["type"] == "ok", backstage
    assert page["staff"] is True and state_of(page, qid) == "pending"
    assert error(too_soon) == "qa.not_approved"
    assert answered["data"]["question"]["state"] == "answered", answered


async def test_a_moderator_banned_from_a_room_cannot_moderate_it(server: LiveServer):
    """Moderators cannot be banned through `forum.ban`; a ban that predates their role (or was
    written by other tools) still keeps them from moderating that room, and that room only."""
    moderator = await server.sign_in(MODERATOR)
    moderator_id = await account_id(server, moderator)
    async with server.services.db() as db:
        ban = RoomSanction(
            forum_id=OTHER_ROOM,
            account_id=moderator_id,
            kind=SanctionKind.BAN,
            until=utcnow() + timedelta(minutes=5),
            created_by=moderator_id,
        )
        db.add(ban)
        await db.commit()
        await db.refresh(ban)
    try:
        async with server.connect(moderator) as ws:
            mod = Peer(ws)
            there = await mod.command("forum.set_slow_mode", {"forum": OTHER_ROOM, "seconds": 0})
            listed = await mod.command("forum.list_sanctions", {"forum": OTHER_ROOM})
            elsewhere = await mod.command("forum.set_slow_mode", {"forum": 6, "seconds": 0})
    finally:
        async with server.services.db() as db:
            stored = await db.get(RoomSanction, ban.id)
            stored.lifted_at = utcnow()
            await db.commit()
    assert error(there) == "forbidden"
    assert error(listed) == "forbidden"
    assert elsewhere["type"] == "ok", elsewhere


async def test_an_attendee_is_refused_before_the_object_is_looked_up(server: LiveServer):
    """The role is checked first: an attendee answering a question that does not exist hears
    `forbidden`, not whether the question exists."""
    async with server.connect(await server.sign_in(ATTENDEE)) as ws:
        me = Peer(ws)
        assert error(await me.command("question.answer", {"question": 2**31 - 1})) == "forbidden"
        assert error(await me.command("poll.open", {"poll": 2**31 - 1})) == "forbidden"


async def test_a_speaker_taken_off_a_rooms_programme_leaves_its_backstage(server: LiveServer):
    """Commands are checked each time; a followed topic is asked again when the programme
    behind it changes, on every process."""
    speaker = await server.sign_in(SPEAKER)
    organiser = await server.sign_in(ORGANISER)
    session = {
        "starts_at": "2031-03-01T09:00:00+08:00",
        "ends_at": "2031-03-01T10:00:00+08:00",
        "title": {"zh": "临时演讲", "en": "A talk, for now"},
        "speakers": [{"account_id": await account_id(server, speaker)}],
    }
    async with server.http(headers={"Cookie": organiser}) as http:
        created = await http.post(f"/api/forums/{BRIEF_ROOM}/sessions", json=session)
    assert created.status_code == 201, created.text
    async with server.connect(speaker) as ws:
        staff = Peer(ws)
        followed = await staff.command("subscribe", {"topic": f"backstage:{BRIEF_ROOM}"})
        async with server.http(headers={"Cookie": organiser}) as http:
            gone = await http.delete(f"/api/sessions/{created.json()['session']['id']}")
        ended = await staff.event("subscription.ended")
        again = await staff.command("subscribe", {"topic": f"backstage:{BRIEF_ROOM}"})
    assert followed["type"] == "ok", followed
    assert gone.status_code == 200, gone.text
    assert ended == {
        "type": "subscription.ended",
        "topic": f"backstage:{BRIEF_ROOM}",
        "data": {"reason": "forbidden"},
    }
    assert error(again) == "forbidden"
