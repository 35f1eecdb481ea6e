"""The booth chats' rules, with no server: who staff may sanction, a conversation's states,
who answers and claims; and the core's chat rules on a booth's sanction rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from expo.chat_rules import (
    SanctionKind,
    Standing,
    banned_error,
    refuse_sanctioned,
    slow_mode_key,
    standing,
)
from expo.errors import BadRequest, Conflict, Forbidden
from expo.hall.booth_chat_rules import (
    BOOTH_BANNED,
    ConversationFacts,
    ConversationState,
    check_claim,
    check_release,
    check_sanction_target,
    check_staff_answer,
    conversation_state,
    open_key,
)
from expo.hall.models import BoothSanction

NOW = datetime(2026, 5, 26, 3, 30, tzinfo=UTC)
WAITING = ConversationFacts(claimed_by=None, closed_at=None)
CLAIMED_BY_5 = ConversationFacts(claimed_by=5, closed_at=None)
CLOSED = ConversationFacts(claimed_by=5, closed_at=NOW)


def booth_sanction(kind: str, minutes: int, *, lifted: bool = False) -> BoothSanction:
    return BoothSanction(
        exhibitor_id=1,
        account_id=9,
        kind=kind,
        until=NOW + timedelta(minutes=minutes),
        created_by=2,
        lifted_at=NOW if lifted else None,
    )


def test_standing_reads_a_booths_sanctions_as_a_rooms():
    found = standing(
        [
            booth_sanction("mute", 10),
            booth_sanction("ban", 5),
            booth_sanction("ban", 60, lifted=True),
        ],
        NOW,
    )
    assert found == Standing(
        muted_until=NOW + timedelta(minutes=10), banned_until=NOW + timedelta(minutes=5)
    )
    assert standing([booth_sanction("ban", -1)], NOW) == Standing()


def test_a_banned_person_is_refused_with_the_places_code_and_a_muted_one_with_chat_muted():
    banned = Standing(muted_until=NOW, banned_until=NOW)
    with pytest.raises(Forbidden) as refused:
        refuse_sanctioned(banned, BOOTH_BANNED, "booth")
    assert refused.value.code == "booth.banned"
    with pytest.raises(Forbidden) as refused:
        refuse_sanctioned(Standing(muted_until=NOW), BOOTH_BANNED, "booth")
    assert refused.value.code == "chat.muted"
    refuse_sanctioned(Standing(), BOOTH_BANNED)  # nothing to refuse
    assert banned_error(banned, "forum.banned").code == "forum.banned"
    assert SanctionKind.BAN == "ban"
    assert slow_mode_key(3, 10, 7) == "slow:3:10:7"  # the forums' key, unchanged


def test_staff_sanction_visitors_not_themselves_colleagues_or_organisers():
    check_sanction_target(1, actor_id=2, target_id=9, role="attendee", target_exhibitor=None)
    # Staff of another exhibitor are visitors here.
    check_sanction_target(1, actor_id=2, target_id=9, role="exhibitor", target_exhibitor=2)
    with pytest.raises(BadRequest):
        check_sanction_target(1, actor_id=2, target_id=2, role="exhibitor", target_exhibitor=1)
    for role, exhibitor in (("exhibitor", 1), ("organizer", None), ("moderator", None)):
        with pytest.raises(Forbidden) as refused:
            check_sanction_target(1, actor_id=2, target_id=9, role=role, target_exhibitor=exhibitor)
        assert refused.value.code == "moderation.staff"


def test_a_conversations_state():
    assert conversation_state(WAITING) is ConversationState.WAITING
    assert conversation_state(CLAIMED_BY_5) is ConversationState.CLAIMED
    assert conversation_state(CLOSED) is ConversationState.CLOSED
    assert open_key(3, 17) == "3:17"


def test_only_the_claimer_answers_an_open_conversation():
    check_staff_answer(CLAIMED_BY_5, 5)
    for facts, who, code in (
        (WAITING, 5, "private.not_claimed"),
        (CLAIMED_BY_5, 6, "private.claimed"),
        (CLOSED, 5, "private.closed"),
    ):
        with pytest.raises(Conflict) as refused:
            check_staff_answer(facts, who)
        assert refused.value.code == code


def test_claiming_and_releasing():
    assert check_claim(WAITING, 5) is True
    assert check_claim(CLAIMED_BY_5, 5) is False  # already theirs: nothing to do
    with pytest.raises(Conflict) as refused:
        check_claim(CLAIMED_BY_5, 6)
    assert refused.value.code == "private.claimed"
    with pytest.raises(Conflict):
        check_claim(CLOSED, 5)
    check_release(CLAIMED_BY_5, 5, "exhibitor")
    check_release(CLAIMED_BY_5, 8, "organizer")
    with pytest.raises(Conflict):
        check_release(CLAIMED_BY_5, 6, "exhibitor")
    with pytest.raises(Conflict):
        check_release(WAITING, 5, "exhibitor")
