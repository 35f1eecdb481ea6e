"""Queries of a room's Q&A and polls: each an async function taking the database session.

Counters are kept in the same transaction as the rows they count (Question.votes and its
QuestionVote rows); a vote's primary key makes it once per person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.errors import Conflict, NotFound
from expo.models import utcnow
from forums.domain import QuestionState
from forums.models import Poll, PollBallot, Question, QuestionVote
from forums.qa_rules import PUBLIC, Tally, check_pin, question_after, tally

# --- questions ----------------------------------------------------------------------------------


async def get_question(db: AsyncSession, question_id: int) -> Question:
    question = await db.get(Question, question_id)
    if question is None:
        raise NotFound("qa.unknown", f"There is no question {question_id}.")
    return question


async def move_question(
    db: AsyncSession,
    question_id: int,
    move: str,
    *,
    pinned: bool = False,
    moderator: bool = True,
    log: Callable[[Question], None] | None = None,
) -> tuple[Question, bool]:
    """A staff move (`forums.qa_rules.QUESTION_MOVES`, or "pin"), committed; returns the
    question and whether the room saw it before. `moderator` is false for a speaker's answer,
    which `question_after` refuses on a question still pending.

    The row is locked first (PostgreSQL; SQLite writers are serial), so two moderators' moves
    are applied one after the other, each to what the other stored: an approve racing a hide
    can no longer leave a hidden question that the room was shown and never told to drop."""
    query = select(Question).where(col(Question.id) == question_id).with_for_update()
    question = (await db.execute(query)).scalars().first()
    if question is None:
        raise NotFound("qa.unknown", f"There is no question {question_id}.")
    await db.refresh(question)  # not an older copy from this session's identity map
    was_public = question.state in PUBLIC
    if move == "pin":
        check_pin(QuestionState(question.state))
        question.pinned = pinned
    else:
        state = QuestionState(question.state)  # checked under the lock: it may just have moved
        question.state = question_after(state, move, moderator=moderator)
        if move == "answer":
            question.answered_at = utcnow()
        elif move == "unanswer":
            question.answered_at = None
        elif move == "hide":
            question.pinned = False
    # Under the row lock: the version orders the moves as committed, whatever order their
    # events are published in.
    question.version += 1
    if log is not None:
        log(question)  # the moderation log's entry, in the move's own transaction
    await db.commit()
    await db.refresh(question)
    return question, was_public


async def room_questions(db: AsyncSession, forum_id: int) -> Sequence[Question]:
    query = select(Question).where(Question.forum_id == forum_id).order_by(col(Question.id))
    return (await db.execute(query)).scalars().all()


async def my_votes(db: AsyncSession, forum_id: int, account_id: int) -> set[int]:
    query = (
        select(QuestionVote.question_id)
        .join(Question, col(Question.id) == col(QuestionVote.question_id))
        .where(Question.forum_id == forum_id, QuestionVote.account_id == account_id)
    )
    return set((await db.execute(query)).scalars())


async def add_vote(db: AsyncSession, question_id: int, account_id: int) -> Question:
    """Upvote an open question once; the count moves in the same transaction."""
    raised = await db.execute(
        update(Question)
        .where(col(Question.id) == question_id, col(Question.state) == QuestionState.VISIBLE)
        .values(votes=col(Question.votes) + 1)
    )
    if raised.rowcount != 1:  # type: ignore[attr-defined]
        question = await get_question(db, question_id)
        raise Conflict("qa.not_votable", f"A {question.state} question takes no votes.")
    db.add(QuestionVote(question_id=question_id, account_id=account_id))
    try:
        await db.flush()
    except IntegrityError:
        await db.rollback()
        raise Conflict("qa.already_voted", "You upvoted this question already.") from None
    await db.commit()
    return await _fresh(db, question_id)


async def remove_vote(db: AsyncSession, question_id: int, account_id: int) -> Question:
    """Take one's upvote back (from a question in any state: the count stays true)."""
    await get_question(db, question_id)
    removed = await db.execute(
        delete(QuestionVote).where(
            col(QuestionVote.question_id) == question_id,
            col(QuestionVote.account_id) == account_id,
        )
    )
    if removed.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("qa.not_voted", "You have not upvoted this question.")
    await db.execute(
        update(Question)
        .where(col(Question.id) == question_id)
        .values(votes=col(Question.votes) - 1)
    )
    await db.commit()
    return await _fresh(db, question_id)


async def _fresh(db: AsyncSession, question_id: int) -> Question:
    question = await get_question(db, question_id)
    await db.refresh(question)
    return question


async def vote_counts(db: AsyncSession, forum_id: int) -> dict[int, int]:
    """Upvotes of the questions everyone sees in a room."""
    query = select(Question.id, Question.votes).where(
        Question.forum_id == forum_id,
        col(Question.state).in_([QuestionState.VISIBLE, QuestionState.ANSWERED]),
    )
    return {row[0]: row[1] for row in (await db.execute(query)).all()}


# --- polls --------------------------------------------------------------------------------------


async def get_poll(db: AsyncSession, poll_id: int, *, lock: bool = False) -> Poll:
    """A poll; with `lock`, its row is locked for the transaction (PostgreSQL: a moderator's
    move waits for votes in flight, and votes wait for a move; SQLite writers are serial)."""
    query = select(Poll).where(col(Poll.id) == poll_id)
    if lock:
        query = query.with_for_update()
    poll = (await db.execute(query)).scalars().first()
    if poll is None:
        raise NotFound("poll.unknown", f"There is no poll {poll_id}.")
    return poll


async def get_poll_for_ballot(db: AsyncSession, poll_id: int) -> Poll:
    """A poll, share-locked: ballots go in side by side, never beside a close."""
    query = select(Poll).where(col(Poll.id) == poll_id).with_for_update(read=True)
    poll = (await db.execute(query)).scalars().first()
    if poll is None:
        raise NotFound("poll.unknown", f"There is no poll {poll_id}.")
    return poll


async def poll_settings(db: AsyncSession, poll_id: int) -> tuple[str, bool] | None:
    """A poll's state and live_results as stored now (read afresh, not from the session)."""
    query = select(Poll.state, Poll.live_results).where(col(Poll.id) == poll_id)
    row = (await db.execute(query)).first()
    return (row[0], row[1]) if row is not None else None


async def room_polls(db: AsyncSession, forum_id: int) -> Sequence[Poll]:
    query = select(Poll).where(Poll.forum_id == forum_id).order_by(col(Poll.id).desc())
    return (await db.execute(query)).scalars().all()


async def cast_ballot(db: AsyncSession, poll_id: int, account_id: int, choices: list[int]) -> None:
    """Put in or replace one's ballot (the caller checked the poll and choices).

    One upsert, not a read then an insert: two tabs casting a first ballot at once would both
    read nothing, and the second insert would break the primary key (an `internal` error)."""
    insert = postgresql_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    upsert = insert(PollBallot).values(
        poll_id=poll_id, account_id=account_id, choices=choices, cast_at=utcnow()
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=[col(PollBallot.poll_id), col(PollBallot.account_id)],
        set_={"choices": upsert.excluded.choices, "cast_at": upsert.excluded.cast_at},
    )
    await db.execute(upsert)
    await db.commit()


async def poll_tally(db: AsyncSession, poll: Poll) -> Tally:
    query = select(PollBallot.choices).where(PollBallot.poll_id == poll.id)
    return tally(len(poll.options), (await db.execute(query)).scalars())


async def tallies(db: AsyncSession, polls: Sequence[Poll]) -> dict[int, Tally]:
    found: dict[int, list[list[int]]] = {p.id: [] for p in polls}  # type: ignore[misc]
    if polls:
        query = select(PollBallot.poll_id, PollBallot.choices).where(
            col(PollBallot.poll_id).in_(list(found))
        )
        for poll_id, choices in (await db.execute(query)).all():
            found[poll_id].append(choices)
    return {p.id: tally(len(p.options), found[p.id]) for p in polls}  # type: ignore[index,misc]


async def my_ballots(db: AsyncSession, forum_id: int, account_id: int) -> dict[int, list[int]]:
    query = (
        select(PollBallot.poll_id, PollBallot.choices)
        .join(Poll, col(Poll.id) == col(PollBallot.poll_id))
        .where(Poll.forum_id == forum_id, PollBallot.account_id == account_id)
    )
    return {row[0]: list(row[1]) for row in (await db.execute(query)).all()}
