"""One booth's line of waiting tickets, in the order they will be called: pure rules, no I/O.

The line is what Redis keeps for each booth (matchmaking/queue_index.py runs these same rules
atomically in Lua; in-process when embedded, this class itself). The database keeps every
ticket, its rank and its history; the line is rebuilt from it when Redis lost it.

- A ticket's **rank** orders the line; its **position** is 1 + the number of tickets ranked
  before it, so positions are always exactly 1..n. Equal ranks (only after a rebuild raced a
  join) fall back to the ticket id as text, which is how a Redis sorted set orders equal scores.
- A walk-in joins at the end: rank = the next of `seq`, a counter that only grows.
- A booked appointment (someone with a meeting at this booth now) goes ahead of walk-ins, but
  never ahead of one who has already been passed `overtake_cap` times: no walk-in waits
  behind more than that many appointments that came after them. Appointments keep their
  order among themselves.
- A no-show goes back in line once, behind the next person (position 2; 1 if the line is
  empty).
- The `version` grows with every change, so an event that replaces a page's state carries what
  tells it from an older one; `generation` changes when the line was rebuilt (a page that sees
  a new one reloads its position rather than apply a change to a state it no longer matches).
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Collection
from dataclasses import dataclass, field


class LineFull(Exception):
    """The line holds `max_length` tickets already."""


@dataclass(slots=True)
class Entry:
    ticket: int
    rank: float
    appointment: bool = False
    overtaken: int = 0  # appointments that went ahead of this walk-in after it joined

    @property
    def key(self) -> tuple[float, str]:
        return (self.rank, str(self.ticket))


@dataclass(frozen=True, slots=True)
class Change:
    """What one operation did: its ticket's rank and position (0 once it left the line), the
    line's length and version after it, and the walk-ins an appointment passed."""

    kind: str  # joined | same | called | left | requeued
    ticket: int
    rank: float
    position: int
    length: int
    version: int
    generation: int
    passed: tuple[int, ...] = ()


@dataclass(slots=True)
class Line:
    generation: int = 0
    seq: float = 0.0
    version: int = 0
    entries: list[Entry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.entries.sort(key=lambda e: e.key)

    # --- reading -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.entries)

    def index(self, ticket: int) -> int | None:
        for i, entry in enumerate(self.entries):
            if entry.ticket == ticket:
                return i
        return None

    def position(self, ticket: int) -> int | None:
        i = self.index(ticket)
        return None if i is None else i + 1

    def tickets(self) -> list[int]:
        return [e.ticket for e in self.entries]

    # --- changing ------------------------------------------------------------------------------

    def join(self, ticket: int, *, appointment: bool, max_length: int, overtake_cap: int) -> Change:
        """Idempotent: a ticket already in line keeps its place (kind `same`, nothing changes)."""
        i = self.index(ticket)
        if i is not None:
            entry = self.entries[i]
            return self._change("same", entry, i + 1, bump=False)
        if len(self.entries) >= max_length:
            raise LineFull
        passed: list[Entry] = []
        if appointment:
            for entry in reversed(self.entries):
                if entry.appointment or entry.overtaken >= overtake_cap:
                    break
                passed.append(entry)
        if passed:
            first = passed[-1]  # the earliest walk-in it goes ahead of
            before = self.index(first.ticket)
            assert before is not None
            low = self.entries[before - 1].rank if before > 0 else first.rank - 1.0
            rank = (low + first.rank) / 2
            for entry in passed:
                entry.overtaken += 1
        else:
            self.seq += 1.0
            rank = self.seq
        entry = Entry(ticket, rank, appointment)
        insort(self.entries, entry, key=lambda e: e.key)
        position = self.entries.index(entry) + 1
        return self._change("joined", entry, position, passed=tuple(e.ticket for e in passed))

    def call(self, skip: Collection[int] = ()) -> Change | None:
        """The first in line not in `skip` leaves it, called; None when no one (else) waits.
        `skip`: tickets this caller may not call (people blocked either way): they keep their
        place for the other staff."""
        for i, entry in enumerate(self.entries):
            if entry.ticket not in skip:
                del self.entries[i]
                return self._change("called", entry, 0)
        return None

    def remove(self, ticket: int) -> Change | None:
        """The ticket leaves the line (left, dropped); None when it is not in line."""
        i = self.index(ticket)
        if i is None:
            return None
        entry = self.entries.pop(i)
        return self._change("left", entry, 0)

    def requeue(self, ticket: int, *, appointment: bool, overtaken: int = 0) -> Change:
        """A called ticket back in line behind the next person; in line already: unchanged."""
        i = self.index(ticket)
        if i is not None:
            return self._change("same", self.entries[i], i + 1, bump=False)
        if not self.entries:
            self.seq += 1.0
            rank = self.seq
        elif len(self.entries) == 1:
            self.seq += 1.0
            rank = (self.entries[0].rank + self.seq) / 2
        else:
            rank = (self.entries[0].rank + self.entries[1].rank) / 2
        entry = Entry(ticket, rank, appointment, overtaken)
        insort(self.entries, entry, key=lambda e: e.key)
        return self._change("requeued", entry, self.entries.index(entry) + 1)

    def _change(
        self,
        kind: str,
        entry: Entry,
        position: int,
        *,
        bump: bool = True,
        passed: tuple[int, ...] = (),
    ) -> Change:
        if bump:
            self.version += 1
        return Change(
            kind, entry.ticket, entry.rank, position, len(self.entries), self.version,
            self.generation, passed,
        )  # fmt: skip
