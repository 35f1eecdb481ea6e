"""Who acts in which room, with no I/O: the object rule of the room's staff actions.

A rule of the permission table (expo/permissions.py) receives the room as a `Room`: the facts
its predicate needs, loaded by forums/rooms.py before the check. Organisers act in every room;
moderators in every room that has not banned them; speakers only in the rooms whose programme
they are on, and not while banned from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from expo.models import Role
from expo.permissions import Rule, only
from expo.security import Principal

ROOM_STAFF_ONLY = (
    "Speakers act only in the rooms where they speak, and nobody acts in a room that banned them."
)


@dataclass(frozen=True, slots=True)
class Room:
    """A forum room, as its permission rules see it."""

    forum_id: int
    speakers: frozenset[int]  # accounts on its programme (speaking or moderating a session)
    banned: frozenset[int]  # accounts banned from it now


def acts_in(who: Principal, room: Room) -> bool:
    """Whether `who`, whose role the rule admitted, may act in `room` (module docstring)."""
    if who.role == Role.ORGANIZER:
        return True  # organisers cannot be sanctioned, and run every room
    if who.account_id in room.banned:
        return False
    if who.role == Role.MODERATOR:
        return True
    return who.role == Role.SPEAKER and who.account_id in room.speakers


@dataclass(frozen=True, slots=True)
class Post:
    """Something posted in a room (a chat message), as its rules see it."""

    author_id: int
    room: Room


def author_or_room_moderator(who: Principal, post: Post) -> bool:
    """Its author (banned or not: taking one's words back harms no one), or a moderator who
    acts in its room."""
    if who.account_id == post.author_id:
        return True
    return who.role in (Role.MODERATOR, Role.ORGANIZER) and acts_in(who, post.room)


def room_staff(*roles: Role) -> Rule:
    """A room action for `roles`, scoped to the room: its commands load the `Room` they act in."""
    return only(*roles).given(Room, acts_in, ROOM_STAFF_ONLY)
