"""Room moderation over the websocket: deleting chat messages, muting and banning people from a
room for a time, slow mode, the pinned announcement; and (from moderation_announcements) the
organisers' announcements to the whole expo.

Who sees what:
- everyone in the room (`forum:<id>`): `chat.message_deleted`, `moderation.slow_mode_changed`,
  `moderation.announcement_changed`;
- the room's staff (`backstage:<id>`, guarded by forums/qa.py): `moderation.sanction_imposed`,
  `moderation.sanction_lifted`, with who and why;
- the sanctioned person (`account:<id>`): the same two events, about themselves only.
Every change is committed before it is announced; sanctions live in the database only, so every
process refuses a muted or banned person alike.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from expo.errors import BadRequest, Forbidden, NotFound
from expo.models import Role, utcnow
from expo.permissions import SIGNED_IN
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from forums import moderation_announcements, store
from forums import moderation_log as log
from forums import moderation_store as sanctions
from forums.domain import forum_topic
from forums.models import Forum, RoomSanction, SanctionKind
from forums.moderation_rules import (
    MAX_SANCTION_MINUTES,
    MAX_SLOW_MODE_SECONDS,
    clean_announcement,
    clean_reason,
    is_moderator,
    sanction_until,
)
from forums.room_rules import Post, author_or_room_moderator, room_staff
from forums.rooms import named_room, post_of_message
from forums.views import pinned_view

MODERATORS = room_staff(Role.MODERATOR, Role.ORGANIZER)  # in the room, unless banned from it
Id = Annotated[int, Field(gt=0, lt=2**31)]


def backstage_topic(forum_id: int) -> str:
    """The room's staff topic (its guard is forums/qa.py's)."""
    return f"backstage:{forum_id}"


def account_topic(account_id: int) -> str:
    return f"account:{account_id}"


# --- payloads --------------------------------------------------------------------------------


Reason = Annotated[str, Field(max_length=300)]  # what the moderator says, for the log


class ChatDelete(Strict):
    forum: Id
    message: Id
    reason: Reason = ""  # logged when a moderator deletes someone else's message


class ForumRef(Strict):
    forum: Id


class Sanction(Strict):
    forum: Id
    account: Id
    # Minutes, or "day": until midnight in the expo's time zone.
    duration: Annotated[int, Field(ge=1, le=MAX_SANCTION_MINUTES)] | Literal["day"]
    reason: Reason = ""


class Lift(Strict):
    forum: Id
    account: Id
    kind: Literal["mute", "ban"] | None = None  # None: lift both
    reason: Reason = ""


class SlowMode(Strict):
    forum: Id
    seconds: int = Field(ge=0, le=MAX_SLOW_MODE_SECONDS)
    reason: Reason = ""


class Pin(Strict):
    forum: Id
    text: str = Field(max_length=2000)


# --- views -----------------------------------------------------------------------------------


def sanction_view(sanction: RoomSanction, name: str) -> dict[str, Any]:
    """A sanction as the room's staff see it."""
    return {
        "id": sanction.id,
        "forum_id": sanction.forum_id,
        "account": {"id": sanction.account_id, "name": name},
        "kind": sanction.kind,
        "until": sanction.until.isoformat(),
        "reason": sanction.reason,
        "created_at": sanction.created_at.isoformat(),
        "lifted_at": sanction.lifted_at.isoformat() if sanction.lifted_at else None,
    }


def notice_view(sanction: RoomSanction) -> dict[str, Any]:
    """A sanction as the person it concerns sees it (not which moderator gave it)."""
    return {
        "forum_id": sanction.forum_id,
        "kind": sanction.kind,
        "until": sanction.until.isoformat(),
        "reason": sanction.reason,
        "lifted": sanction.lifted_at is not None,
        # Orders the person's notices of one kind: a newer sanction has a higher id, and a
        # sanction's lift comes after its imposition. A lift of an older sanction announced
        # after a newer one's imposition is older, so the page keeps the newer standing.
        "version": 2 * (sanction.id or 0) + (sanction.lifted_at is not None),
    }


# --- handlers --------------------------------------------------------------------------------


async def _forum(db: Any, forum_id: int) -> Forum:
    forum = await store.get_forum(db, forum_id)
    if forum is None:
        raise NotFound("forum.unknown", f"There is no forum {forum_id}.")
    return forum


async def chat_delete(ctx: CommandContext, data: ChatDelete) -> dict[str, Any]:
    """Its author or a moderator hides a message; everyone in the room is told to drop it."""
    who = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        message = await sanctions.get_message(db, data.message)
        if message is None or message.forum_id != data.forum:
            raise NotFound("chat.unknown_message", f"There is no message {data.message} here.")
        if message.deleted_at is None and message.account_id != who.account_id:
            # A moderator's deletion of someone else's words; the author's own is no moderation.
            log.record(
                db,
                log.entry(
                    forum_id=data.forum,
                    action=log.LogAction.CHAT_DELETE,
                    actor_id=who.account_id,
                    target_account_id=message.account_id,
                    subject=("message", data.message),
                    reason=clean_reason(data.reason),
                    details={"text": message.text[:200]},
                ),
            )
        # Deleting again announces again (a repeat the pages ignore).
        await sanctions.soft_delete(db, message, who.account_id, utcnow())
    svc.counters.add("chat_delete", data.forum)  # the control room's deletion flood alert
    [event] = await svc.hub.publish_stored(
        [(forum_topic(data.forum), "chat.message_deleted", {"id": data.message})]
    )
    return {"id": data.message, "seq": event.seq if event else None}


async def _impose(ctx: CommandContext, data: Sanction, kind: SanctionKind) -> dict[str, Any]:
    moderator = ctx.require_principal()
    svc = ctx.services
    now = utcnow()
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        await _forum(db, data.forum)
        target = await sanctions.get_account(db, data.account)
        if target is None:
            raise NotFound("account.unknown", f"There is no account {data.account}.")
        if target.id == moderator.account_id:
            raise BadRequest("moderation.self", "Moderators cannot sanction themselves.")
        if is_moderator(target.role):
            raise Forbidden("moderation.staff", "Moderators and organisers cannot be sanctioned.")
        until = sanction_until(now, data.duration)
        reason = clean_reason(data.reason)
        log.record(
            db,
            log.entry(
                forum_id=data.forum,
                action=log.LogAction.BAN if kind == SanctionKind.BAN else log.LogAction.MUTE,
                actor_id=moderator.account_id,
                target_account_id=data.account,
                reason=reason,
                details={"until": until.isoformat(), "duration": data.duration},
            ),
        )
        sanction = await sanctions.impose(
            db,
            RoomSanction(
                forum_id=data.forum,
                account_id=data.account,
                kind=kind,
                until=until,
                reason=reason,
                created_by=moderator.account_id,
                created_at=now,
            ),
        )
        name = target.display_name
    svc.counters.add(kind.value, data.forum)  # "mute" | "ban": the control room's alerts
    if kind == SanctionKind.BAN:
        # Out of the room at once, on every process; the guard refuses them from now on. The
        # ban is stored: an eviction the broker fails is retried, never answered `unavailable`.
        await svc.gateway.evict(forum_topic(data.forum), data.account, "forum.banned")
        # A banned speaker leaves the room's backstage too (pending questions, sanctions).
        await svc.gateway.evict(backstage_topic(data.forum), data.account, "forum.banned")
    view = sanction_view(sanction, name)
    await svc.hub.publish_stored(
        [
            (backstage_topic(data.forum), "moderation.sanction_imposed", view),
            (account_topic(data.account), "moderation.sanction_imposed", notice_view(sanction)),
        ]
    )
    return {"sanction": view}


async def forum_mute(ctx: CommandContext, data: Sanction) -> dict[str, Any]:
    """They may watch, not chat or ask, until then."""
    return await _impose(ctx, data, SanctionKind.MUTE)


async def forum_ban(ctx: CommandContext, data: Sanction) -> dict[str, Any]:
    """They may not follow the room at all until then, and leave it now."""
    return await _impose(ctx, data, SanctionKind.BAN)


async def forum_lift(ctx: CommandContext, data: Lift) -> dict[str, Any]:
    """End someone's mute or ban (or both) early. Lifting nothing is no error (nor logged)."""
    moderator = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        await _forum(db, data.forum)
        target = await sanctions.get_account(db, data.account)
        if target is None:
            raise NotFound("account.unknown", f"There is no account {data.account}.")

        def logged(lifted: list[RoomSanction]) -> None:
            kinds = sorted({s.kind for s in lifted})
            log.record(
                db,
                log.entry(
                    forum_id=data.forum,
                    action=log.LogAction.LIFT,
                    actor_id=moderator.account_id,
                    target_account_id=data.account,
                    reason=clean_reason(data.reason),
                    details={"kinds": kinds},
                ),
            )

        lifted = await sanctions.lift(db, data.forum, data.account, data.kind, utcnow(), logged)
        name = target.display_name
    views = [sanction_view(s, name) for s in lifted]
    events = []
    for sanction, view in zip(lifted, views, strict=True):
        events.append((backstage_topic(data.forum), "moderation.sanction_lifted", view))
        events.append(
            (account_topic(data.account), "moderation.sanction_lifted", notice_view(sanction))
        )
    await svc.hub.publish_stored(events)
    return {"lifted": views}


async def forum_list_sanctions(ctx: CommandContext, data: ForumRef) -> dict[str, Any]:
    """The room's mutes and bans in force."""
    async with ctx.services.read() as db:
        await _forum(db, data.forum)
        found = await sanctions.active_sanctions(db, data.forum)
    return {"sanctions": [sanction_view(s, name) for s, name in found]}


async def forum_standing(ctx: CommandContext, data: ForumRef) -> dict[str, Any]:
    """Whether the asker is muted or banned in the room now, and until when (a page that opens
    the room learns it before trying to chat)."""
    who = ctx.require_principal()
    async with ctx.services.read() as db:
        await _forum(db, data.forum)
        standing = await sanctions.standing_in(db, data.forum, who.account_id)
    return {
        "muted_until": standing.muted_until.isoformat() if standing.muted_until else None,
        "banned_until": standing.banned_until.isoformat() if standing.banned_until else None,
    }


async def forum_set_slow_mode(ctx: CommandContext, data: SlowMode) -> dict[str, Any]:
    """One chat message per `seconds` per person from now on (0: off); moderators are exempt."""
    who = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        forum = await _forum(db, data.forum)
        log.record(
            db,
            log.entry(
                forum_id=data.forum,
                action=log.LogAction.SLOW_MODE,
                actor_id=who.account_id,
                subject=("room", data.forum),
                reason=clean_reason(data.reason),
                details={"seconds": data.seconds, "was": forum.slow_mode_seconds},
            ),
        )
        version = await sanctions.set_slow_mode(db, forum, data.seconds)
    changed = {"forum_id": data.forum, "seconds": data.seconds, "version": version}
    [event] = await svc.hub.publish_stored(
        [(forum_topic(data.forum), "moderation.slow_mode_changed", changed)]
    )
    return {"seconds": data.seconds, "seq": event.seq if event else None}


async def _pin(ctx: CommandContext, forum_id: int, text: str) -> dict[str, Any]:
    who = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        forum = await _forum(db, forum_id)
        log.record(
            db,
            log.entry(
                forum_id=forum_id,
                action=log.LogAction.PIN if text else log.LogAction.UNPIN,
                actor_id=who.account_id,
                subject=("room", forum_id),
                details={"text": text[:200]} if text else {},
            ),
        )
        version = await sanctions.pin(db, forum, text, utcnow())
        pinned = pinned_view(forum)
    changed = {"forum_id": forum_id, "announcement": pinned, "version": version}
    [event] = await svc.hub.publish_stored(
        [(forum_topic(forum_id), "moderation.announcement_changed", changed)]
    )
    return {"announcement": pinned, "seq": event.seq if event else None}


async def forum_pin(ctx: CommandContext, data: Pin) -> dict[str, Any]:
    """Pin an announcement above the room's chat, for everyone (replacing the last one)."""
    text = clean_announcement(data.text)
    if not text:
        raise BadRequest("announcement.empty", "Write the announcement first.")
    return await _pin(ctx, data.forum, text)


async def forum_unpin(ctx: CommandContext, data: ForumRef) -> dict[str, Any]:
    return await _pin(ctx, data.forum, "")


commands = {
    # Deleting spends the chat budget; the rest, the moderators' own (DEFAULT_RATES "moderate").
    "chat.delete": CommandSpec(
        chat_delete, ChatDelete, action="chat.delete", rate="moderate", target=post_of_message
    ),
    # The moderators' commands act in the room they name (forums/room_rules.py).
    "forum.mute": CommandSpec(
        forum_mute, Sanction, action="forum.mute", rate="moderate", target=named_room
    ),
    "forum.ban": CommandSpec(
        forum_ban, Sanction, action="forum.ban", rate="moderate", target=named_room
    ),
    "forum.lift": CommandSpec(
        forum_lift, Lift, action="forum.lift", rate="moderate", target=named_room
    ),
    "forum.list_sanctions": CommandSpec(
        forum_list_sanctions,
        ForumRef,
        action="forum.list_sanctions",
        rate="moderate",
        target=named_room,
    ),
    "forum.standing": CommandSpec(
        forum_standing, ForumRef, action="forum.standing", rate="moderate"
    ),
    "forum.set_slow_mode": CommandSpec(
        forum_set_slow_mode,
        SlowMode,
        action="forum.set_slow_mode",
        rate="moderate",
        target=named_room,
    ),
    "forum.pin": CommandSpec(
        forum_pin, Pin, action="forum.pin", rate="moderate", target=named_room
    ),
    "forum.unpin": CommandSpec(
        forum_unpin, ForumRef, action="forum.unpin", rate="moderate", target=named_room
    ),
}
permissions = {
    # The author's own; moderators' any in a room they act in (forums/room_rules.py).
    "chat.delete": SIGNED_IN.given(
        Post,
        author_or_room_moderator,
        "Only its author or a moderator may delete it.",
        code="chat.not_author",
    ),
    "forum.mute": MODERATORS,
    "forum.ban": MODERATORS,
    "forum.lift": MODERATORS,
    "forum.list_sanctions": MODERATORS,
    "forum.standing": SIGNED_IN,  # one's own
    "forum.set_slow_mode": MODERATORS,
    "forum.pin": MODERATORS,
    "forum.unpin": MODERATORS,
    **moderation_announcements.permissions,
}
routes = moderation_announcements.routes
topics = moderation_announcements.topics
