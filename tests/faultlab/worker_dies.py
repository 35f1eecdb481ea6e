"""A worker dies: `kill -9` of one of two `expo serve` processes under a chatting crowd.

Clients (tests/faultlab/client.py) fill the rooms, half on each process; each room has a
signed-in sender (the chat's load, `--rate` messages a second in all), and `--queuers` signed-in
people wait in a booth's queue, each following their ticket and a room, and the two people of
each of `--meetings` meetings follow their meeting room (and a room), one of them talking there
(`--meeting-rate` messages a second in all). Mid-load one process is
killed. Its clients reconnect to the survivor with the browser's backoff and resume with
`since`/`epoch`. Meanwhile, on the survivor, `--twice` clients drop twice within 10 s, and
`--away` clients stay away longer than the replay window (`--replay-seconds`).

Checks: nothing acknowledged missing (rooms and meeting rooms, at each of their clients), no
duplicate after de-duplication by seq, seqs contiguous or told to reload; every client of the
dead process resumed; no client of the survivor saw a disconnect; the twice-dropped resumed
twice; the long-away were told to reload; the queue's line is the same tickets in the same
order, positions 1..n, none marked away; the rooms' audience counts forget the dead process; an
account's sockets on the dead process stop counting (with a quota of 2, a second socket of each
of its signed-in people is admitted).
Target: p95 resume ≤ 5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.faultlab.cast import cast
from tests.faultlab.client import Client
from tests.faultlab.crowd import (
    check_deliveries,
    missing_of,
    percentile,
    resumes,
    settle,
)
from tests.faultlab.looks import audience_settles, line_settles, ordered, read_line
from tests.faultlab.outcome import Outcome
from tests.faultlab.stage import Stage, staged
from tests.redis_server import redis_server
from tests.services import fresh_postgres_database

SOCKET_QUOTA = 2  # per account: a dead process's socket still counted would refuse a second


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clients", type=int, default=2000, help="clients in all (2,000)")
    parser.add_argument("--rooms", type=int, default=20, help="rooms they are spread over")
    parser.add_argument("--rate", type=float, default=20.0, help="chat messages a second in all")
    parser.add_argument("--queuers", type=int, default=100, help="of them, waiting in a queue")
    parser.add_argument("--meetings", type=int, default=50, help="meetings, two clients each")
    parser.add_argument(
        "--meeting-rate", type=float, default=5.0, help="meeting-room messages a second in all"
    )
    parser.add_argument("--twice", type=int, default=20, help="dropped twice within 10 s")
    parser.add_argument("--away", type=int, default=10, help="away past the replay window")
    parser.add_argument("--replay-seconds", type=float, default=10.0, help="the replay window")
    parser.add_argument("--before", type=float, default=10.0, help="seconds of load before")
    parser.add_argument("--after", type=float, default=20.0, help="seconds of load after")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds to catch up, at most")
    parser.add_argument("--at-once", type=int, default=200, help="handshakes at a time at start")


async def run(options: argparse.Namespace, progress: Callable[[str], None]) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="faults-") as logs:
        async with redis_server() as redis, fresh_postgres_database() as database_url:
            settings = {
                "EXPO_REPLAY_SECONDS": str(options.replay_seconds),
                "EXPO_MAX_SOCKETS_PER_ACCOUNT": str(SOCKET_QUOTA),
            }
            async with staged(redis, database_url, Path(logs), settings=settings) as stage:
                return await _play(stage, options, progress)


async def _play(
    stage: Stage, options: argparse.Namespace, progress: Callable[[str], None]
) -> Outcome:
    outcome = Outcome()
    urls = stage.ws_urls
    rooms = await stage.rooms(options.rooms)
    booth = await stage.booth()
    ((_, staff),) = await stage.people(1, exhibitor_id=booth)
    play = await cast(
        stage,
        rooms,
        options.clients,
        booth=booth,
        queuers=options.queuers,
        meetings=options.meetings,
    )
    crowd, chat, talk, audience = play.crowd, play.chat, play.talk, play.audience
    try:
        started = await crowd.start(at_once=options.at_once)
        progress(f"{len(crowd.clients)} clients following in {started:.1f} s")
        line_before = await read_line(stage, staff, booth)
        quiet = asyncio.Event()
        chatting = asyncio.ensure_future(chat.run(options.rate, quiet))
        talking = (
            asyncio.ensure_future(talk.run(options.meeting_rate, quiet)) if talk.senders else None
        )
        await asyncio.sleep(options.before)

        dead = urls[1]
        victims = [c for c in crowd.clients if c.url == dead]
        kept = [c for c in audience if c.url != dead]
        twice = kept[: options.twice]
        away = kept[options.twice : options.twice + options.away]
        untouched = [c for c in crowd.clients if c.url != dead and c not in twice + away]
        away_for = 2 * options.replay_seconds + 1
        killed_at = time.monotonic()
        await stage.kill(1)
        progress(f"process 1 killed under {len(victims)} of {len(crowd.clients)} clients")
        for client in away:
            client.drop(away=away_for)
        for client in twice:
            client.drop()
        await _drop_again(twice, killed_at + 4.0)
        await asyncio.sleep(
            max(0.0, killed_at + max(options.after, away_for + 3) - time.monotonic())
        )
        quiet.set()
        await chatting
        if talking is not None:
            await talking
        progress(f"chat stopped: {chat.acknowledged} of {chat.sent} acknowledged")
        settled = await settle(crowd.clients, chat, options.settle)
        await settle(play.parties, talk, options.settle)
        audience_right = await audience_settles(stage, crowd.clients, rooms, 15.0)
        line_after = await line_settles(stage, staff, booth, line_before, 15.0)
        quota = await _second_sockets([c for c in victims if c.cookie], urls[0], SOCKET_QUOTA)

        check_deliveries(outcome, crowd.clients, chat)
        unheard = {c.name: n for c in play.parties if (n := missing_of(c, talk))}
        outcome.check(
            "meeting rooms: zero acknowledged messages missing, at both people",
            not unheard and talk.answers["internal"] == 0,
            f"{talk.acknowledged} acknowledged in {len(talk.senders)} meetings"
            + (f"; missing {sum(unheard.values())} at {len(unheard)}" if unheard else "")
            + f"; answers {dict(talk.answers)}",
        )
        unresumed = [c.name for c in victims if not c.drops or c.drops[0].resumed is None]
        outcome.check(
            "every client of the dead process resumed",
            not unresumed,
            f"{len(victims) - len(unresumed)} of {len(victims)}"
            + (f"; not: {unresumed[:5]}" if unresumed else ""),
        )
        disturbed = [c.name for c in untouched if c.drops]
        outcome.check(
            "clients on the surviving process saw no disconnect",
            not disturbed,
            f"{len(untouched)} clients" + (f"; dropped: {disturbed[:5]}" if disturbed else ""),
        )
        twice_ok = [c for c in twice if len(c.drops) == 2 and all(d.resumed for d in c.drops)]
        outcome.check(
            "a client dropped twice within 10 s resumes twice",
            len(twice_ok) == len(twice),
            f"{len(twice_ok)} of {len(twice)}",
        )
        told = [c for c in away if all(t.reloads > 0 for n, t in c.topics.items())]
        outcome.check(
            "a client away longer than the replay window is told to reload",
            len(told) == len(away),
            f"{len(told)} of {len(away)} (away {away_for:.0f} s, window "
            f"{options.replay_seconds:.0f} s)",
        )
        outcome.check(
            "queue positions intact",
            line_after == ordered(line_before),
            f"{len(line_before)} tickets, positions 1..n in the same order, none away"
            if line_after == ordered(line_before)
            else f"before {line_before[:5]}, after {line_after[:5]}",
        )
        outcome.check(
            "the rooms' audience forgets the dead process",
            audience_right is not None,
            f"right {audience_right:.1f} s after settling" if audience_right is not None else "",
        )
        outcome.check(
            "an account's sockets on the dead process stop counting",
            quota[0] == quota[1],
            f"{quota[0]} of {quota[1]} second sockets admitted (quota {SOCKET_QUOTA})",
        )

        victim_resumes = resumes(victims, killed_at)
        outcome.target("p95 resume after the kill", percentile(victim_resumes, 95), 5.0, "s")
        outcome.figures.update(
            clients=len(crowd.clients),
            rooms=len(rooms),
            victims=len(victims),
            start_seconds=round(started, 2),
            resume_p50_s=round(percentile(victim_resumes, 50), 3),
            resume_p95_s=round(percentile(victim_resumes, 95), 3),
            resume_max_s=round(max(victim_resumes, default=0.0), 3),
            twice_resume_p95_s=round(percentile(resumes(twice, killed_at), 95), 3),
            told_to_reload=sum(t.reloads > 0 for c in crowd.clients for t in c.topics.values()),
            chat_sent=chat.sent,
            chat_answers=dict(chat.answers),
            meetings=len(talk.senders),
            meeting_answers=dict(talk.answers),
            settle_seconds=round(settled, 2),
            refused_handshakes=_sum_refusals(crowd.clients),
            repeats_dropped_by_seq=sum(t.repeats for c in crowd.clients for t in c.topics.values()),
        )
        return outcome
    finally:
        await crowd.close()


async def _drop_again(clients: list[Client], at: float) -> None:
    """Each client dropped a second time, once it followed again, not before `at`."""
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    for client in clients:
        await client.wait_following(5.0)
        client.drop()


async def _second_sockets(clients: list[Client], url: str, quota: int) -> tuple[int, int]:
    """(admitted, tried): a second socket for each signed-in client, on the survivor."""
    admitted = 0
    for client in clients:
        headers = {"Cookie": client.cookie or "", "X-Forwarded-For": client.address or ""}
        try:
            async with connect(url, additional_headers=headers, open_timeout=10):
                admitted += 1
        except InvalidStatus:
            pass
    return admitted, len(clients)


def _sum_refusals(clients: list[Client]) -> dict[str, int]:
    total: dict[str, int] = {}
    for client in clients:
        for status, n in client.refused.items():
            total[status] = total.get(status, 0) + n
    return total
