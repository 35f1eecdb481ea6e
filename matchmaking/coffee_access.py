"""Who may act on a random coffee: its two people only (accept, decline, its room's chat and
call, following its room's topic `coffee:<id>`). Organisers neither see nor enter it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request

from expo.errors import NotFound
from expo.http import path_int, services
from expo.permissions import ALL_ROLES, Rule
from expo.realtime.gateway import CommandContext
from expo.security import Principal
from expo.services import Services
from matchmaking.access import PARTICIPANTS
from matchmaking.models import Coffee

COFFEE = "coffee"  # the room's topic: coffee:<id>


def coffee_topic(coffee_id: int) -> str:
    return f"{COFFEE}:{coffee_id}"


@dataclass(frozen=True, slots=True)
class CoffeeObject:
    """A coffee that exists, as loaded for a permission check."""

    coffee_id: int
    low_id: int
    high_id: int

    def has_party(self, account_id: int) -> bool:
        return account_id in (self.low_id, self.high_id)


def _party(who: Principal, obj: CoffeeObject) -> bool:
    return obj.has_party(who.account_id)


# Join or leave the pool: anyone taking part in matchmaking.
JOINS: Rule = Rule(PARTICIPANTS)
# Accept, decline, talk: the pair's two people.
PARTY_TO_COFFEE: Rule = Rule(ALL_ROLES).given(
    CoffeeObject, _party, "Only the two people of this coffee may do this."
)


def unknown_coffee(coffee_id: int | str) -> NotFound:
    return NotFound("coffee.unknown", f"There is no coffee {coffee_id}.")


async def load_coffee(svc: Services, coffee_id: int) -> CoffeeObject:
    async with svc.read() as db:
        row = await db.get(Coffee, coffee_id)
    if row is None or row.id is None:
        raise unknown_coffee(coffee_id)
    return CoffeeObject(row.id, row.low_id, row.high_id)


class NamesPair(Protocol):
    pair: int


async def coffee_of_command(ctx: CommandContext, data: NamesPair) -> CoffeeObject:
    return await load_coffee(ctx.services, data.pair)


async def coffee_of_path(request: Request) -> CoffeeObject:
    """For routes under `/api/match/coffee/{coffee_id}/...`."""
    return await load_coffee(services(request), path_int(request, "coffee_id"))
