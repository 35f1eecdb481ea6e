"""A participant sees and touches only their own requests and meetings: a stranger (and the
wrong one of the two) is refused every action on someone else's request or meeting, over the
websocket and over HTTP, and the database is unchanged; bad input is refused with a clear code
and changes nothing."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from expo.models import Role
from matchmaking.models import Meeting, MeetingPlace, MeetingRequest, MeetingSeat
from tests.integration.test_meetings import Connected, Person, people, server
from tests.live import LiveServer
from tests.meetings_setup import new_exhibitor, new_slots

__all__ = ["server"]  # the fixture (SQLite and PostgreSQL), by name

ORGANIZER = "organizer@demo.shubo.live"


async def snapshot(server: LiveServer) -> list[Any]:
    """Every request, meeting, place and seat, as stored."""
    async with server.services.read() as db:
        found = []
        for model, key in (
            (MeetingRequest, MeetingRequest.id),
            (Meeting, Meeting.id),
            (MeetingPlace, MeetingPlace.meeting_id),
            (MeetingSeat, MeetingSeat.meeting_id),
        ):
            rows = (await db.execute(select(model).order_by(col(key)))).scalars().all()
            found.append([r.model_dump() for r in rows])
        return found


async def test_a_stranger_touches_nobody_elses_request_or_meeting(server: LiveServer):
    exhibitor = await new_exhibitor(server.services.db, seats=2)
    one, two = await new_slots(server.services.db, [1, 2])
    buyer, stranger = await people(server, 2, [one, two])
    (staff,) = await people(server, 1, [one, two], exhibitor)
    (colleague,) = await people(server, 1, [one, two], exhibitor)  # staff of the same booth
    organiser = Person(server, 0, await server.sign_in(ORGANIZER))
    async with Connected(server, buyer, staff, stranger, colleague):
        placed_request = await buyer.peer.command("match.request", {"recipient": staff.id})
        meeting = (
            await staff.peer.command(
                "match.accept", {"request": placed_request["data"]["request"]["id"]}
            )
        )["data"]["meeting"]
        pending = (await buyer.peer.command("match.request", {"recipient": colleague.id}))["data"][
            "request"
        ]
        before = await snapshot(server)
        commands = [
            ("match.accept", {"request": pending["id"]}),
            ("match.decline", {"request": pending["id"]}),
            ("match.withdraw", {"request": pending["id"]}),
            ("match.cancel", {"meeting": meeting["id"]}),
            ("match.reschedule", {"meeting": meeting["id"], "slot": two}),
        ]
        refused = {}
        for who in (stranger, staff):  # staff: of the same booth, not this request's
            for name, data in commands:
                if who is staff and name in ("match.cancel", "match.reschedule"):
                    continue  # staff is a party to the meeting
                refused[(who.id, name)] = (await who.peer.command(name, data))["error"]["code"]
        # The requester may not answer their own request; the recipient may not withdraw it.
        own_accept = await buyer.peer.command("match.accept", {"request": pending["id"]})
        others_withdraw = await colleague.peer.command("match.withdraw", {"request": pending["id"]})
        follow = await stranger.peer.command("subscribe", {"topic": f"meeting:{meeting['id']}"})
        follow_account = await stranger.peer.command("subscribe", {"topic": f"account:{buyer.id}"})
    assert set(refused.values()) == {"forbidden"}, refused
    assert own_accept["error"]["code"] == "forbidden"
    assert others_withdraw["error"]["code"] == "forbidden"
    assert follow["error"]["code"] == "forbidden"
    assert follow_account["type"] == "error"
    paths = [
        ("POST", f"/api/match/requests/{pending['id']}/accept", None),
        ("POST", f"/api/match/requests/{pending['id']}/decline", None),
        ("POST", f"/api/match/requests/{pending['id']}/withdraw", None),
        ("POST", f"/api/match/meetings/{meeting['id']}/cancel", {}),
        ("POST", f"/api/match/meetings/{meeting['id']}/reschedule", {"slot": two}),
        ("GET", f"/api/match/meetings/{meeting['id']}", None),
    ]
    codes = {}
    for who in (stranger, organiser):
        for method, path, body in paths:
            codes[(who.id, path)] = (await who.http(method, path, body))[0]
    assert set(codes.values()) == {403}, codes
    # The lists show only one's own.
    status, theirs = await stranger.http("GET", "/api/match/requests")
    assert status == 200 and theirs["sent"] == theirs["received"] == []
    status, listed = await stranger.http("GET", "/api/match/meetings")
    assert status == 200 and listed["meetings"] == []
    assert await snapshot(server) == before


async def test_organisers_take_no_part_and_unknown_objects_are_404(server: LiveServer):
    (slot,) = await new_slots(server.services.db, [1])
    (someone,) = await people(server, 1, [slot])
    organiser = Person(server, 0, await server.sign_in(ORGANIZER))
    status, body = await organiser.http("POST", "/api/match/requests", {"recipient": someone.id})
    assert (status, body["error"]["code"]) == (403, "forbidden")
    for path in ("/api/match/requests/2147483647/accept", "/api/match/meetings/2147483647/cancel"):
        status, body = await someone.http("POST", path, {})
        assert status == 404 and body["error"]["code"] in (
            "match.unknown_request",
            "match.unknown_meeting",
        )
    status, body = await someone.http("POST", "/api/match/requests", {"recipient": someone.id})
    assert (status, body["error"]["code"]) == (400, "match.self")
    status, body = await someone.http("POST", "/api/match/requests", {"note": "no one"})
    assert (status, body["error"]["code"]) == (400, "bad_request")


def test_only_participants_may_ask_for_a_meeting():
    from matchmaking.meetings import permissions

    assert Role.ORGANIZER not in (permissions["match.request"].roles or ())
    assert permissions["match.request"].roles == frozenset(Role) - {Role.ORGANIZER}
