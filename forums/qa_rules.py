"""Rules of a room's Q&A and polls that forums/domain.py leaves to them, with no I/O: what a
question or a poll may say, and how ballots add up.

(Question order, poll moves, ballot checks and who sees results are in forums/domain.py.)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from expo.errors import BadRequest, Conflict, Forbidden
from expo.models import Role
from expo.text_rules import too_long, without_controls
from forums.domain import QuestionState

MAX_QUESTION_CHARS = 300  # characters as people see them (grapheme clusters)
MAX_POLL_QUESTION_CHARS = 300
# Question.text and Poll.question hold this many code points: an emoji-heavy text meets them first.
QUESTION_COLUMN, POLL_QUESTION_COLUMN = 2000, 300
MAX_OPTION_CHARS = 100
# Code points a request may carry for one option (its limit is the characters as seen above: 100
# emoji families are 500 code points, subdivision flags more).
OPTION_INPUT_MAX = 1000
MIN_OPTIONS, MAX_OPTIONS = 2, 10

# Who runs a room's Q&A and polls (in any room), and who also sees its queue.
MODERATORS = frozenset({Role.MODERATOR, Role.ORGANIZER})
STAFF = MODERATORS | {Role.SPEAKER}


def is_moderator(role: str | None) -> bool:
    return role in MODERATORS


def is_staff(role: str | None) -> bool:
    return role in STAFF


def backstage_topic(forum_id: int) -> str:
    """The staff's topic of a room: pending questions, every state change, hidden tallies."""
    return f"backstage:{forum_id}"


def clean_text(text: str, *, limit: int, code: str, stored: int | None = None) -> str:
    """Text as stored: control and format characters dropped (emoji sequences kept, see
    expo/text_rules.py), trimmed, 1..limit characters as people see them, and at most `stored`
    code points when its column counts those. `code` names the error family (`qa`, `poll`):
    `<code>.empty`, `<code>.too_long`."""
    cleaned = without_controls(text, keep="\n\t").strip()
    if not cleaned:
        raise BadRequest(f"{code}.empty", "Write something first.")
    if too_long(cleaned, limit, stored=stored):
        raise BadRequest(f"{code}.too_long", f"At most {limit} characters.")
    return cleaned


def clean_question(text: str) -> str:
    return clean_text(text, limit=MAX_QUESTION_CHARS, code="qa", stored=QUESTION_COLUMN)


@dataclass(frozen=True, slots=True)
class PollDraft:
    question: str
    options: list[str]


def clean_poll(question: str, options: Sequence[str]) -> PollDraft:
    """A poll as stored: a question and 2-10 distinct, non-empty options, each one line."""
    if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
        raise BadRequest("poll.bad_options", f"A poll has {MIN_OPTIONS} to {MAX_OPTIONS} options.")
    cleaned = [
        " ".join(clean_text(o, limit=MAX_OPTION_CHARS, code="poll.option").split()) for o in options
    ]
    if len({o.casefold() for o in cleaned}) != len(cleaned):
        raise BadRequest("poll.duplicate_option", "Each option is different from the others.")
    return PollDraft(
        clean_text(
            question, limit=MAX_POLL_QUESTION_CHARS, code="poll", stored=POLL_QUESTION_COLUMN
        ),
        cleaned,
    )


@dataclass(frozen=True, slots=True)
class Tally:
    counts: tuple[int, ...]  # ballots naming each option, in the options' order
    voters: int  # ballots cast (a multiple-choice ballot counts once here)

    def as_dict(self) -> dict[str, object]:
        return {"counts": list(self.counts), "voters": self.voters}


def tally(options: int, ballots: Iterable[Sequence[int]]) -> Tally:
    """Add up ballots; choices outside the options (none are stored) are ignored."""
    counts = [0] * options
    voters = 0
    for choices in ballots:
        voters += 1
        for choice in set(choices):
            if 0 <= choice < options:
                counts[choice] += 1
    return Tally(tuple(counts), voters)


# --- moderating questions ---------------------------------------------------------------------

QUESTION_MOVES: dict[tuple[str, QuestionState], QuestionState] = {
    ("approve", QuestionState.PENDING): QuestionState.VISIBLE,
    ("approve", QuestionState.HIDDEN): QuestionState.VISIBLE,  # restores a hidden question
    ("answer", QuestionState.VISIBLE): QuestionState.ANSWERED,
    ("answer", QuestionState.PENDING): QuestionState.ANSWERED,
    ("unanswer", QuestionState.ANSWERED): QuestionState.VISIBLE,
    ("hide", QuestionState.PENDING): QuestionState.HIDDEN,
    ("hide", QuestionState.VISIBLE): QuestionState.HIDDEN,
    ("hide", QuestionState.ANSWERED): QuestionState.HIDDEN,
}
PUBLIC = frozenset({QuestionState.VISIBLE, QuestionState.ANSWERED})  # what attendees see


def question_after(state: QuestionState, move: str, *, moderator: bool = True) -> QuestionState:
    """The state a move leads to, or `qa.bad_move`; `moderator`: whether the one moving it
    moderates the room (a speaker does not), or `qa.not_approved`."""
    try:
        after = QUESTION_MOVES[(move, state)]
    except KeyError:
        raise Conflict("qa.bad_move", f"A {state} question cannot be {move}ed.") from None
    if state == QuestionState.PENDING and after in PUBLIC and not moderator:
        # Answering a pending question shows it to the room, which under pre-moderation is the
        # moderators' call: a speaker answers what the room already sees.
        raise Forbidden(
            "qa.not_approved", "A moderator approves this question before it can be answered."
        )
    return after


def check_pin(state: QuestionState) -> None:
    """Only questions the room sees can be pinned above the others."""
    if state not in PUBLIC:
        raise Conflict("qa.bad_move", f"A {state} question cannot be pinned.")
