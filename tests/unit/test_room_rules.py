"""Who acts in which room (forums/room_rules.py), with no server."""

from __future__ import annotations

import pytest

from expo.errors import Forbidden
from expo.models import Role
from expo.permissions import ObjectMissing, PermissionTable
from expo.security import Principal
from forums.room_rules import ROOM_STAFF_ONLY, Room, acts_in, room_staff

SPEAKER = Principal(3, Role.SPEAKER, "王晓")
MODERATOR = Principal(4, Role.MODERATOR, "陈静")
ORGANISER = Principal(5, Role.ORGANIZER, "李明")
HERS = Room(2, speakers=frozenset({3}), banned=frozenset())
OTHER = Room(5, speakers=frozenset({9}), banned=frozenset())
BANNED_HERE = Room(2, speakers=frozenset({3}), banned=frozenset({3, 4}))


def test_a_speaker_acts_in_the_rooms_where_they_speak_only():
    assert acts_in(SPEAKER, HERS) is True
    assert acts_in(SPEAKER, OTHER) is False


def test_a_ban_takes_the_room_from_speakers_and_moderators_but_not_organisers():
    assert acts_in(SPEAKER, BANNED_HERE) is False
    assert acts_in(MODERATOR, BANNED_HERE) is False
    assert acts_in(MODERATOR, OTHER) is True
    assert acts_in(ORGANISER, Room(2, frozenset(), frozenset({5}))) is True


def test_a_room_rule_refuses_with_forbidden_and_needs_its_room():
    table = PermissionTable({"question.answer": room_staff(Role.SPEAKER, Role.MODERATOR)})
    table.check("question.answer", SPEAKER, HERS)
    with pytest.raises(Forbidden) as refused:
        table.check("question.answer", SPEAKER, OTHER)
    assert refused.value.as_dict() == {"code": "forbidden", "message": ROOM_STAFF_ONLY}
    with pytest.raises(ObjectMissing):
        table.check("question.answer", SPEAKER)
    with pytest.raises(Forbidden):  # the role is asked first, and needs no room
        table.check_role("question.answer", Principal(1, Role.ATTENDEE, "张伟"))
