"""Random coffees on two `expo serve` processes sharing Redis (the pool, its Lua claim) and
PostgreSQL: two people opting in on different processes at the same moment are paired exactly
once, and both hear the one proposal."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.test_booth_chat_scale_out import newcomer
from tests.live import Peer


async def test_two_people_on_two_processes_are_paired_exactly_once(two_processes):
    a, b = two_processes
    ann_id, _, ann = await newcomer(a, "咖啡甲 Ann")
    ben_id, _, ben = await newcomer(b, "咖啡乙 Ben")
    async with a.connect(ann) as ann_ws, b.connect(ben) as ben_ws:
        pa, pb = Peer(ann_ws), Peer(ben_ws)
        assert (await pa.command("subscribe", {"topic": f"account:{ann_id}"}))["type"] == "ok"
        assert (await pb.command("subscribe", {"topic": f"account:{ben_id}"}))["type"] == "ok"
        joined = await asyncio.gather(pa.command("coffee.join"), pb.command("coffee.join"))
        assert [r["data"] for r in joined] == [{"waiting": True}, {"waiting": True}]
        to_ann = await pa.event("coffee.proposed")
        to_ben = await pb.event("coffee.proposed")
        assert to_ann["data"]["pair"] == to_ben["data"]["pair"]
        assert to_ann["data"]["with"]["account"] == ben_id
        assert to_ben["data"]["with"]["account"] == ann_id
        for peer in (pa, pb):  # both processes' clocks have looked again since: no second
            with pytest.raises(TimeoutError):
                await peer.event("coffee.proposed", timeout=2.5)
        pair = to_ann["data"]["pair"]
        accepted = await asyncio.gather(
            pa.command("coffee.accept", {"pair": pair}), pb.command("coffee.accept", {"pair": pair})
        )
        assert sorted(r["data"]["status"] for r in accepted) == ["proposed", "started"]
        started = [(await p.event("coffee.started"))["data"] for p in (pa, pb)]
        assert started[0] == started[1] and started[0]["topic"] == f"coffee:{pair}"
        for peer in (pa, pb):  # one start, announced once
            with pytest.raises(TimeoutError):
                await peer.event("coffee.started", timeout=0.5)
