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
