"""The organisers' optimal scheduler run, in the background of one server process.

- `POST /api/match/scheduler/runs` {time_limit?} (organisers) claims the one running slot
  (a SchedulerRun row whose unique `active` key admits one run across all processes; a second
  start gets 409 `match.scheduler_running`), answers 202 with the run, and goes on in a task:
  read the instance (scheduler_store.build), solve it in a worker thread (the event loop keeps
  serving), write the new meetings, store the result, then announce.
- While it runs: `match.scheduler_progress` {run, phase, percent} on `match-organisers:all`,
  at most PROGRESS_EVERY seconds apart (and the run row's phase/percent, so any process's
  `GET .../latest` shows it).
- At the end, stored before announced: `match.scheduler_finished` {run} on the organisers'
  topic, with the summary ("scheduled N of at most M possible; K people who asked have none"),
  and for each new meeting exactly what an accept announces (meeting_views): the request's
  `match.request_changed` and the meeting's `match.meeting_changed` to both people and on
  `meeting:<id>`, then one `match.dashboard_changed` to organisers.
- `expo match schedule` (schedule_cli.py) runs the same `run_scheduler` from the command line,
  behind the same claim.
- `GET /api/match/scheduler/runs/latest` (organisers): the latest run, or null.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select
from starlette.requests import Request

from expo.db import stored_id
from expo.errors import Conflict
from expo.http import ErrorBody, JSONResponse, principal, read_json, route, services
from expo.models import Role, utcnow
from expo.permissions import only
from expo.services import Services
from matchmaking.meeting_views import (
    Announcement,
    dashboard_event,
    meeting_events,
    people_for,
    request_events,
)
from matchmaking.models import Meeting, MeetingRequest, SchedulerRun, SchedulerRunStatus
from matchmaking.scheduler_store import Built, build, write
from matchmaking.topics import ORGANISERS_TOPIC

log = logging.getLogger(__name__)

PROGRESS = "match.scheduler_progress"
FINISHED = "match.scheduler_finished"
PROGRESS_EVERY = 0.5  # seconds between progress events, at most
CLAIM_GRACE = timedelta(minutes=5)  # past its time limit, a run's claim is presumed dead
DEFAULT_TIME_LIMIT = 30.0
MAX_TIME_LIMIT = 600.0
TASKS = "matchmaking.scheduler.tasks"


class RunIn(BaseModel):
    model_config = {"extra": "forbid"}

    time_limit: float = Field(default=DEFAULT_TIME_LIMIT, gt=0, le=MAX_TIME_LIMIT)


class RunOut(BaseModel):
    run: dict[str, Any] | None


def run_view(run: SchedulerRun) -> dict[str, Any]:
    return {
        "id": stored_id(run),
        "status": run.status,
        "time_limit": run.time_limit,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "phase": run.phase,
        "percent": run.percent,
        "result": run.result,
        "error": run.error,
    }


def summary(placed: int, bound: int, none: int, total: int) -> dict[str, str]:
    """The one line organisers read, both languages."""
    en_none = (
        "everyone who asked has a meeting" if none == 0 else f"{none:,} people who asked have none"
    )
    zh_none = "每位提出请求的人都有会面" if none == 0 else f"{none:,} 位提出请求的人还没有会面"
    return {
        "en": f"scheduled {total:,} of at most {bound:,} possible ({placed:,} new); {en_none}",
        "zh": f"已安排 {total:,} 场，上限 {bound:,} 场（新增 {placed:,} 场）；{zh_none}",
    }


# --- claiming the one run -----------------------------------------------------------------


Sessions = async_sessionmaker[AsyncSession]


async def claim(sessions: Sessions, who: int, time_limit: float) -> SchedulerRun:
    now = utcnow()
    async with sessions() as db:
        # A claim whose process died long ago is let go (its run marked failed).
        await db.execute(
            update(SchedulerRun)
            .where(col(SchedulerRun.active) == 1, col(SchedulerRun.expires_at) < now)
            .values(active=None, status=SchedulerRunStatus.FAILED, error="expired", finished_at=now)
        )
        run = SchedulerRun(
            active=1,
            started_by=who,
            time_limit=time_limit,
            started_at=now,
            expires_at=now + timedelta(seconds=time_limit) + CLAIM_GRACE,
        )
        try:
            async with db.begin_nested():
                db.add(run)
                await db.flush()
        except IntegrityError:
            raise Conflict(
                "match.scheduler_running", "The scheduler is running already; wait for it."
            ) from None
        await db.commit()
        await db.refresh(run)
    return run


async def _finish(sessions: Sessions, run_id: int, **values: Any) -> SchedulerRun:
    async with sessions() as db:
        run = await db.get(SchedulerRun, run_id)
        assert run is not None
        for k, v in values.items():
            setattr(run, k, v)
        run.active, run.finished_at = None, utcnow()
        db.add(run)
        await db.commit()
        await db.refresh(run)
    return run


# --- the run ----------------------------------------------------------------------------------


class _Progress:
    """Written by the solver's thread, read by the loop: the latest (phase, percent)."""

    def __init__(self) -> None:
        self.phase, self.percent = "reading", 0.0
        self.started = time.monotonic()

    def __call__(self, phase: str, percent: float) -> None:
        self.phase, self.percent = phase, percent


async def _report(
    sessions: Sessions, run_id: int, progress: _Progress, time_limit: float, svc: Services | None
) -> None:
    """The run row's phase/percent (any process's `GET .../latest`), and the organisers'
    progress events when a server runs it (`svc`)."""
    last: tuple[str, int] | None = None
    while True:
        percent = progress.percent
        if progress.phase == "exact":  # CP-SAT says nothing while it works: time tells
            spent = time.monotonic() - progress.started
            percent = max(percent, min(99.0, 70 + 29 * spent / time_limit))
        now = (progress.phase, int(percent))
        if now != last:
            last = now
            async with sessions() as db:
                await db.execute(
                    update(SchedulerRun)
                    .where(col(SchedulerRun.id) == run_id)
                    .values(phase=now[0], percent=now[1])
                )
                await db.commit()
            if svc is not None:
                data = {"run": run_id, "phase": now[0], "percent": now[1]}
                await svc.hub.publish_stored([(ORGANISERS_TOPIC, PROGRESS, data)])
        await asyncio.sleep(PROGRESS_EVERY)


async def run_scheduler(
    sessions: Sessions,
    run: SchedulerRun,
    *,
    svc: Services | None = None,
    on_progress: Callable[[str, float], None] | None = None,
) -> tuple[SchedulerRun, list[Announcement]]:
    """The whole run after its claim: read, solve (thread), write, store the result; returns
    the run and what to announce (stored already). Always releases the claim, marking the run
    failed if anything raises. `svc`: a server's, for progress events; `on_progress`: also
    called with each (phase, percent) from the solver's thread (the CLI prints it)."""
    from matchmaking.solver import solve  # OR-Tools loads on the first run, not at start-up

    run_id = stored_id(run)
    progress = _Progress()

    def tell(phase: str, percent: float) -> None:
        progress(phase, percent)
        if on_progress is not None:
            on_progress(phase, percent)

    reporter = asyncio.create_task(_report(sessions, run_id, progress, run.time_limit, svc))
    try:
        async with sessions() as db:
            built = await build(db, utcnow())
        solution = await asyncio.to_thread(solve, built.instance, run.time_limit, tell)
        tell("writing", 99)
        async with sessions() as db:
            stored, skipped = await write(db, built, solution.meetings)
            # What is stored, not what was planned: the confirmed meetings kept and the new.
            total = len(built.instance.fixed) + len(stored)
            without = _people_without(built, stored)
            result: dict[str, object] = {
                "waiting": built.waiting,
                "placed": len(stored),
                "skipped": skipped,
                "meetings": total,
                "upper_bound": solution.upper_bound,
                "people_bound": solution.people_bound,
                "people_without": without,
                "solver_status": solution.status if skipped == 0 else "feasible",
                "seconds": round(solution.seconds, 3),
            }
            result["summary"] = summary(len(stored), solution.upper_bound, without, total)
            events: list[Announcement] = []
            if stored:
                people = await people_for(db, [r for r, _ in stored], [m for _, m in stored])
                for request, meeting in stored:
                    events += request_events(request, people, meeting)
                    events += meeting_events(meeting, people)
                events.append(dashboard_event())
            row = await db.get(SchedulerRun, run_id)
            assert row is not None
            row.status, row.phase, row.percent = SchedulerRunStatus.FINISHED, "done", 100
            row.result, row.active, row.finished_at = result, None, utcnow()
            db.add(row)
            await db.commit()
            await db.refresh(row)
    except BaseException as error:
        await _stopped(reporter)
        log.exception("scheduler run %s failed", run_id)
        failed = await asyncio.shield(
            _finish(sessions, run_id, status=SchedulerRunStatus.FAILED, error=str(error)[:300])
        )
        if isinstance(error, asyncio.CancelledError):
            raise
        return failed, []
    await _stopped(reporter)
    return row, events


async def _stopped(task: asyncio.Task[None]) -> None:
    """Cancel `task` and wait until it has ended. Cancelled mid-write, the reporter's session
    still has to roll back on its connection: left to end on its own, it could outlive the
    caller's engine (the CLI disposes it next) and hang `asyncio.run`'s shutdown for good."""
    task.cancel()
    await asyncio.wait([task])


def _people_without(built: Built, stored: list[tuple[MeetingRequest, Meeting]]) -> int:
    """Attendees (who asked) with no meeting after the write (a fixed one or a stored one), as
    the solver counts them: by the request's attendee side."""
    instance = built.instance
    node_of = {stored_id(r): pair[0] for pair, rs in built.requests.items() for r in rs}
    covered = {m.attendee for m in instance.fixed} | {node_of[stored_id(r)] for r, _ in stored}
    askers = {a for a, _ in instance.requests} | {m.attendee for m in instance.fixed}
    return len(askers - covered)


async def execute(svc: Services, run: SchedulerRun) -> SchedulerRun:
    """A server's run: `run_scheduler`, then its announcements (stored before announced)."""
    row, events = await run_scheduler(svc.db, run, svc=svc)
    if row.status != SchedulerRunStatus.FINISHED:
        await svc.hub.publish_stored([(ORGANISERS_TOPIC, FINISHED, {"run": run_view(row)})])
        return row
    done = {"run": stored_id(row), "phase": "done", "percent": 100}  # the bar's end, however fast
    await svc.hub.publish_stored(
        [
            (ORGANISERS_TOPIC, PROGRESS, done),
            (ORGANISERS_TOPIC, FINISHED, {"run": run_view(row)}),
            *events,
        ]
    )
    return row


async def start_run(request: Request) -> JSONResponse:
    form = await read_json(request, RunIn)
    who = principal(request)
    assert who is not None
    svc = services(request)
    await svc.hub.announcer.ready()
    run = await claim(svc.db, who.account_id, form.time_limit)
    tasks: set[asyncio.Task[SchedulerRun]] = svc.cache.setdefault(TASKS, set())
    task = asyncio.create_task(execute(svc, run))
    tasks.add(task)  # kept referenced until done (the loop holds tasks weakly)
    task.add_done_callback(tasks.discard)
    return JSONResponse({"run": run_view(run)}, status_code=202)


async def latest_run(request: Request) -> JSONResponse:
    async with services(request).read() as db:
        rows = await db.execute(select(SchedulerRun).order_by(col(SchedulerRun.id).desc()).limit(1))
        run = rows.scalars().first()
    return JSONResponse({"run": None if run is None else run_view(run)})


RUNS = "/api/match/scheduler/runs"

routes = [
    route(
        RUNS,
        start_run,
        methods=["POST"],
        action="match.scheduler.run",
        rate="moderate",
        body=RunIn,
        responses={202: RunOut, 409: ErrorBody, 503: ErrorBody},
        summary="Start the optimal scheduler over all accepted requests (organisers)",
    ),
    route(
        f"{RUNS}/latest",
        latest_run,
        methods=["GET"],
        action="match.scheduler.read",
        responses={200: RunOut},
        summary="The scheduler's latest run and its result beside the bound (organisers)",
    ),
]

permissions = {
    "match.scheduler.run": only(Role.ORGANIZER),
    "match.scheduler.read": only(Role.ORGANIZER),
}
