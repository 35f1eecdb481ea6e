"""Rules of importing a schedule into the programme, with no I/O: which forum each room is,
the forum a missing room becomes, which stored people an imported person is (so accounts stay
linked), and whether the programme after the import would collide anywhere.

The import upserts by guid and deletes nothing: sessions the document does not name stay.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from datetime import timedelta

from forums.domain import ScheduleConflict, Slot, schedule_conflicts
from forums.models import Forum, SessionPerson
from forums.schedule_data import Person, Programme, Room, slugify

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# No room's slug ends so: `<slug>-backup` names the room's backup stream (streams/domain.py),
# which must never be another room's.
RESERVED_SUFFIX = "-backup"


def rooms_used(programme: Programme) -> list[Room]:
    """The rooms the document's events are in, in the order they first appear."""
    return list(dict.fromkeys(e.room for e in programme.events))


def match_room(room: Room, forums: Sequence[Forum]) -> Forum | None:
    """The forum a document's room is: by slug first, else by name (a forum's slug or either
    of its titles, as our exports name rooms by their English title)."""
    if room.slug:
        for forum in forums:
            if forum.slug == room.slug:
                return forum
    for forum in forums:
        if room.name in (forum.slug, forum.title_en, forum.title_zh):
            return forum
    return None


def new_forum(room: Room, forums: Sequence[Forum]) -> Forum:
    """The forum to create for a room the programme does not have (last in the lobby)."""
    taken = {f.slug for f in forums}
    base = room.slug if SLUG.match(room.slug) else (slugify(room.name, 36) or "room")
    if base.endswith(RESERVED_SUFFIX):
        base = base.removesuffix(RESERVED_SUFFIX) + "-room"
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base[:36]}-{n}"
    return Forum(
        slug=slug,
        kind=room.kind,
        position=max((f.position for f in forums), default=-1) + 1,
        title_zh=(room.title_zh or room.name)[:120],
        title_en=(room.title_en or room.name)[:200],
    )


def people_rows(people: Sequence[Person], stored: Sequence[SessionPerson]) -> list[SessionPerson]:
    """Rows for an imported session's people, in order. A person who was already on the
    session (same role, and the same code or else the same name) keeps their account link:
    the documents carry no account ids, so a re-import must not cut speakers off theirs."""
    rows = []
    unused = list(stored)
    for position, person in enumerate(people):
        same = next((s for s in unused if _same(person, s)), None)
        if same is not None:
            unused.remove(same)
        rows.append(
            SessionPerson(
                role=person.role,
                account_id=same.account_id if same is not None else None,
                name=person.name,
                code=person.code,
                biography=person.biography,
                position=position,
            )
        )
    return rows


def _same(person: Person, stored: SessionPerson) -> bool:
    if person.role != stored.role:
        return False
    if person.code and stored.code:
        return person.code == stored.code
    return person.name == stored.name


def import_conflicts(
    incoming: Sequence[Slot], stored: Sequence[Slot]
) -> list[tuple[int, ScheduleConflict]]:
    """Every collision of the programme after the import, as (incoming slot's id, conflict),
    each pair once. Incoming slots carry their stored session's id when they replace it, or
    a negative id of their own when they are new; what they replace is out of the way."""
    replaced = {s.session_id for s in incoming}
    everything = sorted(
        [s for s in stored if s.session_id not in replaced] + list(incoming),
        key=lambda s: s.starts_at,
    )
    starts = [s.starts_at for s in everything]
    longest = max((s.ends_at - s.starts_at for s in everything), default=timedelta(0))
    checked: set[int | None] = set()
    found: list[tuple[int, ScheduleConflict]] = []
    for slot in incoming:
        assert slot.session_id is not None, "an incoming slot has an id (negative when new)"
        # Only slots starting within the longest session before this one's end can overlap it.
        low = bisect_left(starts, slot.starts_at - longest)
        high = bisect_left(starts, slot.ends_at)
        nearby = [o for o in everything[low:high] if o.session_id not in checked]
        found += [(slot.session_id, c) for c in schedule_conflicts(slot, nearby)]
        checked.add(slot.session_id)
    return found


class _Timeline:
    """Slots by start, to find the ones that may overlap a time quickly."""

    def __init__(self, slots: Sequence[Slot]) -> None:
        self._slots = sorted(slots, key=lambda s: s.starts_at)
        self._starts = [s.starts_at for s in self._slots]
        self._longest = max((s.ends_at - s.starts_at for s in slots), default=timedelta(0))

    def near(self, slot: Slot) -> list[Slot]:
        low = bisect_left(self._starts, slot.starts_at - self._longest)
        return self._slots[low : bisect_left(self._starts, slot.ends_at)]

    def add(self, slot: Slot) -> None:
        at = bisect_left(self._starts, slot.starts_at)
        self._starts.insert(at, slot.starts_at)
        self._slots.insert(at, slot)
        self._longest = max(self._longest, slot.ends_at - slot.starts_at)


def refused_slots(
    incoming: Sequence[Slot], stored: Sequence[Slot]
) -> dict[int, list[ScheduleConflict]]:
    """Which incoming slots a partial import (the preview's) leaves out, and why: each is
    checked in turn (the order the import reads them: by start) against the stored
    programme and the incoming slots taken before it, so of two colliding new sessions the
    earlier goes in. A refused update
    leaves its stored session where it was, which may refuse others in turn: the check runs
    again until nothing more is refused (each round only refuses more, so it ends)."""
    refused: dict[int, list[ScheduleConflict]] = {}
    while True:
        taken = [s for s in incoming if s.session_id not in refused]
        replaced = {s.session_id for s in taken}
        timeline = _Timeline([s for s in stored if s.session_id not in replaced])
        more = False
        for slot in taken:
            assert slot.session_id is not None, "an incoming slot has an id (negative when new)"
            conflicts = schedule_conflicts(slot, timeline.near(slot))
            if conflicts:
                refused[slot.session_id] = conflicts
                more = True
            else:
                timeline.add(slot)
        if not more:
            return refused
