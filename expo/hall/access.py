"""Who may act on which booth: the loaders that hand the permission table its object.

Every action on one exhibitor's things (its booth, chats, leads, uploads, dashboard) is
object-scoped: its route or command names a `target` below, which loads the exhibitor from the
database and hands back a `BoothObject`. The table's `exhibitor_staff` predicate then lets
through that exhibitor's staff and organisers, and no one else: staff of exhibitor A are
refused on B before the handler runs, so a denial changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request

from expo.errors import NotFound
from expo.http import path_int, services
from expo.models import Exhibitor, Role
from expo.permissions import EXHIBITOR_STAFF_ONLY, OfExhibitor, Rule, exhibitor_staff, only
from expo.realtime.gateway import CommandContext
from expo.security import Principal
from expo.services import Services


@dataclass(frozen=True)
class BoothObject(OfExhibitor):
    """An exhibitor that exists, as loaded for a permission check."""


# Staff of the booth's exhibitor, and organisers (the console acts on every booth).
STAFF_OF_BOOTH: Rule = only(Role.EXHIBITOR, Role.ORGANIZER).given(
    OfExhibitor, exhibitor_staff, EXHIBITOR_STAFF_ONLY
)


def unknown_exhibitor(exhibitor_id: int) -> NotFound:
    return NotFound("exhibitor.unknown", f"There is no exhibitor {exhibitor_id}.")


async def load_booth(svc: Services, exhibitor_id: int) -> BoothObject:
    async with svc.read() as db:
        if await db.get(Exhibitor, exhibitor_id) is None:
            raise unknown_exhibitor(exhibitor_id)
    return BoothObject(exhibitor_id)


async def booth_of_path(request: Request) -> BoothObject:
    """For routes under `/api/exhibitors/{exhibitor_id}/...`."""
    return await load_booth(services(request), path_int(request, "exhibitor_id"))


class NamesBooth(Protocol):
    exhibitor: int


async def booth_of_command(ctx: CommandContext, data: NamesBooth) -> BoothObject:
    """For commands whose data names the booth as `exhibitor`."""
    return await load_booth(ctx.services, data.exhibitor)


def is_staff_of(principal: Principal | None, exhibitor_id: int) -> bool:
    """Staff of this exhibitor (organisers are not: they are not on its duty roster)."""
    return (
        principal is not None
        and principal.role == Role.EXHIBITOR
        and principal.exhibitor_id == exhibitor_id
    )
