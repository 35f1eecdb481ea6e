"""Schedule interchange over real HTTP: the exports of the demo expo validate against the public
c3voc schemas, an organiser's import round-trips them into an empty programme without loss,
and what cannot be imported is refused as a whole."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import delete, text
from sqlmodel import col, select

from expo.db import make_engine, make_sessionmaker
from forums.models import Forum, ForumSession, SessionPerson
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.schedules import comparable, events_of, json_errors, load, xml_errors
from tests.services import fresh_postgres_database

PUBLIC = "https://live.shubo.example"  # both servers link to the same place: exports compare
ORGANIZER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"
JSON_URL, XML_URL, ICS_URL = (f"/api/programme/schedule.{x}" for x in ("json", "xml", "ics"))
IMPORT_URL = "/api/programme/import"


async def emptied(url: str, *, rooms: bool = False) -> str:
    """A demo database with no programme (and, with `rooms`, no forums either)."""
    await prepare_demo_database(url)
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as db:
        await db.execute(delete(SessionPerson))
        await db.execute(delete(ForumSession))
        if rooms:
            await db.execute(delete(Forum))
        await db.commit()
    await engine.dispose()
    return url


@pytest.fixture(scope="module")
async def source(demo_sqlite: str) -> AsyncIterator[LiveServer]:
    """The demo expo, as seeded."""
    async with live_server(make_settings(demo_sqlite, public_url=PUBLIC)) as live:
        yield live


@pytest.fixture
async def empty(tmp_path: Path) -> AsyncIterator[LiveServer]:
    """The demo expo's rooms and accounts with an empty programme."""
    url = await emptied(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    async with live_server(make_settings(url, public_url=PUBLIC)) as live:
        yield live


async def get(server: LiveServer, url: str) -> Any:
    async with server.http() as http:
        return await http.get(url)


async def import_as(
    server: LiveServer, email: str | None, body: bytes, *, query: str = "", **headers: str
) -> Any:
    cookie = {"Cookie": await server.sign_in(email)} if email else {}
    async with server.http() as http:
        return await http.post(
            IMPORT_URL + query,
            content=body,
            headers={"Content-Type": "application/json", **cookie, **headers},
        )


async def programme_rows(server: LiveServer) -> list[tuple[Any, ...]]:
    """Every session as stored, with its room's slug and its people, ids aside."""
    async with server.services.read() as db:
        forums = {f.id: f.slug for f in (await db.execute(select(Forum))).scalars()}
        sessions = (await db.execute(select(ForumSession))).scalars().all()
        people = (
            await db.execute(
                select(SessionPerson).order_by(
                    col(SessionPerson.session_id), col(SessionPerson.position)
                )
            )
        ).scalars()
        by_session: dict[int, list[tuple[Any, ...]]] = {}
        for p in people:
            by_session.setdefault(p.session_id, []).append(
                (p.role, p.name, p.code, p.biography, p.position)
            )
    return sorted(
        (
            s.guid,
            forums[s.forum_id],
            s.starts_at,
            s.ends_at,
            s.title_zh,
            s.title_en,
            s.abstract_zh,
            s.abstract_en,
            s.language,
            s.track,
            s.kind,
            s.do_not_record,
            by_session.get(s.id, []),  # type: ignore[arg-type]
        )
        for s in sessions
    )


# pretalx's demo books one speaker (code N33EUY) into two overlapping sessions: a real clash,
# which the import refuses. The tests that import it take her off the shorter one.
DOUBLE_BOOKED = ("N33EUY", "Re-engineered bandwidth-monitored focus group")


def democon() -> Any:
    """pretalx's demo with its one double booking undone."""
    document = load("pretalx-democon.json")
    code, title = DOUBLE_BOOKED
    for event in events_of(document):
        if event["title"] == title:
            event["persons"] = [p for p in event["persons"] if p["code"] != code]
    return document


def normalised(ics: bytes) -> bytes:
    """A calendar without its generation time (DTSTAMP)."""
    return re.sub(rb"DTSTAMP:\d{8}T\d{6}Z", b"DTSTAMP:-", ics)


# --- exports -----------------------------------------------------------------------------------


async def test_the_exports_are_downloads_of_their_types(source: LiveServer):
    for url, media_type, name in (
        (JSON_URL, "application/json", "shubo2026-schedule.json"),
        (XML_URL, "application/xml", "shubo2026-schedule.xml"),
        (ICS_URL, "text/calendar; charset=utf-8", "shubo2026-schedule.ics"),
    ):
        response = await get(source, url)  # anyone: no one is signed in
        assert response.status_code == 200, url
        assert response.headers["content-type"] == media_type
        assert response.headers["content-disposition"] == f'attachment; filename="{name}"'


async def test_the_exports_validate_and_hold_the_whole_programme(source: LiveServer):
    guids = {row[0] for row in await programme_rows(source)}
    assert len(guids) == 8 * 6 + 3  # the demo: six sessions per forum, three on the stage
    document = (await get(source, JSON_URL)).json()
    assert json_errors(document) == []
    assert {e["guid"] for e in events_of(document)} == guids
    xml = (await get(source, XML_URL)).content
    assert xml_errors(xml) == []
    assert xml.count(b"<event ") == len(guids)
    calendar = Calendar.from_ical((await get(source, ICS_URL)).content)
    assert {str(e["UID"]) for e in calendar.walk("VEVENT")} == guids


async def test_the_calendar_takes_a_language(source: LiveServer):
    english = Calendar.from_ical((await get(source, ICS_URL + "?lang=en")).content)
    assert "Opening ceremony of the Big Data Expo" in {
        str(e["SUMMARY"]) for e in english.walk("VEVENT")
    }
    response = await get(source, ICS_URL + "?lang=fr")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "bad_request")


async def test_people_and_links_are_in_the_json(source: LiveServer):
    document = (await get(source, JSON_URL)).json()
    panel = next(
        e for e in events_of(document) if any(p["role"] == "moderator" for p in e["persons"])
    )
    assert panel["persons"][-1]["name"] == "陈静 Chen Jing"
    room = re.fullmatch(rf"{PUBLIC}/#/forum/([a-z0-9-]+)\?session={panel['guid']}", panel["url"])
    assert room is not None and not room[1].isdigit(), panel["url"]  # the slug, not the row id
    assert document["schedule"]["conference"]["time_zone_name"] == "Asia/Shanghai"


# --- the round trip ----------------------------------------------------------------------------


async def test_export_import_export_gives_the_same_documents_and_rows(
    source: LiveServer, empty: LiveServer
):
    exported = (await get(source, JSON_URL)).content
    assert await programme_rows(empty) == []
    response = await import_as(empty, ORGANIZER, exported)
    assert response.status_code == 200, response.text
    rows = await programme_rows(source)
    assert response.json() == {
        "created": len(rows),
        "updated": 0,
        "unchanged": 0,
        "forums": list(range(1, 10)),
        "rooms_created": [],
    }
    assert await programme_rows(empty) == rows
    assert (await get(empty, JSON_URL)).content == exported  # byte for byte
    assert (await get(empty, XML_URL)).content == (await get(source, XML_URL)).content
    ics = [normalised((await get(s, ICS_URL)).content) for s in (empty, source)]
    assert ics[0] == ics[1]


async def test_importing_the_same_programme_again_changes_nothing(source: LiveServer):
    exported = (await get(source, JSON_URL)).content
    before = await programme_rows(source)
    response = await import_as(source, ORGANIZER, exported)
    assert response.json() == {
        "created": 0,
        "updated": 0,
        "unchanged": len(before),
        "forums": [],
        "rooms_created": [],
    }
    assert await programme_rows(source) == before


async def test_an_import_is_stored_then_announced(source: LiveServer, empty: LiveServer):
    document = (await get(source, JSON_URL)).json()
    for day in document["schedule"]["conference"]["days"]:  # only the main stage's sessions
        day["rooms"] = {k: v for k, v in day["rooms"].items() if k.startswith("Opening")}
    async with empty.connect() as ws:
        watcher = Peer(ws)
        await watcher.command("subscribe", {"topic": "lobby:forums"})
        await watcher.command("subscribe", {"topic": "forum:1"})
        response = await import_as(empty, ORGANIZER, json.dumps(document).encode())
        lobby = await watcher.event("programme.imported")
        room = await watcher.event("programme.imported")
    result = {"created": 3, "updated": 0, "unchanged": 0, "forums": [1], "rooms_created": []}
    assert response.json() == result
    assert {lobby["topic"], room["topic"]} == {"lobby:forums", "forum:1"}
    assert lobby["data"] == room["data"] == result
    # Stored before announced: what the event announces is there to read.
    forum = (await get(empty, "/api/forums/1")).json()
    assert len(forum["sessions"]) == 3


async def test_a_changed_session_is_updated_in_place(source: LiveServer, empty: LiveServer):
    document = (await get(source, JSON_URL)).json()
    await import_as(empty, ORGANIZER, json.dumps(document).encode())
    event = events_of(document)[0]
    event["title"] += "（更新）"
    event["persons"] = [{"name": "新嘉宾", "biography": "", "role": "speaker"}]
    response = await import_as(empty, ORGANIZER, json.dumps(document).encode())
    assert response.json()["updated"] == 1 and response.json()["created"] == 0
    rows = {row[0]: row for row in await programme_rows(empty)}
    assert rows[event["guid"]][4].endswith("（更新）")
    assert rows[event["guid"]][12] == [("speaker", "新嘉宾", "", "", 0)]


# --- refusals ----------------------------------------------------------------------------------


async def test_only_organisers_import(source: LiveServer):
    body = (await get(source, JSON_URL)).content
    attendee = await import_as(source, ATTENDEE, body)
    assert (attendee.status_code, attendee.json()["error"]["code"]) == (403, "forbidden")
    anonymous = await import_as(source, None, body)
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "unauthorized")


async def test_a_schedule_over_64_kib_is_taken_and_one_over_2_mib_is_not(empty: LiveServer):
    document = democon()
    document["schedule"]["conference"]["meta"] = {"padding": "x" * 100_000}  # meta takes any
    big = json.dumps(document).encode()
    assert 64 * 1024 < len(big) < 2 * 1024 * 1024
    response = await import_as(empty, ORGANIZER, big, query="?create_rooms=true")
    assert response.status_code == 200, response.text
    document["schedule"]["conference"]["meta"] = {"padding": "x" * (2 * 1024 * 1024)}
    response = await import_as(empty, ORGANIZER, json.dumps(document).encode())
    assert (response.status_code, response.json()["error"]["code"]) == (413, "too_large")


async def test_a_body_that_is_not_json_is_refused(empty: LiveServer):
    response = await import_as(empty, ORGANIZER, b'{"schedule": ')
    assert response.json() == {
        "error": {"code": "bad_request", "message": "The body is not valid JSON."}
    }
    assert response.status_code == 400
    form = await import_as(empty, ORGANIZER, b"{}", **{"Content-Type": "text/plain"})
    assert (form.status_code, form.json()["error"]["code"]) == (400, "bad_request")


async def test_the_invalid_example_is_refused_with_its_path(empty: LiveServer):
    body = json.dumps(load("invalid-example.json")).encode()
    response = await import_as(empty, ORGANIZER, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "schedule.invalid"
    assert error["details"] == [
        {"field": "$.schedule.rooms", "reason": "false", "message": "is not allowed here"}
    ]
    assert await programme_rows(empty) == []


async def test_unknown_rooms_are_refused_unless_asked_to_create_them(empty: LiveServer):
    body = json.dumps(democon()).encode()
    response = await import_as(empty, ORGANIZER, body)
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["details"]) == (
        "schedule.unknown_room",
        {"rooms": ["Gray Room", "Tan Room"]},
    )
    assert await programme_rows(empty) == []
    response = await import_as(empty, ORGANIZER, body, query="?create_rooms=true")
    assert response.json()["created"] == 36 and response.json()["rooms_created"] == [10, 11]
    rooms = {f["slug"] for f in (await get(empty, "/api/forums")).json()["forums"]}
    assert {"gray-room", "tan-room"} <= rooms
    bad = await import_as(empty, ORGANIZER, body, query="?create_rooms=maybe")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "bad_request")


async def test_a_collision_refuses_the_whole_import(source: LiveServer, empty: LiveServer):
    document = (await get(source, JSON_URL)).json()
    await import_as(empty, ORGANIZER, json.dumps(document).encode())
    before = await programme_rows(empty)
    [first, second, *_] = [
        event
        for day in document["schedule"]["conference"]["days"]
        for event in day["rooms"]["Opening Ceremony · Main Stage"]
    ]
    second |= {"date": first["date"], "end": first["end"]}  # onto the first one's time
    first["title"] += " (changed)"  # a change that would be fine alone
    response = await import_as(empty, ORGANIZER, json.dumps(document).encode())
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "schedule.room_taken"
    assert error["details"]["count"] == 1
    [conflict] = error["details"]["conflicts"]
    assert (conflict["reason"], conflict["account_id"]) == ("schedule.room_taken", None)
    named = {
        conflict["guid"]: conflict["title"],
        conflict["other"]["guid"]: conflict["other"]["title"],
    }
    # Either may be named first; titles are the English ones (the stage's are held in Chinese).
    assert named == {first["guid"]: first["subtitle"], second["guid"]: second["subtitle"]}
    assert await programme_rows(empty) == before  # nothing of it stored


# --- the pretalx demo, on SQLite and PostgreSQL ------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
async def roomless(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[LiveServer]:
    """Accounts only: no rooms, no programme."""
    if request.param == "sqlite":
        url = await emptied(f"sqlite+aiosqlite:///{tmp_path / 'roomless.db'}", rooms=True)
        async with live_server(make_settings(url, public_url=PUBLIC)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await emptied(url, rooms=True)
            async with live_server(make_settings(url, public_url=PUBLIC)) as live:
                yield live


async def test_the_pretalx_demo_imports_and_exports_as_itself(roomless: LiveServer):
    source = democon()
    response = await import_as(
        roomless, ORGANIZER, json.dumps(source).encode(), query="?create_rooms=true"
    )
    assert response.status_code == 200, response.text
    exported = (await get(roomless, JSON_URL)).json()
    assert json_errors(exported) == []
    assert xml_errors((await get(roomless, XML_URL)).content) == []
    assert comparable(events_of(exported)) == comparable(events_of(source))
    assert [r["name"] for r in exported["schedule"]["conference"]["rooms"]] == [
        "Gray Room",
        "Tan Room",
    ]
    async with roomless.services.read() as db:  # the PostgreSQL sequence and lock both held
        count = (await db.execute(text("SELECT count(*) FROM forum_session"))).scalar_one()
    assert count == 36


async def test_a_reimported_session_keeps_its_speakers_accounts(source: LiveServer):
    document = (await get(source, JSON_URL)).json()
    room = (await get(source, "/api/forums/2")).json()
    keynote = next(s for s in room["sessions"] if s["kind"] == "keynote")
    [speaker] = keynote["speakers"]
    assert speaker["account_id"] is not None  # the demo's speaker account holds it
    event = next(e for e in events_of(document) if e["guid"] == keynote["guid"])
    event["title"] += "（修订）"  # a change, so its people are written again
    response = await import_as(source, ORGANIZER, json.dumps(document).encode())
    assert (response.json()["updated"], response.json()["forums"]) == (1, [2])
    room = (await get(source, "/api/forums/2")).json()
    [again] = [s for s in room["sessions"] if s["guid"] == keynote["guid"]]
    assert again["title"]["zh"].endswith("（修订）")
    assert again["speakers"] == [speaker]


async def test_an_import_that_books_a_named_speaker_twice_at_once_is_refused(
    source: LiveServer, empty: LiveServer
):
    """Issue 9, item 5: people in the document have no accounts; their names are clash-checked."""
    document = (await get(source, JSON_URL)).json()
    rooms = document["schedule"]["conference"]["days"][0]["rooms"]
    [a, b] = [events[0] for name, events in list(rooms.items())[1:3]]  # two forums, same hour
    assert a["date"] == b["date"]
    a["persons"] = [{"name": "Anna Schmidt", "biography": "", "role": "speaker"}]
    b["persons"] = [{"name": "anna  SCHMIDT", "biography": "", "role": "moderator"}]
    response = await import_as(empty, ORGANIZER, json.dumps(document).encode())
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "schedule.person_busy"
    [conflict] = error["details"]["conflicts"]
    assert conflict["person"] in ("Anna Schmidt", "anna  SCHMIDT")
    assert await programme_rows(empty) == []


async def test_the_pretalx_demo_as_published_double_books_a_speaker(empty: LiveServer):
    body = json.dumps(load("pretalx-democon.json")).encode()
    response = await import_as(empty, ORGANIZER, body, query="?create_rooms=true")
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert (error["code"], error["details"]["count"]) == ("schedule.person_busy", 1)
    assert error["details"]["conflicts"][0]["person"] == "Stephanie Hudson"
    assert await programme_rows(empty) == []
