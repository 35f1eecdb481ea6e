"""Whether someone may follow a booth's chat and write in it: their standing there (a mute, a
ban), asked in batches: the tabs that open booths together share one query."""

from __future__ import annotations

from expo.batching import BatchedLookup
from expo.chat_rules import Standing, banned_error
from expo.hall import booth_chat_store as store
from expo.hall.booth_chat_rules import BOOTH_BANNED
from expo.models import Role
from expo.security import Principal
from expo.services import Services

STANDINGS = "hall.booth_standings"  # services.cache: the batched lookup


def standings(services: Services) -> BatchedLookup[tuple[int, int], Standing]:
    """(booth, account) -> Standing."""
    found: BatchedLookup[tuple[int, int], Standing] | None = services.cache.get(STANDINGS)
    if found is None:

        async def lookup(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Standing]:
            async with services.read() as db:
                return await store.standings_at(db, pairs)

        found = services.cache[STANDINGS] = BatchedLookup(lookup)
    return found


def exempt(who: Principal, exhibitor_id: int) -> bool:
    """The booth's own staff and organisers are never sanctioned there."""
    return who.role == Role.ORGANIZER or (
        who.role == Role.EXHIBITOR and who.exhibitor_id == exhibitor_id
    )


async def standing_of(services: Services, who: Principal | None, exhibitor_id: int) -> Standing:
    if who is None or exempt(who, exhibitor_id):
        return Standing()
    return await standings(services).get((exhibitor_id, who.account_id)) or Standing()


async def refuse_banned(services: Services, who: Principal | None, exhibitor_id: int) -> None:
    """`booth.banned` for someone banned from the booth (the booth topic's guard asks)."""
    found = await standing_of(services, who, exhibitor_id)
    if found.banned:
        raise banned_error(found, BOOTH_BANNED, "booth")
