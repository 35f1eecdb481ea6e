"""Random coffees over a real server on the embedded defaults (SQLite, the in-process pool):
opted-in people are proposed to each other, both accept and their private room opens (chat
reaches the other; a third person cannot follow it); a declined or timed-out pairing puts the
one who accepted back in front of the pool; people who blocked each other or met already are
never paired."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from expo.models import Account, utcnow
from matchmaking.models import Coffee, MatchBlock, MatchSettings
from tests.live import LiveServer, Peer, live_server, make_settings, prepare_demo_database
from tests.meetings_setup import new_people


@pytest.fixture(scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('coffee') / 'expo.db'}"
    await prepare_demo_database(url)
    async with live_server(make_settings(url)) as live:
        yield live


async def peers(server: LiveServer, stack: AsyncExitStack, count: int) -> list[tuple[int, Peer]]:
    """`count` fresh people, each on a socket following their own `account:<id>`."""
    made = []
    for account_id, email in await new_people(server.services.db, count, name="咖啡客"):
        ws = await stack.enter_async_context(server.connect(await server.sign_in(email)))
        peer = Peer(ws)
        reply = await peer.command("subscribe", {"topic": f"account:{account_id}"})
        assert reply["type"] == "ok", reply
        made.append((account_id, peer))
    return made


async def ok(peer: Peer, kind: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    reply = await peer.command(kind, data or {})
    assert reply["type"] == "ok", reply
    return reply["data"]  # type: ignore[no-any-return]


async def emails_of(server: LiveServer, alice: int, bob: int) -> list[tuple[str, str]]:
    async with server.services.read() as db:
        found = {a.id: a.email for a in (await db.execute(select(Account))).scalars()}
    return [("alice", found[alice]), ("bob", found[bob])]


def code(reply: dict[str, Any]) -> str | None:
    return reply.get("error", {}).get("code")  # type: ignore[no-any-return]


async def nothing_proposed(*peers: Peer, wait: float = 1.5) -> None:
    """Nobody of `peers` hears a proposal within `wait` seconds (the clock pairs every second)."""
    for peer in peers:
        with pytest.raises(TimeoutError):
            await peer.event("coffee.proposed", timeout=wait)


async def test_both_accept_and_talk_in_a_room_only_they_follow(server):
    async with AsyncExitStack() as stack:
        (alice_id, alice), (bob_id, bob), (_, carol) = await peers(server, stack, 3)
        assert await ok(alice, "coffee.join") == {"waiting": True}
        assert await ok(bob, "coffee.join") == {"waiting": True}
        to_alice = await alice.event("coffee.proposed")
        to_bob = await bob.event("coffee.proposed")
        pair = to_alice["data"]["pair"]
        assert to_alice["topic"] == f"account:{alice_id}"
        assert to_alice["data"]["with"]["account"] == bob_id
        assert to_bob["data"]["with"]["account"] == alice_id
        assert to_bob["data"]["pair"] == pair
        assert to_bob["data"]["accept_by"] == to_alice["data"]["accept_by"]
        assert set(to_alice["data"]["with"]) == {
            "account", "name", "title", "organisation", "exhibitor"
        }  # fmt: skip

        # A third person may neither answer for them nor enter their room.
        assert code(await carol.command("coffee.accept", {"pair": pair})) == "forbidden"
        assert await ok(alice, "coffee.accept", {"pair": pair}) == {
            "pair": pair,
            "status": "proposed",
        }
        assert await ok(bob, "coffee.accept", {"pair": pair}) == {"pair": pair, "status": "started"}
        started = await alice.event("coffee.started")
        assert started["data"] == (await bob.event("coffee.started"))["data"]
        assert started["data"]["pair"] == pair
        assert started["data"]["topic"] == f"coffee:{pair}"
        topic = started["data"]["topic"]

        assert code(await carol.command("subscribe", {"topic": topic})) == "forbidden"
        assert code(await carol.command("coffee.say", {"pair": pair, "text": "hi"})) == (
            "forbidden"
        )
        await ok(alice, "subscribe", {"topic": topic})
        await ok(bob, "subscribe", {"topic": topic})
        said = await ok(alice, "coffee.say", {"pair": pair, "text": "你好，喝杯咖啡"})
        posted = await bob.event("meeting.message_posted")
        assert posted == {
            "type": "meeting.message_posted",
            "topic": topic,
            "seq": posted["seq"],
            "data": said["message"],
        }
        assert said["message"]["pair"] == pair and said["message"]["account"] == alice_id
        await ok(bob, "coffee.signal", {"pair": pair, "kind": "ready"})
        heard = await alice.event("meeting.signal")
        assert heard["data"] == {"pair": pair, "from": bob_id, "kind": "ready", "payload": None}

        # In a room already: not again now.
        assert code(await alice.command("coffee.join")) == "coffee.busy"

        # The room read back (a reload): the other person, when it ends, the chat so far; for
        # the two of them only.
        people = {n: await server.sign_in(e) for n, e in await emails_of(server, alice_id, bob_id)}
        async with server.http(headers={"Cookie": people["bob"]}) as http:
            room = (await http.get(f"/api/match/coffee/{pair}/room")).json()
            lines = (await http.get(f"/api/match/coffee/{pair}/messages")).json()
        assert room["coffee"]["with"]["account"] == alice_id and room["topic"] == topic
        assert room["coffee"]["status"] == "started" and room["coffee"]["ended"] is False
        assert room["coffee"]["ends_at"] == started["data"]["ends_at"]
        assert lines == {"messages": [said["message"]], "more": False, "topic": topic}
        stranger = await server.sign_in(
            (await new_people(server.services.db, 1, name="路人"))[0][1]
        )
        async with server.http(headers={"Cookie": stranger}) as http:
            for part in ("room", "messages"):
                refused = await http.get(f"/api/match/coffee/{pair}/{part}")
                assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
            missing = await http.get("/api/match/coffee/999999/room")
        assert (missing.status_code, missing.json()["error"]["code"]) == (404, "coffee.unknown")


async def test_people_who_met_are_not_paired_again(server):
    async with AsyncExitStack() as stack:
        (alice_id, alice), (bob_id, bob) = await peers(server, stack, 2)
        await ok(alice, "coffee.join")
        await ok(bob, "coffee.join")
        pair = (await alice.event("coffee.proposed"))["data"]["pair"]
        assert (await bob.event("coffee.proposed"))["data"]["pair"] == pair
        await ok(alice, "coffee.accept", {"pair": pair})
        await ok(bob, "coffee.accept", {"pair": pair})
        async with server.services.db() as db:  # the room's time is up
            await db.execute(update(Coffee).where(col(Coffee.id) == pair).values(ends_at=utcnow()))
            await db.commit()
        ended = await alice.event("coffee.ended", timeout=5)
        assert ended["data"] == {"pair": pair}
        assert (await bob.event("coffee.ended"))["data"] == {"pair": pair}
        refused = await bob.command("coffee.say", {"pair": pair, "text": "还在吗"})
        assert code(refused) == "coffee.ended"
        await ok(alice, "coffee.join")
        await ok(bob, "coffee.join")
        await nothing_proposed(alice, bob)
        await ok(alice, "coffee.leave")
        await ok(bob, "coffee.leave")


async def test_a_decline_puts_the_one_who_accepted_back_in_front(server):
    async with AsyncExitStack() as stack:
        (dan_id, dan), (eve_id, eve), (fay_id, fay) = await peers(server, stack, 3)
        await ok(dan, "coffee.join")
        await ok(eve, "coffee.join")
        pair = (await dan.event("coffee.proposed"))["data"]["pair"]
        assert (await eve.event("coffee.proposed"))["data"]["pair"] == pair
        await ok(dan, "coffee.accept", {"pair": pair})
        assert await ok(eve, "coffee.decline", {"pair": pair}) == {
            "pair": pair,
            "status": "cancelled",
        }
        told_dan = await dan.event("coffee.cancelled")
        assert told_dan["data"] == {"pair": pair, "reason": "declined", "waiting": True}
        told_eve = await eve.event("coffee.cancelled")
        assert told_eve["data"] == {"pair": pair, "reason": "declined", "waiting": False}
        assert code(await dan.command("coffee.accept", {"pair": pair})) == "coffee.not_open"

        await ok(fay, "coffee.join")  # Dan waits in front: Fay meets him
        again = await fay.event("coffee.proposed")
        assert again["data"]["with"]["account"] == dan_id
        other = (await dan.event("coffee.proposed"))["data"]
        assert other["pair"] == again["data"]["pair"] != pair
        await ok(fay, "coffee.accept", {"pair": other["pair"]})
        await ok(dan, "coffee.leave")  # Dan leaves: Fay had accepted, she waits in front
        assert (await fay.event("coffee.cancelled"))["data"] == {
            "pair": other["pair"],
            "reason": "left",
            "waiting": True,
        }
        await ok(fay, "coffee.leave")
        await nothing_proposed(eve)


async def test_a_timed_out_pairing_returns_the_accepter(server):
    async with server.services.db() as db:
        await db.execute(update(MatchSettings).values(coffee_accept_window=1))
        await db.commit()
    try:
        async with AsyncExitStack() as stack:
            (gus_id, gus), (_, hal) = await peers(server, stack, 2)
            await ok(gus, "coffee.join")
            await ok(hal, "coffee.join")
            pair = (await gus.event("coffee.proposed"))["data"]["pair"]
            await ok(gus, "coffee.accept", {"pair": pair})
            told = await gus.event("coffee.cancelled", timeout=5)
            assert told["data"] == {"pair": pair, "reason": "timeout", "waiting": True}
            told_hal = await hal.event("coffee.cancelled")
            assert told_hal["data"] == {"pair": pair, "reason": "timeout", "waiting": False}
            await ok(gus, "coffee.leave")
    finally:
        async with server.services.db() as db:
            await db.execute(update(MatchSettings).values(coffee_accept_window=30))
            await db.commit()


async def test_people_who_blocked_each_other_are_never_paired(server):
    async with AsyncExitStack() as stack:
        (ivy_id, ivy), (jon_id, jon), (kim_id, kim) = await peers(server, stack, 3)
        async with server.services.db() as db:
            db.add(MatchBlock(account_id=jon_id, blocked_id=ivy_id))
            await db.commit()
        await ok(ivy, "coffee.join")
        await ok(jon, "coffee.join")
        await nothing_proposed(ivy, jon)
        await ok(kim, "coffee.join")  # Ivy waited longest and may meet Kim
        proposed = await ivy.event("coffee.proposed")
        assert proposed["data"]["with"]["account"] == kim_id
        await ok(ivy, "coffee.decline", {"pair": proposed["data"]["pair"]})
        await ok(jon, "coffee.leave")
