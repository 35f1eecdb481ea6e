"""The meeting room: a private chat of the meeting's two people and the signalling of their
1:1 video call (WebRTC), both on the topic `meeting:<id>` that only they may follow.

- `meeting.say` {meeting, text}: stored, then announced as `meeting.message_posted`;
  `GET /api/match/meetings/{meeting_id}/messages?before=&limit=` reads the chat back (latest
  first page, oldest line first), so a reload or the other device sees the conversation.
- `meeting.signal` {meeting, kind, payload}: offer / answer / ice / ready / hangup, checked
  (matchmaking/room_rules.py) and relayed, never stored, as `meeting.signal`
  {meeting, from, kind, payload} to whoever of the two follows the topic now, on any server
  process (`Hub.flash`: through the broker, un-numbered, not replayed: a stale offer replayed
  after a reconnect would only confuse the call, and `ready` restarts the negotiation instead).
  Both parties receive it; the page drops its own (`from`).
- `GET /api/match/meetings/{meeting_id}/room`: the meeting as the room shows it (slot, the other
  person), the STUN/TURN servers of the settings (EXPO_ICE_SERVERS) and who I am.

A cancelled meeting's room is read-only: saying and calling are refused with
`match.meeting_cancelled`; reading the chat still works. Once either of the two blocked the
other, the room is gone for both: the view, the chat, saying and signalling answer 404
`match.unknown_meeting`, as for a meeting that does not exist (a block ends the meetings to
come; this hides those already held).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from starlette.requests import Request

from expo.chat_rules import CHAT_RATE, clean_chat_text
from expo.hall.public import exhibitor_card
from expo.http import ErrorBody, JSONResponse, path_int, principal, query_int, route, services
from expo.models import Account
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from matchmaking.access import (
    PARTY_TO_MEETING,
    meeting_of_command,
    meeting_of_path,
    unknown_meeting,
)
from matchmaking.blocks import blocked_between
from matchmaking.models import MatchSlot, Meeting, MeetingMessage
from matchmaking.private_room import announce_line, line_view, read_lines, relay_signal
from matchmaking.room_rules import SignalKind, check_signal, refuse_cancelled
from matchmaking.topics import meeting_topic

Id = Annotated[int, Field(gt=0, lt=2**31)]
PAGE = 50
MAX_PAGE = 200
# Signals spend the "moderate" budget (120 a minute, 30 at once): an offer or answer and a few
# dozen ICE candidates per call fit; a loop relaying without end does not. Chat spends the chat
# budget every chat of the expo spends.
SIGNAL_RATE = "moderate"


class Say(Strict):
    meeting: Id
    text: str = Field(max_length=4000)


class Signal(Strict):
    meeting: Id
    kind: str = Field(max_length=16)
    payload: Any = None


# --- views -------------------------------------------------------------------------------------


def _when(value: datetime) -> str:
    return value.isoformat()


def message_view(message: MeetingMessage, name: str) -> dict[str, Any]:
    return line_view(message, "meeting", message.meeting_id, name)


async def person_view(db: AsyncSession, account_id: int) -> dict[str, Any]:
    """Someone as the other side of the room sees them: name, title, company."""
    account = await db.get(Account, account_id)
    if account is None:
        return {
            "account": account_id,
            "name": "",
            "title": "",
            "organisation": "",
            "exhibitor": None,
        }
    card = await exhibitor_card(db, account.exhibitor_id) if account.exhibitor_id else None
    return {
        "account": account_id,
        "name": account.display_name,
        "title": account.title,
        "organisation": account.organisation,
        "exhibitor": (
            {"id": card.id, "name_zh": card.name_zh, "name_en": card.name_en} if card else None
        ),
    }


async def _meeting(db: AsyncSession, meeting_id: int) -> Meeting:
    found = await db.get(Meeting, meeting_id)
    assert found is not None  # the permission check loaded it
    await _refuse_blocked(db, found)
    return found


async def _refuse_blocked(db: AsyncSession, meeting: Meeting) -> None:
    """Blocked either way: no room, as if there were no meeting."""
    if await blocked_between(db, meeting.requester_id, meeting.recipient_id):
        raise unknown_meeting(meeting.id or 0)


# --- commands ----------------------------------------------------------------------------------


async def say(ctx: CommandContext, data: Say) -> dict[str, Any]:
    who = ctx.require_principal()
    text = clean_chat_text(data.text)
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        # Locked (PostgreSQL; SQLite's writer holds the database) so a cancellation committed
        # meanwhile is seen: no line lands in a room that is already read-only.
        meeting = (
            await db.execute(
                select(Meeting).where(col(Meeting.id) == data.meeting).with_for_update()
            )
        ).scalar_one()
        await _refuse_blocked(db, meeting)
        refuse_cancelled(meeting.status)
        message = MeetingMessage(meeting_id=data.meeting, account_id=who.account_id, text=text)
        db.add(message)
        await db.commit()
        await db.refresh(message)
    return await announce_line(
        svc, meeting_topic(data.meeting), message_view(message, who.display_name)
    )


async def signal(ctx: CommandContext, data: Signal) -> dict[str, Any]:
    who = ctx.require_principal()
    payload = check_signal(data.kind, data.payload)
    svc = ctx.services
    async with svc.read() as db:
        meeting = await _meeting(db, data.meeting)  # blocked: refused, hanging up too
    if data.kind != SignalKind.HANGUP:  # leaving a cancelled meeting's call is allowed
        refuse_cancelled(meeting.status)
    room = ("meeting", data.meeting)
    return await relay_signal(svc, meeting_topic(data.meeting), room, who, data.kind, payload)


# --- routes ------------------------------------------------------------------------------------


class MeetingPath(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meeting_id: int = Field(gt=0, lt=2**31)


class MessagesQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before: int | None = Field(default=None, gt=0, lt=2**31)
    limit: int = Field(default=PAGE, ge=1, le=MAX_PAGE)


class MessagesOut(BaseModel):
    messages: list[dict[str, Any]]
    more: bool
    topic: str


class RoomOut(BaseModel):
    meeting: dict[str, Any]
    ice_servers: list[dict[str, Any]]
    me: dict[str, Any]
    topic: str


def _slot_view(slot: MatchSlot | None) -> dict[str, Any] | None:
    if slot is None:
        return None
    return {"id": slot.id, "starts_at": _when(slot.starts_at), "ends_at": _when(slot.ends_at)}


async def messages(request: Request) -> JSONResponse:
    """The room's chat, one page: the latest `limit` lines before `before` (a message id),
    oldest first; `more` says whether older ones remain."""
    meeting_id = path_int(request, "meeting_id")
    before = query_int(request, "before", None, low=1, high=2**31 - 1)
    limit = query_int(request, "limit", PAGE, low=1, high=MAX_PAGE) or PAGE
    async with services(request).read() as db:
        await _meeting(db, meeting_id)
        room_column = col(MeetingMessage.meeting_id)
        page, more = await read_lines(db, MeetingMessage, room_column, meeting_id, before, limit)
    return JSONResponse(
        {
            "messages": [message_view(m, name) for m, name in page],
            "more": more,
            "topic": meeting_topic(meeting_id),
        }
    )


async def room(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    svc = services(request)
    async with svc.read() as db:
        meeting = await _meeting(db, path_int(request, "meeting_id"))
        slot = await db.get(MatchSlot, meeting.slot_id)
        other_id = (
            meeting.recipient_id if who.account_id == meeting.requester_id else meeting.requester_id
        )
        other = await person_view(db, other_id)
        me = await person_view(db, who.account_id)
    return JSONResponse(
        {
            "meeting": {
                "id": meeting.id,
                "status": meeting.status,
                "version": meeting.version,
                "slot": (
                    {
                        "id": slot.id,
                        "starts_at": _when(slot.starts_at),
                        "ends_at": _when(slot.ends_at),
                    }
                    if slot
                    else None
                ),
                "with": other,
            },
            "ice_servers": list(svc.settings.ice_servers),
            "me": me,
            "topic": meeting_topic(meeting.id),  # type: ignore[arg-type]
        }
    )


routes = [
    route(
        "/api/match/meetings/{meeting_id}/messages",
        messages,
        methods=["GET"],
        action="meeting.messages",
        path_params=MeetingPath,
        query=MessagesQuery,
        target=meeting_of_path,
        responses={200: MessagesOut, 404: ErrorBody},
        summary="A meeting room's private chat, a page at a time (its two people only)",
    ),
    route(
        "/api/match/meetings/{meeting_id}/room",
        room,
        methods=["GET"],
        action="meeting.room",
        path_params=MeetingPath,
        target=meeting_of_path,
        responses={200: RoomOut, 404: ErrorBody},
        summary="A meeting room: the meeting, the other person, the STUN/TURN servers",
    ),
]

commands = {
    "meeting.say": CommandSpec(
        say, Say, action="meeting.say", rate=CHAT_RATE, target=meeting_of_command
    ),
    "meeting.signal": CommandSpec(
        signal, Signal, action="meeting.signal", rate=SIGNAL_RATE, target=meeting_of_command
    ),
}

permissions = {
    "meeting.say": PARTY_TO_MEETING,
    "meeting.signal": PARTY_TO_MEETING,
    "meeting.messages": PARTY_TO_MEETING,
    "meeting.room": PARTY_TO_MEETING,
}
