"""Who may act on which request or meeting: the loaders that hand the permission table its
object, and the rules over them.

A participant sees and touches only their own requests and meetings. Every action on one is
object-scoped: its route or command names a `target` below, which loads the request or meeting
and hands back who its parties are; the rule's predicate then decides, before the handler runs,
so a refusal changes nothing. Organisers see every meeting (the dashboard) but act in none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request

from expo.errors import NotFound
from expo.http import path_int, services
from expo.models import Role
from expo.permissions import ALL_ROLES, Rule
from expo.realtime.gateway import CommandContext
from expo.security import Principal
from expo.services import Services
from matchmaking.models import Meeting, MeetingRequest

# Everyone signed in takes part in matchmaking: attendees, exhibitor staff (for their company),
# speakers and moderators too. Organisers run it.
PARTICIPANTS = ALL_ROLES - {Role.ORGANIZER}


@dataclass(frozen=True, slots=True)
class RequestObject:
    """A meeting request that exists, as loaded for a permission check."""

    request_id: int
    requester_id: int
    recipient_id: int


@dataclass(frozen=True, slots=True)
class MeetingObject:
    """A meeting that exists, as loaded for a permission check."""

    meeting_id: int
    requester_id: int
    recipient_id: int

    def has_party(self, account_id: int) -> bool:
        return account_id in (self.requester_id, self.recipient_id)


def _is_recipient(who: Principal, obj: RequestObject) -> bool:
    return who.account_id == obj.recipient_id


def _is_party_to_request(who: Principal, obj: RequestObject) -> bool:
    return who.account_id in (obj.requester_id, obj.recipient_id)


def _is_party(who: Principal, obj: MeetingObject) -> bool:
    return obj.has_party(who.account_id)


_ANYONE_SIGNED_IN = Rule(ALL_ROLES)

# Accept or decline: the one the request was sent to.
RECIPIENT_OF_REQUEST: Rule = _ANYONE_SIGNED_IN.given(
    RequestObject, _is_recipient, "Only the person asked may answer this request."
)
# Read, and withdraw (the requester while pending; either once accepted and unplaced): its two
# people.
PARTY_TO_REQUEST: Rule = _ANYONE_SIGNED_IN.given(
    RequestObject, _is_party_to_request, "Only its two people see this request."
)
# Cancel, reschedule, the meeting room (chat, video): its two people.
PARTY_TO_MEETING: Rule = _ANYONE_SIGNED_IN.given(
    MeetingObject, _is_party, "Only the meeting's two people may do this."
)


def unknown_request(request_id: int) -> NotFound:
    return NotFound("match.unknown_request", f"There is no meeting request {request_id}.")


def unknown_meeting(meeting_id: int) -> NotFound:
    return NotFound("match.unknown_meeting", f"There is no meeting {meeting_id}.")


async def load_request(svc: Services, request_id: int) -> RequestObject:
    async with svc.read() as db:
        row = await db.get(MeetingRequest, request_id)
    if row is None or row.id is None:
        raise unknown_request(request_id)
    return RequestObject(row.id, row.requester_id, row.recipient_id)


async def load_meeting(svc: Services, meeting_id: int) -> MeetingObject:
    async with svc.read() as db:
        row = await db.get(Meeting, meeting_id)
    if row is None or row.id is None:
        raise unknown_meeting(meeting_id)
    return MeetingObject(row.id, row.requester_id, row.recipient_id)


class NamesRequest(Protocol):
    request: int


class NamesMeeting(Protocol):
    meeting: int


async def request_of_command(ctx: CommandContext, data: NamesRequest) -> RequestObject:
    """For commands whose data names the request as `request`."""
    return await load_request(ctx.services, data.request)


async def request_of_path(request: Request) -> RequestObject:
    """For routes under `/api/match/requests/{request_id}/...`."""
    return await load_request(services(request), path_int(request, "request_id"))


async def meeting_of_command(ctx: CommandContext, data: NamesMeeting) -> MeetingObject:
    """For commands whose data names the meeting as `meeting`."""
    return await load_meeting(ctx.services, data.meeting)


async def meeting_of_path(request: Request) -> MeetingObject:
    """For routes under `/api/match/meetings/{meeting_id}/...`."""
    return await load_meeting(services(request), path_int(request, "meeting_id"))
