"""What every private room of two people does alike (a meeting's, a queue call's, a random
coffee's): a chat line stored, then announced as `meeting.message_posted` on the room's topic;
a call signal relayed, never stored, as `meeting.signal`. The rooms differ in whose room it is
and when it is open (their own modules check that); the page (meeting_call.js) is one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col, select

from expo.models import Account
from expo.security import Principal
from expo.services import Services

POSTED = "meeting.message_posted"
SIGNALLED = "meeting.signal"


class Line(Protocol):
    """A stored chat line of a room (MeetingMessage, QueueMessage, CoffeeMessage)."""

    id: int | None
    account_id: int
    text: str
    created_at: datetime


def line_view(line: Line, room_key: str, room_id: int, name: str) -> dict[str, Any]:
    """A chat line as both people see it; `room_key` names the room's id ("meeting",
    "ticket", "pair")."""
    return {
        "id": line.id,
        room_key: room_id,
        "account": line.account_id,
        "name": name,
        "text": line.text,
        "created_at": line.created_at.isoformat(),
    }


async def read_lines(
    db: AsyncSession,
    line: type[SQLModel],
    room_column: Any,
    room_id: int,
    before: int | None,
    limit: int,
) -> tuple[list[tuple[Any, str]], bool]:
    """One page of a room's chat: the latest `limit` lines before `before` (a line's id), oldest
    first, each with its author's name; and whether older ones remain."""
    line_id = col(line.id)  # type: ignore[attr-defined]
    query = (
        select(line, Account.display_name)
        .join(Account, col(Account.id) == col(line.account_id))  # type: ignore[attr-defined]
        .where(room_column == room_id)
    )
    if before is not None:
        query = query.where(line_id < before)
    rows = list((await db.execute(query.order_by(line_id.desc()).limit(limit + 1))).all())
    page = [(found, name) for found, name in rows[:limit]]
    page.reverse()
    return page, len(rows) > limit


async def announce_line(svc: Services, topic: str, view: dict[str, Any]) -> dict[str, Any]:
    """A line already stored, told to the room: the command's reply."""
    await svc.hub.publish_stored([(topic, POSTED, view)])
    return {"message": view}


async def relay_signal(
    svc: Services,
    topic: str,
    room: tuple[str, int],
    who: Principal,
    kind: str,
    payload: Any,
) -> dict[str, Any]:
    """A checked signal to whoever of the two follows the room now, on any process."""
    room_key, room_id = room
    event = {room_key: room_id, "from": who.account_id, "kind": kind, "payload": payload}
    await svc.hub.flash(topic, SIGNALLED, event)
    return {"relayed": True}
