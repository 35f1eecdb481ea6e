"""`expo match schedule [--time-limit S]`: the organisers' scheduler run from the command line.

It runs over the configured database (EXPO_DATABASE_URL, else the default `expo db upgrade`
uses) exactly what the dashboard's button runs (scheduler.run_scheduler), behind the same claim,
so it never runs beside a run started in the console (nor two from here). Progress goes to
stderr, the summary to stdout. The run is recorded as started by the first organiser account.

No server is involved, so nobody is notified live: people see their new meetings on their next
page load, organisers the run in the console's latest run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from sqlmodel import col, select

from expo.db import make_engine, make_sessionmaker, stored_id
from expo.errors import ExpoError
from expo.models import Account, Role
from matchmaking.models import SchedulerRunStatus
from matchmaking.scheduler import DEFAULT_TIME_LIMIT, MAX_TIME_LIMIT, claim, run_scheduler


def _time_limit(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= MAX_TIME_LIMIT:
        raise argparse.ArgumentTypeError(f"must be > 0 and <= {MAX_TIME_LIMIT:g} seconds")
    return value


async def schedule(url: str, time_limit: float) -> int:
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        async with sessions() as db:
            rows = await db.execute(
                select(Account)
                .where(col(Account.role) == Role.ORGANIZER)
                .order_by(col(Account.id))
                .limit(1)
            )
            organiser = rows.scalars().first()
        if organiser is None:
            print(
                "expo: match.no_organiser: create one first (expo admin create-organiser)",
                file=sys.stderr,
            )
            return 1
        try:
            run = await claim(sessions, stored_id(organiser), time_limit)
        except ExpoError as error:
            print(f"expo: {error.code}: {error.message}", file=sys.stderr)
            return 1
        last: list[tuple[str, int]] = []

        def progress(phase: str, percent: float) -> None:  # from the solver's thread too
            now = (phase, int(percent))
            if not last or last[-1] != now:
                last.append(now)
                print(f"{phase} {now[1]}%", file=sys.stderr, flush=True)

        print(f"run {stored_id(run)}: time limit {time_limit:g} s", file=sys.stderr, flush=True)
        row, _events = await run_scheduler(sessions, run, on_progress=progress)
    finally:
        await engine.dispose()
    if row.status != SchedulerRunStatus.FINISHED or row.result is None:
        print(f"expo: match.scheduler_failed: {row.error}", file=sys.stderr)
        return 1
    summary = row.result.get("summary")
    assert isinstance(summary, dict)
    print(summary["en"])
    print(summary["zh"])
    return 0


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="expo match schedule", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--time-limit",
        type=_time_limit,
        default=DEFAULT_TIME_LIMIT,
        help=f"seconds the solver may take (default {DEFAULT_TIME_LIMIT:g})",
    )
    args = parser.parse_args(argv)
    from expo.settings import DEFAULT_DATABASE_URL

    url = os.environ.get("EXPO_DATABASE_URL") or DEFAULT_DATABASE_URL
    return asyncio.run(schedule(url, args.time_limit))
