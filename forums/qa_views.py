"""How questions and polls look on the wire (HTTP and websocket alike).

The views build plain dicts; the models describe the HTTP snapshots for the OpenAPI document
(tests/integration/test_openapi.py checks that the views build exactly what they say).
Events carry the same shapes without the caller's own fields (`voted_by_me`, `mine`,
`my_choices`), which differ per person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from forums.domain import PollState, QuestionState
from forums.models import Poll, Question
from forums.qa_rules import Tally


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Author(_Out):
    id: int
    name: str


class QuestionOut(_Out):
    id: int
    forum_id: int
    session_id: int | None  # the session on when it was asked
    author: Author
    text: str  # as written; pages escape it
    state: QuestionState
    pinned: bool
    votes: int = Field(ge=0)
    created_at: datetime
    answered_at: datetime | None
    version: int = Field(ge=1)  # bumped by every move; pages keep the highest they saw
    voted_by_me: bool
    mine: bool  # asked by the caller (their own pending question is shown to them)


class TopicPosition(_Out):
    """Where a topic stands: subscribe with `since: seq, epoch` to miss nothing after it."""

    topic: str
    seq: int = Field(ge=0)
    epoch: str


class QuestionPage(_Out):
    """A room's questions as the caller may see them, in the room's order: attendees get the
    open and answered ones (and their own pending ones); speakers and moderators get all."""

    questions: list[QuestionOut]
    pre_moderation: bool
    version: int = Field(ge=0)  # the room's settings', as `qa.pre_moderation_changed` has it
    staff: bool  # the caller sees the queue (and should follow `backstage`)
    topic: str = Field(pattern=r"^forum:[0-9]+$")
    seq: int = Field(ge=0)
    epoch: str
    backstage: TopicPosition | None


class TallyOut(_Out):
    counts: list[int]  # ballots naming each option, in order
    voters: int = Field(ge=0)


class PollOut(_Out):
    id: int
    forum_id: int
    question: str
    options: list[str]
    multiple: bool
    live_results: bool  # False: the tally is shown once the poll is closed
    state: PollState
    created_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None
    results: TallyOut | None  # only when the caller may see it
    version: int = Field(ge=1)  # bumped by every move; pages keep the highest they saw
    my_choices: list[int] | None  # the caller's ballot, if any


class PollPage(_Out):
    """A room's polls: open ones first, then drafts (staff only), then closed ones."""

    polls: list[PollOut]
    staff: bool
    topic: str = Field(pattern=r"^forum:[0-9]+$")
    seq: int = Field(ge=0)
    epoch: str
    backstage: TopicPosition | None


def question_view(question: Question) -> dict[str, Any]:
    return {
        "id": question.id,
        "forum_id": question.forum_id,
        "session_id": question.session_id,
        "author": {"id": question.account_id, "name": question.author_name},
        "text": question.text,
        "state": question.state,
        "pinned": question.pinned,
        "votes": question.votes,
        "created_at": question.created_at.isoformat(),
        "answered_at": question.answered_at.isoformat() if question.answered_at else None,
        "version": question.version,
    }


def poll_view(poll: Poll, results: Tally | None) -> dict[str, Any]:
    return {
        "id": poll.id,
        "forum_id": poll.forum_id,
        "question": poll.question,
        "options": list(poll.options),
        "multiple": poll.multiple,
        "live_results": poll.live_results,
        "state": poll.state,
        "created_at": poll.created_at.isoformat(),
        "opened_at": poll.opened_at.isoformat() if poll.opened_at else None,
        "closed_at": poll.closed_at.isoformat() if poll.closed_at else None,
        "results": results.as_dict() if results is not None else None,
        "version": poll.version,
    }
