"""Q&A in the forum rooms: attendees ask and upvote; moderators approve, answer, pin and hide;
speakers and moderators see the whole queue on the room's backstage topic.

    forum:<id>      what everyone may see: public questions, their vote counts
    backstage:<id>  staff only: every question (pending and hidden included), every change

Questions are stored before they are announced; votes are counted in the database, and their
counts announced at a bounded rate (forums/qa_coalescer.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field
from starlette.requests import Request

from expo.db import stored_id
from expo.errors import Forbidden, NotFound
from expo.http import ErrorBody, JSONResponse, path_int, principal, route, services
from expo.models import Role, utcnow
from expo.permissions import ANYONE, SIGNED_IN, PermissionTable
from expo.realtime.gateway import CommandContext, CommandSpec, Strict
from expo.security import Principal
from forums import moderation_log as log
from forums import moderation_store, qa_store, store
from forums.domain import QuestionRank, QuestionState, forum_topic, now_and_next, question_order
from forums.live import banned, forum_guard
from forums.models import Forum, Question
from forums.moderation_rules import clean_reason
from forums.qa_coalescer import coalescer, run_coalescer
from forums.qa_rules import (
    PUBLIC,
    backstage_topic,
    clean_question,
    is_moderator,
)
from forums.qa_views import QuestionPage, question_view
from forums.room_rules import room_staff
from forums.rooms import load_room, named_room, room_of_question
from forums.routes import ForumPath

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from expo.services import Services

ID = Field(gt=0, lt=2**31)
BACKSTAGE = "room.backstage"  # following `backstage:<id>`, and the staff's snapshots


# --- who may ------------------------------------------------------------------------------------


async def refuse_sanctioned(
    db: AsyncSession, forum_id: int, who: Principal, *, muted_too: bool
) -> None:
    """Banned people may do nothing in the room; muted ones may not speak (ask) either."""
    standing = await moderation_store.standing_in(db, forum_id, who.account_id)
    if standing.banned:
        raise banned(standing)
    if muted_too and standing.muted_until is not None:
        until = standing.muted_until.isoformat()
        message = f"A moderator muted you in this room until {until}."
        raise Forbidden("qa.muted", message, details={"until": until})


async def sees_backstage(
    permissions: PermissionTable, db: AsyncSession, forum_id: int, who: Principal | None
) -> bool:
    """Whether `who` sees the room's backstage (pending and hidden questions, drafts, hidden
    tallies): the `room.backstage` rule on this room, the same as the `backstage:<id>` guard's,
    so an HTTP snapshot never shows a speaker what their socket may not follow."""
    if not permissions.rule(BACKSTAGE).admits(who):
        return False  # no query for the many who are no room's staff
    return permissions.allows(BACKSTAGE, who, await load_room(db, forum_id))


async def backstage_guard(ctx: CommandContext, key: str) -> None:
    """`backstage:<forum id>`: the staff of an existing room (`room.backstage` on the room)."""
    permissions = ctx.services.permissions
    permissions.check_role(BACKSTAGE, ctx.principal)
    await forum_guard(ctx, key)  # forum.unknown, and forum.banned with its end
    async with ctx.services.read() as db:
        permissions.check(BACKSTAGE, ctx.principal, await load_room(db, int(key)))


async def room(db: AsyncSession, forum_id: int) -> Forum:
    forum = await store.get_forum(db, forum_id)
    if forum is None:
        raise NotFound("forum.unknown", f"There is no forum {forum_id}.")
    return forum


# --- announcing ---------------------------------------------------------------------------------


def question_events(
    question: Question, *, was_public: bool, new: bool = False
) -> list[tuple[str, str, dict[str, Any]]]:
    """Tell the room what it may see of a change, and the backstage all of it.

    Public: `question.asked` when it appears to the room (asked, approved, restored),
    `question.updated` while it stays, `question.removed` when it goes (hidden).
    Backstage: `question.asked` for a new question, `question.updated` for any change.
    The author's own topic: `question.updated` when their question is hidden.
    """
    view = question_view(question)
    events = []
    if question.state in PUBLIC:
        kind = "question.updated" if was_public else "question.asked"
        events.append((forum_topic(question.forum_id), kind, view))
    elif was_public:
        removed = {"id": question.id, "forum_id": question.forum_id, "version": question.version}
        events.append((forum_topic(question.forum_id), "question.removed", removed))
    kind = "question.asked" if new else "question.updated"
    events.append((backstage_topic(question.forum_id), kind, view))
    if not new and question.state not in PUBLIC:
        # Hidden (from the queue or from the room): its author still has it in their list, as
        # theirs, and learns why it left the room's (the room was told only `removed`).
        events.append((f"account:{question.account_id}", "question.updated", view))
    return events


def touch_votes(svc: Services, forum_id: int) -> None:
    """The room's vote counts changed: `question.votes` soon (at most once per interval)."""

    async def read() -> dict[int, int]:
        async with svc.read() as db:
            return await qa_store.vote_counts(db, forum_id)

    async def publish(counts: dict[int, int], before: dict[int, int] | None) -> None:
        changed = [
            {"id": i, "votes": n}
            for i, n in sorted(counts.items())
            if before is None or before.get(i) != n
        ]
        if changed:
            data = {"forum_id": forum_id, "votes": changed}
            # The votes are stored: their counts go out under the one policy (retried).
            await svc.hub.publish_stored([(forum_topic(forum_id), "question.votes", data)])

    coalescer(svc).touch(("question.votes", forum_id), read, publish)


# --- commands -----------------------------------------------------------------------------------


class Ask(Strict):
    forum: int = ID
    text: str = Field(max_length=4000)


class QuestionRef(Strict):
    question: int = ID


class Hide(Strict):
    question: int = ID
    reason: str = Field(default="", max_length=300)  # for the moderation log


class Answer(Strict):
    question: int = ID
    answered: bool = True  # False: back to the open questions


class Pin(Strict):
    question: int = ID
    pinned: bool = True


class PreModeration(Strict):
    forum: int = ID
    enabled: bool


def mine(view: dict[str, Any], who: Principal, voted: bool) -> dict[str, Any]:
    return view | {"voted_by_me": voted, "mine": view["author"]["id"] == who.account_id}


async def ask(ctx: CommandContext, data: Ask) -> dict[str, Any]:
    who = ctx.require_principal()
    text = clean_question(data.text)
    svc = ctx.services
    await svc.hub.announcer.ready()  # a broker that is down refuses it before it is stored
    async with svc.db() as db:
        forum = await room(db, data.forum)
        await refuse_sanctioned(db, forum.id, who, muted_too=True)  # type: ignore[arg-type]
        current, _ = now_and_next(await store.list_sessions(db, data.forum), utcnow())
        # Moderators' own questions need no approval.
        waits = forum.pre_moderation and not is_moderator(who.role)
        question = Question(
            forum_id=data.forum,
            session_id=current.id if current else None,
            account_id=who.account_id,
            author_name=who.display_name,
            text=text,
            state=QuestionState.PENDING if waits else QuestionState.VISIBLE,
        )
        db.add(question)
        await db.commit()
        await db.refresh(question)
    svc.counters.add("question", data.forum)  # the control room's question rate
    await svc.hub.publish_stored(question_events(question, was_public=False, new=True))
    return {"question": mine(question_view(question), who, False)}


async def vote(ctx: CommandContext, data: QuestionRef) -> dict[str, Any]:
    who = ctx.require_principal()
    async with ctx.services.db() as db:
        question = await qa_store.get_question(db, data.question)
        await refuse_sanctioned(db, question.forum_id, who, muted_too=False)
        question = await qa_store.add_vote(db, data.question, who.account_id)
    touch_votes(ctx.services, question.forum_id)
    return {"question_id": question.id, "votes": question.votes, "voted_by_me": True}


async def unvote(ctx: CommandContext, data: QuestionRef) -> dict[str, Any]:
    who = ctx.require_principal()
    async with ctx.services.db() as db:
        question = await qa_store.get_question(db, data.question)
        await refuse_sanctioned(db, question.forum_id, who, muted_too=False)
        question = await qa_store.remove_vote(db, data.question, who.account_id)
    touch_votes(ctx.services, question.forum_id)
    return {"question_id": question.id, "votes": question.votes, "voted_by_me": False}


async def _move(
    ctx: CommandContext, question_id: int, move: str, *, pinned: bool = False, reason: str = ""
) -> dict[str, Any]:
    svc = ctx.services
    who = ctx.require_principal()
    # Speakers answer; only moderators may make a pending question public (qa_rules).
    moderator = is_moderator(who.role)
    await svc.hub.announcer.ready()
    async with svc.db() as db:

        def logged(question: Question) -> None:
            log.record(
                db,
                log.entry(
                    forum_id=question.forum_id,
                    action=log.LogAction.QUESTION_HIDE,
                    actor_id=who.account_id,
                    target_account_id=question.account_id,
                    subject=("question", question_id),
                    reason=clean_reason(reason),
                    details={"text": question.text[:200]},
                ),
            )

        question, was_public = await qa_store.move_question(
            db,
            question_id,
            move,
            pinned=pinned,
            moderator=moderator,
            log=logged if move == "hide" else None,
        )
    await svc.hub.publish_stored(question_events(question, was_public=was_public))
    return {"question": question_view(question)}


async def approve(ctx: CommandContext, data: QuestionRef) -> dict[str, Any]:
    return await _move(ctx, data.question, "approve")


async def answer(ctx: CommandContext, data: Answer) -> dict[str, Any]:
    return await _move(ctx, data.question, "answer" if data.answered else "unanswer")


async def hide(ctx: CommandContext, data: Hide) -> dict[str, Any]:
    return await _move(ctx, data.question, "hide", reason=data.reason)


async def pin(ctx: CommandContext, data: Pin) -> dict[str, Any]:
    return await _move(ctx, data.question, "pin", pinned=data.pinned)


async def set_pre_moderation(ctx: CommandContext, data: PreModeration) -> dict[str, Any]:
    who = ctx.require_principal()
    svc = ctx.services
    await svc.hub.announcer.ready()
    async with svc.db() as db:
        forum = await room(db, data.forum)
        log.record(
            db,
            log.entry(
                forum_id=data.forum,
                action=log.LogAction.PRE_MODERATION,
                actor_id=who.account_id,
                subject=("room", data.forum),
                details={"enabled": data.enabled},
            ),
        )
        forum.pre_moderation = data.enabled
        version = await store.bump_room_version(db, forum)
        await db.commit()
    settings = {"forum_id": data.forum, "pre_moderation": data.enabled, "version": version}
    await svc.hub.publish_stored([(forum_topic(data.forum), "qa.pre_moderation_changed", settings)])
    return settings


# --- the snapshot -------------------------------------------------------------------------------


async def list_questions(request: Request) -> JSONResponse:
    forum_id = path_int(request, "forum_id")
    who = principal(request)
    svc = services(request)
    # Positions first, rows after: subscribing with `since` then misses nothing. Before the
    # session's first statement too: its snapshot is taken there (SQLite).
    position = await svc.hub.broker.history(forum_topic(forum_id), None)
    backstage = await svc.hub.broker.history(backstage_topic(forum_id), None)
    async with svc.read() as db:
        forum = await room(db, forum_id)
        staff = await sees_backstage(svc.permissions, db, forum_id, who)
        back = backstage if staff else None
        questions = await qa_store.room_questions(db, forum_id)
        voted = await qa_store.my_votes(db, forum_id, who.account_id) if who else set()
    return JSONResponse(
        {
            "questions": [
                question_view(q) | {"voted_by_me": q.id in voted, "mine": _asked_by(q, who)}
                for q in shown_questions(questions, who, staff=staff)
            ],
            "pre_moderation": forum.pre_moderation,
            # The room's settings' version, read with the flag: a page drops a
            # `qa.pre_moderation_changed` older than its snapshot that comes after it.
            "version": forum.version,
            "staff": staff,
            "topic": forum_topic(forum_id),
            "seq": position.seq,
            "epoch": position.epoch,
            "backstage": None
            if back is None
            else {"topic": backstage_topic(forum_id), "seq": back.seq, "epoch": back.epoch},
        }
    )


def _asked_by(question: Question, who: Principal | None) -> bool:
    return who is not None and question.account_id == who.account_id


def shown_questions(
    questions: Sequence[Question], who: Principal | None, *, staff: bool
) -> list[Question]:
    """The room's order (forums.domain.question_order); attendees also get their own pending and
    hidden questions, after the rest (a hidden one shown to its author as hidden)."""
    by_id = {q.id: q for q in questions}
    ranks = [
        QuestionRank(stored_id(q), QuestionState(q.state), q.votes, q.pinned, q.created_at)
        for q in questions
    ]
    ordered = [by_id[i] for i in question_order(ranks, moderator=staff)]
    if not staff:
        ordered += [
            q
            for q in questions
            if q.state in (QuestionState.PENDING, QuestionState.HIDDEN) and _asked_by(q, who)
        ]
    return ordered


commands = {
    "question.ask": CommandSpec(ask, Ask, action="question.ask", rate="ask"),
    "question.vote": CommandSpec(vote, QuestionRef, action="question.vote", rate="vote"),
    "question.unvote": CommandSpec(unvote, QuestionRef, action="question.vote", rate="vote"),
    "question.approve": CommandSpec(
        approve, QuestionRef, action="question.moderate", rate="moderate", target=room_of_question
    ),
    "question.answer": CommandSpec(
        answer, Answer, action="question.answer", rate="moderate", target=room_of_question
    ),
    "question.pin": CommandSpec(
        pin, Pin, action="question.moderate", rate="moderate", target=room_of_question
    ),
    "question.hide": CommandSpec(
        hide, Hide, action="question.moderate", rate="moderate", target=room_of_question
    ),
    "forum.set_pre_moderation": CommandSpec(
        set_pre_moderation,
        PreModeration,
        action="question.moderate",
        rate="moderate",
        target=named_room,
    ),
}
routes = [
    route(
        "/api/forums/{forum_id}/questions",
        list_questions,
        methods=["GET"],
        action="question.read",
        path_params=ForumPath,
        responses={200: QuestionPage, 404: ErrorBody, 503: ErrorBody},
        summary="A room's questions as the caller may see them, and where their topics stand",
    )
]
permissions = {
    "question.read": ANYONE,
    "question.ask": SIGNED_IN,
    "question.vote": SIGNED_IN,  # and take one's vote back
    # In the room of the question (forums/room_rules.py: speakers where they speak, not banned).
    "question.answer": room_staff(Role.SPEAKER, Role.MODERATOR, Role.ORGANIZER),
    # approve, pin, hide; the room's pre-moderation
    "question.moderate": room_staff(Role.MODERATOR, Role.ORGANIZER),
    BACKSTAGE: room_staff(Role.SPEAKER, Role.MODERATOR, Role.ORGANIZER),  # follow, see it
}
topics = {"backstage": backstage_guard}
tasks = [run_coalescer]
