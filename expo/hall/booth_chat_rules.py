"""Rules of a booth's chats, with no I/O: who its staff may mute or ban, the states of a
private conversation, and who may answer in one. What a message may hold, how long a sanction
lasts and how the sanctioned are refused are every chat's rules (expo/chat_rules.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from expo.errors import BadRequest, Conflict, Forbidden
from expo.models import Role

BOOTH_BANNED = "booth.banned"  # the booth's `<place>.banned` (forums: `forum.banned`)
UNSANCTIONABLE = frozenset({Role.ORGANIZER, Role.MODERATOR})


def check_sanction_target(
    exhibitor_id: int, actor_id: int, target_id: int, role: str, target_exhibitor: int | None
) -> None:
    """Booth staff sanction their visitors: not themselves, not their colleagues (nor anyone
    who moderates the whole expo). Staff of another exhibitor are visitors here."""
    if target_id == actor_id:
        raise BadRequest("moderation.self", "Moderators cannot sanction themselves.")
    if role in UNSANCTIONABLE or (role == Role.EXHIBITOR and target_exhibitor == exhibitor_id):
        raise Forbidden(
            "moderation.staff", "This booth's staff and organisers cannot be sanctioned."
        )


def open_key(exhibitor_id: int, visitor_id: int) -> str:
    """A conversation's key while open: one open conversation per visitor and booth."""
    return f"{exhibitor_id}:{visitor_id}"


class ConversationState(StrEnum):
    WAITING = "waiting"  # no staff member has claimed it
    CLAIMED = "claimed"  # one has: only they answer
    CLOSED = "closed"  # for good; the visitor opens a new one to talk again


@dataclass(frozen=True, slots=True)
class ConversationFacts:
    """A conversation as the rules see it."""

    claimed_by: int | None
    closed_at: datetime | None


def conversation_state(facts: ConversationFacts) -> ConversationState:
    if facts.closed_at is not None:
        return ConversationState.CLOSED
    if facts.claimed_by is not None:
        return ConversationState.CLAIMED
    return ConversationState.WAITING


def check_staff_answer(facts: ConversationFacts, account_id: int) -> None:
    """Only the staff member who claimed an open conversation answers in it."""
    state = conversation_state(facts)
    if state is ConversationState.CLOSED:
        raise Conflict("private.closed", "This conversation is closed.")
    if state is ConversationState.WAITING:
        raise Conflict("private.not_claimed", "Claim the conversation before answering.")
    if facts.claimed_by != account_id:
        raise Conflict("private.claimed", "Another staff member is answering this visitor.")


def check_claim(facts: ConversationFacts, account_id: int) -> bool:
    """Whether a claim is to be tried (False: it is already the claimer's, nothing to do)."""
    state = conversation_state(facts)
    if state is ConversationState.CLOSED:
        raise Conflict("private.closed", "This conversation is closed.")
    if state is ConversationState.CLAIMED:
        if facts.claimed_by == account_id:
            return False
        raise claimed_by_another()
    return True


def claimed_by_another() -> Conflict:
    return Conflict("private.claimed", "Another staff member is answering this visitor.")


def check_release(facts: ConversationFacts, account_id: int, role: str) -> None:
    """The claimer lets a conversation go back to waiting (an organiser may for anyone)."""
    state = conversation_state(facts)
    if state is ConversationState.CLOSED:
        raise Conflict("private.closed", "This conversation is closed.")
    if state is ConversationState.WAITING:
        raise Conflict("private.not_claimed", "No one has claimed this conversation.")
    if facts.claimed_by != account_id and role != Role.ORGANIZER:
        raise claimed_by_another()
