"""Organisers read one person's meetings as iCalendar (`GET /api/match/people/{id}/meetings.ics`),
the very calendar that person gets, and find the busiest people on the dashboard: over a real
server on SQLite and PostgreSQL."""

from __future__ import annotations

from icalendar import Calendar

from tests.integration.test_meetings import Connected, people, server
from tests.live import LiveServer
from tests.meetings_setup import new_slots

__all__ = ["server"]  # the fixture, shared with test_meetings.py

ORGANIZER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"


async def get(server: LiveServer, path: str, cookie: str) -> tuple[int, str, bytes]:
    async with server.http(headers={"Cookie": cookie}) as http:
        response = await http.get(path)
    return response.status_code, response.headers.get("content-type", ""), response.content


async def test_organisers_read_a_persons_calendar_and_no_one_else_does(server: LiveServer):
    (slot,) = await new_slots(server.services.db, [5])
    a, b, c = await people(server, 3, [slot])
    async with Connected(server, a, b):
        sent = await a.peer.command("match.request", {"recipient": b.id})
        placed = await b.peer.command("match.accept", {"request": sent["data"]["request"]["id"]})
    meeting = placed["data"]["meeting"]
    organiser = await server.sign_in(ORGANIZER)
    path = f"/api/match/people/{a.id}/meetings.ics"
    status, kind, body = await get(server, path, organiser)
    assert status == 200 and kind.startswith("text/calendar"), body[:200]
    events = Calendar.from_ical(body).walk("VEVENT")
    uids = [str(e["uid"]) for e in events]
    assert [u.split("@")[0] for u in uids] == [f"meeting-{meeting['id']}"]
    # The same calendar the person reads for themselves.
    _, _, own = await get(server, "/api/match/meetings.ics", a.cookie)
    assert [str(e["uid"]) for e in Calendar.from_ical(own).walk("VEVENT")] == uids
    # Someone with no meetings: a calendar with none.
    status, _, empty = await get(server, f"/api/match/people/{c.id}/meetings.ics", organiser)
    assert status == 200 and Calendar.from_ical(empty).walk("VEVENT") == []
    # Only organisers: not the person's partner, not an attendee.
    for cookie in (b.cookie, await server.sign_in(ATTENDEE)):
        status, _, denied = await get(server, path, cookie)
        assert status == 403, denied
    status, _, missing = await get(server, "/api/match/people/999999/meetings.ics", organiser)
    assert status == 404 and b"match.unknown_person" in missing
    status, _, bad = await get(server, "/api/match/people/0/meetings.ics", organiser)
    assert status == 400, bad
    # The dashboard names the busiest people, for the console's calendar links.
    async with server.http(headers={"Cookie": organiser}) as http:
        dashboard = (await http.get("/api/match/dashboard")).json()["dashboard"]
    busiest = dashboard["busiest_people"]
    assert 1 <= len(busiest) <= 10
    assert all(set(p) == {"account", "name", "organisation", "meetings"} for p in busiest)
    counts = [p["meetings"] for p in busiest]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == dashboard["per_participant"][-1]["meetings"]  # the most anyone has
