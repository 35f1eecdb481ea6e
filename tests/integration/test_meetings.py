"""1:1 meetings over a real server, on SQLite (in-process broker) and PostgreSQL (Redis):
request, accept (placed at once in the earliest common free slot with a free seat), decline,
withdraw, cancel (the freed seat offered again), reschedule, my lists, my calendar, and the
reminder sent once; each change stored, then announced on both people's account topics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlmodel import col, func, select

from expo.models import utcnow
from matchmaking.meeting_reminders import remind_due
from matchmaking.models import (
    MatchBlock,
    MatchSettings,
    MatchSlot,
    Meeting,
    MeetingPlace,
    MeetingRequest,
    MeetingSeat,
)
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.meetings_setup import new_exhibitor, new_people, new_requests, new_slots
from tests.services import REDIS_URL, check_redis, fresh_postgres_database


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('meetings') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        await check_redis()
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url, redis_url=REDIS_URL)) as live:
                yield live


class Person:
    """One of the test's people: their id, and a socket that follows their account topic."""

    def __init__(self, server: LiveServer, account_id: int, cookie: str) -> None:
        self.server, self.id, self.cookie = server, account_id, cookie
        self.peer: Peer

    async def http(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.server.http(headers={"Cookie": self.cookie}) as http:
            response = await http.request(method, path, json=body)
        kind = response.headers.get("content-type", "")
        return response.status_code, response.json() if "json" in kind else response.text


async def people(
    server: LiveServer, count: int, slots: list[int], exhibitor_id: int | None = None
) -> list[Person]:
    made = await new_people(server.services.db, count, slots=slots, exhibitor_id=exhibitor_id)
    return [Person(server, i, await server.sign_in(email)) for i, email in made]


class Connected:
    """People with their sockets open, each following their own account topic."""

    def __init__(self, server: LiveServer, *who: Person) -> None:
        self.server, self.who = server, who
        self._open: list[Any] = []

    async def __aenter__(self) -> Connected:
        for person in self.who:
            ws = await self.server.connect(person.cookie).__aenter__()
            self._open.append(ws)
            person.peer = Peer(ws)
            ok = await person.peer.command("subscribe", {"topic": f"account:{person.id}"})
            assert ok["type"] == "ok", ok
        return self

    async def __aexit__(self, *exc: object) -> None:
        for ws in self._open:
            await ws.close()


async def heard(peer: Peer, kind: str, test: Any) -> dict[str, Any]:
    """The first `kind` event whose data passes `test` (earlier ones of other changes skipped)."""
    for _ in range(30):
        frame = await peer.event(kind)
        if test(frame["data"]):
            return frame
    raise AssertionError(f"no {kind} as expected")


async def rows(server: LiveServer, model: Any, *where: Any) -> list[Any]:
    async with server.services.read() as db:
        return list((await db.execute(select(model).where(*where))).scalars().all())


async def test_accept_places_at_once_in_the_earliest_common_slot_and_both_hear_it(
    server: LiveServer,
):
    exhibitor = await new_exhibitor(server.services.db, seats=1)
    early, middle, late = await new_slots(server.services.db, [1, 2, 3])
    (buyer,) = await people(server, 1, [middle, late])
    (staff,) = await people(server, 1, [early, middle, late], exhibitor)
    (other,) = await people(server, 1, [middle])
    # `middle`'s only seat is taken by another meeting of the exhibitor: `late` is the earliest.
    await new_requests(server.services.db, [(other.id, staff.id)], exhibitor)
    async with Connected(server, buyer, staff, other):
        first = (await other.http("GET", "/api/match/requests"))[1]["sent"][0]
        taken = await staff.peer.command("match.accept", {"request": first["id"]})
        assert taken["data"]["placed"] is True
        assert taken["data"]["meeting"]["slot"]["id"] == middle
        sent = await buyer.peer.command(
            "match.request", {"recipient": staff.id, "note": "想谈谈数据交易 🤝"}
        )
        assert sent["type"] == "ok", sent
        request = sent["data"]["request"]
        assert request["status"] == "pending" and request["exhibitor"]["id"] == exhibitor
        news = await heard(
            staff.peer, "match.request_changed", lambda d: d["request"]["id"] == request["id"]
        )
        assert news["data"]["request"]["note"] == "想谈谈数据交易 🤝"
        accepted = await staff.peer.command("match.accept", {"request": request["id"]})
        assert accepted["type"] == "ok", accepted
        meeting = accepted["data"]["meeting"]
        assert accepted["data"]["placed"] is True
        assert meeting["slot"]["id"] == late and meeting["seat"] == 0
        assert meeting["with"]["id"] == buyer.id
        told = await heard(buyer.peer, "match.meeting_changed", lambda d: True)
        assert told["data"]["meeting"]["id"] == meeting["id"]
        assert told["data"]["meeting"]["with"]["id"] == staff.id
        assert told["data"]["version"] == 1
        changed = await heard(
            buyer.peer, "match.request_changed", lambda d: d["request"]["status"] == "accepted"
        )
        assert changed["data"]["request"]["meeting"] == meeting["id"]
    status, mine = await buyer.http("GET", "/api/match/meetings")
    assert status == 200 and [m["id"] for m in mine["meetings"]] == [meeting["id"]]
    status, one = await staff.http("GET", f"/api/match/meetings/{meeting['id']}")
    assert status == 200 and one["meeting"]["with"]["id"] == buyer.id
    places = await rows(server, MeetingPlace, col(MeetingPlace.meeting_id) == meeting["id"])
    assert {(p.account_id, p.slot_id) for p in places} == {(buyer.id, late), (staff.id, late)}
    seats = await rows(server, MeetingSeat, col(MeetingSeat.exhibitor_id) == exhibitor)
    assert sorted((s.slot_id, s.seat) for s in seats) == [(middle, 0), (late, 0)]
    # My calendar: one event, its room linked.
    status, ics = await buyer.http("GET", "/api/match/meetings.ics")
    assert status == 200
    events = [c for c in Calendar.from_ical(ics).walk("VEVENT")]
    assert len(events) == 1
    assert str(events[0]["uid"]).startswith(f"meeting-{meeting['id']}@")
    assert str(events[0]["url"]).endswith(f"/#/meeting/{meeting['id']}")
    assert "洽谈者 0" in str(events[0]["summary"])  # the staff member met (one of one)


async def test_no_common_free_slot_accepts_and_says_the_scheduler_will_place_it(
    server: LiveServer,
):
    one, two = await new_slots(server.services.db, [1, 2])
    (buyer,) = await people(server, 1, [one])
    (seller,) = await people(server, 1, [two])
    async with Connected(server, buyer, seller):
        sent = await buyer.peer.command("match.request", {"recipient": seller.id})
        accepted = await seller.peer.command(
            "match.accept", {"request": sent["data"]["request"]["id"]}
        )
    data = accepted["data"]
    assert data["placed"] is False
    assert data["reason"]["code"] == "match.no_common_slot"
    assert "scheduler" in data["reason"]["message"]
    assert data["request"]["status"] == "accepted" and data["request"]["meeting"] is None
    assert await rows(server, Meeting, col(Meeting.request_id) == data["request"]["id"]) == []


async def test_decline_and_withdraw_answer_requests_and_a_pending_request_blocks_no_slot(
    server: LiveServer,
):
    (slot,) = await new_slots(server.services.db, [1])
    a, b, c = await people(server, 3, [slot])
    async with Connected(server, a, b, c):
        to_b = (await a.peer.command("match.request", {"recipient": b.id}))["data"]["request"]
        to_c = (await a.peer.command("match.request", {"recipient": c.id}))["data"]["request"]
        c_to_b = (await c.peer.command("match.request", {"recipient": b.id}))["data"]["request"]
        declined = await b.peer.command("match.decline", {"request": to_b["id"]})
        again = await b.peer.command("match.accept", {"request": to_b["id"]})
        withdrawn = await a.peer.command("match.withdraw", {"request": to_c["id"]})
        # a's pending requests held none of a's, b's or c's slot: b meets c in it.
        placed = await b.peer.command("match.accept", {"request": c_to_b["id"]})
        news = await heard(a.peer, "match.request_changed", lambda d: True)
    assert declined["data"]["request"]["status"] == "declined"
    assert again["error"]["code"] == "match.not_pending"
    assert withdrawn["data"]["request"]["status"] == "cancelled"
    assert placed["data"]["placed"] is True and placed["data"]["meeting"]["slot"]["id"] == slot
    assert news["data"]["request"]["requester"]["id"] == a.id
    status, mine = await a.http("GET", "/api/match/requests")
    assert status == 200
    assert {r["id"]: r["status"] for r in mine["sent"]} == {
        to_b["id"]: "declined",
        to_c["id"]: "cancelled",
    }
    assert mine["pending_sent"] == 0


async def test_cancel_frees_the_seat_and_offers_it_to_the_oldest_waiting_request(
    server: LiveServer,
):
    exhibitor = await new_exhibitor(server.services.db, seats=1)
    (slot,) = await new_slots(server.services.db, [1])
    first, second = await people(server, 2, [slot])
    staff_a, staff_b = await people(server, 2, [slot], exhibitor)
    async with Connected(server, first, second, staff_a, staff_b):
        r1 = (await first.peer.command("match.request", {"recipient": staff_a.id}))["data"]
        r2 = (await second.peer.command("match.request", {"recipient": staff_b.id}))["data"]
        placed = await staff_a.peer.command("match.accept", {"request": r1["request"]["id"]})
        waiting = await staff_b.peer.command("match.accept", {"request": r2["request"]["id"]})
        assert placed["data"]["placed"] is True
        assert waiting["data"]["placed"] is False  # the exhibitor's only seat is taken
        meeting = placed["data"]["meeting"]
        cancelled = await first.peer.command(
            "match.cancel", {"meeting": meeting["id"], "reason": "行程有变"}
        )
        told = await heard(
            staff_a.peer, "match.meeting_changed", lambda d: d["meeting"]["status"] == "cancelled"
        )
        repaired = await heard(second.peer, "match.meeting_changed", lambda d: True)
    assert cancelled["data"]["meeting"]["status"] == "cancelled"
    assert cancelled["data"]["repaired"] == 1
    assert told["data"]["reason"] == "行程有变" and told["data"]["cancelled_by"] == first.id
    assert repaired["data"]["meeting"]["slot"]["id"] == slot
    assert repaired["data"]["meeting"]["placed_by"] == "repair"
    seats = await rows(server, MeetingSeat, col(MeetingSeat.exhibitor_id) == exhibitor)
    assert [s.meeting_id for s in seats] == [repaired["data"]["meeting"]["id"]]
    assert await rows(server, MeetingPlace, col(MeetingPlace.account_id) == first.id) == []
    (request,) = await rows(server, MeetingRequest, col(MeetingRequest.id) == r1["request"]["id"])
    assert request.status == "cancelled"
    again = await first.http("POST", f"/api/match/meetings/{meeting['id']}/cancel", {})
    assert again[0] == 409 and again[1]["error"]["code"] == "match.meeting_cancelled"


async def test_reschedule_moves_to_a_slot_both_are_free_in_or_says_why_not(server: LiveServer):
    exhibitor = await new_exhibitor(server.services.db, seats=1)
    one, two, three, four = await new_slots(server.services.db, [1, 2, 3, 4])
    buyer, rival = await people(server, 2, [one, two, three])
    (staff,) = await people(server, 1, [one, two, three, four], exhibitor)
    (staff_b,) = await people(server, 1, [three], exhibitor)
    async with Connected(server, buyer, staff, rival, staff_b):
        sent = await buyer.peer.command("match.request", {"recipient": staff.id})
        placed = await staff.peer.command(
            "match.accept", {"request": sent["data"]["request"]["id"]}
        )
        meeting = placed["data"]["meeting"]
        assert meeting["slot"]["id"] == one
        # Slot three: the exhibitor's only seat taken by staff_b's meeting with the rival.
        r = await rival.peer.command("match.request", {"recipient": staff_b.id})
        other = await staff_b.peer.command("match.accept", {"request": r["data"]["request"]["id"]})
        assert other["data"]["meeting"]["slot"]["id"] == three
        not_free = await buyer.peer.command(
            "match.reschedule", {"meeting": meeting["id"], "slot": four}
        )
        taken = await buyer.peer.command(
            "match.reschedule", {"meeting": meeting["id"], "slot": three}
        )
        unknown = await buyer.peer.command(
            "match.reschedule", {"meeting": meeting["id"], "slot": 2**31 - 1}
        )
        moved = await staff.peer.command(
            "match.reschedule", {"meeting": meeting["id"], "slot": two}
        )
        told = await heard(buyer.peer, "match.meeting_changed", lambda d: d["version"] == 2)
    assert not_free["error"]["code"] == "match.not_available"
    assert taken["error"]["code"] == "match.slot_taken"
    assert unknown["error"]["code"] == "match.unknown_slot"
    assert moved["data"]["meeting"]["slot"]["id"] == two
    assert told["data"]["meeting"]["slot"]["id"] == two and told["data"]["moved_by"] == staff.id
    places = await rows(server, MeetingPlace, col(MeetingPlace.meeting_id) == meeting["id"])
    assert {p.slot_id for p in places} == {two}
    seats = await rows(server, MeetingSeat, col(MeetingSeat.meeting_id) == meeting["id"])
    assert [(s.slot_id, s.seat) for s in seats] == [(two, 0)]


async def test_bad_requests_get_a_clear_error_and_change_nothing(server: LiveServer):
    (slot,) = await new_slots(server.services.db, [1])
    me, friend, blocker, hidden, duplicate = await people(server, 5, [slot])
    async with server.services.db() as db:
        db.add(MatchBlock(account_id=blocker.id, blocked_id=me.id))
        row = await db.get(MatchSettings, 1) or MatchSettings(id=1)
        cap = row.open_request_cap
        await db.commit()
    async with server.services.db() as db:
        from matchmaking.models import MatchProfile

        profile = await db.get(MatchProfile, hidden.id)
        assert profile is not None
        profile.visible = False
        db.add(profile)
        await db.commit()

    async def count() -> int:
        async with server.services.read() as db:
            found = await db.execute(
                select(func.count())
                .select_from(MeetingRequest)
                .where(col(MeetingRequest.requester_id) == me.id)
            )
            return int(found.scalar_one())

    async with Connected(server, me, duplicate):
        ok = await me.peer.command("match.request", {"recipient": duplicate.id})
        assert ok["type"] == "ok"
        before = await count()
        replies = {
            "self": await me.peer.command("match.request", {"recipient": me.id}),
            "blocked": await me.peer.command("match.request", {"recipient": blocker.id}),
            "hidden": await me.peer.command("match.request", {"recipient": hidden.id}),
            "nobody": await me.peer.command("match.request", {"recipient": 2**31 - 1}),
            "duplicate": await me.peer.command("match.request", {"recipient": duplicate.id}),
            "reverse": await duplicate.peer.command("match.request", {"recipient": me.id}),
            "long": await me.peer.command(
                "match.request", {"recipient": friend.id, "note": "长" * 301}
            ),
            "typed": await me.peer.command("match.request", {"recipient": str(friend.id)}),
        }
        after = await count()
    codes = {k: v["error"]["code"] for k, v in replies.items()}
    assert codes == {
        "self": "match.self",
        "blocked": "match.unknown_profile",
        "hidden": "match.unknown_profile",
        "nobody": "match.unknown_profile",
        "duplicate": "match.duplicate",
        "reverse": "match.duplicate",
        "long": "match.note_too_long",
        "typed": "bad_request",
    }
    # A block reads exactly like nobody there.
    assert replies["blocked"]["error"]["message"].replace(str(blocker.id), "N") == replies[
        "hidden"
    ]["error"]["message"].replace(str(hidden.id), "N")
    assert after == before
    # The cap: pending requests sent, up to the organisers' setting.
    others = await people(server, cap, [slot])
    async with Connected(server, me):
        answers = [await me.peer.command("match.request", {"recipient": o.id}) for o in others]
    assert [a["type"] for a in answers[: cap - 1]] == ["ok"] * (cap - 1)
    assert answers[-1]["error"]["code"] == "match.cap"
    assert await count() == before + cap - 1


async def test_a_reminder_goes_to_both_shortly_before_and_only_once(server: LiveServer):
    (soon,) = await new_slots(server.services.db, [0.1])  # six minutes from now
    a, b = await people(server, 2, [soon])
    async with Connected(server, a, b):
        sent = await a.peer.command("match.request", {"recipient": b.id})
        placed = await b.peer.command("match.accept", {"request": sent["data"]["request"]["id"]})
        meeting = placed["data"]["meeting"]
        at = utcnow()
        first = await remind_due(server.services, at)
        second = await remind_due(server.services, at + timedelta(seconds=1))
        reminded = [await p.peer.event("match.reminder") for p in (a, b)]
    assert meeting["id"] in first and meeting["id"] not in second
    assert [r["data"]["meeting"]["id"] for r in reminded] == [meeting["id"]] * 2
    assert reminded[0]["data"]["meeting"]["with"]["id"] == b.id


async def test_a_slot_that_has_begun_is_never_used(server: LiveServer):
    past, future = await new_slots(server.services.db, [-0.2, 2])
    a, b = await people(server, 2, [past, future])
    async with Connected(server, a, b):
        sent = await a.peer.command("match.request", {"recipient": b.id})
        placed = await b.peer.command("match.accept", {"request": sent["data"]["request"]["id"]})
        meeting = placed["data"]["meeting"]
        back = await a.peer.command("match.reschedule", {"meeting": meeting["id"], "slot": past})
    assert meeting["slot"]["id"] == future
    assert back["error"]["code"] == "match.slot_past"
    async with server.services.read() as db:
        assert await db.get(MatchSlot, past) is not None


async def test_a_calendar_app_reads_my_meetings_with_a_read_token_and_may_do_nothing_else(
    server: LiveServer,
):
    import hashlib
    import secrets

    from expo.models import ApiToken, TokenScope

    (slot,) = await new_slots(server.services.db, [5])
    a, b = await people(server, 2, [slot])
    async with Connected(server, a, b):
        sent = await a.peer.command("match.request", {"recipient": b.id})
        placed = await b.peer.command("match.accept", {"request": sent["data"]["request"]["id"]})
    meeting = placed["data"]["meeting"]
    secret = secrets.token_urlsafe(24)
    async with server.services.db() as db:  # as an organiser issues one (POST /api/tokens)
        db.add(
            ApiToken(
                token_hash=hashlib.sha256(secret.encode()).hexdigest(),
                name="calendar",
                account_id=a.id,
                issued_by=a.id,
                scope=TokenScope.READ,
            )
        )
        await db.commit()
    bearer = {"Authorization": f"Bearer {secret}"}
    async with server.http(headers=bearer) as http:
        ics = await http.get("/api/match/meetings.ics")
        cancel = await http.post(f"/api/match/meetings/{meeting['id']}/cancel", json={})
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(event["uid"]).startswith(f"meeting-{meeting['id']}@")
    assert int(event["sequence"]) == 1
    assert (cancel.status_code, cancel.json()["error"]["code"]) == (403, "token.read_only")
    (still,) = await rows(server, Meeting, col(Meeting.id) == meeting["id"])
    assert still.status == "confirmed"


async def test_accepts_racing_for_two_slots_fill_both_and_losers_try_the_next_slot(
    server: LiveServer,
):
    """Ten staff of one exhibitor with one seat accept at once: the first slot's seat goes to
    one, a loser of that insert tries the next slot and gets it, the rest wait unplaced."""
    import asyncio

    exhibitor = await new_exhibitor(server.services.db, seats=1)
    first, second = await new_slots(server.services.db, [1, 2])
    buyers = await people(server, 10, [first, second])
    staff = await people(server, 10, [first, second], exhibitor)
    requests = await new_requests(
        server.services.db, [(b.id, s.id) for b, s in zip(buyers, staff, strict=True)], exhibitor
    )
    async with Connected(server, *staff):
        replies = await asyncio.gather(
            *(
                s.peer.command("match.accept", {"request": r})
                for s, r in zip(staff, requests, strict=True)
            )
        )
    placed = [r["data"]["meeting"]["slot"]["id"] for r in replies if r["data"]["placed"]]
    assert sorted(placed) == [first, second]
    seats = await rows(server, MeetingSeat, col(MeetingSeat.exhibitor_id) == exhibitor)
    assert sorted((s.slot_id, s.seat) for s in seats) == [(first, 0), (second, 0)]


async def test_a_block_after_a_request_hides_it_and_refuses_its_accept(server: LiveServer):
    (slot,) = await new_slots(server.services.db, [1])
    asker, asked = await people(server, 2, [slot])
    async with Connected(server, asker, asked):
        sent = await asker.peer.command("match.request", {"recipient": asked.id})
    request_id = sent["data"]["request"]["id"]
    async with server.services.db() as db:
        db.add(MatchBlock(account_id=asker.id, blocked_id=asked.id))
        await db.commit()
    status, listed = await asked.http("GET", "/api/match/requests")
    assert status == 200 and listed["received"] == []  # the blocked never see each other
    status, body = await asked.http("POST", f"/api/match/requests/{request_id}/accept")
    assert (status, body["error"]["code"]) == (404, "match.unknown_profile")
    (stored,) = await rows(server, MeetingRequest, col(MeetingRequest.id) == request_id)
    assert stored.status == "pending" and stored.version == 1
