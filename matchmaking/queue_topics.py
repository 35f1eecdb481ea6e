"""The booth queues' topics, and who may follow each.

- `booth-queue:<exhibitor>`: the line's changes with no one's identity (`queue.moved`) and the
  queue's state; anyone, signed in or not (the booth page shows how long the line is).
- `booth-queue-staff:<exhibitor>`: the line with names and cards; the booth's staff and
  organisers.
- `queue-ticket:<ticket>`: the ticket as its owner sees it (called, back in line, dropped).
  Its audience is counted over all processes: a ticket none of its owner's pages follows for
  the grace period is dropped (matchmaking/queue_sweeper.py).
- `queue-call:<ticket>`: the call's room (chat and video signalling), its two people only.
"""

from __future__ import annotations

from expo.errors import Forbidden, NotFound, Unauthorized
from expo.models import Exhibitor, Role
from expo.realtime.gateway import CommandContext
from matchmaking.queue_access import load_ticket

QUEUE = "booth-queue"
QUEUE_STAFF = "booth-queue-staff"
TICKET = "queue-ticket"
CALL = "queue-call"


def queue_topic(exhibitor_id: int) -> str:
    return f"{QUEUE}:{exhibitor_id}"


def queue_staff_topic(exhibitor_id: int) -> str:
    return f"{QUEUE_STAFF}:{exhibitor_id}"


def ticket_topic(ticket_id: int) -> str:
    return f"{TICKET}:{ticket_id}"


def call_topic(ticket_id: int) -> str:
    return f"{CALL}:{ticket_id}"


def _id(key: str, code: str, what: str) -> int:
    if not key.isdigit() or not 0 < int(key) < 2**31:
        raise NotFound(code, f"There is no {what} {key}.")
    return int(key)


async def _exhibitor(ctx: CommandContext, key: str) -> int:
    exhibitor_id = _id(key, "exhibitor.unknown", "exhibitor")
    async with ctx.services.read() as db:
        if await db.get(Exhibitor, exhibitor_id) is None:
            raise NotFound("exhibitor.unknown", f"There is no exhibitor {exhibitor_id}.")
    return exhibitor_id


async def queue_guard(ctx: CommandContext, key: str) -> None:
    await _exhibitor(ctx, key)


async def queue_staff_guard(ctx: CommandContext, key: str) -> None:
    exhibitor_id = await _exhibitor(ctx, key)
    who = ctx.principal
    if who is None:
        raise Unauthorized()
    if who.role != Role.ORGANIZER and who.exhibitor_id != exhibitor_id:
        raise Forbidden(message="Only this booth's staff follow its line.")


async def ticket_guard(ctx: CommandContext, key: str) -> None:
    who = ctx.principal
    if who is None:
        raise Unauthorized()
    ticket = await load_ticket(ctx.services, _id(key, "queue.unknown_ticket", "queue ticket"))
    if ticket.account_id != who.account_id:
        raise Forbidden(message="Only the person holding this ticket follows it.")


async def call_guard(ctx: CommandContext, key: str) -> None:
    who = ctx.principal
    if who is None:
        raise Unauthorized()
    ticket = await load_ticket(ctx.services, _id(key, "queue.unknown_ticket", "queue ticket"))
    if not ticket.has_party(who.account_id):
        raise Forbidden(message="Only the call's two people follow its room.")


topics = {
    QUEUE: queue_guard,
    QUEUE_STAFF: queue_staff_guard,
    TICKET: ticket_guard,
    CALL: call_guard,
}
