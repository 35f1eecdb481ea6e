"""The live booth dashboard: the booth's figures pushed to its staff on the websocket, no polling.

Staff follow `booth-staff:<id>` and get `booth.dashboard` whenever a figure changed, at most
once a second (`DASHBOARD_INTERVAL`); the page paints first from `GET .../dashboard`.

Every figure comes from shared state: the counts from the database (`booth_activity` and the
leads), "visitors now" from the hub's presence of `booth:<id>` over all processes (Redis). So
every process works the same figures out, and **each process sends them to its own followers
only** (`Hub.send_here`): no process publishes for another, so nobody gets duplicates and no
lease is needed. One process works a booth's figures out at most once per interval however
many of its staff watch (one computation per topic), and only for booths some staff member
follows on that process. Two processes agree once the same activity is stored (within an
interval of each other).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from starlette.requests import Request

from expo.bilingual import Names
from expo.hall.access import STAFF_OF_BOOTH, booth_of_path
from expo.hall.leads_rules import expo_day
from expo.hall.leads_store import figures, stamp
from expo.hall.models import Conversation
from expo.hall.topics import BOOTH_STAFF, booth_topic
from expo.http import ErrorBody, JSONResponse, path_int, route, services
from expo.models import Exhibitor, utcnow

if TYPE_CHECKING:
    from expo.services import Services

log = logging.getLogger("expo.hall.dashboard")
DASHBOARD = "booth.dashboard"
DASHBOARD_INTERVAL = 1.0
LAST_SENT = "hall.dashboard.sent"  # services.cache: topic -> the figures last sent here
COUNTED = "hall.dashboard.counted"  # services.cache: booth -> (its stamp, its counts)


async def private_chats_waiting(db: AsyncSession, exhibitor_id: int) -> int:
    """Visitors waiting for an answer in a private chat with this booth's staff: open
    conversations whose visitor wrote last (the chat part keeps `waiting_since`)."""
    found = await db.execute(
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.exhibitor_id == exhibitor_id,
            col(Conversation.closed_at).is_(None),
            col(Conversation.waiting_since).is_not(None),
        )
    )
    return int(found.scalar_one())


async def dashboard(
    svc: Services, exhibitor_id: int, counted_before: dict[int, Any] | None = None
) -> dict[str, Any]:
    """The booth's figures now. With `counted_before` (the loop's, per process), the database's
    counts are taken again only when the booth's activity or leads changed, or the day turned."""
    now = utcnow()
    async with svc.read() as db:
        if counted_before is None:
            counted = await figures(db, exhibitor_id, now)
        else:
            key = (expo_day(now)[0], await stamp(db, exhibitor_id))
            kept = counted_before.get(exhibitor_id)
            if kept is not None and kept[0] == key:
                counted = kept[1]
            else:
                counted = await figures(db, exhibitor_id, now)
                counted_before[exhibitor_id] = (key, counted)
        waiting = await private_chats_waiting(db, exhibitor_id)
    topic = booth_topic(exhibitor_id)
    present = (await svc.hub.presence([topic])).get(topic, 0)
    return {
        "exhibitor": exhibitor_id,
        "visitors_now": present,
        "private_chats_waiting": waiting,
        **counted,
    }


async def read_dashboard(request: Request) -> JSONResponse:
    """The first paint: the figures, and the exhibitor's names for the page's heading."""
    svc, exhibitor_id = services(request), path_int(request, "exhibitor_id")
    figures_now = await dashboard(svc, exhibitor_id)
    async with svc.read() as db:
        exhibitor = await db.get(Exhibitor, exhibitor_id)
    assert exhibitor is not None  # the route's target found it
    name = {"zh": exhibitor.name_zh, "en": exhibitor.name_en}
    return JSONResponse({**figures_now, "name": name})


async def push_dashboards(svc: Services) -> int:
    """One round: to each booth-staff topic followed here, its figures if they changed since
    they were last sent here. Returns how many topics got an update."""
    sent: dict[str, dict[str, Any]] = svc.cache.setdefault(LAST_SENT, {})
    counted: dict[int, Any] = svc.cache.setdefault(COUNTED, {})
    followed = svc.hub.local_topics(BOOTH_STAFF)
    for topic in [t for t in sent if t not in followed]:
        del sent[topic]  # nobody follows it here any more: a newcomer starts afresh
        counted.pop(int(topic.partition(":")[2]), None)
    pushed = 0
    for topic in followed:
        exhibitor_id = int(topic.partition(":")[2])
        figures_now = await dashboard(svc, exhibitor_id, counted)
        if sent.get(topic) != figures_now and svc.hub.send_here(topic, DASHBOARD, figures_now):
            sent[topic] = figures_now  # (sent to someone: one still catching up gets it next)
            pushed += 1
    return pushed


async def dashboard_loop(svc: Services) -> None:
    """The feature's task, one per process, from start-up to shutdown."""
    while True:
        await asyncio.sleep(DASHBOARD_INTERVAL)
        try:
            await push_dashboards(svc)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("booth dashboard update failed")


class BoothPath(BaseModel):
    exhibitor_id: int = Field(ge=1, le=2**31 - 1, examples=[1])


class Figures(BaseModel):
    """`booth.dashboard`'s data; the route adds the exhibitor's `name`."""

    model_config = ConfigDict(extra="forbid")

    exhibitor: int
    visitors_now: int
    private_chats_waiting: int
    day: str = Field(description="The start of the expo's day (Beijing time), in UTC.")
    visits_today: int
    visits_total: int
    unique_today: int
    unique_total: int
    chat_today: int
    chat_total: int
    private_chats_today: int
    private_chats_total: int
    leads_today: int
    leads_total: int
    downloads_today: int
    downloads_total: int
    hours: list[int] = Field(description="Visits in each hour of the expo's day, 0 to 23.")


class Dashboard(Figures):
    name: Names


routes = [
    route(
        "/api/exhibitors/{exhibitor_id}/dashboard",
        read_dashboard,
        methods=["GET"],
        action="hall.dashboard.read",
        path_params=BoothPath,
        responses={200: Dashboard, 404: ErrorBody},
        target=booth_of_path,
        summary="The booth's live figures (then `booth.dashboard` on booth-staff:<id>)",
        tags=["hall"],
    )
]
permissions = {"hall.dashboard.read": STAFF_OF_BOOTH}
tasks = [dashboard_loop]
