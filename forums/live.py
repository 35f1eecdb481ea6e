"""Websocket commands of the forums, and who may follow a forum's topic."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from pydantic import Field

from expo import chat_rules
from expo.batching import BatchedLookup
from expo.chat_rules import CHAT_RATE, clean_chat_text
from expo.errors import Forbidden, NotFound, RateLimited
from expo.models import Exhibitor
from expo.realtime.broker import BrokerUnavailable
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from expo.security import Principal
from forums import moderation_store, store
from forums.domain import forum_topic
from forums.models import ChatMessage, Forum
from forums.moderation_rules import Standing, is_moderator, slow_mode_key, slow_mode_rate
from forums.views import chat_view

if TYPE_CHECKING:
    from expo.services import Services


class ChatSend(Strict):
    forum: int = Field(gt=0, lt=2**31)
    text: str = Field(max_length=4000)


async def chat_send(ctx: CommandContext, data: ChatSend) -> dict[str, Any]:
    principal = ctx.require_principal()
    text = clean_chat_text(data.text)
    svc = ctx.services
    async with svc.read() as db:
        forum = await store.get_forum(db, data.forum)
        if forum is None:
            raise NotFound("forum.unknown", f"There is no forum {data.forum}.")
        if not is_moderator(principal.role):
            refuse_sanctioned(
                await moderation_store.standing_in(db, data.forum, principal.account_id)
            )
    if forum.slow_mode_seconds and not is_moderator(principal.role):
        await spend_slow_mode(svc, forum, principal)
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        # Stored before it is announced: a message that was announced survives a restart.
        message = await store.add_chat_message(
            db,
            ChatMessage(
                forum_id=data.forum,
                account_id=principal.account_id,
                author_name=principal.display_name,
                text=text,
            ),
        )
    svc.counters.add("chat", data.forum)  # the control room's chat rate
    badge = None
    if principal.exhibitor_id is not None:  # staff: their exhibitor's badge, looked up batched
        badge = await exhibitor_names(svc).get(principal.exhibitor_id)
    view = chat_view(message, badge)
    # Stored, so it stands: announced now or, if the broker fails it, retried from here.
    [event] = await svc.hub.publish_stored([(forum_topic(data.forum), "chat.message_posted", view)])
    return {"message": view, "seq": event.seq if event else None}


def refuse_sanctioned(standing: Standing) -> None:
    """A banned person may not chat (nor follow the room); a muted one may only watch."""
    chat_rules.refuse_sanctioned(standing, FORUM_BANNED)


def banned(standing: Standing) -> Forbidden:
    return chat_rules.banned_error(standing, FORUM_BANNED)


FORUM_BANNED = "forum.banned"


async def spend_slow_mode(svc: Services, forum: Forum, who: Principal) -> None:
    """One message per `slow_mode_seconds` per person, counted by the shared limiter so that
    every process agrees (without Redis, each process on its own: expo/ratelimit.py)."""
    seconds = forum.slow_mode_seconds
    key = slow_mode_key(forum.id, seconds, who.account_id)  # type: ignore[arg-type]
    try:
        decision = await svc.limiter.hit(key, slow_mode_rate(seconds))
    except BrokerUnavailable:
        return
    if not decision.allowed:
        raise RateLimited(
            "chat.slow_mode",
            f"Slow mode: one message every {seconds} s; wait {decision.retry_after:.1f} s.",
            retry_after=round(decision.retry_after, 3),
            details={"seconds": seconds},
        )


KNOWN_FORUMS = "forums.known"  # services.cache: ids of forums this process has seen exist


async def forum_guard(ctx: CommandContext, key: str) -> None:
    """Anyone may follow a forum that exists, except those banned from it.

    This runs for every tab that subscribes, thousands at once after a process restarts. Forums
    are created (seed, schedule import) but never deleted, so once a process has seen one it
    exists for good: anonymous tabs then follow it without touching the database. An id not
    seen yet is looked up each time, so a forum another process just created is found at once.
    Whether a signed-in person is banned is asked every time, but in batches: the tabs that
    subscribe together share one query.
    """
    if not key.isdigit() or not 0 < int(key) < 2**31:
        raise NotFound("forum.unknown", f"There is no forum {key}.")
    forum_id, who = int(key), ctx.principal
    known: set[int] = ctx.services.cache.setdefault(KNOWN_FORUMS, set())
    if forum_id not in known:
        async with ctx.services.read() as db:
            if await store.get_forum(db, forum_id) is None:
                raise NotFound("forum.unknown", f"There is no forum {key}.")
        known.add(forum_id)
    if who is not None and not is_moderator(who.role):
        standing = await standings(ctx.services).get((forum_id, who.account_id))
        if standing is not None and standing.banned:
            raise banned(standing)


EXHIBITORS = "forums.exhibitors"  # services.cache: the batched lookup of exhibitors' names


def exhibitor_names(services: Services) -> BatchedLookup[int, Exhibitor]:
    """Exhibitors by id, for staff's chat badges: the messages sent together share a query."""
    found: BatchedLookup[int, Exhibitor] | None = services.cache.get(EXHIBITORS)
    if found is None:

        async def lookup(ids: list[int]) -> dict[int, Exhibitor]:
            async with services.read() as db:
                return await store.exhibitors_by_id(db, ids)

        found = services.cache[EXHIBITORS] = BatchedLookup(lookup)
    return found


STANDINGS = "forums.standings"  # services.cache: the batched lookup of people's standings


def standings(services: Services) -> BatchedLookup[tuple[int, int], Standing]:
    """Standings in rooms, (forum, account) -> Standing, asked in batches under load."""
    found: BatchedLookup[tuple[int, int], Standing] | None = services.cache.get(STANDINGS)
    if found is None:

        async def lookup(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], Standing]:
            async with services.read() as db:
                return await moderation_store.standings_in(db, pairs)

        found = services.cache[STANDINGS] = BatchedLookup(lookup)
    return found


commands = {"chat.send": CommandSpec(chat_send, ChatSend, action="chat.send", rate=CHAT_RATE)}
topics = {"forum": forum_guard}


LOBBY_KEY = "forums"
ROOMS_TTL = 30.0  # how long a process trusts its list of rooms (they change rarely)


async def lobby_guard(ctx: CommandContext, key: str) -> None:
    """`lobby:forums`: anyone may watch every room's audience."""
    if key != LOBBY_KEY:
        raise NotFound("lobby.unknown", f"There is no lobby {key!r}.")


async def lobby_topics(services: Services, key: str) -> list[str]:
    """The topics `lobby:forums` sums up: every room's, read again every ROOMS_TTL seconds."""
    cached = services.cache.get("forums.lobby_topics")
    now = time.monotonic()
    if cached is None or now - cached[0] > ROOMS_TTL:
        async with services.read() as db:
            rooms = [forum_topic(f.id) for f in await store.list_forums(db) if f.id is not None]
        cached = services.cache["forums.lobby_topics"] = (now, rooms)
    return cached[1]


topics["lobby"] = lobby_guard
summaries = {"lobby": lobby_topics}
