"""GET /api/match/recommendations over a real server, on SQLite and on PostgreSQL: the cards
and their reasons, colleagues never recommended, blocks (both ways) and hidden people left out,
another's profile change seen once the index is rebuilt (the background task's step, never a
request's), refusals with codes; and two server processes on PostgreSQL + Redis agreeing after a
change made through the database.

The demo seed gives the demo accounts profiles and adds ~200 synthetic participants: the tests
rewrite the two demo accounts' profiles (attendee, staff) and rank among that whole population.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from expo.db import make_engine, make_sessionmaker
from expo.models import Account, Role, utcnow
from expo.security import hash_password
from matchmaking.models import MatchBlock, MatchHidden, MatchProfile
from matchmaking.recommend_routes import fresh_index
from tests.cluster import Process, sign_in
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.services import fresh_postgres_database

ATTENDEE = "attendee@demo.shubo.live"
STAFF = "exhibitor@demo.shubo.live"  # staff of exhibitor 1
PASSWORD = "shubo-demo-2026"
PATH = "/api/match/recommendations"


async def add_people(db: AsyncSession) -> dict[str, int]:
    """Accounts for the tests beside the demo's, by a short name."""
    password = hash_password(PASSWORD)
    people = {
        "colleague": (Role.EXHIBITOR, 1),  # staff of exhibitor 1, like the demo's staff
        "cooler": (Role.EXHIBITOR, 3),  # staff of another exhibitor
        "broker": (Role.ATTENDEE, None),
        "blocker": (Role.ATTENDEE, None),
        "hidden": (Role.ATTENDEE, None),
        "shy": (Role.ATTENDEE, None),
        "newcomer": (Role.ATTENDEE, None),  # never fills a profile
    }
    accounts = {
        name: Account(
            email=f"{name}@test.shubo.live",
            password_hash=password,
            display_name=f"{name.title()} 测试",
            title="经理",
            role=role,
            exhibitor_id=exhibitor,
        )
        for name, (role, exhibitor) in people.items()
    }
    db.add_all(accounts.values())
    await db.flush()
    ids = {name: a.id for name, a in accounts.items() if a.id is not None}
    for email, name in ((ATTENDEE, "attendee"), (STAFF, "staff")):
        found = (await db.execute(Account.__table__.select().where(Account.email == email))).first()
        assert found is not None
        ids[name] = found.id
    return ids


COOLING = "冷板式液冷服务器整机柜交付"


def profiles(ids: dict[str, int]) -> list[MatchProfile]:
    def profile(name: str, **fields: Any) -> MatchProfile:
        fields.setdefault("intents", ["sell"])
        fields.setdefault("languages", ["zh", "en"])
        return MatchProfile(account_id=ids[name], **fields)

    return [
        profile(
            "attendee",
            intents=["buy"],
            industries=["servers-cooling"],
            need="Liquid cooling servers for our GPU racks",
            languages=["en"],
        ),
        profile(
            "staff",
            industries=["servers-cooling"],
            offer="液冷服务器与算力调度",
            exhibitor_id=1,
            need="liquid cooling",
        ),
        profile("colleague", industries=["servers-cooling"], offer=COOLING, exhibitor_id=1),
        profile("cooler", industries=["servers-cooling"], offer=COOLING, exhibitor_id=3),
        profile("broker", industries=["data-trading"], offer="数据交易撮合服务"),
        profile("blocker", industries=["servers-cooling"], offer="浸没式液冷服务器"),
        profile(
            "hidden",
            industries=["servers-cooling"],
            offer="Liquid cooling racks",
            need="liquid cooling servers",
        ),
        profile("shy", industries=["servers-cooling"], offer=COOLING, visible=False),
    ]


async def store_profiles(db: AsyncSession, ids: dict[str, int]) -> None:
    """The test's profiles: new rows for the new accounts; the demo accounts' seeded profiles
    replaced (merged by account id), their versions bumped as a save would."""
    for profile in profiles(ids):
        seeded = await db.get(MatchProfile, profile.account_id)
        if seeded is not None:
            profile.version = seeded.version + 1
            profile.updated_at = max(utcnow(), seeded.updated_at + timedelta(microseconds=1))
        await db.merge(profile)
    await db.commit()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
async def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[LiveServer, dict[str, int]]]:
    async def started(url: str) -> AsyncIterator[tuple[LiveServer, dict[str, int]]]:
        await prepare_demo_database(url)
        async with live_server(make_settings(url)) as live:
            async with live.services.db() as db:
                ids = await add_people(db)
                await store_profiles(db, ids)
            await rebuilt(live)
            yield live, ids

    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('recommend') / 'expo.db'}"
        async for pair in started(url):
            yield pair
    else:
        async with fresh_postgres_database() as url:
            async for pair in started(url):
                yield pair


async def ask(live: LiveServer, email: str | None, **params: Any) -> tuple[int, dict[str, Any]]:
    headers = {"Cookie": await live.sign_in(email)} if email else {}
    async with live.http(headers=headers) as http:
        response = await http.get(PATH, params=params)
    return response.status_code, response.json()


async def rebuilt(live: LiveServer) -> None:
    """The index rebuilt from the profiles as stored now: what the background task does within
    seconds of a change (requests never rebuild), done at once."""
    async with live.services.read() as db:
        await fresh_index(db, live.services.settings.database_url)


def accounts(body: dict[str, Any]) -> list[int]:
    return [r["account"] for r in body["recommendations"]]


async def test_cards_carry_the_profile_the_company_and_a_bilingual_reason(server):
    live, ids = server
    status, body = await ask(live, ATTENDEE)
    assert status == 200, body
    assert body["profile_empty"] is False
    found = {r["account"]: r for r in body["recommendations"]}
    assert {ids["staff"], ids["colleague"], ids["cooler"], ids["blocker"]} <= set(found)
    assert ids["broker"] not in found and ids["shy"] not in found  # unrelated; invisible
    cooler = found[ids["cooler"]]
    assert cooler["name"] == "Cooler 测试" and cooler["title"] == "经理"
    assert cooler["exhibitor"]["id"] == 3 and cooler["exhibitor"]["name_zh"]
    assert cooler["offer"] == COOLING and cooler["industries"] == ["servers-cooling"]
    assert cooler["industry_labels"] == [
        {"key": "servers-cooling", "zh": "服务器、存储与散热", "en": "Servers, storage and cooling"}
    ]
    assert cooler["reason"]["zh"].startswith("你的需求「Liquid cooling servers for our GPU racks」")
    assert f"对方提供「{COOLING}」" in cooler["reason"]["zh"]
    assert cooler["reason"]["en"].startswith("Your need “Liquid cooling servers")
    scores = [r["score"] for r in body["recommendations"]]
    assert scores == sorted(scores, reverse=True)
    _, two = await ask(live, ATTENDEE, k=2)
    assert accounts(two) == accounts(body)[:2]


async def test_ones_own_colleagues_are_never_recommended(server):
    live, ids = server
    status, body = await ask(live, STAFF)
    assert status == 200, body
    assert ids["colleague"] not in accounts(body)  # same exhibitor, though the best match
    assert ids["cooler"] in accounts(body) and ids["attendee"] in accounts(body)


async def test_blocked_people_either_way_and_hidden_ones_are_left_out(server):
    live, ids = server
    _, before = await ask(live, ATTENDEE)
    assert {ids["blocker"], ids["hidden"]} <= set(accounts(before))
    async with live.services.db() as db:
        db.add(MatchBlock(account_id=ids["blocker"], blocked_id=ids["attendee"]))
        db.add(MatchHidden(account_id=ids["attendee"], hidden_id=ids["hidden"]))
        await db.commit()
    try:
        _, after = await ask(live, ATTENDEE)
        assert ids["blocker"] not in accounts(after) and ids["hidden"] not in accounts(after)
        # The block works both ways; hiding only for who hid.
        _, blockers = await ask(live, "blocker@test.shubo.live")
        assert ids["attendee"] not in accounts(blockers)
        _, hiddens = await ask(live, "hidden@test.shubo.live")
        assert ids["attendee"] in accounts(hiddens)
    finally:
        async with live.services.db() as db:
            await db.execute(delete(MatchBlock))
            await db.execute(delete(MatchHidden))
            await db.commit()


async def test_a_profile_change_is_seen_once_the_index_is_rebuilt(server):
    live, ids = server
    _, before = await ask(live, ATTENDEE)
    assert ids["broker"] not in accounts(before)
    await change_profile(live.services.db, ids["broker"], offer="Immersion liquid cooling servers")
    await rebuilt(live)
    _, after = await ask(live, ATTENDEE)
    assert ids["broker"] in accounts(after)
    # Hidden from view: dropped at the next request, rebuilt or not (the cards are read as
    # stored).
    await change_profile(live.services.db, ids["broker"], visible=False)
    _, hidden = await ask(live, ATTENDEE)
    assert ids["broker"] not in accounts(hidden)
    await change_profile(live.services.db, ids["broker"], offer="数据交易撮合服务", visible=True)
    await rebuilt(live)


async def change_profile(sessions: Any, account_id: int, **fields: Any) -> None:
    """As the profiles part saves one: the fields, the version bumped, `updated_at` moved."""
    async with sessions() as db:
        profile = await db.get(MatchProfile, account_id)
        assert profile is not None
        for name, value in fields.items():
            setattr(profile, name, value)
        profile.version += 1
        profile.updated_at = max(utcnow(), profile.updated_at + timedelta(microseconds=1))
        db.add(profile)
        await db.commit()


async def test_someone_with_no_profile_is_asked_to_fill_one(server):
    live, _ = server
    status, body = await ask(live, "newcomer@test.shubo.live")
    assert (status, body) == (200, {"recommendations": [], "profile_empty": True})


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"k": "0"}, "match.bad_k"),
        ({"k": "51"}, "match.bad_k"),
        ({"k": "ten"}, "match.bad_k"),
        ({"k": ["1", "2"]}, "match.bad_k"),
        ({"colour": "red"}, "match.bad_query"),
    ],
)
async def test_bad_parameters_are_refused_with_a_code(server, params, code):
    live, _ = server
    status, body = await ask(live, ATTENDEE, **params)
    assert (status, body["error"]["code"]) == (400, code)


async def test_organisers_and_strangers_are_refused(server):
    live, _ = server
    status, body = await ask(live, "organizer@demo.shubo.live")
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = await ask(live, None)
    assert status == 401, body


async def test_the_websocket_command_answers_as_the_route(server):
    live, _ = server
    cookie = await live.sign_in(ATTENDEE)
    _, by_http = await ask(live, ATTENDEE, k=3)
    async with live.connect(cookie) as ws:
        peer = Peer(ws)
        reply = await peer.command("match.recommendations", {"k": 3})
        assert reply["type"] == "ok", reply
        assert reply["data"] == by_http
        bad = await peer.command("match.recommendations", {"k": 99})
        assert bad["type"] == "error" and bad["error"]["code"] == "bad_request"
    async with live.connect(await live.sign_in("organizer@demo.shubo.live")) as ws:
        refused = await Peer(ws).command("match.recommendations", {})
        assert refused["error"]["code"] == "forbidden"


# --- two processes on PostgreSQL and Redis --------------------------------------------------


async def get_from(process: Process, cookie: str) -> list[int]:
    async with httpx.AsyncClient(base_url=process.base, timeout=10) as http:
        response = await http.get(PATH, headers={"Cookie": cookie})
    assert response.status_code == 200, response.text
    return accounts(response.json())


async def until_both(
    a: Process, b: Process, cookie: str, test: Callable[[list[int]], bool]
) -> tuple[list[int], list[int]]:
    async with asyncio.timeout(20):
        while True:
            got_a, got_b = await get_from(a, cookie), await get_from(b, cookie)
            if test(got_a) and test(got_b):
                return got_a, got_b
            await asyncio.sleep(0.25)


async def test_two_processes_agree_after_a_change(shared_env, two_processes):
    a, b = two_processes
    engine = make_engine(shared_env["EXPO_DATABASE_URL"])
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as db:
            ids = await add_people(db)
            await store_profiles(db, ids)
        cookie = await sign_in(a, ATTENDEE)
        # Each process's background task rebuilds within seconds of a change (requests never
        # do): asked again until both have the test's people, then the broker, 20 s at most.
        first_a, first_b = await until_both(a, b, cookie, lambda got: ids["cooler"] in got)
        assert first_a == first_b and ids["broker"] not in first_a  # both indexes built
        await change_profile(sessions, ids["broker"], offer="Liquid cooling servers, immersion")
        then_a, then_b = await until_both(a, b, cookie, lambda got: ids["broker"] in got)
        assert then_a == then_b
    finally:
        await engine.dispose()


async def test_each_card_says_whether_a_request_is_already_open_with_that_person(server):
    """`open_request` {id, status, direction, meeting} | null: the asker's pending or accepted
    request with that person, either way (so the page shows "Request sent", not the button)."""
    from matchmaking.models import MeetingRequest, RequestStatus

    live, ids = server
    _, before = await ask(live, ATTENDEE)
    people = {"cooler", "staff", "blocker", "colleague"}
    shown = {r["account"]: r["open_request"] for r in before["recommendations"]}
    assert all(shown[ids[name]] is None for name in people)
    async with live.services.db() as db:
        sent = MeetingRequest(requester_id=ids["attendee"], recipient_id=ids["cooler"])
        received = MeetingRequest(
            requester_id=ids["staff"], recipient_id=ids["attendee"], status=RequestStatus.ACCEPTED
        )
        withdrawn = MeetingRequest(
            requester_id=ids["attendee"],
            recipient_id=ids["blocker"],
            status=RequestStatus.CANCELLED,
        )
        someone_else = MeetingRequest(requester_id=ids["broker"], recipient_id=ids["colleague"])
        db.add_all([sent, received, withdrawn, someone_else])
        await db.commit()
        request_ids = {"sent": sent.id, "received": received.id}
    try:
        _, after = await ask(live, ATTENDEE)
        found = {r["account"]: r["open_request"] for r in after["recommendations"]}
        assert found[ids["cooler"]] == {
            "id": request_ids["sent"],
            "status": "pending",
            "direction": "sent",
            "meeting": None,
        }
        assert found[ids["staff"]] == {
            "id": request_ids["received"],
            "status": "accepted",
            "direction": "received",
            "meeting": None,
        }
        assert found[ids["blocker"]] is None  # withdrawn: one may ask again
        assert found[ids["colleague"]] is None  # another's request is not the asker's
        # The websocket command answers the same.
        async with live.connect(await live.sign_in(ATTENDEE)) as ws:
            reply = await Peer(ws).command("match.recommendations", {})
        by_ws = {r["account"]: r["open_request"] for r in reply["data"]["recommendations"]}
        assert by_ws[ids["cooler"]] == found[ids["cooler"]]
    finally:
        async with live.services.db() as db:
            mine = [sent.id, received.id, withdrawn.id, someone_else.id]
            await db.execute(delete(MeetingRequest).where(MeetingRequest.id.in_(mine)))  # type: ignore[union-attr]
            await db.commit()
