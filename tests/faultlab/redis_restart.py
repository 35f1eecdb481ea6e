"""Redis restarts mid-load: once with its data (saved as it stops, loaded as it starts), then
once empty (stopped without saving, as a crashed cache or a replaced container).

Two `expo serve` processes share the Redis of the scenario's own; clients fill the rooms, half
on each process; each room has a signed-in sender (`--rate` messages a second in all); people
wait in a booth's queue following their ticket; a prober asks the HTTP API meanwhile (a room's
chat, the rooms and their audience, a queue join and leave by people of its own).

Checks, over both restarts: no request ends in a 500; a chat message answered `ok` is in the
database and one answered `unavailable` is not (writes commit or answer `unavailable`); nothing
acknowledged missing at any client, no duplicate, seqs contiguous or told to reload; after the
empty restart every client is told to reload (`subscription.reset`, or `reload: true` on a
resume) within 10 s of Redis's return; the rooms' audience, the queue's line (from the database
after the empty restart) and the rate limits (a burst of reactions is refused past its budget
again) recover. Targets: messages cross processes again within 3 s of Redis's return.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.faultlab.cast import cast
from tests.faultlab.client import Client, Offline
from tests.faultlab.crowd import Chat, check_deliveries, settle
from tests.faultlab.looks import audience_settles, line_settles, ordered, read_line, stored_texts
from tests.faultlab.outcome import Outcome
from tests.faultlab.prober import Prober
from tests.faultlab.stage import Stage, staged
from tests.redis_server import RedisServer, redis_server
from tests.services import fresh_postgres_database

RELOAD_WITHIN = 10.0  # seconds after Redis's return: the promise
CROSS_WITHIN = 3.0
REACTIONS = 12  # a burst past the `react` budget (5 at once)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=2000, help="clients in all (2,000)")
    parser.add_argument("--rooms", type=int, default=20, help="rooms they are spread over")
    parser.add_argument("--rate", type=float, default=20.0, help="chat messages a second in all")
    parser.add_argument("--queuers", type=int, default=100, help="of them, waiting in a queue")
    parser.add_argument("--down", type=float, default=3.0, help="seconds Redis stays away")
    parser.add_argument("--before", type=float, default=10.0, help="seconds of load before each")
    parser.add_argument("--after", type=float, default=15.0, help="seconds of load after each")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds to catch up, at most")
    parser.add_argument("--watch-every", type=int, default=10, help="one client in N timed")
    parser.add_argument("--probe-every", type=float, default=0.1, help="seconds between probes")
    parser.add_argument("--at-once", type=int, default=200, help="handshakes at a time at start")


async def run(options: argparse.Namespace, progress: Callable[[str], None]) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="faults-") as folder:
        logs = Path(folder)
        async with redis_server(logs) as redis, fresh_postgres_database() as database_url:
            async with staged(redis, database_url, logs, keep_limits=("react",)) as stage:
                return await _play(stage, redis, options, progress)


async def _play(
    stage: Stage, redis: RedisServer, options: argparse.Namespace, progress: Callable[[str], None]
) -> Outcome:
    outcome = Outcome()
    rooms = await stage.rooms(options.rooms)
    booth = await stage.booth()
    probed_booth = await stage.booth()  # the prober's joins and leaves stay out of the line
    ((_, staff),) = await stage.people(1, exhibitor_id=booth)
    probers = [cookie for _, cookie in await stage.people(4)]
    play = await cast(
        stage,
        rooms,
        options.clients,
        booth=booth,
        queuers=options.queuers,
        watch_every=options.watch_every,
    )
    crowd, chat = play.crowd, play.chat
    prober = Prober(stage, rooms[0], probers, probed_booth)
    try:
        started = await crowd.start(at_once=options.at_once)
        progress(f"{len(crowd.clients)} clients following in {started:.1f} s")
        line_before = await read_line(stage, staff, booth)
        quiet = asyncio.Event()
        chatting = asyncio.ensure_future(chat.run(options.rate, quiet))
        probing = asyncio.ensure_future(prober.run(options.probe_every, quiet))
        rounds: dict[str, dict[str, Any]] = {}
        try:
            for keep in (True, False):
                name = "with its data" if keep else "empty"
                await asyncio.sleep(options.before)
                down_at = time.monotonic()
                await redis.stop(keep)
                await asyncio.sleep(options.down)
                await redis.start()
                up_at = time.monotonic()
                progress(f"Redis back {name} after {up_at - down_at:.1f} s")
                await asyncio.sleep(options.after)
                rounds[name] = await _round(
                    stage, crowd.clients, chat, rooms, (down_at, up_at), (staff, booth, line_before)
                )
                rounds[name]["line_intact"] = rounds[name]["line"] == ordered(line_before)
        finally:
            quiet.set()
            await asyncio.gather(chatting, probing)
        progress(f"chat stopped: {chat.acknowledged} of {chat.sent} acknowledged")
        settled = await settle(crowd.clients, chat, options.settle)
        limited = await _reaction_burst(chat.senders[rooms[0]], rooms[0])
        stored = await stored_texts(stage, rooms)

        check_deliveries(outcome, crowd.clients, chat)
        server_errors = prober.server_errors()
        outcome.check(
            "no 500 from the HTTP API and websocket subscribes",
            not server_errors,
            f"answers {prober.tally()}" + (f"; {server_errors[:3]}" if server_errors else ""),
        )
        lost = [t for t, a in chat.texts.items() if a.startswith("ok") and t not in stored]
        kept_refused = [t for t, a in chat.texts.items() if a == "unavailable" and t in stored]
        outcome.check(
            "writes commit or answer unavailable",
            not lost and not kept_refused,
            f"{chat.answers['unavailable']} answered unavailable, none stored; "
            f"{chat.acknowledged} ok, all stored"
            if not lost and not kept_refused
            else f"ok but not stored: {lost[:5]}; unavailable but stored: {kept_refused[:5]}",
        )
        empty = rounds["empty"]
        outcome.check(
            f"Redis back empty: every client told to reload within {RELOAD_WITHIN:.0f} s",
            empty["not_told"] == [],
            f"{empty['told']} topics told, latest {empty['latest_told_s']:.2f} s after the return"
            + (f"; not told: {empty['not_told'][:5]}" if empty["not_told"] else ""),
        )
        for name, figures in rounds.items():
            outcome.check(
                f"the rooms' audience recovers (Redis {name})",
                figures["audience_s"] is not None,
                f"{figures['audience_s']:.1f} s after the round's load"
                if figures["audience_s"] is not None
                else "",
            )
            outcome.check(
                f"the queue's line recovers (Redis {name})",
                figures["line_intact"],
                f"{len(line_before)} tickets in the same order"
                if figures["line_intact"]
                else f"before {line_before[:4]} after {figures['line'][:4]}",
            )
        outcome.check(
            "rate limits recover (a burst of reactions refused past its budget, with retry_after)",
            limited["ok"] > 0 and limited["rate_limited"] > 0 and limited["retry_after"],
            str(limited),
        )
        for name, figures in rounds.items():
            cross = figures["cross_s"]
            outcome.target(
                f"fanout across processes back (Redis {name})",
                cross if cross is not None else float("inf"),
                CROSS_WITHIN,
                "s",
            )
            figures.pop("line")
            figures.pop("not_told")
        outcome.figures.update(
            clients=len(crowd.clients),
            start_seconds=round(started, 2),
            rounds=rounds,
            chat_sent=chat.sent,
            chat_answers=dict(chat.answers),
            probe_answers=prober.tally(),
            probe_slowest_s=prober.slowest(),
            settle_seconds=round(settled, 2),
            drops=sum(len(c.drops) for c in crowd.clients),
            reaction_burst=limited,
        )
        return outcome
    finally:
        await crowd.close()


async def _round(
    stage: Stage,
    clients: list[Client],
    chat: Chat,
    rooms: list[int],
    restart: tuple[float, float],
    queue: tuple[str, int, list[tuple[int, int, Any]]],
) -> dict[str, Any]:
    """One restart's figures: when writes were taken again, when messages crossed processes
    again, who was told to reload and when, and whether presence and the line recovered."""
    down_at, up_at = restart
    staff, booth, line_before = queue
    first_ok = min((at for at, _ in chat.acked_at.values() if at >= up_at), default=None)
    watched = [c for c in clients if c.arrivals is not None]
    same: float | None = None
    cross: float | None = None
    for message_id, (acked, sent_on) in chat.acked_at.items():
        if acked < up_at:
            continue
        for client in watched:
            arrived = client.arrivals.get(message_id) if client.arrivals else None
            if arrived is None:
                continue
            if client.url == sent_on:
                same = arrived if same is None else min(same, arrived)
            else:
                cross = arrived if cross is None else min(cross, arrived)
    told = [
        t.last_reload - up_at
        for c in clients
        for t in c.topics.values()
        if down_at <= t.last_reload <= up_at + RELOAD_WITHIN
    ]
    not_told = [
        f"{c.name} {t.name}"
        for c in clients
        for t in c.topics.values()
        if not down_at <= t.last_reload <= up_at + RELOAD_WITHIN
    ]
    audience = await audience_settles(stage, clients, rooms, 15.0)
    line = await line_settles(stage, staff, booth, line_before, 15.0)
    return {
        "down_s": round(up_at - down_at, 2),
        "writes_back_s": None if first_ok is None else round(first_ok - up_at, 3),
        "same_process_back_s": None if same is None else round(same - up_at, 3),
        "cross_s": None if cross is None else round(cross - up_at, 3),
        "told": len(told),
        "latest_told_s": round(max(told, default=0.0), 3),
        "not_told": not_told,
        "audience_s": audience,
        "line": line,
    }


async def _reaction_burst(client: Client, room: int) -> dict[str, Any]:
    """A burst of reactions by one person: the `react` budget (5 at once) refuses the rest."""
    answers: Counter[str] = Counter()
    retry_after = True
    for _ in range(REACTIONS):
        try:
            reply = await client.command("reaction.send", {"forum": room, "reaction": "clap"})
        except Offline:
            answers["offline"] += 1
            continue
        if reply["type"] == "ok":
            answers["ok"] += 1
        else:
            answers[reply["error"]["code"]] += 1
            if reply["error"]["code"] == "rate_limited":
                retry_after = retry_after and "retry_after" in reply["error"]
    return {**answers, "ok": answers["ok"], "rate_limited": answers["rate_limited"]} | {
        "retry_after": retry_after
    }
