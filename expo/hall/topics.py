"""The hall's topics, and who may follow each.

- `booth:<exhibitor id>`: a booth's public life (its chat, changes, who is on duty); anyone may
  follow a booth that exists. Its audience is counted over all processes ("visitors now").
- `booth-staff:<exhibitor id>`: what only the booth's own staff (and organisers) see: the private
  chat inbox, the live dashboard, leads as they come in.
- `hall:all`: the hall as a whole (releases as they are published, booth cards' changes).
  Never a draft or a release awaiting approval: those go to the next topic only.
- `hall-organisers:all`: organisers only: every change of every release (`release.changed`,
  drafts and pending ones too), so the console's approval queue is live.
"""

from __future__ import annotations

from expo.errors import Forbidden, NotFound, Unauthorized
from expo.hall.access import load_booth
from expo.hall.booth_standing import refuse_banned
from expo.models import Role
from expo.permissions import EXHIBITOR_STAFF_ONLY
from expo.realtime.gateway import CommandContext

BOOTH = "booth"
BOOTH_STAFF = "booth-staff"
HALL = "hall"
HALL_TOPIC = "hall:all"
HALL_ORGANISERS = "hall-organisers"
ORGANISERS_TOPIC = "hall-organisers:all"


def booth_topic(exhibitor_id: int) -> str:
    return f"{BOOTH}:{exhibitor_id}"


def staff_topic(exhibitor_id: int) -> str:
    return f"{BOOTH_STAFF}:{exhibitor_id}"


def exhibitor_key(key: str) -> int:
    if not key.isdigit() or not 0 < int(key) < 2**31:
        raise NotFound("exhibitor.unknown", f"There is no exhibitor {key}.")
    return int(key)


async def booth_guard(ctx: CommandContext, key: str) -> None:
    """Anyone may follow a booth that exists, except those its staff banned from it."""
    exhibitor_id = exhibitor_key(key)
    await load_booth(ctx.services, exhibitor_id)
    # --- chat: a ban from the booth's chat keeps them off the booth's topic ---
    await refuse_banned(ctx.services, ctx.principal, exhibitor_id)


async def staff_guard(ctx: CommandContext, key: str) -> None:
    """The booth's own staff and organisers; staff of another exhibitor never."""
    exhibitor_id = exhibitor_key(key)
    who = ctx.principal
    if who is None:
        raise Unauthorized()
    if who.role != Role.ORGANIZER and who.exhibitor_id != exhibitor_id:
        raise Forbidden(message=EXHIBITOR_STAFF_ONLY)
    await load_booth(ctx.services, exhibitor_id)


async def hall_guard(ctx: CommandContext, key: str) -> None:
    if key != "all":
        raise NotFound("topic.unknown", f"There is no hall topic {key}.")


async def organisers_guard(ctx: CommandContext, key: str) -> None:
    """Organisers only: what is not yet public (releases awaiting approval) is announced here."""
    if key != "all":
        raise NotFound("topic.unknown", f"There is no hall topic {key}.")
    who = ctx.principal
    if who is None:
        raise Unauthorized()
    if who.role != Role.ORGANIZER:
        raise Forbidden(message="Only organisers follow this.")


topics = {
    BOOTH: booth_guard,
    BOOTH_STAFF: staff_guard,
    HALL: hall_guard,
    HALL_ORGANISERS: organisers_guard,
}
