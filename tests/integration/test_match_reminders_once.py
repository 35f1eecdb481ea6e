"""A meeting's reminder reaches each of its two people exactly once, even when the broker fails
between the two: over a real server on SQLite and PostgreSQL (with Redis)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from expo.errors import Unavailable
from matchmaking.meeting_reminders import remind_due
from matchmaking.models import Meeting
from tests.integration.test_meetings import Connected, Person, people, server
from tests.live import LiveServer, Peer
from tests.meetings_setup import new_slots

__all__ = ["server"]  # the fixture, shared with test_meetings.py


async def more_reminders(person: Person) -> list[dict[str, Any]]:
    """Reminders this person has beyond those read (a command's reply reads what came before)."""
    peer: Peer = person.peer
    await peer.command("subscribe", {"topic": f"account:{person.id}"})
    heard = [e for e in peer.events if e["type"] == "match.reminder"]
    peer.events = [e for e in peer.events if e["type"] != "match.reminder"]
    return heard


async def test_a_broker_failing_the_second_reminder_never_reminds_the_first_twice(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    (later,) = await new_slots(server.services.db, [2])  # well out of the background job's reach
    a, b = await people(server, 2, [later])
    hub = server.services.hub
    publish = hub.publish

    async def second_fails(topic: str, kind: str, data: object) -> Any:
        if kind == "match.reminder" and topic == f"account:{b.id}":
            raise Unavailable(message="The event broker cannot be reached.")
        return await publish(topic, kind, data)

    async with Connected(server, a, b):
        sent = await a.peer.command("match.request", {"recipient": b.id})
        placed = await b.peer.command("match.accept", {"request": sent["data"]["request"]["id"]})
        meeting = placed["data"]["meeting"]
        at = datetime.fromisoformat(meeting["slot"]["starts_at"]) - timedelta(minutes=5)
        monkeypatch.setattr(hub, "publish", second_fails)
        first = await remind_due(server.services, at)
        monkeypatch.setattr(hub, "publish", publish)  # the broker is back
        second = await remind_due(server.services, at + timedelta(seconds=30))
        to_a = await a.peer.event("match.reminder")
        to_b = await b.peer.event("match.reminder")  # the kept one, retried by this process
        again_a, again_b = await more_reminders(a), await more_reminders(b)
    async with server.services.read() as db:
        stored = await db.get(Meeting, meeting["id"])
    assert meeting["id"] in first and meeting["id"] not in second
    assert to_a["data"]["meeting"]["id"] == to_b["data"]["meeting"]["id"] == meeting["id"]
    assert (again_a, again_b) == ([], [])
    assert stored is not None and stored.reminded_at is not None  # claimed, not given back
    assert hub.announcer.waiting() == 0


async def test_a_broker_failing_the_first_reminder_gives_the_meeting_back(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
):
    (later,) = await new_slots(server.services.db, [3])
    a, b = await people(server, 2, [later])
    hub = server.services.hub
    publish = hub.publish

    async def down(topic: str, kind: str, data: object) -> Any:
        if kind == "match.reminder":
            raise Unavailable(message="The event broker cannot be reached.")
        return await publish(topic, kind, data)

    async with Connected(server, a, b):
        sent = await a.peer.command("match.request", {"recipient": b.id})
        placed = await b.peer.command("match.accept", {"request": sent["data"]["request"]["id"]})
        meeting = placed["data"]["meeting"]
        at = datetime.fromisoformat(meeting["slot"]["starts_at"]) - timedelta(minutes=5)
        monkeypatch.setattr(hub, "publish", down)
        failed = await remind_due(server.services, at)
        kept = hub.announcer.waiting()
        monkeypatch.setattr(hub, "publish", publish)
        again = await remind_due(server.services, at + timedelta(seconds=30))
        heard = [await p.peer.event("match.reminder") for p in (a, b)]
        more = [await more_reminders(p) for p in (a, b)]
    assert (failed, kept) == ([], 0)
    assert again == [meeting["id"]]
    assert [r["data"]["meeting"]["id"] for r in heard] == [meeting["id"]] * 2
    assert more == [[], []]
