"""Recommendations answer from the index this process has, never rebuilding inside a request
(with edits going on during an expo every request would find the population moved), yet what a
stale index must not get wrong is read per request: the asker's own profile as stored now,
people since hidden from view, blocked or hidden by the asker. Over a real server on SQLite and
PostgreSQL; and the route and the command spend the `moderate` rate."""

from __future__ import annotations

from typing import Any

import pytest

from expo.ratelimit import DEFAULT_RATES, Rate
from matchmaking import recommend_routes
from matchmaking.models import MatchBlock
from tests.integration.test_match_recommendations import (
    ATTENDEE,
    accounts,
    ask,
    change_profile,
    rebuilt,
    server,
)
from tests.live import Peer, live_server, make_settings, prepare_demo_database

__all__ = ["server"]  # the fixture, shared with test_match_recommendations.py


def no_rebuild(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rebuild from here on fails loudly: a request that tried one would answer 500 (the
    background task logs it and tries again next round)."""

    async def refused(*_: Any) -> Any:
        raise AssertionError("the population was read again")

    monkeypatch.setattr(recommend_routes, "_population", refused)


async def test_a_moved_population_is_answered_from_the_index_at_hand(
    server, monkeypatch: pytest.MonkeyPatch
):
    live, ids = server
    _, before = await ask(live, ATTENDEE)
    no_rebuild(monkeypatch)
    # Someone else's edit moves the population's version: requests still answer, from the
    # index at hand, until the background task rebuilds.
    await change_profile(live.services.db, ids["broker"], offer="Immersion liquid cooling servers")
    status, during = await ask(live, ATTENDEE)
    assert status == 200, during
    assert during == before
    monkeypatch.undo()
    await rebuilt(live)
    _, after = await ask(live, ATTENDEE)
    assert ids["broker"] in accounts(after)
    await change_profile(live.services.db, ids["broker"], offer="数据交易撮合服务")
    await rebuilt(live)


async def test_ones_own_edit_shows_at_once_and_the_since_unseen_are_left_out(
    server, monkeypatch: pytest.MonkeyPatch
):
    live, ids = server
    _, before = await ask(live, ATTENDEE)
    assert ids["broker"] not in accounts(before) and ids["hidden"] in accounts(before)
    no_rebuild(monkeypatch)
    # My own new need, scored against everyone as indexed: the data broker comes up at once.
    await change_profile(
        live.services.db, ids["attendee"], need="数据交易撮合服务", industries=["data-trading"]
    )
    status, mine = await ask(live, ATTENDEE)
    assert status == 200, mine
    assert accounts(mine)[0] == ids["broker"]
    assert mine["recommendations"][0]["reason"]["zh"]  # a reason from the new need
    # Someone hidden from view since, someone who blocked me since: gone at once.
    await change_profile(live.services.db, ids["broker"], visible=False)
    async with live.services.db() as db:
        db.add(MatchBlock(account_id=ids["cooler"], blocked_id=ids["attendee"]))
        await db.commit()
    _, now = await ask(live, ATTENDEE, k=50)
    assert ids["broker"] not in accounts(now) and ids["cooler"] not in accounts(now)
    # Emptied: asked to fill the profile, at once.
    await change_profile(live.services.db, ids["attendee"], need="", offer="", industries=[])
    _, empty = await ask(live, ATTENDEE)
    assert empty == {"recommendations": [], "profile_empty": True}
    monkeypatch.undo()
    async with live.services.db() as db:
        await db.delete(await db.get(MatchBlock, (ids["cooler"], ids["attendee"])))
        await db.commit()
    await change_profile(live.services.db, ids["broker"], visible=True)
    await change_profile(
        live.services.db,
        ids["attendee"],
        need="Liquid cooling servers for our GPU racks",
        industries=["servers-cooling"],
    )
    await rebuilt(live)
    _, restored = await ask(live, ATTENDEE)
    assert restored == before


async def test_the_route_and_the_command_spend_the_moderate_rate(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'expo.db'}"
    await prepare_demo_database(url)
    rates = {name: Rate(100_000, 1) for name in DEFAULT_RATES} | {"moderate": Rate(2, 3600)}
    async with live_server(make_settings(url, rate_limits=rates)) as live:
        cookie = await live.sign_in(ATTENDEE)
        async with live.http(headers={"Cookie": cookie}) as http:
            answers = [(await http.get("/api/match/recommendations")).status_code for _ in range(3)]
        async with live.connect(cookie) as ws:
            peer = Peer(ws)
            replies = [await peer.command("match.recommendations", {}) for _ in range(3)]
    assert answers == [200, 200, 429]
    codes = [r["type"] if r["type"] == "ok" else r["error"]["code"] for r in replies]
    assert codes[-1] == "rate_limited", replies
