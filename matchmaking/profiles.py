"""Matchmaking profiles: one's own (`GET/PUT /api/match/profile`) and another's public view
(`GET /api/match/profiles/{account_id}`). Rules in profile_rules.py.

A save replaces the profile and its availability in one transaction with the version bumped
(a `version` sent that is not the stored one is refused as `match.stale`: someone, maybe the
same person in another tab, saved meanwhile), then announces `match.profile_changed`
{account, version} on `match-organisers:all` (the dashboard's live figures, recommendation
caches). Staff of an exhibitor speak for their company: the profile carries the account's
exhibitor, copied at each save so a move to another company follows.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select
from starlette.requests import Request

from expo.errors import BadRequest, Conflict, NotFound
from expo.hall.public import exhibitor_card
from expo.http import ErrorBody, JSONResponse, path_int, principal, read_json, route, services
from expo.industries import INDUSTRIES, industry_label
from expo.models import Account, Role, utcnow
from expo.permissions import Rule
from expo.security import Principal
from expo.services import Services
from matchmaking.access import PARTICIPANTS
from matchmaking.blocks import blocked_between
from matchmaking.models import MatchAvailability, MatchProfile, MatchSlot
from matchmaking.profile_rules import INTENTS, MAX_LANGUAGES, MAX_SLOTS, TEXT_LIMIT, clean_profile
from matchmaking.topics import ORGANISERS_TOPIC

ID_MAX = 2**31 - 1


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intents: list[str] = Field(default_factory=list, max_length=10)
    industries: list[str] = Field(default_factory=list, max_length=40)
    offer: str = Field(default="", max_length=2000)
    need: str = Field(default="", max_length=2000)
    languages: list[str] = Field(default_factory=list, max_length=MAX_LANGUAGES * 2)
    available: list[int] = Field(default_factory=list, max_length=MAX_SLOTS)
    visible: bool = True
    # The version the page saw (0: it saw no profile); absent: save whatever is stored.
    version: int | None = Field(default=None, ge=0, le=ID_MAX)


class ProfileOut(BaseModel):
    profile: dict[str, Any]


class OwnProfileOut(ProfileOut):
    vocabulary: dict[str, Any]


def vocabulary() -> dict[str, Any]:
    """What the editor offers: the intents, the industries with their labels, the limit."""
    return {
        "intents": INTENTS,
        "industries": [industry_label(k) for k in INDUSTRIES],
        "text_limit": TEXT_LIMIT,
    }


class AccountPath(BaseModel):
    account_id: int = Field(ge=1, le=ID_MAX, examples=[1])


def unknown_profile(account_id: int) -> NotFound:
    return NotFound("match.unknown_profile", f"There is no matchmaking profile {account_id}.")


async def exhibitor_ref(db: AsyncSession, exhibitor_id: int | None) -> dict[str, Any] | None:
    if exhibitor_id is None:
        return None
    card = await exhibitor_card(db, exhibitor_id)
    if card is None:
        return None
    return {"id": card.id, "name_zh": card.name_zh, "name_en": card.name_en}


async def available_of(db: AsyncSession, account_id: int) -> list[int]:
    rows = await db.execute(
        select(MatchAvailability.slot_id)
        .where(col(MatchAvailability.account_id) == account_id)
        .order_by(col(MatchAvailability.slot_id))
    )
    return list(rows.scalars())


def _fields(profile: MatchProfile) -> dict[str, Any]:
    return {
        "intents": list(profile.intents),
        "industries": list(profile.industries),
        "offer": profile.offer,
        "need": profile.need,
        "languages": list(profile.languages),
    }


async def own_view(db: AsyncSession, account: Account) -> dict[str, Any]:
    """One's own profile (an empty one, version 0, before the first save)."""
    assert account.id is not None
    stored = await db.get(MatchProfile, account.id, populate_existing=True)
    exhibitor_id = account.exhibitor_id if account.role == Role.EXHIBITOR else None
    profile = stored or MatchProfile(account_id=account.id, version=0, exhibitor_id=exhibitor_id)
    return {
        "account": account.id,
        "name": account.display_name,
        "title": account.title,
        "organisation": account.organisation,
        "exhibitor": await exhibitor_ref(db, profile.exhibitor_id),
        **_fields(profile),
        "available": await available_of(db, account.id) if stored else [],
        "visible": profile.visible,
        "version": profile.version,
        "updated_at": profile.updated_at.isoformat() if stored else None,
    }


async def public_view(db: AsyncSession, viewer: int, account_id: int) -> dict[str, Any]:
    """Another's profile as they show it, or `match.unknown_profile`: none, not visible, a
    disabled account, or a block between the two (either way: the blocked learn nothing)."""
    profile = await db.get(MatchProfile, account_id)
    account = await db.get(Account, account_id)
    if (
        profile is None
        or account is None
        or account.disabled_at is not None
        or (not profile.visible and viewer != account_id)
        or await blocked_between(db, viewer, account_id)
    ):
        raise unknown_profile(account_id)
    return {
        "account": account_id,
        "name": account.display_name,
        "title": account.title,
        "organisation": account.organisation,
        "exhibitor": await exhibitor_ref(db, profile.exhibitor_id),
        **_fields(profile),
        "available": await available_of(db, account_id),
        "version": profile.version,
    }


async def _account(db: AsyncSession, who: Principal) -> Account:
    account = await db.get(Account, who.account_id)
    if account is None:  # signed in a moment ago: the account cannot be missing
        raise NotFound("match.unknown_account", "This account is gone.")
    return account


async def read_profile(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    async with services(request).read() as db:
        view = await own_view(db, await _account(db, who))
    return JSONResponse({"profile": view, "vocabulary": vocabulary()})


async def _locked_profile(db: AsyncSession, account_id: int) -> MatchProfile | None:
    query = (
        select(MatchProfile)
        .where(col(MatchProfile.account_id) == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await db.execute(query)).scalars().first()


async def _check_slots(db: AsyncSession, wanted: set[int]) -> None:
    if not wanted:
        return
    rows = await db.execute(select(MatchSlot.id).where(col(MatchSlot.id).in_(wanted)))
    missing = sorted(wanted - set(rows.scalars()))
    if missing:
        raise BadRequest(
            "match.unknown_slot",
            f"There is no meeting slot {missing[0]}.",
            details={"slots": missing[:20]},
        )


async def save_profile(svc: Services, who: Principal, form: ProfileIn) -> dict[str, Any]:
    clean = clean_profile(form.intents, form.industries, form.offer, form.need, form.languages)
    wanted = set(form.available)
    await svc.hub.announcer.ready()  # refuse before storing what could not be announced
    async with svc.db() as db:
        account = await _account(db, who)
        await _check_slots(db, wanted)
        profile = await _locked_profile(db, who.account_id)  # saves of one profile are serial
        current = profile.version if profile else 0
        if form.version is not None and form.version != current:
            raise Conflict("match.stale", "The profile changed meanwhile; look again.")
        if profile is None:
            profile = MatchProfile(account_id=who.account_id, version=0)
        profile.exhibitor_id = account.exhibitor_id if account.role == Role.EXHIBITOR else None
        profile.intents, profile.industries = clean.intents, clean.industries
        profile.offer, profile.need, profile.languages = clean.offer, clean.need, clean.languages
        profile.visible = form.visible
        profile.version = current + 1
        profile.updated_at = utcnow()
        db.add(profile)
        await db.execute(
            delete(MatchAvailability).where(col(MatchAvailability.account_id) == who.account_id)
        )
        db.add_all(MatchAvailability(account_id=who.account_id, slot_id=s) for s in sorted(wanted))
        try:
            await db.flush()
        except IntegrityError:  # two first saves at once (or a slot deleted meanwhile)
            raise Conflict("match.stale", "The profile changed meanwhile; look again.") from None
        view = await own_view(db, account)
        await db.commit()
    await svc.hub.publish_stored(
        [
            (
                ORGANISERS_TOPIC,
                "match.profile_changed",
                {"account": who.account_id, "version": view["version"]},
            )
        ]
    )
    return view


async def put_profile(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    form = await read_json(request, ProfileIn)
    return JSONResponse({"profile": await save_profile(services(request), who, form)})


async def read_public_profile(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    account_id = path_int(request, "account_id")
    async with services(request).read() as db:
        return JSONResponse({"profile": await public_view(db, who.account_id, account_id)})


PROFILE = "/api/match/profile"

routes = [
    route(
        PROFILE,
        read_profile,
        methods=["GET"],
        action="match.profile.read",
        responses={200: OwnProfileOut},
        summary="One's own matchmaking profile (empty, version 0, before the first save)",
    ),
    route(
        PROFILE,
        put_profile,
        methods=["PUT"],
        action="match.profile.write",
        rate="moderate",
        body=ProfileIn,
        responses={200: ProfileOut, 400: ErrorBody, 409: ErrorBody, 503: ErrorBody},
        summary="Save one's own matchmaking profile and availability",
    ),
    route(
        "/api/match/profiles/{account_id}",
        read_public_profile,
        methods=["GET"],
        action="match.profile.view",
        path_params=AccountPath,
        responses={200: ProfileOut, 404: ErrorBody},
        summary="Another participant's public matchmaking profile",
    ),
]

permissions = {
    "match.profile.read": Rule(PARTICIPANTS),
    "match.profile.write": Rule(PARTICIPANTS),
    "match.profile.view": Rule(PARTICIPANTS),
}
