"""A block reaches every corner of matchmaking, over a real server on SQLite and PostgreSQL
(+ Redis): blocking cancels what is open between the two (pending and accepted requests, the
meetings to come, their places and seats freed and offered again) in the block's transaction,
and both hear "cancelled" and nothing of who blocked; a meeting already held is hidden from the
lists, the calendar and the room (404, as if there were none). Also: either of the two backs
out of an accepted request still waiting for a slot, and the calendar reads its meetings once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlmodel import col

from expo.models import utcnow
from matchmaking.models import (
    MatchBlock,
    MatchSlot,
    Meeting,
    MeetingPlace,
    MeetingRequest,
    MeetingSeat,
)
from tests.integration.test_meetings import Connected, heard, people, rows
from tests.live import LiveServer, live_server, make_settings, prepare_demo_database
from tests.meetings_setup import new_exhibitor, new_slots
from tests.services import REDIS_URL, check_redis, fresh_postgres_database
from tests.statements import statements


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    # No reminder sweep while a test counts the statements of one request.
    quiet = {"reminder_interval": 3600.0}
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('blocks') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url, **quiet)) as live:
            yield live
    else:
        await check_redis()
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url, redis_url=REDIS_URL, **quiet)) as live:
                yield live


async def meeting_at(server: LiveServer, one: int, other: int, hours: float) -> int:
    """An accepted request and its confirmed meeting in a slot `hours` from now, written as
    rows (a meeting already held cannot be made through the commands)."""
    start = utcnow() + timedelta(hours=hours)
    async with server.services.db() as db:
        slot = MatchSlot(starts_at=start, ends_at=start + timedelta(minutes=30))
        db.add(slot)
        await db.flush()
        request = MeetingRequest(
            requester_id=one, recipient_id=other, status="accepted", answered_at=utcnow()
        )
        db.add(request)
        await db.flush()
        assert slot.id is not None and request.id is not None
        meeting = Meeting(
            request_id=request.id, requester_id=one, recipient_id=other, slot_id=slot.id
        )
        db.add(meeting)
        await db.flush()
        assert meeting.id is not None
        db.add_all(
            MeetingPlace(account_id=a, slot_id=slot.id, meeting_id=meeting.id)
            for a in sorted((one, other))
        )
        await db.commit()
        return meeting.id


def code(reply: dict[str, Any]) -> str | None:
    return reply.get("error", {}).get("code")  # type: ignore[no-any-return]


async def test_blocking_cancels_what_is_open_between_the_two_and_both_hear_only_cancelled(
    server: LiveServer,
):
    exhibitor = await new_exhibitor(server.services.db, seats=1)
    (slot,) = await new_slots(server.services.db, [1])
    (lonely,) = await new_slots(server.services.db, [2])
    blocker, asked, waiting, other_buyer = await people(server, 4, [slot])
    (pestered,) = await people(server, 1, [lonely])  # no common slot with the blocker
    staff, colleague = await people(server, 2, [slot], exhibitor)
    async with Connected(server, blocker, asked, waiting, staff, colleague, other_buyer, pestered):
        meeting = (
            await staff.peer.command(
                "match.accept",
                {
                    "request": (
                        await blocker.peer.command("match.request", {"recipient": staff.id})
                    )["data"]["request"]["id"]
                },
            )
        )["data"]["meeting"]
        # Another buyer waits for the exhibitor's only seat in `slot` (accepted, unplaced).
        queued = await colleague.peer.command(
            "match.accept",
            {
                "request": (
                    await other_buyer.peer.command("match.request", {"recipient": colleague.id})
                )["data"]["request"]["id"]
            },
        )
        assert queued["data"]["placed"] is False
        pending = (await blocker.peer.command("match.request", {"recipient": asked.id}))["data"]
        unplaced = await pestered.peer.command(
            "match.accept",
            {
                "request": (
                    await blocker.peer.command("match.request", {"recipient": pestered.id})
                )["data"]["request"]["id"]
            },
        )
        assert unplaced["data"]["placed"] is False
        _, before = await blocker.http("GET", "/api/match/requests")
        assert before["pending_sent"] == 1
        for them in (staff, asked, pestered):
            status, body = await blocker.http("POST", f"/api/match/blocks/{them.id}")
            assert (status, body) == (200, {"account": them.id, "blocked": True})
        # The blocked: their meeting and requests cancelled, and no word of who or why.
        told = await heard(
            staff.peer, "match.meeting_changed", lambda d: d["meeting"]["status"] == "cancelled"
        )
        asked_news = await heard(
            asked.peer, "match.request_changed", lambda d: d["request"]["status"] == "cancelled"
        )
        pestered_news = await heard(
            pestered.peer, "match.request_changed", lambda d: d["request"]["status"] == "cancelled"
        )
        mine = await heard(
            blocker.peer, "match.meeting_changed", lambda d: d["meeting"]["status"] == "cancelled"
        )
        # The seat it freed went at once to the request waiting for it.
        repaired = await heard(other_buyer.peer, "match.meeting_changed", lambda d: True)
    assert told["data"]["meeting"]["id"] == meeting["id"]
    assert "cancelled_by" not in told["data"] and "reason" not in told["data"]
    assert mine["data"]["meeting"]["id"] == meeting["id"]
    assert asked_news["data"]["request"]["id"] == pending["request"]["id"]
    assert pestered_news["data"]["request"]["id"] == unplaced["data"]["request"]["id"]
    assert repaired["data"]["meeting"]["placed_by"] == "repair"
    (stored,) = await rows(server, Meeting, col(Meeting.id) == meeting["id"])
    assert stored.status == "cancelled"
    assert await rows(server, MeetingPlace, col(MeetingPlace.meeting_id) == meeting["id"]) == []
    assert await rows(server, MeetingSeat, col(MeetingSeat.meeting_id) == meeting["id"]) == []
    sent = await rows(server, MeetingRequest, col(MeetingRequest.requester_id) == blocker.id)
    assert {r.status for r in sent} == {"cancelled"}
    # The cap is free again, and nothing hidden is left open on either side.
    _, after = await blocker.http("GET", "/api/match/requests")
    assert after["pending_sent"] == 0
    for person in (blocker, staff):
        _, listed = await person.http("GET", "/api/match/meetings")
        assert meeting["id"] not in [m["id"] for m in listed["meetings"]]
    # Blocking again is one block and changes nothing more.
    status, _ = await blocker.http("POST", f"/api/match/blocks/{staff.id}")
    assert status == 200
    (again,) = await rows(server, Meeting, col(Meeting.id) == meeting["id"])
    assert again.version == stored.version


async def test_a_meeting_held_before_a_block_is_hidden_everywhere_and_its_room_is_gone(
    server: LiveServer,
):
    (slot,) = await new_slots(server.services.db, [3])
    one, other = await people(server, 2, [slot])
    held = await meeting_at(server, one.id, other.id, -2)  # over before the block
    async with Connected(server, one, other):
        said = await one.peer.command("meeting.say", {"meeting": held, "text": "谢谢 thanks"})
        assert said["type"] == "ok", said
    status, _ = await other.http("POST", f"/api/match/blocks/{one.id}")
    assert status == 200
    (kept,) = await rows(server, Meeting, col(Meeting.id) == held)
    assert kept.status == "confirmed"  # a meeting held is history: hidden, not changed
    async with Connected(server, one, other):
        for person in (one, other):
            _, listed = await person.http("GET", "/api/match/meetings")
            assert held not in [m["id"] for m in listed["meetings"]]
            status, body = await person.http("GET", f"/api/match/meetings/{held}")
            assert (status, body["error"]["code"]) == (404, "match.unknown_meeting")
            status, ics = await person.http("GET", "/api/match/meetings.ics")
            assert status == 200 and list(Calendar.from_ical(ics).walk("VEVENT")) == []
            for path in (
                f"/api/match/meetings/{held}/room",
                f"/api/match/meetings/{held}/messages",
            ):
                status, body = await person.http("GET", path)
                assert (status, body["error"]["code"]) == (404, "match.unknown_meeting"), path
            replies = [
                await person.peer.command("meeting.say", {"meeting": held, "text": "还在吗"}),
                await person.peer.command("meeting.signal", {"meeting": held, "kind": "ready"}),
                await person.peer.command("meeting.signal", {"meeting": held, "kind": "hangup"}),
            ]
            assert [code(r) for r in replies] == ["match.unknown_meeting"] * 3
            # Nor does its topic admit them: a room gone for the one is gone for the other.
            followed = await person.peer.command("subscribe", {"topic": f"meeting:{held}"})
            assert code(followed) == "match.unknown_meeting", followed


async def test_a_block_written_before_the_fix_hides_and_frees_what_it_left_open(
    server: LiveServer,
):
    """Defence in depth: a block row next to an open meeting and a pending request (as a
    block stored before blocking cancelled things left them): hidden, the room refused, the
    pending request no longer counted against the cap."""
    (slot,) = await new_slots(server.services.db, [4])
    one, other, third = await people(server, 3, [slot])
    future = await meeting_at(server, one.id, other.id, 5)
    async with Connected(server, one):
        sent = await one.peer.command("match.request", {"recipient": third.id})
    assert sent["type"] == "ok"
    async with server.services.db() as db:
        db.add(MatchBlock(account_id=other.id, blocked_id=one.id))
        db.add(MatchBlock(account_id=third.id, blocked_id=one.id))
        await db.commit()
    _, mine = await one.http("GET", "/api/match/requests")
    assert mine["pending_sent"] == 0 and mine["sent"] == []
    _, listed = await one.http("GET", "/api/match/meetings")
    assert future not in [m["id"] for m in listed["meetings"]]
    status, body = await other.http("GET", f"/api/match/meetings/{future}/room")
    assert (status, body["error"]["code"]) == (404, "match.unknown_meeting")


async def test_either_of_the_two_backs_out_of_an_accepted_request_waiting_for_a_slot(
    server: LiveServer,
):
    one, two = await new_slots(server.services.db, [1, 2])
    (asker,) = await people(server, 1, [one])
    (asked, asked_too) = await people(server, 2, [two])  # no common slot with the asker
    (stranger,) = await people(server, 1, [one, two])
    async with Connected(server, asker, asked, asked_too, stranger):
        first = (await asker.peer.command("match.request", {"recipient": asked.id}))["data"]
        second = (await asker.peer.command("match.request", {"recipient": asked_too.id}))["data"]
        first_id, second_id = first["request"]["id"], second["request"]["id"]
        # Pending: the recipient answers it (decline), they do not withdraw it.
        early = await asked.peer.command("match.withdraw", {"request": first_id})
        for request_id, person in ((first_id, asked), (second_id, asked_too)):
            accepted = await person.peer.command("match.accept", {"request": request_id})
            assert accepted["data"]["placed"] is False
        nosy = await stranger.peer.command("match.withdraw", {"request": first_id})
        backed_out = await asked.peer.command("match.withdraw", {"request": first_id})
        news = await heard(
            asker.peer,
            "match.request_changed",
            lambda d: d["request"]["id"] == first_id and d["request"]["status"] == "cancelled",
        )
    status, over_http = await asked_too.http("POST", f"/api/match/requests/{second_id}/withdraw")
    assert code(early) == "forbidden"  # pending: the recipient declines it
    assert code(nosy) == "forbidden"
    assert backed_out["data"]["request"]["status"] == "cancelled"
    assert news["data"]["request"]["recipient"]["id"] == asked.id
    assert status == 200 and over_http["request"]["status"] == "cancelled"
    status, body = await stranger.http("POST", f"/api/match/requests/{second_id}/withdraw")
    assert (status, body["error"]["code"]) == (403, "forbidden")


async def calendar_statements(server: LiveServer, meetings: int) -> int:
    (me,) = await people(server, 1, [])
    partners = await people(server, meetings, [])
    for n, partner in enumerate(partners):
        await meeting_at(server, me.id, partner.id, 10 + n)
    await me.http("GET", "/api/match/meetings.ics")  # the session warmed, as for the next one
    with statements(server) as every:
        status, ics = await me.http("GET", "/api/match/meetings.ics")
    assert status == 200 and len(list(Calendar.from_ical(ics).walk("VEVENT"))) == meetings
    seen = [sql for sql in every if "meeting" in sql or "match_slot" in sql]
    assert seen, "the calendar read its meetings somewhere"
    return len(seen)


async def test_the_calendar_reads_its_meetings_once_however_many_there_are(server: LiveServer):
    assert await calendar_statements(server, 4) == await calendar_statements(server, 1)
