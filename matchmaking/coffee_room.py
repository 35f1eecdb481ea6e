"""A random coffee's room: its two people talk in a private chat and a 1:1 video call, exactly
as in a meeting room (matchmaking/room.py) or a queue call's (queue_room.py), on the topic
`coffee:<pair>` that only the two of them may follow, from the moment both accepted until
`ends_at` (the organisers' `coffee_minutes` later).

- `coffee.say` {pair, text}: stored, then announced as `meeting.message_posted`
  {id, pair, account, name, text, created_at} (the meeting room's event: the page is the same).
- `coffee.signal` {pair, kind, payload}: offer / answer / ice / ready / hangup, checked as the
  meeting room checks them and relayed, never stored, as `meeting.signal`
  {pair, from, kind, payload}.

Before both accepted, saying and calling answer `coffee.not_started`; once the time is up,
`coffee.ended` (a hangup is still relayed).

- `GET /api/match/coffee/{coffee_id}/room`: the coffee (status, when its room ends), the other
  person and the STUN/TURN servers; `GET /api/match/coffee/{coffee_id}/messages?before=&limit=`:
  its chat back, a page at a time (a reloaded room shows what was said). The two people only.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col
from starlette.requests import Request

from expo.chat_rules import CHAT_RATE, clean_chat_text
from expo.errors import Conflict, Forbidden, Unauthorized
from expo.http import ErrorBody, JSONResponse, path_int, principal, query_int, route, services
from expo.models import utcnow
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from matchmaking.coffee_access import (
    COFFEE,
    PARTY_TO_COFFEE,
    coffee_of_command,
    coffee_of_path,
    coffee_topic,
    load_coffee,
    unknown_coffee,
)
from matchmaking.models import Coffee, CoffeeMessage, CoffeeStatus
from matchmaking.private_room import announce_line, line_view, read_lines, relay_signal
from matchmaking.room import MAX_PAGE, PAGE, SIGNAL_RATE, MessagesOut, MessagesQuery, person_view
from matchmaking.room_rules import SignalKind, check_signal

Id = Annotated[int, Field(gt=0, lt=2**31)]


class Say(Strict):
    pair: Id
    text: str = Field(max_length=4000)


class Signal(Strict):
    pair: Id
    kind: str = Field(max_length=16)
    payload: Any = None


def refuse_closed(coffee: Coffee) -> None:
    """Only a coffee both accepted, whose time is not up, has a live room."""
    if coffee.status == CoffeeStatus.PROPOSED:
        raise Conflict("coffee.not_started", "Both of you accept first.")
    if coffee.status != CoffeeStatus.STARTED or (
        coffee.ends_at is not None and coffee.ends_at <= utcnow()
    ):
        raise Conflict("coffee.ended", "This coffee is over.")


def message_view(message: CoffeeMessage, name: str) -> dict[str, Any]:
    return line_view(message, "pair", message.coffee_id, name)


async def say(ctx: CommandContext, data: Say) -> dict[str, Any]:
    who = ctx.require_principal()
    text = clean_chat_text(data.text)
    svc = ctx.services
    async with svc.db() as db:
        coffee = await db.get(Coffee, data.pair)
        assert coffee is not None  # the permission check loaded it
        refuse_closed(coffee)
        message = CoffeeMessage(coffee_id=data.pair, account_id=who.account_id, text=text)
        db.add(message)
        await db.commit()
        await db.refresh(message)
    return await announce_line(
        svc, coffee_topic(data.pair), message_view(message, who.display_name)
    )


async def signal(ctx: CommandContext, data: Signal) -> dict[str, Any]:
    who = ctx.require_principal()
    payload = check_signal(data.kind, data.payload)
    svc = ctx.services
    async with svc.read() as db:
        coffee = await db.get(Coffee, data.pair)
    assert coffee is not None  # the permission check loaded it
    if data.kind != SignalKind.HANGUP:  # leaving an ended call is allowed
        refuse_closed(coffee)
    room = ("pair", data.pair)
    return await relay_signal(svc, coffee_topic(data.pair), room, who, data.kind, payload)


async def coffee_guard(ctx: CommandContext, key: str) -> None:
    """The coffee's two people only."""
    who = ctx.principal
    if who is None:
        raise Unauthorized()
    if not key.isdigit() or not 0 < int(key) < 2**31:
        raise unknown_coffee(key)
    coffee = await load_coffee(ctx.services, int(key))
    if not coffee.has_party(who.account_id):
        raise Forbidden(message="Only the coffee's two people follow its room.")


class CoffeePath(BaseModel):
    model_config = ConfigDict(extra="forbid")

    coffee_id: int = Field(gt=0, lt=2**31)


class RoomOut(BaseModel):
    coffee: dict[str, Any]
    ice_servers: list[dict[str, Any]]
    me: dict[str, Any]
    topic: str


async def coffee_messages(request: Request) -> JSONResponse:
    pair = path_int(request, "coffee_id")
    before = query_int(request, "before", None, low=1, high=2**31 - 1)
    limit = query_int(request, "limit", PAGE, low=1, high=MAX_PAGE) or PAGE
    async with services(request).read() as db:
        room_column = col(CoffeeMessage.coffee_id)
        page, more = await read_lines(db, CoffeeMessage, room_column, pair, before, limit)
    return JSONResponse(
        {
            "messages": [message_view(m, name) for m, name in page],
            "more": more,
            "topic": coffee_topic(pair),
        }
    )


async def coffee_room(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    svc = services(request)
    pair = path_int(request, "coffee_id")
    async with svc.read() as db:
        coffee = await db.get(Coffee, pair)
        assert coffee is not None  # the permission check loaded it
        other_id = coffee.high_id if who.account_id == coffee.low_id else coffee.low_id
        other = await person_view(db, other_id)
        me = await person_view(db, who.account_id)
    now = utcnow()
    over = coffee.status != CoffeeStatus.STARTED or (
        coffee.ends_at is not None and coffee.ends_at <= now
    )
    return JSONResponse(
        {
            "coffee": {
                "pair": pair,
                "status": coffee.status,
                "started_at": coffee.started_at.isoformat() if coffee.started_at else None,
                "ends_at": coffee.ends_at.isoformat() if coffee.ends_at else None,
                "ended": coffee.status != CoffeeStatus.PROPOSED and over,
                "with": other,
            },
            "ice_servers": list(svc.settings.ice_servers),
            "me": me,
            "topic": coffee_topic(pair),
        }
    )


routes = [
    route(
        "/api/match/coffee/{coffee_id}/messages",
        coffee_messages,
        methods=["GET"],
        action="coffee.messages",
        path_params=CoffeePath,
        query=MessagesQuery,
        target=coffee_of_path,
        responses={200: MessagesOut, 404: ErrorBody},
        summary="A random coffee's private chat, a page at a time (its two people only)",
    ),
    route(
        "/api/match/coffee/{coffee_id}/room",
        coffee_room,
        methods=["GET"],
        action="coffee.room",
        path_params=CoffeePath,
        target=coffee_of_path,
        responses={200: RoomOut, 404: ErrorBody},
        summary="A random coffee's room: when it ends, the other person, the STUN/TURN servers",
    ),
]

commands = {
    "coffee.say": CommandSpec(
        say, Say, action="coffee.say", rate=CHAT_RATE, target=coffee_of_command
    ),
    "coffee.signal": CommandSpec(
        signal, Signal, action="coffee.signal", rate=SIGNAL_RATE, target=coffee_of_command
    ),
}

permissions = {
    "coffee.say": PARTY_TO_COFFEE,
    "coffee.signal": PARTY_TO_COFFEE,
    "coffee.messages": PARTY_TO_COFFEE,
    "coffee.room": PARTY_TO_COFFEE,
}

topics = {COFFEE: coffee_guard}
