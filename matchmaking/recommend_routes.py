"""`GET /api/match/recommendations?k=10` (and ws `match.recommendations` {k?}): whom the
signed-in participant should meet, and why.

The scorer (recommend.py) reads the whole population into an index once; each process keeps
the index of the population it last read, under the population's version: the number of
profiles of enabled accounts, their latest `updated_at` and the sum of their versions. A task
in each process (`keep_index_fresh`) reads that version every FRESH_SECONDS and rebuilds when
it moved (a profile saved, hidden from view, or its account disabled, in any process): off the
event loop, reusing the texts already read. Requests never rebuild (a rebuild is CPU work that
would hold a request, and with edits going on during an expo every request would find the
version moved): they use the index this process has, at most a rebuild behind, and build one
only when there is none yet.

What a slightly stale index must not get wrong is read per request: the asker's own profile
(scored as stored now against the others as indexed: an edit shows at once to its author),
blocks either way and one's hidden people (left out), and the cards, read from the accounts
and profiles as stored (someone since hidden from view or disabled is dropped).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from starlette.requests import Request

from expo.errors import BadRequest
from expo.http import ErrorBody, JSONResponse, principal, route, services
from expo.industries import IndustryLabel, industry_label
from expo.models import Account, Exhibitor
from expo.permissions import Rule
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from expo.services import Services
from matchmaking.access import PARTICIPANTS
from matchmaking.blocks import hidden_by, unseen_by
from matchmaking.models import (
    MatchProfile,
    Meeting,
    MeetingRequest,
    MeetingStatus,
    RequestStatus,
)
from matchmaking.recommend import (
    Index,
    Profile,
    Read,
    Recommendation,
    _language_bits,
    _weighted,
    build,
    read,
    recommend,
)

MAX_K = 50
SPARE = 5  # candidates asked beyond k, for those dropped as gone since the index was built
TEXT_CACHE_LIMIT = 100_000  # texts kept read between rebuilds (bounded: forgotten past this)


class RecommendationsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    k: int = Field(default=10, ge=1, le=MAX_K)


class ExhibitorOut(BaseModel):
    id: int
    name_zh: str
    name_en: str


class OpenRequestOut(BaseModel):
    id: int
    status: str  # "pending" or "accepted" (the request's)
    direction: str  # "sent" (by the asker) or "received"
    meeting: int | None  # the confirmed meeting it made, if placed


class RecommendationOut(BaseModel):
    account: int
    name: str
    title: str
    exhibitor: ExhibitorOut | None
    score: float
    reason: dict[str, str]
    intents: list[str]
    industries: list[str]
    industry_labels: list[IndustryLabel]  # the industries with their zh and en names
    offer: str
    need: str
    # A request between the asker and this person still open (pending, accepted) or placed:
    # the card says so instead of offering another request.
    open_request: OpenRequestOut | None


class RecommendationsOut(BaseModel):
    recommendations: list[RecommendationOut]
    # True when one's own profile says nothing to match on yet (the page asks to fill it).
    profile_empty: bool


# --- the index of the population, one per process, per population version --------------------

# (the database, the number of profiles, their latest change, the sum of their versions)
PopulationVersion = tuple[str, int, datetime | None, int]


@dataclass
class _Cached:
    version: PopulationVersion | None = None
    index: Index | None = None


_cached = _Cached()
_texts: dict[Any, Read] = {}
_lock = asyncio.Lock()


def _enabled() -> Any:
    return col(Account.disabled_at).is_(None)


async def population_version(db: AsyncSession, database: str) -> PopulationVersion:
    row = (
        await db.execute(
            select(
                func.count(),
                func.max(MatchProfile.updated_at),
                func.coalesce(func.sum(MatchProfile.version), 0),
            )
            .select_from(MatchProfile)
            .join(Account, col(Account.id) == col(MatchProfile.account_id))
            .where(_enabled())
        )
    ).one()
    return database, int(row[0]), row[1], int(row[2])


def _profile(p: MatchProfile) -> Profile:
    return Profile(
        id=p.account_id,
        intents=tuple(p.intents),
        industries=tuple(p.industries),
        offer=p.offer,
        need=p.need,
        languages=tuple(p.languages),
        exhibitor=p.exhibitor_id,
        visible=p.visible,
    )


async def _population(db: AsyncSession) -> list[Profile]:
    rows = await db.execute(
        select(MatchProfile)
        .join(Account, col(Account.id) == col(MatchProfile.account_id))
        .where(_enabled())
        .order_by(col(MatchProfile.account_id))
    )
    return [_profile(p) for p in rows.scalars()]


def _build(profiles: list[Profile]) -> Index:
    if len(_texts) > TEXT_CACHE_LIMIT:
        _texts.clear()
    return build(profiles, _texts)


async def fresh_index(db: AsyncSession, database: str) -> Index:
    """The index of the population as stored now in `database` (rebuilt when its version
    moved; the database is part of the key for a process that serves more than one, as tests
    do). The background task's step, and a request's only when this process has no index."""
    version = await population_version(db, database)
    if _cached.version == version and _cached.index is not None:
        return _cached.index
    async with _lock:
        if _cached.version == version and _cached.index is not None:
            return _cached.index  # another request of this process rebuilt it meanwhile
        profiles = await _population(db)
        index = await asyncio.to_thread(_build, profiles)  # jieba is CPU work: off the loop
        _cached.version, _cached.index = version, index
        return index


async def current_index(db: AsyncSession, database: str) -> Index:
    """The index requests use: the one this process has (at most one rebuild behind the
    database), built here only when there is none yet for `database`."""
    index, version = _cached.index, _cached.version
    if index is not None and version is not None and version[0] == database:
        return index
    return await fresh_index(db, database)


def _with_own(index: Index, me: Profile) -> Index:
    """`index` with the asker's row as stored now (a row replaced, or one added at the end),
    scored against everyone else as indexed, with the index's weights. Only the asker's row
    changes: the inverted lists still hold their old texts, which score only the asker, who is
    never recommended to themselves."""
    row = index.row.get(me.id)
    if row is not None and index.profiles[row] == me:
        return index  # unchanged since the index was built: nothing to do
    need, offer = _texts.get(me.need) or read(me.need), _texts.get(me.offer) or read(me.offer)
    concepts = frozenset(f[2:] for f in need.counts if f.startswith("c:"))
    company = -1
    if me.exhibitor is not None:
        if row is not None and index.profiles[row].exhibitor == me.exhibitor:
            company = int(index.company[row])
        else:  # their colleagues' code, or a new one when none is indexed
            same = [i for i, p in enumerate(index.profiles) if p.exhibitor == me.exhibitor]
            fresh = int(index.company.max(initial=-1)) + 1
            company = int(index.company[same[0]]) if same else fresh
    fields: dict[str, Any] = {
        "profiles": me,
        "needs": _weighted(need.counts, index.idf),
        "offers": _weighted(offer.counts, index.idf),
        "need_reads": need,
        "offer_reads": offer,
        "need_concepts": concepts,
    }
    arrays: dict[str, Any] = {
        "industry_counts": float(len(set(me.industries))),
        "languages": _language_bits(me.languages),
        "company": company,
        "visible": me.visible,
    }
    changed: dict[str, Any] = {}
    if row is None:  # new since the index was built: a row at the end
        changed["row"] = {**index.row, me.id: len(index.profiles)}
        for name, value in fields.items():
            changed[name] = [*getattr(index, name), value]
        for name, value in arrays.items():
            old = getattr(index, name)
            changed[name] = np.append(old, np.array([value], dtype=old.dtype))
    else:
        for name, value in fields.items():
            copy = list(getattr(index, name))
            copy[row] = value
            changed[name] = copy
        for name, value in arrays.items():
            copy = getattr(index, name).copy()
            copy[row] = value
            changed[name] = copy
    return dataclasses.replace(index, **changed)


FRESH_SECONDS = 2.0
log = logging.getLogger(__name__)


async def keep_index_fresh(svc: Services) -> None:
    """In every process: build the index at start and again soon after the population moves
    (within FRESH_SECONDS), so requests never wait for a rebuild."""
    while True:
        try:
            async with svc.read() as db:
                await fresh_index(db, svc.settings.database_url)
        except Exception:
            log.exception("recommendations: index not rebuilt; trying again next round")
        await asyncio.sleep(FRESH_SECONDS)


# --- the answer -------------------------------------------------------------------------------


def _account(key: Hashable) -> int:
    """In the app, the index's keys (accounts, exhibitors) are ids."""
    assert isinstance(key, int)
    return key


async def _cards(
    db: AsyncSession, index: Index, found: Sequence[Recommendation]
) -> list[dict[str, Any]]:
    """The cards of those found: names, titles and companies in one query (columns only)."""
    ids = [_account(r.id) for r in found]
    if not ids:
        return []
    rows = await db.execute(
        sa_select(  # six columns: more than sqlmodel's select is typed for
            col(Account.id),
            col(Account.display_name),
            col(Account.title),
            col(Exhibitor.id),
            col(Exhibitor.name_zh),
            col(Exhibitor.name_en),
        )
        .select_from(MatchProfile)
        .join(Account, col(Account.id) == col(MatchProfile.account_id))
        .outerjoin(Exhibitor, col(Exhibitor.id) == col(MatchProfile.exhibitor_id))
        .where(
            col(MatchProfile.account_id).in_(ids),
            col(MatchProfile.visible),  # as stored now: hidden or disabled since the index
            _enabled(),
        )
    )
    people = {row[0]: row for row in rows.all()}
    cards = []
    for r in found:
        person = people.get(_account(r.id))
        if person is None:  # gone since the index was built
            continue
        account_id, name, title, company, name_zh, name_en = person
        p = index.profiles[index.row[r.id]]
        cards.append(
            {
                "account": account_id,
                "name": name,
                "title": title,
                "exhibitor": None
                if company is None
                else {"id": company, "name_zh": name_zh, "name_en": name_en},
                "score": r.score,
                "reason": r.reason,
                "intents": list(p.intents),
                "industries": list(p.industries),
                "industry_labels": [industry_label(k) for k in p.industries],
                "offer": p.offer,
                "need": p.need,
            }
        )
    return cards


def _k(request: Request) -> int:
    unknown = set(request.query_params) - {"k"}
    if unknown:
        raise BadRequest("match.bad_query", f"Unknown parameters: {', '.join(sorted(unknown))}.")
    values = request.query_params.getlist("k")
    if not values:
        return 10
    if len(values) > 1 or not values[0].isdigit() or not 1 <= int(values[0]) <= MAX_K:
        raise BadRequest("match.bad_k", f"`k` is a number between 1 and {MAX_K}.")
    return int(values[0])


async def recommendations_for(
    db: AsyncSession, database: str, account_id: int, k: int
) -> dict[str, Any]:
    index = await current_index(db, database)
    stored = await db.get(MatchProfile, account_id, populate_existing=True)
    me = None if stored is None else _profile(stored)
    if me is None or me.empty:
        return {"recommendations": [], "profile_empty": True}
    index = _with_own(index, me)
    leave_out = await unseen_by(db, account_id) | await hidden_by(db, account_id)
    # A few more than asked: a card of someone hidden or disabled since the index is dropped.
    found = recommend(index, account_id, k + SPARE, leave_out)
    cards = (await _cards(db, index, found))[:k]
    opened = await open_requests(db, account_id, [c["account"] for c in cards])
    for card in cards:
        card["open_request"] = opened.get(card["account"])
    return {"recommendations": cards, "profile_empty": False}


# The most advanced request with a person wins: a placed meeting, then accepted, then pending.
_RANK = {RequestStatus.PENDING.value: 0, RequestStatus.ACCEPTED.value: 1}


async def open_requests(
    db: AsyncSession, account_id: int, others: list[int]
) -> dict[int, dict[str, Any]]:
    """The asker's open requests (pending or accepted, either way) with each of `others`, and
    the confirmed meeting each made: one query."""
    if not others:
        return {}
    me, theirs = col(MeetingRequest.requester_id), col(MeetingRequest.recipient_id)
    rows = await db.execute(
        sa_select(
            col(MeetingRequest.id),
            me,
            theirs,
            col(MeetingRequest.status),
            col(Meeting.id),
        )
        .outerjoin(
            Meeting,
            (col(Meeting.request_id) == col(MeetingRequest.id))
            & (col(Meeting.status) == MeetingStatus.CONFIRMED),
        )
        .where(
            col(MeetingRequest.status).in_(list(_RANK)),
            ((me == account_id) & theirs.in_(others)) | ((theirs == account_id) & me.in_(others)),
        )
    )
    best: dict[int, tuple[tuple[int, int], dict[str, Any]]] = {}
    for request_id, requester, recipient, status, meeting_id in rows.all():
        assert request_id is not None  # a stored row's key
        sent = requester == account_id
        other = int(recipient if sent else requester)
        rank = (2 if meeting_id is not None else _RANK[status], request_id)
        if other not in best or rank > best[other][0]:
            best[other] = (
                rank,
                {
                    "id": request_id,
                    "status": status,
                    "direction": "sent" if sent else "received",
                    "meeting": None if meeting_id is None else int(meeting_id),
                },
            )
    return {other: view for other, (_, view) in best.items()}


async def get_recommendations(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    k = _k(request)
    svc = services(request)
    async with svc.read() as db:
        found = await recommendations_for(db, svc.settings.database_url, who.account_id, k)
    return JSONResponse(found)


class RecommendationsCommand(Strict):
    k: int = Field(default=10, ge=1, le=MAX_K)


async def recommendations_command(
    ctx: CommandContext, data: RecommendationsCommand
) -> dict[str, Any]:
    """`match.recommendations` {k?} over the websocket: the same answer as the route's."""
    who = ctx.require_principal()
    svc = ctx.services
    async with svc.read() as db:
        return await recommendations_for(db, svc.settings.database_url, who.account_id, data.k)


routes = [
    route(
        "/api/match/recommendations",
        get_recommendations,
        methods=["GET"],
        action="match.recommendations",
        query=RecommendationsQuery,
        rate="moderate",
        responses={200: RecommendationsOut, 400: ErrorBody},
        summary="Whom to meet: the signed-in participant's top k, each with its reason",
        tags=["matchmaking"],
    ),
]

commands = {
    "match.recommendations": CommandSpec(
        recommendations_command,
        RecommendationsCommand,
        action="match.recommendations",
        rate="moderate",
    ),
}

permissions = {"match.recommendations": Rule(PARTICIPANTS)}
tasks = [keep_index_fresh]
