"""Polls in the forum rooms: moderators draft, open, close and reopen them; everyone signed in
casts one ballot per poll, which they may change while it is open.

    forum:<id>      `poll.updated` once a poll is out of draft; `poll.results` when everyone
                    may see the tally (live results, or the poll is closed)
    backstage:<id>  every `poll.updated` (drafts too), and `poll.results` while the tally is
                    hidden from the room

Tallies are counted from the ballots in the database and announced at most once per interval
per poll in each process (forums/qa_coalescer.py), and once more, final, at the close.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field
from starlette.requests import Request

from expo.errors import Conflict, NotFound
from expo.http import ErrorBody, JSONResponse, path_int, principal, route, services
from expo.models import Role, utcnow
from expo.permissions import ANYONE, SIGNED_IN
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from forums import moderation_log as log
from forums import qa_store
from forums.domain import PollState, check_ballot, forum_topic, poll_after, results_visible
from forums.models import Poll
from forums.moderation_rules import clean_reason
from forums.qa import refuse_sanctioned, room, sees_backstage
from forums.qa_coalescer import coalescer
from forums.qa_rules import MAX_OPTIONS, OPTION_INPUT_MAX, Tally, backstage_topic, clean_poll
from forums.qa_views import PollPage, poll_view
from forums.room_rules import room_staff
from forums.rooms import named_room, room_of_poll
from forums.routes import ForumPath

if TYPE_CHECKING:
    from expo.services import Services

ID = Field(gt=0, lt=2**31)
STATE_ORDER = {PollState.OPEN: 0, PollState.DRAFT: 1, PollState.CLOSED: 2}


def public_results(poll: Poll) -> bool:
    return results_visible(PollState(poll.state), live_results=poll.live_results, moderator=False)


# --- announcing ---------------------------------------------------------------------------------


def poll_events(poll: Poll, results: Tally) -> list[tuple[str, str, dict[str, Any]]]:
    """`poll.updated`: to the room once out of draft (with the tally when everyone may see
    it), and to the backstage always (with the tally)."""
    events = []
    if poll.state != PollState.DRAFT:
        shown = results if public_results(poll) else None
        events.append((forum_topic(poll.forum_id), "poll.updated", poll_view(poll, shown)))
    events.append((backstage_topic(poll.forum_id), "poll.updated", poll_view(poll, results)))
    return events


@dataclass(frozen=True, slots=True)
class Reading:
    """A poll's tally as read, comparable with the last one this process published."""

    poll: int
    forum: int
    state: PollState
    public: bool  # whether the room may see this tally (else the backstage alone)
    results: Tally
    version: int  # the poll's, as read: a tally of an older version is never published


def touch_tally(svc: Services, poll_id: int) -> None:
    """A ballot went in: `poll.results` soon (at most once per interval), to whoever may see."""

    async def read() -> Reading | None:
        async with svc.read() as db:
            try:
                poll = await qa_store.get_poll(db, poll_id)
            except NotFound:
                return None  # deleted since
            results = await qa_store.poll_tally(db, poll)
            # PostgreSQL reads each statement afresh: a move committed between the two reads
            # (a reopen hiding the tally again) would send ballots cast after it to the room
            # under the state before it. Such a tally goes to the backstage only; the move's
            # own announcement, and the next read, tell the room what it may see.
            settled = await qa_store.poll_settings(db, poll_id)
        state = PollState(poll.state)
        public = settled == (poll.state, poll.live_results) and results_visible(
            state, live_results=poll.live_results, moderator=False
        )
        return Reading(poll_id, poll.forum_id, state, public, results, poll.version)

    async def publish(found: Reading | None, _before: object) -> None:
        if found is None:
            return
        topic = forum_topic(found.forum) if found.public else backstage_topic(found.forum)
        data = {
            "poll_id": found.poll,
            "forum_id": found.forum,
            "state": found.state,
            "version": found.version,  # pages drop a tally older than the poll they show
        }
        # The ballots are stored: their tally is announced under the one policy (retried).
        await svc.hub.publish_stored([(topic, "poll.results", data | found.results.as_dict())])

    coalescer(svc).touch(("poll.results", poll_id), read, publish)


# --- commands -----------------------------------------------------------------------------------


class Draft(Strict):
    forum: int = ID
    question: str = Field(max_length=1000)
    options: list[Annotated[str, Field(max_length=OPTION_INPUT_MAX)]] = Field(
        max_length=2 * MAX_OPTIONS
    )
    multiple: bool = False
    live_results: bool = True


class PollRef(Strict):
    poll: int = ID


class PollDelete(Strict):
    poll: int = ID
    reason: str = Field(default="", max_length=300)  # for the moderation log


class DraftChange(Strict):
    """A draft rewritten before it opens (the whole draft: question, options, settings)."""

    poll: int = ID
    question: str = Field(max_length=1000)
    options: list[Annotated[str, Field(max_length=OPTION_INPUT_MAX)]] = Field(
        max_length=2 * MAX_OPTIONS
    )
    multiple: bool = False
    live_results: bool = True


class Ballot(Strict):
    poll: int = ID
    choices: list[int] = Field(max_length=MAX_OPTIONS)


async def create(ctx: CommandContext, data: Draft) -> dict[str, Any]:
    who = ctx.require_principal()
    draft = clean_poll(data.question, data.options)
    svc = ctx.services
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        await room(db, data.forum)
        poll = Poll(
            forum_id=data.forum,
            question=draft.question,
            options=draft.options,
            multiple=data.multiple,
            live_results=data.live_results,
            created_by=who.account_id,
        )
        db.add(poll)
        await db.commit()
        await db.refresh(poll)
    empty = Tally((0,) * len(poll.options), 0)
    await svc.hub.publish_stored(poll_events(poll, empty))
    return {"poll": poll_view(poll, empty)}


async def update(ctx: CommandContext, data: DraftChange) -> dict[str, Any]:
    """Rewrite a draft. Only drafts: once open, people voted on the question as it stood."""
    draft = clean_poll(data.question, data.options)
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        poll = await qa_store.get_poll(db, data.poll, lock=True)
        if poll.state != PollState.DRAFT:
            raise Conflict("poll.not_draft", "Only a draft can be changed; this poll has opened.")
        poll.question, poll.options = draft.question, draft.options
        poll.multiple, poll.live_results = data.multiple, data.live_results
        poll.version += 1  # under the row lock, as every move
        await db.commit()
        await db.refresh(poll)
    empty = Tally((0,) * len(poll.options), 0)
    await svc.hub.publish_stored(poll_events(poll, empty))  # a draft: to the backstage only
    return {"poll": poll_view(poll, empty)}


async def _move(ctx: CommandContext, poll_id: int, move: str) -> dict[str, Any]:
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        poll = await qa_store.get_poll(db, poll_id, lock=True)
        poll.state = poll_after(PollState(poll.state), move)
        if move in ("open", "reopen"):
            poll.opened_at, poll.closed_at = utcnow(), None
        else:
            poll.closed_at = utcnow()
        # Under the row lock: the version orders the moves as committed, whatever order their
        # events are published in.
        poll.version += 1
        await db.commit()
        await db.refresh(poll)
        # Read after the commit: a close's tally is final (ballots wait for the lock).
        results = await qa_store.poll_tally(db, poll)
    await svc.hub.publish_stored(poll_events(poll, results))
    return {"poll": poll_view(poll, results)}


async def open_poll(ctx: CommandContext, data: PollRef) -> dict[str, Any]:
    return await _move(ctx, data.poll, "open")


async def close_poll(ctx: CommandContext, data: PollRef) -> dict[str, Any]:
    return await _move(ctx, data.poll, "close")


async def reopen_poll(ctx: CommandContext, data: PollRef) -> dict[str, Any]:
    return await _move(ctx, data.poll, "reopen")


async def delete_poll(ctx: CommandContext, data: PollDelete) -> dict[str, Any]:
    who = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        poll = await qa_store.get_poll(db, data.poll, lock=True)
        if poll.state == PollState.OPEN:
            raise Conflict("poll.bad_move", "Close the poll before deleting it.")
        was_public = poll.state != PollState.DRAFT
        log.record(
            db,
            log.entry(
                forum_id=poll.forum_id,
                action=log.LogAction.POLL_DELETE,
                actor_id=who.account_id,
                subject=("poll", data.poll),
                reason=clean_reason(data.reason),
                details={"question": poll.question[:200], "state": poll.state},
            ),
        )
        await db.delete(poll)
        await db.commit()
    # `created_at` tells this poll from a later one that may be given the same id (SQLite hands
    # the newest row's id out again once it is deleted): pages mark only this one gone.
    removed = {
        "id": data.poll,
        "forum_id": poll.forum_id,
        "created_at": poll.created_at.isoformat(),
    }
    events = [(backstage_topic(poll.forum_id), "poll.removed", removed)]
    if was_public:
        events.insert(0, (forum_topic(poll.forum_id), "poll.removed", removed))
    await svc.hub.publish_stored(events)
    return removed


async def cast(ctx: CommandContext, data: Ballot) -> dict[str, Any]:
    who = ctx.require_principal()
    async with ctx.services.db() as db:
        poll = await qa_store.get_poll_for_ballot(db, data.poll)
        check_ballot(
            PollState(poll.state),
            data.choices,
            options=len(poll.options),
            multiple=poll.multiple,
        )
        await refuse_sanctioned(db, poll.forum_id, who, muted_too=False)
        await qa_store.cast_ballot(db, data.poll, who.account_id, sorted(data.choices))
    touch_tally(ctx.services, data.poll)
    return {"poll_id": data.poll, "choices": sorted(data.choices)}


# --- the snapshot -------------------------------------------------------------------------------


async def list_polls(request: Request) -> JSONResponse:
    forum_id = path_int(request, "forum_id")
    who = principal(request)
    svc = services(request)
    # Positions before any row: a read transaction sees the database as of its first statement
    # (SQLite's snapshot), so a position read after it could count an event its rows miss.
    position = await svc.hub.broker.history(forum_topic(forum_id), None)
    backstage = await svc.hub.broker.history(backstage_topic(forum_id), None)
    async with svc.read() as db:
        await room(db, forum_id)
        staff = await sees_backstage(svc.permissions, db, forum_id, who)
        back = backstage if staff else None
        polls = [p for p in await qa_store.room_polls(db, forum_id) if staff or p.state != "draft"]
        counted = await qa_store.tallies(db, polls)
        mine = await qa_store.my_ballots(db, forum_id, who.account_id) if who else {}
    polls.sort(key=lambda p: (STATE_ORDER[PollState(p.state)], -(p.id or 0)))
    return JSONResponse(
        {
            "polls": [
                poll_view(p, counted[p.id] if staff or public_results(p) else None)  # type: ignore[index]
                | {"my_choices": mine.get(p.id)}  # type: ignore[arg-type]
                for p in polls
            ],
            "staff": staff,
            "topic": forum_topic(forum_id),
            "seq": position.seq,
            "epoch": position.epoch,
            "backstage": None
            if back is None
            else {"topic": backstage_topic(forum_id), "seq": back.seq, "epoch": back.epoch},
        }
    )


commands = {
    # Managing a poll is acting in its room (forums/room_rules.py).
    "poll.create": CommandSpec(
        create, Draft, action="poll.manage", rate="moderate", target=named_room
    ),
    "poll.update": CommandSpec(
        update, DraftChange, action="poll.manage", rate="moderate", target=room_of_poll
    ),
    "poll.open": CommandSpec(
        open_poll, PollRef, action="poll.manage", rate="moderate", target=room_of_poll
    ),
    "poll.close": CommandSpec(
        close_poll, PollRef, action="poll.manage", rate="moderate", target=room_of_poll
    ),
    "poll.reopen": CommandSpec(
        reopen_poll, PollRef, action="poll.manage", rate="moderate", target=room_of_poll
    ),
    "poll.delete": CommandSpec(
        delete_poll, PollDelete, action="poll.manage", rate="moderate", target=room_of_poll
    ),
    "poll.vote": CommandSpec(cast, Ballot, action="poll.vote", rate="vote"),
}
routes = [
    route(
        "/api/forums/{forum_id}/polls",
        list_polls,
        methods=["GET"],
        action="poll.read",
        path_params=ForumPath,
        responses={200: PollPage, 404: ErrorBody, 503: ErrorBody},
        summary="A room's polls, the caller's ballots, and the tallies the caller may see",
    )
]
permissions = {
    "poll.read": ANYONE,
    "poll.vote": SIGNED_IN,
    "poll.manage": room_staff(Role.MODERATOR, Role.ORGANIZER),  # draft, open, close, delete
}
