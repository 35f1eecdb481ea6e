"""Reconnect storm: every client of two `expo serve` processes loses its socket at once (a
balancer or the network blinks) and all come back together, with the browser's backoff
(0.25-0.5 s for the first attempt), each resubscribing with `since`/`epoch`.

Most clients have an address of their own (as behind a load balancer); `--venue` of them share
one (a venue's Wi-Fi behind one NAT address), whose handshakes the `connect` rate limit
(`--connect-rate`, the platform's default 120/60 with a burst of 60) sheds with 429 and
Retry-After. `--signed-in` of them carry a session (the handshake checks it in the database).
The rooms keep talking (`--rate` messages a second in all) through the storm.

The capacity model's target: the processes re-admit clients at the pace they admitted them
when the crowd arrived (measured in the same run, `--at-once` handshakes at a time), so the
crowd is back within `crowd / that pace`, with a margin of 2, plus the backoff's first step.
The venue comes back at its address's budget's pace, and is measured on its own.

Checks: every client follows its topics again, nothing acknowledged missing, no duplicate,
seqs contiguous or told to reload; every handshake is answered (no client's opening times
out: nothing queued without bound); every 429 carries Retry-After and the clients waited it;
every subscribe refused as `rate_limited` carried retry_after.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tests.faultlab.cast import cast
from tests.faultlab.client import Client
from tests.faultlab.crowd import (
    Crowd,
    check_deliveries,
    percentile,
    resumes,
    settle,
)
from tests.faultlab.outcome import Outcome
from tests.faultlab.stage import Stage, staged
from tests.redis_server import redis_server
from tests.services import fresh_postgres_database

VENUE_ADDRESS = "192.0.2.1"  # TEST-NET-1: one address for the whole venue


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=10_000, help="clients in all (10,000)")
    parser.add_argument("--rooms", type=int, default=20, help="rooms they are spread over")
    # 5 a second in rooms of 500 is 2,500 deliveries a second to the one load generator.
    parser.add_argument("--rate", type=float, default=5.0, help="chat messages a second in all")
    parser.add_argument("--signed-in", type=int, default=1000, help="of them, signed in")
    parser.add_argument("--venue", type=int, default=100, help="of them, behind one address")
    parser.add_argument(
        "--connect-rate", default="120/60/60", help="the `connect` limit: count/seconds/burst"
    )
    parser.add_argument("--before", type=float, default=5.0, help="seconds of load before")
    parser.add_argument("--within", type=float, default=120.0, help="seconds to come back, at most")
    parser.add_argument(
        "--arrive-within", type=float, default=600.0, help="seconds to arrive, at most"
    )
    parser.add_argument("--settle", type=float, default=30.0, help="seconds to catch up, at most")
    parser.add_argument("--at-once", type=int, default=200, help="handshakes at a time at start")


async def run(options: argparse.Namespace, progress: Callable[[str], None]) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="faults-") as logs:
        async with redis_server() as redis, fresh_postgres_database() as database_url:
            async with staged(
                redis,
                database_url,
                Path(logs),
                keep_limits=("subscribe",),
                limits={"connect": options.connect_rate},
            ) as stage:
                return await _play(stage, options, progress)


async def _play(
    stage: Stage, options: argparse.Namespace, progress: Callable[[str], None]
) -> Outcome:
    outcome = Outcome()
    rooms = await stage.rooms(options.rooms)
    play = await cast(stage, rooms, options.clients, signed_in=options.signed_in)
    crowd, chat, audience = play.crowd, play.chat, play.audience
    venue = audience[len(audience) - min(options.venue, len(audience)) :]
    for client in venue:
        client.address = VENUE_ADDRESS
    crowd_only = [c for c in crowd.clients if c not in venue]
    try:
        arrived = await _arrive(crowd, crowd_only, venue, options.at_once, options.arrive_within)
        pace = len(crowd_only) / arrived
        progress(f"{len(crowd.clients)} clients following; the crowd's pace {pace:.0f}/s")
        quiet = asyncio.Event()
        chatting = asyncio.ensure_future(chat.run(options.rate, quiet))
        await asyncio.sleep(options.before)
        before = _refusals(crowd.clients)
        storm_at = time.monotonic()
        for client in crowd.clients:
            client.drop()
        back = await _back(crowd_only, options.within)
        progress(f"the crowd back in {back:.1f} s" if back else "the crowd NOT back")
        venue_back = await _back(venue, max(1.0, options.within - (time.monotonic() - storm_at)))
        quiet.set()
        await chatting
        settled = await settle(crowd.clients, chat, options.settle)

        check_deliveries(outcome, crowd.clients, chat)
        refusals = _refusals(crowd.clients) - before
        unanswered = refusals["timeout"] + refusals["broken"]
        outcome.check(
            "every handshake answered (none queued until the client gave up)",
            unanswered == 0,
            f"answers after the storm {dict(refusals)}",
        )
        without = refusals["429 without Retry-After"] + refusals["503 without Retry-After"]
        waited = sum(c.retry_after_honoured for c in crowd.clients)
        outcome.check(
            "every 429 or 503 carries Retry-After, and the clients waited it",
            without == 0,
            f"{refusals['429']} refused with 429 (an address's budget), {refusals['503']} with"
            f" 503 (busy), {waited} waits of a Retry-After or retry_after",
        )
        unlimited = sum(c.rate_limited_subscribes for c in crowd.clients) - sum(
            c.subscribe_retry_after for c in crowd.clients
        )
        outcome.check(
            "every subscribe refused as rate_limited carries retry_after",
            unlimited == 0,
            f"{sum(c.rate_limited_subscribes for c in crowd.clients)} refused",
        )
        crowd_resumes = resumes(crowd_only, storm_at)
        venue_resumes = resumes(venue, storm_at)
        target = 2 * len(crowd_only) / pace + 0.5
        outcome.target(
            "the crowd back after the storm",
            back if back is not None else float("inf"),
            round(target, 1),
            "s",
            baseline=round(len(crowd_only) / pace, 2),
        )
        outcome.figures.update(
            clients=len(crowd.clients),
            signed_in=options.signed_in,
            venue=len(venue),
            arrival_seconds=round(arrived, 2),
            arrival_pace_per_s=round(pace, 1),
            crowd_back_s=None if back is None else round(back, 2),
            crowd_resume_p50_s=round(percentile(crowd_resumes, 50), 3),
            crowd_resume_p95_s=round(percentile(crowd_resumes, 95), 3),
            # Clients back in each second after the storm: waves 1, 3, 7, 15 s apart are TCP
            # retransmitting SYNs that a full accept queue dropped.
            crowd_back_by_second=dict(sorted(Counter(int(r) for r in crowd_resumes).items())),
            venue_back_s=None if venue_back is None else round(venue_back, 2),
            venue_resume_p50_s=round(percentile(venue_resumes, 50), 3),
            arrival_refusals=dict(before),
            handshake_refusals=dict(refusals),
            subscribes_rate_limited=sum(c.rate_limited_subscribes for c in crowd.clients),
            retry_after_waits=waited,
            told_to_reload=sum(t.reloads > 0 for c in crowd.clients for t in c.topics.values()),
            chat_sent=chat.sent,
            chat_answers=dict(chat.answers),
            settle_seconds=round(settled, 2),
        )
        return outcome
    finally:
        await crowd.close()


async def _arrive(
    crowd: Crowd, first: list[Client], venue: list[Client], at_once: int, within: float
) -> float:
    """The crowd arrives (`at_once` at a time), then the venue: the crowd's seconds."""
    everyone = crowd.clients
    crowd.clients = first
    try:
        seconds = await crowd.start(at_once=at_once, timeout=within)
        crowd.clients = venue
        await crowd.start(at_once=len(venue) or 1, timeout=within)
    finally:
        crowd.clients = everyone
    return seconds


async def _back(clients: list[Client], within: float) -> float | None:
    """Seconds from now until every client follows its topics again, or None."""
    began = time.monotonic()
    await asyncio.sleep(0.05)  # their sockets were just aborted: let the clients see it
    results = await asyncio.gather(*(c.wait_following(within) for c in clients))
    return time.monotonic() - began if all(results) else None


def _refusals(clients: list[Client]) -> Counter[str]:
    total: Counter[str] = Counter()
    for client in clients:
        total.update(client.refused)
    return total
