"""The room of a call from a booth's queue: the called person and the staff member who called
talk in a private chat and a 1:1 video call, exactly as in a meeting room (matchmaking/room.py),
on the topic `queue-call:<ticket>` that only the two of them may follow.

- `queue.say` {ticket, text}: stored, then announced as `meeting.message_posted` (the meeting
  room's event, so the page is the same); `GET /api/match/queue-tickets/{ticket_id}/messages`
  reads the chat back.
- `queue.signal` {ticket, kind, payload}: offer / answer / ice / ready / hangup, checked as the
  meeting room checks them and relayed, never stored, as `meeting.signal`.
- `GET /api/match/queue-tickets/{ticket_id}/room`: the call as the room shows it (the booth,
  the other person: to the staff, the person's title and company only if they shared their
  card), the STUN/TURN servers and who I am.
- `queue.call_changed` {ticket, status, version} on the topic whenever the ticket changes once
  called: the room opens when it is answered and turns read-only when it ends.

The room opens when the call is answered. Once the ticket is served (or ends otherwise) the
room is read-only: saying and calling answer `queue.call_ended`; the chat can still be read.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select
from starlette.requests import Request

from expo.chat_rules import CHAT_RATE, clean_chat_text
from expo.errors import Conflict
from expo.hall.public import exhibitor_card
from expo.http import ErrorBody, JSONResponse, path_int, principal, query_int, route, services
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from matchmaking.models import QueueMessage, QueueTicket, TicketStatus
from matchmaking.private_room import announce_line, line_view, read_lines, relay_signal
from matchmaking.queue_access import PARTY_TO_CALL, ticket_of_command, ticket_of_path
from matchmaking.queue_topics import call_topic
from matchmaking.room import (
    MAX_PAGE,
    PAGE,
    SIGNAL_RATE,
    MessagesOut,
    MessagesQuery,
    person_view,
)
from matchmaking.room_rules import SignalKind, check_signal

Id = Annotated[int, Field(gt=0, lt=2**31)]


class Say(Strict):
    ticket: Id
    text: str = Field(max_length=4000)


class Signal(Strict):
    ticket: Id
    kind: str = Field(max_length=16)
    payload: Any = None


def refuse_closed(ticket: QueueTicket) -> None:
    """Only a call that was answered and is not over has a live room."""
    if ticket.status == TicketStatus.CALLED:
        raise Conflict("queue.not_answered", "Answer the call first.")
    if ticket.status != TicketStatus.SERVING:
        raise Conflict("queue.call_ended", "This conversation is over.")


def message_view(message: QueueMessage, name: str) -> dict[str, Any]:
    return line_view(message, "ticket", message.ticket_id, name)


async def say(ctx: CommandContext, data: Say) -> dict[str, Any]:
    who = ctx.require_principal()
    text = clean_chat_text(data.text)
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        ticket = (
            await db.execute(
                select(QueueTicket).where(col(QueueTicket.id) == data.ticket).with_for_update()
            )
        ).scalar_one()
        refuse_closed(ticket)
        message = QueueMessage(ticket_id=data.ticket, account_id=who.account_id, text=text)
        db.add(message)
        await db.commit()
        await db.refresh(message)
    return await announce_line(
        svc, call_topic(data.ticket), message_view(message, who.display_name)
    )


async def signal(ctx: CommandContext, data: Signal) -> dict[str, Any]:
    who = ctx.require_principal()
    payload = check_signal(data.kind, data.payload)
    svc = ctx.services
    async with svc.read() as db:
        ticket = await db.get(QueueTicket, data.ticket)
    assert ticket is not None  # the permission check loaded it
    if data.kind != SignalKind.HANGUP:  # leaving an ended call is allowed
        refuse_closed(ticket)
    room = ("ticket", data.ticket)
    return await relay_signal(svc, call_topic(data.ticket), room, who, data.kind, payload)


class TicketPath(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ticket_id: int = Field(gt=0, lt=2**31)


class RoomOut(BaseModel):
    call: dict[str, Any]
    ice_servers: list[dict[str, Any]]
    me: dict[str, Any]
    topic: str


async def messages(request: Request) -> JSONResponse:
    ticket_id = path_int(request, "ticket_id")
    before = query_int(request, "before", None, low=1, high=2**31 - 1)
    limit = query_int(request, "limit", PAGE, low=1, high=MAX_PAGE) or PAGE
    async with services(request).read() as db:
        room_column = col(QueueMessage.ticket_id)
        page, more = await read_lines(db, QueueMessage, room_column, ticket_id, before, limit)
    return JSONResponse(
        {
            "messages": [message_view(m, name) for m, name in page],
            "more": more,
            "topic": call_topic(ticket_id),
        }
    )


async def room(request: Request) -> JSONResponse:
    who = principal(request)
    assert who is not None
    svc = services(request)
    ticket_id = path_int(request, "ticket_id")
    async with svc.read() as db:
        ticket = await db.get(QueueTicket, ticket_id)
        assert ticket is not None  # the permission check loaded it
        other_id = ticket.called_by if who.account_id == ticket.account_id else ticket.account_id
        other = await person_view(db, other_id) if other_id is not None else None
        if other is not None and other_id == ticket.account_id and not ticket.share_card:
            # The person in line chose not to share their card: the staff see their name only.
            other = other | {"title": "", "organisation": ""}
        me = await person_view(db, who.account_id)
        booth = await exhibitor_card(db, ticket.exhibitor_id)
    return JSONResponse(
        {
            "call": {
                "ticket": ticket_id,
                "status": ticket.status,
                "version": ticket.version,
                "exhibitor": (
                    {"id": booth.id, "name_zh": booth.name_zh, "name_en": booth.name_en}
                    if booth
                    else None
                ),
                "answered_at": ticket.answered_at.isoformat() if ticket.answered_at else None,
                "with": other,
            },
            "ice_servers": list(svc.settings.ice_servers),
            "me": me,
            "topic": call_topic(ticket_id),
        }
    )


routes = [
    route(
        "/api/match/queue-tickets/{ticket_id}/messages",
        messages,
        methods=["GET"],
        action="queue.messages",
        path_params=TicketPath,
        query=MessagesQuery,
        target=ticket_of_path,
        responses={200: MessagesOut, 404: ErrorBody},
        summary="A queue call's private chat, a page at a time (its two people only)",
    ),
    route(
        "/api/match/queue-tickets/{ticket_id}/room",
        room,
        methods=["GET"],
        action="queue.room",
        path_params=TicketPath,
        target=ticket_of_path,
        responses={200: RoomOut, 404: ErrorBody},
        summary="A queue call's room: the booth, the other person, the STUN/TURN servers",
    ),
]

commands = {
    "queue.say": CommandSpec(
        say, Say, action="queue.say", rate=CHAT_RATE, target=ticket_of_command
    ),
    "queue.signal": CommandSpec(
        signal, Signal, action="queue.signal", rate=SIGNAL_RATE, target=ticket_of_command
    ),
}

permissions = {
    "queue.say": PARTY_TO_CALL,
    "queue.signal": PARTY_TO_CALL,
    "queue.messages": PARTY_TO_CALL,
    "queue.room": PARTY_TO_CALL,
}
