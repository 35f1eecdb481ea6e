"""Booth visits, for the dashboard and the hall report: the booth page says `booth.visit` when
it opens, again once a minute while it stays open (a heartbeat), and `booth.leave` when it
closes or moves on.

The first `booth.visit` stores a `visit` activity row and answers with a token the server signed
for that visit, booth and person. The page sends the token with its heartbeats and after a
reconnect (on whichever process): the same visit goes on, no new one is counted, and its dwell
time (`seconds`) is brought up to date. A page closed without `booth.leave` (a tab killed, a
phone out of signal) has its dwell time as of its last heartbeat, at most a minute short.
Anonymous visits count as visits, not as unique visitors (their account is none).
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from expo.errors import NotFound
from expo.hall.access import load_booth
from expo.hall.booth_standing import refuse_banned
from expo.hall.leads_rules import dwell_seconds, visit_of_token, visit_token
from expo.hall.leads_store import visit_of
from expo.hall.models import ActivityKind, BoothActivity
from expo.models import utcnow
from expo.permissions import ANYONE
from expo.ratelimit import Rate, enforce
from expo.realtime.gateway import CommandContext, CommandSpec, Strict

HEARTBEAT_SECONDS = 60  # how often an open booth page says it is still there
# New anonymous visits stored per booth, over all processes. An anonymous socket's own budget
# (`booth_visit`) is per connection, and connections are cheap: without this, a script opening
# sockets could store visit rows by the thousand a minute. Heartbeats and resumed visits, and
# signed-in visitors (each their own budget), do not spend it.
ANONYMOUS_VISITS = Rate(120, 60, burst=60)


class Visit(Strict):
    exhibitor: int = Field(gt=0, lt=2**31)
    # The token of the visit this page began (resuming after a reconnect, or a heartbeat).
    visit: str | None = Field(default=None, max_length=80)


class Leave(Strict):
    exhibitor: int = Field(gt=0, lt=2**31)
    visit: str = Field(max_length=80)


def account_of(ctx: CommandContext) -> int | None:
    return ctx.principal.account_id if ctx.principal else None


async def visit(ctx: CommandContext, data: Visit) -> dict[str, Any]:
    svc = ctx.services
    account_id = account_of(ctx)
    secret = svc.settings.secret_key
    await load_booth(svc, data.exhibitor)
    await refuse_banned(svc, ctx.principal, data.exhibitor)  # banned: not even a visit
    visit_id = (
        visit_of_token(secret, data.visit, data.exhibitor, account_id) if data.visit else None
    )
    async with svc.db() as db:
        row = await visit_of(db, visit_id, data.exhibitor) if visit_id else None
        now = utcnow()
        if row is not None:
            row.seconds = dwell_seconds(row.at, now)
            resumed = True
        else:
            if account_id is None:
                await enforce(
                    svc.limiter,
                    f"booth_visit_anonymous:{data.exhibitor}",
                    ANONYMOUS_VISITS,
                    "anonymous visits at this booth",
                )
            row = BoothActivity(
                exhibitor_id=data.exhibitor,
                kind=ActivityKind.VISIT,
                account_id=account_id,
                seconds=0,
                at=now,
            )
            db.add(row)
            resumed = False
        await db.commit()
        assert row.id is not None
        token = visit_token(secret, row.id, data.exhibitor, account_id)
        seconds = row.seconds
    return {"visit": token, "resumed": resumed, "seconds": seconds, "heartbeat": HEARTBEAT_SECONDS}


async def leave(ctx: CommandContext, data: Leave) -> dict[str, Any]:
    svc = ctx.services
    visit_id = visit_of_token(svc.settings.secret_key, data.visit, data.exhibitor, account_of(ctx))
    async with svc.db() as db:
        row = await visit_of(db, visit_id, data.exhibitor) if visit_id else None
        if row is None:
            raise NotFound("visit.unknown", "There is no such visit of yours at this booth.")
        row.seconds = dwell_seconds(row.at, utcnow())
        await db.commit()
        seconds = row.seconds
    return {"seconds": seconds}


commands = {
    "booth.visit": CommandSpec(visit, Visit, action="hall.visit", rate="booth_visit"),
    "booth.leave": CommandSpec(leave, Leave, action="hall.visit", rate="booth_visit"),
}
permissions = {"hall.visit": ANYONE}
