"""Who may act on which booth queue or ticket: the loaders that hand the permission table its
object, and the rules over them.

- The person in line acts on their own ticket only (leave, answer, read it).
- The booth's staff act on their own booth's queue and its tickets only (call the next person,
  mark served or no-show, pause, close, cap); staff of another booth never. Organisers read
  every queue (the console) but call no one.
- The call's room (chat and video) is for its two people: the ticket's owner and the staff
  member who called it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request

from expo.errors import NotFound
from expo.hall.public import STAFF_OF_BOOTH
from expo.http import path_int, services
from expo.models import Role
from expo.permissions import (
    ALL_ROLES,
    EXHIBITOR_STAFF_ONLY,
    OfExhibitor,
    Rule,
    exhibitor_staff,
    only,
)
from expo.realtime.gateway import CommandContext
from expo.security import Principal
from expo.services import Services
from matchmaking.access import PARTICIPANTS
from matchmaking.models import QueueTicket


@dataclass(frozen=True)
class TicketObject(OfExhibitor):
    """A queue ticket that exists, as loaded for a permission check."""

    ticket_id: int
    account_id: int
    called_by: int | None

    def has_party(self, account_id: int) -> bool:
        return account_id in (self.account_id, self.called_by)


def _owns(who: Principal, obj: TicketObject) -> bool:
    return who.account_id == obj.account_id


def _party(who: Principal, obj: TicketObject) -> bool:
    return obj.has_party(who.account_id)


# Join a queue: anyone taking part in matchmaking (attendees, other booths' staff...).
JOIN: Rule = Rule(PARTICIPANTS)
# Leave, answer, read: the ticket's owner.
OWNER_OF_TICKET: Rule = Rule(ALL_ROLES).given(
    TicketObject, _owns, "Only the person holding this ticket may do this."
)
# Call, serve, no-show, pause, close, cap: the booth's own staff (not organisers: a call opens a
# conversation with whoever calls).
SERVES_BOOTH: Rule = only(Role.EXHIBITOR).given(OfExhibitor, exhibitor_staff, EXHIBITOR_STAFF_ONLY)
# The line with names: the booth's staff and organisers.
SEES_LINE: Rule = STAFF_OF_BOOTH
# The call's room: its two people.
PARTY_TO_CALL: Rule = Rule(ALL_ROLES).given(
    TicketObject, _party, "Only the person called and the staff member who called may do this."
)


def unknown_ticket(ticket_id: int) -> NotFound:
    return NotFound("queue.unknown_ticket", f"There is no queue ticket {ticket_id}.")


async def load_ticket(svc: Services, ticket_id: int) -> TicketObject:
    async with svc.read() as db:
        row = await db.get(QueueTicket, ticket_id)
    if row is None or row.id is None:
        raise unknown_ticket(ticket_id)
    return TicketObject(row.exhibitor_id, row.id, row.account_id, row.called_by)


class NamesTicket(Protocol):
    ticket: int


async def ticket_of_command(ctx: CommandContext, data: NamesTicket) -> TicketObject:
    return await load_ticket(ctx.services, data.ticket)


async def ticket_of_path(request: Request) -> TicketObject:
    """For routes under `/api/match/queue-tickets/{ticket_id}/...`."""
    return await load_ticket(services(request), path_int(request, "ticket_id"))
