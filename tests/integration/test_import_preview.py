"""The console's two-step import over real HTTP: a preview that lists exactly what would be
added, updated and refused (with reasons) and writes nothing; a confirm that applies exactly
that, and is refused as `import.stale` when the programme changed in between."""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, update
from sqlmodel import col, select

from expo.db import make_engine, make_sessionmaker
from forums.models import ForumSession, SessionPerson
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.schedules import events_of
from tests.services import fresh_postgres_database

ORGANIZER = "organizer@demo.shubo.live"
ATTENDEE = "attendee@demo.shubo.live"
PREVIEW, CONFIRM = "/api/programme/import/preview", "/api/programme/import/confirm"
FAR = "2031-03-03T10:00:00+08:00"  # a day far from the demo's, free in every room
LATER = {"date": "2031-03-03T10:30:00+08:00", "end": "2031-03-03T11:30:00+08:00"}


async def demo(url: str) -> str:
    await prepare_demo_database(url)
    return url


@pytest.fixture(params=["sqlite", "postgres"])
async def server(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[LiveServer]:
    if request.param == "sqlite":
        url = await demo(f"sqlite+aiosqlite:///{tmp_path / 'preview.db'}")
        async with live_server(make_settings(url)) as live:
            yield live
    else:
        async with fresh_postgres_database() as url:
            await demo(url)
            async with live_server(make_settings(url)) as live:
                yield live


async def post(
    server: LiveServer, path: str, document: Any, email: str | None = ORGANIZER, **query: str
) -> Any:
    cookie = {"Cookie": await server.sign_in(email)} if email else {}
    async with server.http(headers=cookie) as http:
        return await http.post(
            path,
            params=query,
            content=json.dumps(document).encode(),
            headers={"Content-Type": "application/json"},
        )


async def rows(server: LiveServer) -> list[tuple[Any, ...]]:
    async with server.services.read() as db:
        sessions = (await db.execute(select(ForumSession))).scalars().all()
        people = (await db.execute(select(SessionPerson))).scalars().all()
    return sorted(
        [
            (s.guid, s.forum_id, s.starts_at, s.ends_at, s.title_zh, s.title_en, s.version)
            for s in sessions
        ]
    ) + sorted((p.session_id or 0, p.name, p.role) for p in people)  # type: ignore[list-item]


def new_event(template: dict[str, Any], room: str, title: str, *people: str, **fields: Any) -> Any:
    event = copy.deepcopy(template)
    event |= {
        "guid": str(uuid.uuid4()),
        "room": room,
        "date": FAR,
        "end": "2031-03-03T11:00:00+08:00",
        "duration": "01:00",
        "title": title,
        "subtitle": title,
        "persons": [{"name": p, "biography": "", "role": "speaker"} for p in people],
    } | fields
    return event


async def edited_document(server: LiveServer) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The demo's own export, with one session renamed and six new ones of every kind."""
    async with server.http() as http:
        document = (await http.get("/api/programme/schedule.json")).json()
    [_, forum_a, forum_b, *_] = [r["name"] for r in document["schedule"]["conference"]["rooms"]]
    renamed = next(e for e in events_of(document) if e["room"] == forum_a)
    renamed["subtitle"] = renamed["subtitle"] + " (revised)"
    template = copy.deepcopy(renamed)
    day = document["schedule"]["conference"]["days"][-1]["rooms"]
    new = {
        "added": new_event(template, forum_a, "New keynote", "Ada Lovelace"),
        # Half an hour later (a document's sessions are taken in order of their start).
        "room_taken": new_event(template, forum_a, "Same room, same hour", **LATER),
        "person_busy": new_event(template, forum_b, "Ada again", "ada  LOVELACE", **LATER),
        "unknown_room": new_event(template, "Nowhere Hall", "Lost"),
        "bad_times": new_event(
            template, forum_b, "Backwards", end="2031-03-03T09:00:00+08:00", duration="00:00"
        ),
    }
    day.setdefault(forum_a, []).extend([new["added"], new["room_taken"]])
    day.setdefault(forum_b, []).extend([new["person_busy"], new["bad_times"]])
    day["Nowhere Hall"] = [new["unknown_room"]]
    return document, new | {"renamed": renamed}


async def test_the_preview_lists_what_would_change_and_writes_nothing(server: LiveServer):
    document, new = await edited_document(server)
    before = await rows(server)
    response = await post(server, PREVIEW, document)
    assert response.status_code == 200, response.text
    preview = response.json()
    total = len(events_of(document))
    assert preview["counts"] == {"added": 1, "updated": 1, "unchanged": total - 6, "refused": 4}
    [added] = preview["added"]
    assert (added["guid"], added["title"]["en"], added["id"]) == (
        new["added"]["guid"],
        "New keynote",
        None,
    )
    [updated] = preview["updated"]
    assert updated["guid"] == new["renamed"]["guid"]
    assert updated["changes"] == ["title_en"]
    refused = {r["guid"]: r["reasons"] for r in preview["refused"]}
    assert refused[new["room_taken"]["guid"]] == [
        {
            "reason": "schedule.room_taken",
            "other": {
                "guid": new["added"]["guid"],
                "title": {"zh": "New keynote", "en": "New keynote"},
                "room": new["added"]["room"],
                "starts_at": "2031-03-03T02:00:00+00:00",
                "ends_at": "2031-03-03T03:00:00+00:00",
            },
            "person": None,
        }
    ]
    [busy] = refused[new["person_busy"]["guid"]]
    assert (busy["reason"], busy["person"], busy["other"]["guid"]) == (
        "schedule.person_busy",
        "ada  LOVELACE",
        new["added"]["guid"],
    )
    assert refused[new["unknown_room"]["guid"]] == [
        {"reason": "schedule.unknown_room", "room": "Nowhere Hall"}
    ]
    [bad] = refused[new["bad_times"]["guid"]]
    assert bad["reason"] == "schedule.bad_times" and bad["field"].endswith(".end")
    assert preview["rooms_created"] == []
    assert len(preview["fingerprint"]) == 64
    assert await rows(server) == before  # a dry run
    # Asked to create rooms, the unknown room's session would be added with its new room.
    rooms = (await post(server, PREVIEW, document, create_rooms="true")).json()
    assert rooms["counts"]["added"] == 2 and rooms["rooms_created"] == ["Nowhere Hall"]
    assert rooms["fingerprint"] != preview["fingerprint"]


async def test_confirm_applies_exactly_the_preview_and_announces_it(server: LiveServer):
    document, new = await edited_document(server)
    preview = (await post(server, PREVIEW, document)).json()
    async with server.connect() as ws:
        lobby = Peer(ws)
        await lobby.command("subscribe", {"topic": "lobby:forums"})
        response = await post(server, CONFIRM, document, fingerprint=preview["fingerprint"])
        assert response.status_code == 200, response.text
        event = await lobby.event("programme.imported")
    result = response.json()
    assert {k: result[k] for k in ("created", "updated", "refused", "rooms_created")} == {
        "created": 1,
        "updated": 1,
        "refused": 4,
        "rooms_created": [],
    }
    assert event["data"] == result
    async with server.services.read() as db:
        guids = set((await db.execute(select(ForumSession.guid))).scalars())
        renamed = (
            await db.execute(
                select(ForumSession).where(ForumSession.guid == new["renamed"]["guid"])
            )
        ).scalar_one()
    assert new["added"]["guid"] in guids
    assert (
        not {new[k]["guid"] for k in ("room_taken", "person_busy", "unknown_room", "bad_times")}
        & guids
    )
    assert renamed.title_en.endswith("(revised)") and renamed.version == 2
    # The same document again: nothing left to add or update.
    again = (await post(server, PREVIEW, document)).json()
    assert (again["counts"]["added"], again["counts"]["updated"]) == (0, 0)


async def test_confirm_is_refused_when_the_programme_changed_since_the_preview(
    server: LiveServer,
):
    document, new = await edited_document(server)
    preview = (await post(server, PREVIEW, document)).json()
    before = await rows(server)
    # Someone edits the session the import would update (its version moves on).
    engine = make_engine(server.services.settings.database_url)
    async with make_sessionmaker(engine)() as db:
        await db.execute(
            update(ForumSession)
            .where(col(ForumSession.guid) == new["renamed"]["guid"])
            .values(version=ForumSession.version + 1)
        )
        await db.commit()
    await engine.dispose()
    response = await post(server, CONFIRM, document, fingerprint=preview["fingerprint"])
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "import.stale"
    fresh = error["details"]["preview"]
    assert fresh["counts"] == preview["counts"] and fresh["fingerprint"] != preview["fingerprint"]
    changed = [
        r if r[0] != new["renamed"]["guid"] else r[:-1] + (r[-1] - 1,) for r in await rows(server)
    ]
    assert changed == before  # nothing written
    # The new preview's fingerprint goes through.
    ok = await post(server, CONFIRM, document, fingerprint=fresh["fingerprint"])
    assert ok.status_code == 200, ok.text


async def test_a_session_deleted_since_the_preview_makes_it_stale(server: LiveServer):
    document, new = await edited_document(server)
    preview = (await post(server, PREVIEW, document)).json()
    async with server.services.db() as db:
        stale = (
            await db.execute(
                select(ForumSession).where(ForumSession.guid == new["renamed"]["guid"])
            )
        ).scalar_one()
        await db.execute(delete(SessionPerson).where(col(SessionPerson.session_id) == stale.id))
        await db.delete(stale)
        await db.commit()
    response = await post(server, CONFIRM, document, fingerprint=preview["fingerprint"])
    assert (response.status_code, response.json()["error"]["code"]) == (409, "import.stale")


async def test_only_organisers_preview_and_confirm_and_fingerprints_are_checked(
    server: LiveServer,
):
    document, _ = await edited_document(server)
    for path in (PREVIEW, CONFIRM):
        attendee = await post(server, path, document, ATTENDEE, fingerprint="0" * 64)
        assert (attendee.status_code, attendee.json()["error"]["code"]) == (403, "forbidden")
    bad = await post(server, CONFIRM, document, fingerprint="nope")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "bad_request")
    wrong = await post(server, CONFIRM, document, fingerprint="0" * 64)
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (409, "import.stale")
    document["schedule"]["conference"]["meta"] = {"padding": "x" * (2 * 1024 * 1024)}
    big = await post(server, PREVIEW, document)
    assert (big.status_code, big.json()["error"]["code"]) == (413, "too_large")


async def test_two_confirms_of_one_preview_apply_it_once(server: LiveServer):
    """Under the programme lock the second confirm plans after the first one's commit: its
    outcome differs (nothing left to add), so it is refused, not applied twice."""
    document, new = await edited_document(server)
    preview = (await post(server, PREVIEW, document)).json()
    first, second = await asyncio.gather(
        post(server, CONFIRM, document, fingerprint=preview["fingerprint"]),
        post(server, CONFIRM, document, fingerprint=preview["fingerprint"]),
    )
    answers = sorted(
        (r.status_code, r.json().get("error", {}).get("code")) for r in (first, second)
    )
    assert answers == [(200, None), (409, "import.stale")]
    async with server.services.read() as db:
        added = (
            await db.execute(select(ForumSession).where(ForumSession.guid == new["added"]["guid"]))
        ).scalars()
        assert len(added.all()) == 1
