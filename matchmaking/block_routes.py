"""Blocking and hiding (`/api/match/blocks/{account_id}`, `/api/match/hidden/{account_id}`).

A block works both ways (matchmaking/blocks.py reads it for every part); hiding drops someone
from one's own recommendations only. Both are idempotent: blocking twice is one block, lifting
a block that is not there is no error, so a page that retries does no harm.

Blocking also ends what is open between the two, in the block's own transaction: their pending
and accepted requests are cancelled, and their meetings not yet over too (places and seats
freed, meetings_store.cancel_between); once committed, both hear the usual
`match.request_changed` / `match.meeting_changed` on their account topics, which say
"cancelled" and nothing of who blocked. Lifting a block reopens nothing.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select
from starlette.requests import Request

from expo.errors import BadRequest, NotFound
from expo.http import ErrorBody, JSONResponse, Responses, path_int, principal, route, services
from expo.models import Account, utcnow
from expo.permissions import Rule
from expo.services import Services
from matchmaking.access import PARTICIPANTS
from matchmaking.meetings_store import cancel_between
from matchmaking.models import MatchBlock, MatchHidden
from matchmaking.profiles import AccountPath


class BlocksOut(BaseModel):
    blocked: list[dict[str, Any]]


class DoneOut(BaseModel):
    account: int
    blocked: bool | None = None
    hidden: bool | None = None


def _other(request: Request) -> tuple[int, int]:
    who = principal(request)
    assert who is not None
    other = path_int(request, "account_id")
    if other == who.account_id:
        raise BadRequest("match.self", "One cannot block or hide oneself.")
    return who.account_id, other


async def _add(svc: Services, row: MatchBlock | MatchHidden, other: int) -> None:
    async with svc.db() as db:
        account = await db.get(Account, other)
        if account is None or account.service:
            raise NotFound("match.unknown_account", f"There is no account {other}.")
        key = (row.account_id, other)
        if await db.get(type(row), key) is not None:
            return
        db.add(row)
        try:
            await db.commit()
        except IntegrityError:  # the same block saved at once from another tab: it is there
            await db.rollback()


async def block(request: Request) -> JSONResponse:
    me, other = _other(request)
    svc = services(request)
    await svc.hub.announcer.ready()  # a broker that is down refuses before storing
    async with svc.db() as db:
        # Both accounts locked (PostgreSQL), in one order, as sending a request locks them: a
        # request sent at the same moment is either refused (it sees the block) or cancelled.
        rows = await db.execute(
            select(Account)
            .where(col(Account.id).in_(sorted({me, other})))
            .order_by(col(Account.id))
            .with_for_update()
        )
        accounts = {a.id: a for a in rows.scalars()}
        account = accounts.get(other)
        if account is None or account.service:
            raise NotFound("match.unknown_account", f"There is no account {other}.")
        if await db.get(MatchBlock, (me, other)) is None:
            db.add(MatchBlock(account_id=me, blocked_id=other))
            await db.flush()
        events = await cancel_between(db, me, other, utcnow())
        try:
            await db.commit()
        except IntegrityError:  # the same block saved at once from another tab: it did it all
            await db.rollback()
            events = []
    await svc.hub.publish_stored(events)
    return JSONResponse({"account": other, "blocked": True})


async def unblock(request: Request) -> JSONResponse:
    me, other = _other(request)
    async with services(request).db() as db:
        await db.execute(
            delete(MatchBlock).where(
                col(MatchBlock.account_id) == me, col(MatchBlock.blocked_id) == other
            )
        )
        await db.commit()
    return JSONResponse({"account": other, "blocked": False})


async def hide(request: Request) -> JSONResponse:
    me, other = _other(request)
    await _add(services(request), MatchHidden(account_id=me, hidden_id=other), other)
    return JSONResponse({"account": other, "hidden": True})


async def unhide(request: Request) -> JSONResponse:
    me, other = _other(request)
    async with services(request).db() as db:
        await db.execute(
            delete(MatchHidden).where(
                col(MatchHidden.account_id) == me, col(MatchHidden.hidden_id) == other
            )
        )
        await db.commit()
    return JSONResponse({"account": other, "hidden": False})


async def list_blocks(request: Request) -> JSONResponse:
    """Those I blocked (not those who blocked me: that stays their secret), newest first."""
    who = principal(request)
    assert who is not None
    async with services(request).read() as db:
        rows = await db.execute(
            select(MatchBlock, Account)
            .join(Account, col(Account.id) == col(MatchBlock.blocked_id))
            .where(col(MatchBlock.account_id) == who.account_id)
            .order_by(col(MatchBlock.created_at).desc(), col(MatchBlock.blocked_id))
        )
        blocked = [
            {
                "account": a.id,
                "name": a.display_name,
                "title": a.title,
                "organisation": a.organisation,
                "since": b.created_at.isoformat(),
            }
            for b, a in rows.all()
        ]
    return JSONResponse({"blocked": blocked})


BLOCK = "/api/match/blocks/{account_id}"
HIDDEN = "/api/match/hidden/{account_id}"
_CHANGE: Responses = {200: DoneOut, 400: ErrorBody, 404: ErrorBody}

routes = [
    route(
        "/api/match/blocks",
        list_blocks,
        methods=["GET"],
        action="match.block",
        responses={200: BlocksOut},
        summary="Those I blocked in matchmaking",
    ),
    route(
        BLOCK,
        block,
        methods=["POST"],
        action="match.block",
        rate="moderate",
        path_params=AccountPath,
        responses=_CHANGE,
        summary="Block someone: the two no longer see each other in matchmaking",
    ),
    route(
        BLOCK,
        unblock,
        methods=["DELETE"],
        action="match.block",
        rate="moderate",
        path_params=AccountPath,
        responses=_CHANGE,
        summary="Lift one's block",
    ),
    route(
        HIDDEN,
        hide,
        methods=["POST"],
        action="match.hide",
        rate="moderate",
        path_params=AccountPath,
        responses=_CHANGE,
        summary="Hide someone from one's own recommendations",
    ),
    route(
        HIDDEN,
        unhide,
        methods=["DELETE"],
        action="match.hide",
        rate="moderate",
        path_params=AccountPath,
        responses=_CHANGE,
        summary="Show someone in one's recommendations again",
    ),
]

permissions = {"match.block": Rule(PARTICIPANTS), "match.hide": Rule(PARTICIPANTS)}
