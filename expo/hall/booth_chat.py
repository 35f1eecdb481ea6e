"""A booth's public chat: sending, history, deleting, and its moderation by the booth's staff
(mute, ban, lift), under every chat's rules (expo/chat_rules.py), as a forum room's chat.

Who sees what:
- everyone at the booth (`booth:<id>`): `booth.chat_posted`, `booth.chat_deleted`;
- the booth's staff (`booth-staff:<id>`): `booth.sanction_imposed`, `booth.sanction_lifted`;
- the sanctioned person (`account:<id>`): the same two, about themselves.
Everything is committed before it is announced; a ban also takes the person off the booth's
topic on every process, and its guard refuses them from then on (expo/hall/topics.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request

from expo.chat_rules import (
    CHAT_RATE,
    MAX_SANCTION_MINUTES,
    SanctionKind,
    clean_chat_text,
    clean_reason,
    refuse_sanctioned,
    sanction_until,
)
from expo.errors import NotFound
from expo.hall import booth_chat_store as store
from expo.hall.access import (
    STAFF_OF_BOOTH,
    booth_of_command,
    is_staff_of,
    load_booth,
    unknown_exhibitor,
)
from expo.hall.booth_chat_rules import BOOTH_BANNED, check_sanction_target
from expo.hall.booth_standing import standing_of
from expo.hall.chat_views import BoothChatPage, booth_message_view, sanction_view
from expo.hall.models import BoothChatMessage, BoothSanction
from expo.hall.topics import booth_topic, staff_topic
from expo.http import ErrorBody, JSONResponse, path_int, query_int, route, services
from expo.models import Exhibitor, utcnow
from expo.permissions import ANYONE, SIGNED_IN, OfExhibitor, exhibitor_staff
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from expo.security import Principal

Id = Annotated[int, Field(gt=0, lt=2**31)]
Reason = Annotated[str, Field(max_length=300)]


def account_topic(account_id: int) -> str:
    return f"account:{account_id}"


# --- payloads --------------------------------------------------------------------------------


class BoothChatSend(Strict):
    exhibitor: Id
    text: str = Field(max_length=4000)


class BoothChatDelete(Strict):
    exhibitor: Id
    message: Id


class BoothSanctionData(Strict):
    exhibitor: Id
    account: Id
    duration: Annotated[int, Field(ge=1, le=MAX_SANCTION_MINUTES)] | Literal["day"]
    reason: Reason = ""


class BoothLift(Strict):
    exhibitor: Id
    account: Id
    kind: Literal["mute", "ban"] | None = None  # None: lift both
    reason: Reason = ""


# --- objects for the permission table --------------------------------------------------------


@dataclass(frozen=True)
class BoothPost(OfExhibitor):
    """A message of a booth's chat, as its delete rule sees it."""

    author_id: int


def author_or_booth_staff(who: Principal, post: BoothPost) -> bool:
    return who.account_id == post.author_id or exhibitor_staff(who, post)


async def post_of_command(ctx: CommandContext, data: BoothChatDelete) -> BoothPost:
    """The message the command names, of the booth it names (`booth.chat_unknown` if not)."""
    async with ctx.services.read() as db:
        message = await store.get_message(db, data.message)
    if message is None or message.exhibitor_id != data.exhibitor:
        raise NotFound("booth.chat_unknown", f"There is no message {data.message} here.")
    return BoothPost(message.exhibitor_id, message.account_id)


# --- handlers --------------------------------------------------------------------------------


async def booth_chat_send(ctx: CommandContext, data: BoothChatSend) -> dict[str, Any]:
    who = ctx.require_principal()
    text = clean_chat_text(data.text)
    svc = ctx.services
    await load_booth(svc, data.exhibitor)
    refuse_sanctioned(await standing_of(svc, who, data.exhibitor), BOOTH_BANNED, "booth")
    staff = is_staff_of(who, data.exhibitor)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        message = await store.add_message(
            db,
            BoothChatMessage(
                exhibitor_id=data.exhibitor,
                account_id=who.account_id,
                author_name=who.display_name,
                staff=staff,
                text=text,
            ),
        )
        booth = await db.get(Exhibitor, data.exhibitor) if staff else None
    view = booth_message_view(message, booth)
    [event] = await svc.hub.publish_stored(
        [(booth_topic(data.exhibitor), "booth.chat_posted", view)]
    )
    return {"message": view, "seq": event.seq if event else None}


async def booth_chat_delete(ctx: CommandContext, data: BoothChatDelete) -> dict[str, Any]:
    """Its author, or the booth's staff (organisers too), hide a message for everyone."""
    who = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        message = await store.get_message(db, data.message)
        assert message is not None  # post_of_command found it
        await store.soft_delete(db, message, who.account_id, utcnow())
    deleted = {"id": data.message, "exhibitor_id": data.exhibitor}
    [event] = await svc.hub.publish_stored(
        [(booth_topic(data.exhibitor), "booth.chat_deleted", deleted)]
    )
    return {"id": data.message, "seq": event.seq if event else None}


async def _impose(
    ctx: CommandContext, data: BoothSanctionData, kind: SanctionKind
) -> dict[str, Any]:
    actor = ctx.require_principal()
    svc = ctx.services
    now = utcnow()
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        target = await store.get_account(db, data.account)
        if target is None or target.id is None:
            raise NotFound("account.unknown", f"There is no account {data.account}.")
        check_sanction_target(
            data.exhibitor, actor.account_id, target.id, target.role, target.exhibitor_id
        )
        sanction = await store.impose(
            db,
            BoothSanction(
                exhibitor_id=data.exhibitor,
                account_id=target.id,
                kind=kind,
                until=sanction_until(now, data.duration),
                reason=clean_reason(data.reason),
                created_by=actor.account_id,
                created_at=now,
            ),
        )
        name = target.display_name
    if kind == SanctionKind.BAN:
        await svc.gateway.evict(booth_topic(data.exhibitor), data.account, BOOTH_BANNED)
    view = sanction_view(sanction, name)
    await svc.hub.publish_stored(
        [
            (staff_topic(data.exhibitor), "booth.sanction_imposed", view),
            (account_topic(data.account), "booth.sanction_imposed", view),
        ]
    )
    return {"sanction": view}


async def booth_mute(ctx: CommandContext, data: BoothSanctionData) -> dict[str, Any]:
    """They may watch the booth's chat, not write in it, until then."""
    return await _impose(ctx, data, SanctionKind.MUTE)


async def booth_ban(ctx: CommandContext, data: BoothSanctionData) -> dict[str, Any]:
    """They may not follow the booth at all until then, and leave it now."""
    return await _impose(ctx, data, SanctionKind.BAN)


async def booth_lift(ctx: CommandContext, data: BoothLift) -> dict[str, Any]:
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        target = await store.get_account(db, data.account)
        if target is None:
            raise NotFound("account.unknown", f"There is no account {data.account}.")
        lifted = await store.lift(db, data.exhibitor, data.account, data.kind, utcnow())
        name = target.display_name
    views = [sanction_view(s, name) for s in lifted]
    events = []
    for view in views:
        events.append((staff_topic(data.exhibitor), "booth.sanction_lifted", view))
        events.append((account_topic(data.account), "booth.sanction_lifted", view))
    await svc.hub.publish_stored(events)
    return {"lifted": views}


# --- history -----------------------------------------------------------------------------------


class BoothPath(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exhibitor_id: int = Field(gt=0, lt=2**31)


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before: int | None = Field(default=None, gt=0, lt=2**31)
    limit: int = Field(default=50, ge=1, le=200)


async def booth_chat_history(request: Request) -> JSONResponse:
    exhibitor_id = path_int(request, "exhibitor_id")
    before = query_int(request, "before", None, low=1, high=2**31 - 1)
    limit = query_int(request, "limit", 50, low=1, high=200) or 50
    svc = services(request)
    # Read before the messages, and before the session's first statement (its snapshot is
    # taken there): a client subscribing with `since` misses nothing.
    position = await svc.hub.broker.history(booth_topic(exhibitor_id), None)
    async with svc.read() as db:
        booth = await db.get(Exhibitor, exhibitor_id)
        if booth is None:
            raise unknown_exhibitor(exhibitor_id)
        messages = await store.recent(db, exhibitor_id, before_id=before, limit=limit)
    return JSONResponse(
        {
            "messages": [booth_message_view(m, booth) for m in messages],
            "topic": booth_topic(exhibitor_id),
            "seq": position.seq,
            "epoch": position.epoch,
        }
    )


routes = [
    route(
        "/api/exhibitors/{exhibitor_id}/chat",
        booth_chat_history,
        methods=["GET"],
        action="booth.chat.read",
        path_params=BoothPath,
        query=HistoryQuery,
        responses={200: BoothChatPage, 404: ErrorBody, 503: ErrorBody},
        summary="A booth's public chat: the latest messages, or those before `before`",
    ),
]

commands = {
    "booth.chat.send": CommandSpec(
        booth_chat_send, BoothChatSend, action="booth.chat.send", rate=CHAT_RATE
    ),
    "booth.chat.delete": CommandSpec(
        booth_chat_delete,
        BoothChatDelete,
        action="booth.chat.delete",
        rate="moderate",
        target=post_of_command,
    ),
    "booth.mute": CommandSpec(
        booth_mute, BoothSanctionData, action="booth.mute", rate="moderate", target=booth_of_command
    ),
    "booth.ban": CommandSpec(
        booth_ban, BoothSanctionData, action="booth.ban", rate="moderate", target=booth_of_command
    ),
    "booth.lift": CommandSpec(
        booth_lift, BoothLift, action="booth.lift", rate="moderate", target=booth_of_command
    ),
}

permissions = {
    "booth.chat.read": ANYONE,
    "booth.chat.send": SIGNED_IN,
    "booth.chat.delete": SIGNED_IN.given(
        BoothPost,
        author_or_booth_staff,
        "Only its author or the booth's staff may delete it.",
        code="chat.not_author",
    ),
    "booth.mute": STAFF_OF_BOOTH,
    "booth.ban": STAFF_OF_BOOTH,
    "booth.lift": STAFF_OF_BOOTH,
}
