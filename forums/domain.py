"""Rules of the forum rooms, with no I/O."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from expo.chat_rules import CHAT_COLUMN as CHAT_COLUMN
from expo.chat_rules import MAX_CHAT_CHARS as MAX_CHAT_CHARS
from expo.chat_rules import clean_chat_text as clean_chat_text
from expo.errors import BadRequest, Conflict
from forums.models import ForumSession


def now_and_next(
    sessions: Sequence[ForumSession], at: datetime
) -> tuple[ForumSession | None, ForumSession | None]:
    """The session running at `at` and the first one starting after it (sessions sorted)."""
    current = next((s for s in sessions if s.starts_at <= at < s.ends_at), None)
    upcoming = next((s for s in sessions if s.starts_at > at), None)
    return current, upcoming


class Versions:
    """The newest version seen of each object whose events replace its state (a question, a
    poll, a session, a room's settings). Those events are published after the row lock is
    released, so two processes can announce two moves in the opposite order to their commits;
    the version, bumped in each move's transaction, says which is newer. An older event than
    one already applied is stale and dropped; an equal one (a repeat) is applied again, which
    changes nothing. frontend/js/versions.js is the same rule for the pages."""

    def __init__(self) -> None:
        self._seen: dict[object, int] = {}

    def take(self, key: object, version: int | None) -> bool:
        """Whether an event at `version` for `key` is to be applied (and note it if so). An
        event without a version (from before versions) is applied as it comes."""
        if version is None:
            return True
        known = self._seen.get(key)
        if known is not None and version < known:
            return False
        self._seen[key] = version
        return True

    def newest(self, key: object) -> int | None:
        return self._seen.get(key)


def forum_topic(forum_id: int) -> str:
    return f"forum:{forum_id}"


# --- the programme: what an organiser may schedule -------------------------------------------


def person_key(name: str) -> str:
    """A person's name as clashes compare it: the same name whatever its case, full- or
    half-width letters and spacing ("ＡＮＮＡ  schmidt" is "Anna Schmidt"), and nothing looser:
    "Anna" is someone else."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


# (key, account id or None, the name as written): one person of a session, as clashes see them.
Named = tuple[str, int | None, str]


def people_names(people: Iterable[tuple[str, int | None]]) -> frozenset[Named]:
    """A session's people as (name, account id or None) pairs, as the clash check keys them;
    an account's row carries its display name, so that name typed without an account is it."""
    return frozenset((person_key(name), account, name) for name, account in people if name.strip())


@dataclass(frozen=True, slots=True)
class Slot:
    """A session as the scheduling rules see it: where, when, and who must be there."""

    session_id: int | None  # None for a session not stored yet
    forum_id: int
    starts_at: datetime
    ends_at: datetime
    people: frozenset[int] = frozenset()  # speakers' and moderators' account ids
    names: frozenset[Named] = frozenset()  # every person by name (people_names)


@dataclass(frozen=True, slots=True)
class ScheduleConflict:
    reason: str  # "schedule.room_taken" | "schedule.person_busy" | "schedule.bad_times"
    other_session_id: int | None
    person_id: int | None = None  # the busy person's account, if they were named by one
    person_name: str | None = None  # the busy person's name as the candidate wrote it


def schedule_conflicts(candidate: Slot, programme: Sequence[Slot]) -> list[ScheduleConflict]:
    """Why `candidate` cannot go into the programme as it stands (empty: it can).

    Sessions are half-open intervals: one may start when another ends. A session never
    conflicts with its own stored version (same id), so editing it in place works. A person is
    busy when the same account is in both, or the same name (person_key) where at least one of
    the two has no account: two accounts are two people even when their names agree.
    """
    if candidate.ends_at <= candidate.starts_at:
        return [ScheduleConflict("schedule.bad_times", None)]
    found = []
    names = {account: name for _, account, name in candidate.names if account is not None}
    for other in programme:
        if other.session_id is not None and other.session_id == candidate.session_id:
            continue
        if not (candidate.starts_at < other.ends_at and other.starts_at < candidate.ends_at):
            continue
        if other.forum_id == candidate.forum_id:
            found.append(ScheduleConflict("schedule.room_taken", other.session_id))
        busy = sorted(candidate.people & other.people)
        for person in busy:
            found.append(
                ScheduleConflict(
                    "schedule.person_busy", other.session_id, person, names.get(person)
                )
            )
        reported = {person_key(names[a]) for a in busy if a in names}
        for key, account, name in sorted(candidate.names, key=lambda n: (n[0], n[1] or 0)):
            if key in reported:
                continue
            if any(k == key and (account is None or a is None) for k, a, _ in other.names):
                reported.add(key)
                found.append(
                    ScheduleConflict("schedule.person_busy", other.session_id, account, name)
                )
    return found


# The expo's days are Guiyang days: "later today" means before local midnight there.
EXPO_TZ = timezone(timedelta(hours=8))
STARTING_SOON = timedelta(minutes=15)


class RoomStatus(StrEnum):
    LIVE = "live"  # a session is on
    STARTING_SOON = "starting_soon"  # the next one starts within STARTING_SOON
    BETWEEN = "between"  # nothing on now, more later today
    ENDED = "ended"  # nothing more today (or no programme at all)


@dataclass(frozen=True, slots=True)
class Span:
    """When a session is on (a half-open interval)."""

    starts_at: datetime
    ends_at: datetime


def room_status(sessions: Sequence[Span], at: datetime, *, tz: timezone = EXPO_TZ) -> RoomStatus:
    """What a room is doing at `at`, from its programme (in any order)."""
    if any(s.starts_at <= at < s.ends_at for s in sessions):
        return RoomStatus.LIVE
    later = [s.starts_at for s in sessions if s.starts_at > at]
    if not later:
        return RoomStatus.ENDED
    upcoming = min(later)
    if upcoming - at <= STARTING_SOON:
        return RoomStatus.STARTING_SOON
    if upcoming.astimezone(tz).date() == at.astimezone(tz).date():
        return RoomStatus.BETWEEN
    return RoomStatus.ENDED


# --- Q&A: the order questions are shown in ----------------------------------------------------


class QuestionState(StrEnum):
    PENDING = "pending"  # waiting for a moderator (rooms with pre-moderation)
    VISIBLE = "visible"
    ANSWERED = "answered"
    HIDDEN = "hidden"


@dataclass(frozen=True, slots=True)
class QuestionRank:
    question_id: int
    state: QuestionState
    votes: int
    pinned: bool
    asked_at: datetime


def question_order(questions: Sequence[QuestionRank], *, moderator: bool) -> list[int]:
    """Ids in the order a room shows them: pinned first, then open questions by votes (earlier
    first on a tie), then answered ones. Attendees never see pending or hidden questions;
    moderators see pending ones after the open ones, and hidden ones last."""
    rank = {
        QuestionState.VISIBLE: 0,
        QuestionState.PENDING: 1,
        QuestionState.ANSWERED: 2,
        QuestionState.HIDDEN: 3,
    }
    shown = [
        q
        for q in questions
        if moderator or q.state in (QuestionState.VISIBLE, QuestionState.ANSWERED)
    ]
    shown.sort(key=lambda q: (not q.pinned, rank[q.state], -q.votes, q.asked_at, q.question_id))
    return [q.question_id for q in shown]


# --- polls: draft, open, closed ----------------------------------------------------------------


class PollState(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


POLL_MOVES = {
    ("open", PollState.DRAFT): PollState.OPEN,
    ("close", PollState.OPEN): PollState.CLOSED,
    ("reopen", PollState.CLOSED): PollState.OPEN,
}


def poll_after(state: PollState, move: str) -> PollState:
    """The state a moderator's move leads to, or `poll.bad_move`."""
    try:
        return POLL_MOVES[(move, state)]
    except KeyError:
        raise Conflict("poll.bad_move", f"A {state} poll cannot be {move}ed.") from None


def check_ballot(state: PollState, choices: Sequence[int], *, options: int, multiple: bool) -> None:
    """A vote is for an open poll, names existing options once each, and one of them unless
    the poll takes several. (Changing one's vote is allowed while the poll is open.)"""
    if state is not PollState.OPEN:
        raise Conflict("poll.not_open", "This poll is not open for votes.")
    if not choices or len(set(choices)) != len(choices):
        raise BadRequest("poll.bad_choice", "Choose each option at most once.")
    if not multiple and len(choices) > 1:
        raise BadRequest("poll.single_choice", "This poll takes one choice.")
    if any(not 0 <= c < options for c in choices):
        raise BadRequest("poll.bad_choice", "There is no such option.")


def results_visible(state: PollState, *, live_results: bool, moderator: bool) -> bool:
    """Moderators always see the tally; others while it is open only if results are live."""
    return moderator or state is PollState.CLOSED or (state is PollState.OPEN and live_results)
