"""Reactions: a handful of emoji anyone in a room may send, summed over every server process
and pushed to the room at most once a second.

A reaction is not stored: it is an applause meter, not a record. Each process adds what its
sockets sent to a shared pile (the broker's `gather`), and whichever process finds the pile not
taken within the last second takes it and flashes the sums to the room; so a room of ten
thousand clapping gets one small event a second, however many processes serve it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from expo.errors import Conflict
from expo.permissions import SIGNED_IN
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from forums.domain import forum_topic
from forums.live import forum_guard

if TYPE_CHECKING:
    from expo.services import Services

log = logging.getLogger("forums.reactions")

# The room's reactions by name; the page draws each as its emoji.
Reaction = Literal["clap", "heart", "thumbs_up", "party", "idea", "laugh"]
WINDOW_MS = 1000  # at most one burst per room per second
TICK = 0.25  # how often a process offers what it gathered
CACHE_KEY = "forums.reactions"


class ReactionSend(Strict):
    forum: int = Field(gt=0, lt=2**31)
    reaction: Reaction


class Gathered:
    """This process's reactions not yet offered, and rooms that still owe a burst."""

    def __init__(self) -> None:
        self.fresh: dict[int, Counter[str]] = {}
        # Rooms this process added to since it last took their pile: it keeps offering
        # (with nothing new) until it takes one, so no reaction waits for the next clap.
        self.owed: set[int] = set()


def gathered(services: Services) -> Gathered:
    found = services.cache.get(CACHE_KEY)
    if found is None:
        found = services.cache[CACHE_KEY] = Gathered()
    return found


async def reaction_send(ctx: CommandContext, data: ReactionSend) -> dict[str, Any]:
    # Only from inside the room: a reaction to a room one does not follow is noise (or a bot).
    if forum_topic(data.forum) not in ctx.client.topics:
        await forum_guard(ctx, str(data.forum))  # a room that is not there, or a ban, says so
        raise Conflict("reaction.not_in_room", "Join the room (subscribe to its topic) first.")
    gathered(ctx.services).fresh.setdefault(data.forum, Counter())[data.reaction] += 1
    ctx.services.counters.add("reaction", data.forum)  # the control room's reaction rate
    return {}


async def offer(services: Services, pile: Gathered) -> None:
    """Offer every room's fresh reactions; flash the sums of the piles this process takes."""
    fresh, pile.fresh = pile.fresh, {}
    pile.owed |= fresh.keys()
    for forum_id in sorted(pile.owed):
        counts = dict(fresh.get(forum_id, {}))
        try:
            taken = await services.hub.broker.gather(f"reactions:{forum_id}", counts, WINDOW_MS)
        except ConnectionError as error:
            # Put them back: they go out with the next offer once the broker is back.
            pile.fresh.setdefault(forum_id, Counter()).update(counts)
            log.warning("reactions held back: broker unavailable", extra={"error": str(error)})
            continue
        if taken is None:
            continue  # another process took the pile within the window; ours waits in it
        pile.owed.discard(forum_id)
        counts = {name: n for name, n in taken.items() if n > 0}
        if counts:
            await services.hub.flash(forum_topic(forum_id), "reaction.burst", {"counts": counts})


async def pump(services: Services) -> None:
    """The background job: offer what this process gathered, four times a second."""
    pile = gathered(services)
    while True:
        await asyncio.sleep(TICK)
        if pile.fresh or pile.owed:
            await offer(services, pile)


commands = {
    "reaction.send": CommandSpec(reaction_send, ReactionSend, action="reaction.send", rate="react")
}
permissions = {"reaction.send": SIGNED_IN}
routes: list[Any] = []
tasks = [pump]
