"""PostgreSQL restarts mid-load: the scenario's own cluster (tests/faultlab/pg_server.py) is
stopped at once (`pg_ctl stop -m immediate`: every backend gone, as in a crash) under two
`expo serve` processes and a chatting crowd, and started again `--down` seconds later.

Clients fill the rooms, half on each process, each room with a signed-in sender; a prober reads
(a room's chat, the rooms), writes (a queue join and leave) and subscribes on a fresh websocket
(the room's guard reads the database), round after round on each process.

Checks: while it is down, every refusal of a read or a write is `database.unavailable` (or
`database.busy` when the pool waits for connections that cannot come), never a 500 or a
dropped socket; nothing acknowledged is lost (every chat message answered `ok` is in the
database after the restart, and reached every client of its room); the websocket clients keep
their sockets. Target: everything works again within 5 s of PostgreSQL's return (the pool
pre-pings and drops the connections the restart killed).
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.faultlab.cast import cast
from tests.faultlab.crowd import check_deliveries, settle
from tests.faultlab.looks import stored_texts
from tests.faultlab.outcome import Outcome
from tests.faultlab.pg_server import PostgresServer, postgres_server
from tests.faultlab.prober import Prober
from tests.faultlab.stage import Stage, staged
from tests.redis_server import redis_server

BACK_WITHIN = 5.0  # seconds after PostgreSQL's return: the target
DOWN_CODES = {"database.unavailable", "database.busy"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=2000, help="clients in all (2,000)")
    parser.add_argument("--rooms", type=int, default=20, help="rooms they are spread over")
    parser.add_argument("--rate", type=float, default=20.0, help="chat messages a second in all")
    parser.add_argument("--down", type=float, default=5.0, help="seconds PostgreSQL stays away")
    parser.add_argument("--before", type=float, default=10.0, help="seconds of load before")
    parser.add_argument("--after", type=float, default=15.0, help="seconds of load after")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds to catch up, at most")
    parser.add_argument("--probe-every", type=float, default=0.1, help="seconds between probes")
    parser.add_argument("--at-once", type=int, default=200, help="handshakes at a time at start")


async def run(options: argparse.Namespace, progress: Callable[[str], None]) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="faults-") as logs:
        async with postgres_server() as postgres, redis_server() as redis:
            database_url = await postgres.create_database(f"expo_{secrets.token_hex(4)}")
            async with staged(redis, database_url, Path(logs)) as stage:
                return await _play(stage, postgres, options, progress)


async def _play(
    stage: Stage,
    postgres: PostgresServer,
    options: argparse.Namespace,
    progress: Callable[[str], None],
) -> Outcome:
    outcome = Outcome()
    rooms = await stage.rooms(options.rooms)
    probed_booth = await stage.booth()
    probers = [cookie for _, cookie in await stage.people(4)]
    play = await cast(stage, rooms, options.clients)
    crowd, chat = play.crowd, play.chat
    prober = Prober(stage, rooms[0], probers, probed_booth)
    try:
        started = await crowd.start(at_once=options.at_once)
        progress(f"{len(crowd.clients)} clients following in {started:.1f} s")
        quiet = asyncio.Event()
        chatting = asyncio.ensure_future(chat.run(options.rate, quiet))
        probing = asyncio.ensure_future(prober.run(options.probe_every, quiet))
        try:
            await asyncio.sleep(options.before)
            down_at = time.monotonic()
            await postgres.stop()
            stopped_at = time.monotonic()
            await asyncio.sleep(options.down)
            await postgres.start()
            up_at = time.monotonic()
            progress(f"PostgreSQL back after {up_at - down_at:.1f} s")
            await asyncio.sleep(options.after)
        finally:
            quiet.set()
            await asyncio.gather(chatting, probing)
        progress(f"chat stopped: {chat.acknowledged} of {chat.sent} acknowledged")
        settled = await settle(crowd.clients, chat, options.settle)
        stored = await stored_texts(stage, rooms)

        check_deliveries(outcome, crowd.clients, chat)
        server_errors = prober.server_errors()
        outcome.check(
            "no 500 from the HTTP API and websocket subscribes",
            not server_errors,
            f"{len(prober.answers)} answers" + (f"; {server_errors[:3]}" if server_errors else ""),
        )
        # What was sent while it was down (not the moments it was stopping or starting).
        refusals = {
            a.code
            for a in prober.answers
            if stopped_at <= a.sent and a.sent + a.took <= up_at and a.status >= 400
        } | {
            code
            for text, code in chat.texts.items()
            if code not in ("ok", "offline") and text  # every refusal of a chat message
        }
        outcome.check(
            "while it is down, reads and writes answer database.unavailable",
            refusals <= DOWN_CODES and bool(refusals),
            f"codes {sorted(c or '(none)' for c in refusals)}",
        )
        lost = [t for t, a in chat.texts.items() if a == "ok" and t not in stored]
        outcome.check(
            "nothing acknowledged is lost",
            not lost,
            f"{chat.acknowledged} acknowledged, all stored" if not lost else f"{lost[:5]}",
        )
        dropped = [c.name for c in crowd.clients if c.drops]
        outcome.check(
            "the websocket clients keep their sockets",
            not dropped,
            f"{len(dropped)} dropped: {dropped[:5]}" if dropped else "",
        )
        back = prober.working_again(up_at)
        first_ok = min((at for at, _ in chat.acked_at.values() if at >= up_at), default=None)
        chat_back = None if first_ok is None else first_ok - up_at
        worst = max(float("inf") if b is None else b for b in (back, chat_back))
        outcome.target("everything works again after its return", worst, BACK_WITHIN, "s")
        outcome.figures.update(
            clients=len(crowd.clients),
            start_seconds=round(started, 2),
            stop_seconds=round(stopped_at - down_at, 2),
            down_seconds=round(up_at - down_at, 2),
            probes_back_s=None if back is None else round(back, 3),
            chat_back_s=None if chat_back is None else round(chat_back, 3),
            chat_sent=chat.sent,
            chat_answers=dict(chat.answers),
            probes_while_down=prober.tally((stopped_at, up_at)),
            probes_after=prober.tally((up_at, float("inf"))),
            probe_slowest_s=prober.slowest(),
            settle_seconds=round(settled, 2),
        )
        return outcome
    finally:
        await crowd.close()
