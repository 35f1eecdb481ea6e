"""Queries of leads, visits and the dashboard's figures (the rules: expo/hall/leads_rules.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, delete, distinct, func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.hall.leads_rules import expo_day
from expo.hall.models import ActivityKind, BoothActivity, Lead
from expo.models import Exhibitor


def like_escaped(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


async def lead_of_visitor(
    db: AsyncSession, exhibitor_id: int, account_id: int, *, lock: bool = False
) -> Lead | None:
    """With `lock`, the row is locked for the transaction (PostgreSQL; SQLite writers are
    serial): a version read is the one the write replaces."""
    query = select(Lead).where(Lead.exhibitor_id == exhibitor_id, Lead.account_id == account_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await db.execute(query)).scalars().first()


async def lead_of_booth(
    db: AsyncSession, exhibitor_id: int, lead_id: int, *, lock: bool = False
) -> Lead | None:
    """The lead, if it is this exhibitor's (another exhibitor's lead reads as none); locked for
    the transaction with `lock`, so that two edits from one version cannot both be stored."""
    query = select(Lead).where(col(Lead.id) == lead_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    lead = (await db.execute(query)).scalars().first()
    return lead if lead is not None and lead.exhibitor_id == exhibitor_id else None


async def withdraw(db: AsyncSession, lead: Lead) -> None:
    """Delete the lead and the activity row that counted it: nothing of it stays."""
    await db.execute(
        delete(BoothActivity).where(
            col(BoothActivity.exhibitor_id) == lead.exhibitor_id,
            col(BoothActivity.account_id) == lead.account_id,
            col(BoothActivity.kind) == ActivityKind.LEAD,
        )
    )
    await db.delete(lead)


@dataclass(frozen=True, slots=True)
class LeadFilter:
    tag: str | None = None
    source: str | None = None
    q: str | None = None


def _filtered(exhibitor_id: int, where: LeadFilter) -> Any:
    query = select(Lead).where(Lead.exhibitor_id == exhibitor_id)
    if where.source:
        query = query.where(Lead.source == where.source)
    if where.tag:
        # Tags are a JSON list: match the element as JSON writes it (portable to both databases).
        pattern = f"%{like_escaped(json.dumps(where.tag))}%"
        query = query.where(cast(col(Lead.tags), String).like(pattern, escape="!"))
    if where.q:
        pattern = f"%{like_escaped(where.q)}%"
        query = query.where(
            col(Lead.name).ilike(pattern, escape="!")
            | col(Lead.organisation).ilike(pattern, escape="!")
        )
    return query


async def list_leads(
    db: AsyncSession, exhibitor_id: int, where: LeadFilter, *, offset: int, limit: int
) -> tuple[list[Lead], int]:
    """A page of the booth's leads, newest consent first, and how many match in all."""
    query = _filtered(exhibitor_id, where)
    total = (await db.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    rows = await db.execute(
        query.order_by(col(Lead.consented_at).desc(), col(Lead.id).desc())
        .offset(offset)
        .limit(limit)
    )
    return list(rows.scalars().all()), int(total)


async def all_leads(db: AsyncSession, exhibitor_id: int) -> list[Lead]:
    rows = await db.execute(
        select(Lead)
        .where(Lead.exhibitor_id == exhibitor_id)
        .order_by(col(Lead.consented_at).desc(), col(Lead.id).desc())
    )
    return list(rows.scalars().all())


async def cards_of(db: AsyncSession, account_id: int) -> list[tuple[Lead, Exhibitor]]:
    rows = await db.execute(
        select(Lead, Exhibitor)
        .join(Exhibitor, col(Exhibitor.id) == col(Lead.exhibitor_id))
        .where(Lead.account_id == account_id)
        .order_by(col(Lead.consented_at).desc())
    )
    return [(lead, exhibitor) for lead, exhibitor in rows.all()]


async def visit_of(db: AsyncSession, visit_id: int, exhibitor_id: int) -> BoothActivity | None:
    row = await db.get(BoothActivity, visit_id)
    if row is None or row.exhibitor_id != exhibitor_id or row.kind != ActivityKind.VISIT:
        return None
    return row


# --- the dashboard's figures -------------------------------------------------------------------


async def stamp(db: AsyncSession, exhibitor_id: int) -> tuple[int, ...]:
    """What changes whenever a figure of the booth's could: its activity rows and its leads
    (counted and newest id, so a deletion shows as well as an insertion). Two index-only
    queries, far cheaper than the figures: the dashboard's loop counts again only when this
    moved (or the day turned)."""
    activity = (
        await db.execute(
            select(func.count(), func.max(BoothActivity.id)).where(
                BoothActivity.exhibitor_id == exhibitor_id
            )
        )
    ).one()
    leads = (
        await db.execute(
            select(func.count(), func.max(Lead.id)).where(Lead.exhibitor_id == exhibitor_id)
        )
    ).one()
    return (int(activity[0]), int(activity[1] or 0), int(leads[0]), int(leads[1] or 0))


KINDS = [k.value for k in ActivityKind]


async def figures(db: AsyncSession, exhibitor_id: int, now: datetime) -> dict[str, Any]:
    """Everything the dashboard shows but the visitors now (Redis presence) and the private
    chats waiting (the chat part's): counted from the database, so every process agrees."""
    start, edges = expo_day(now)
    visit = col(BoothActivity.kind) == ActivityKind.VISIT
    today = col(BoothActivity.at) >= start
    by_kind = await db.execute(
        select(
            BoothActivity.kind,
            func.count(),
            func.sum(case((today, 1), else_=0)),
        )
        .where(BoothActivity.exhibitor_id == exhibitor_id)
        .group_by(col(BoothActivity.kind))
    )
    total = dict.fromkeys(KINDS, 0)
    day = dict.fromkeys(KINDS, 0)
    for kind, count, count_today in by_kind.all():
        total[kind] = int(count)
        day[kind] = int(count_today or 0)
    hours_row = (
        await db.execute(
            select(
                *[
                    func.sum(
                        case(
                            (
                                (col(BoothActivity.at) >= edges[h])
                                & (col(BoothActivity.at) < edges[h + 1]),
                                1,
                            ),
                            else_=0,
                        )
                    )
                    for h in range(24)
                ]
            ).where(BoothActivity.exhibitor_id == exhibitor_id, visit, today)
        )
    ).one()
    unique = await db.execute(
        select(
            func.count(distinct(col(BoothActivity.account_id))),
            func.count(distinct(case((today, BoothActivity.account_id), else_=None))),
        ).where(BoothActivity.exhibitor_id == exhibitor_id, visit)
    )
    unique_total, unique_today = unique.one()
    leads = await db.execute(
        select(func.count(), func.sum(case((col(Lead.consented_at) >= start, 1), else_=0))).where(
            Lead.exhibitor_id == exhibitor_id
        )
    )
    leads_total, leads_today = leads.one()
    return {
        "day": edges[0].isoformat(),
        "visits_today": day[ActivityKind.VISIT],
        "visits_total": total[ActivityKind.VISIT],
        "unique_today": int(unique_today or 0),
        "unique_total": int(unique_total or 0),
        "chat_today": day[ActivityKind.CHAT],
        "chat_total": total[ActivityKind.CHAT],
        "private_chats_today": day[ActivityKind.PRIVATE_CHAT],
        "private_chats_total": total[ActivityKind.PRIVATE_CHAT],
        # From the leads themselves: a withdrawn lead is never counted.
        "leads_today": int(leads_today or 0),
        "leads_total": int(leads_total or 0),
        "downloads_today": day[ActivityKind.DOWNLOAD],
        "downloads_total": total[ActivityKind.DOWNLOAD],
        "hours": [int(v or 0) for v in hours_row],
    }
