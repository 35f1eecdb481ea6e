"""The scheduler's instance and solution, and their JSON (`expo match solve IN.json OUT.json`).

Pure: no I/O. An instance names its people by strings (the app uses account and exhibitor ids
as text), slots by index 0..slots-1. Reading JSON validates everything and raises
`InstanceError` with a message that says which entry is wrong, so a hand-written file gets a
clear answer instead of a traceback.

IN:  {"slots": 12,
      "attendees":  [{"id": "p1", "available": [0, 1, 5]}, ...],
      "exhibitors": [{"id": "x1", "capacity": 2, "available": [0, 1, 2]}, ...],
      "requests":   [{"attendee": "p1", "exhibitor": "x1"}, ...],
      "fixed":      [{"attendee": "p1", "exhibitor": "x1", "slot": 5}, ...]}
OUT: {"meetings": [{"attendee": "p1", "exhibitor": "x1", "slot": 0}, ...],
      "upper_bound": 10055, "attendees_without_meeting": 0, "seconds": 31.2,
      "status": "optimal", ...}

A `fixed` meeting is a fact (a meeting already confirmed): it stays as given and takes its
seat, even if the availabilities changed since or its request is not listed again; it must not
double-book anyone (two fixed meetings of one attendee in one slot, more than an exhibitor's
capacity in one slot, one pair twice), which is refused as input. In a file a request listed
twice and an exhibitor `capacity` below 1 are refused too (`make_instance`, used by the app,
merges repeated requests and allows 0 seats).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

MAX_SLOTS = 1_000
MAX_CAPACITY = 1_000
MAX_ID = 200


class InstanceError(ValueError):
    """The instance (or a solution) is not well formed; the message says where."""


@dataclass(frozen=True, slots=True)
class Attendee:
    id: str
    available: frozenset[int]


@dataclass(frozen=True, slots=True)
class Exhibitor:
    id: str
    capacity: int
    available: frozenset[int]


@dataclass(frozen=True, slots=True, order=True)
class Meeting:
    attendee: str
    exhibitor: str
    slot: int

    @property
    def pair(self) -> tuple[str, str]:
        return (self.attendee, self.exhibitor)


@dataclass(frozen=True, slots=True)
class Instance:
    slots: int
    attendees: tuple[Attendee, ...]
    exhibitors: tuple[Exhibitor, ...]
    requests: tuple[tuple[str, str], ...]  # (attendee, exhibitor), each pair once
    fixed: tuple[Meeting, ...] = ()

    def attendee_map(self) -> dict[str, Attendee]:
        return {a.id: a for a in self.attendees}

    def exhibitor_map(self) -> dict[str, Exhibitor]:
        return {e.id: e for e in self.exhibitors}


@dataclass(slots=True)
class Solution:
    meetings: list[Meeting]  # fixed ones included
    upper_bound: int  # no schedule has more meetings than this
    people_bound: int  # no schedule gives more attendees a meeting (exact: a max flow)
    attendees_without_meeting: int  # of the attendees with at least one request
    seconds: float
    status: str  # "optimal" (meetings == upper_bound) or "feasible"
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase

    def to_json(self) -> dict[str, Any]:
        return {
            "meetings": [
                {"attendee": m.attendee, "exhibitor": m.exhibitor, "slot": m.slot}
                for m in sorted(self.meetings)
            ],
            "upper_bound": self.upper_bound,
            "people_bound": self.people_bound,
            "attendees_without_meeting": self.attendees_without_meeting,
            "seconds": round(self.seconds, 3),
            "status": self.status,
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
        }


# --- reading JSON ---------------------------------------------------------------------------


def _obj(
    value: Any, where: str, keys: set[str], optional: frozenset[str] = frozenset()
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InstanceError(f"{where}: expected an object")
    missing = keys - value.keys()
    if missing:
        raise InstanceError(f"{where}: missing {', '.join(sorted(missing))}")
    extra = value.keys() - keys - optional
    if extra:
        raise InstanceError(f"{where}: unknown field {', '.join(sorted(extra))}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InstanceError(f"{where}: expected a list")
    return value


def _int(value: Any, where: str, low: int, high: int) -> int:
    # bool is an int in Python; true as a slot number is a mistake in the file.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InstanceError(f"{where}: expected an integer")
    if not low <= value <= high:
        raise InstanceError(f"{where}: {value} is outside {low}..{high}")
    return value


def _id(value: Any, where: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID:
        raise InstanceError(f"{where}: expected a non-empty id of at most {MAX_ID} characters")
    return value


def _slots(value: Any, where: str, slots: int) -> frozenset[int]:
    items = _list(value, where)
    return frozenset(_int(s, f"{where}[{i}]", 0, slots - 1) for i, s in enumerate(items))


def instance_from_json(data: Any) -> Instance:
    """Read and validate an instance; `InstanceError` names the first problem found."""
    # The types of the parts present come first: `{"slots": "2"}` is told slots is wrong,
    # not only that the lists are missing.
    if isinstance(data, dict):
        if "slots" in data:
            _int(data["slots"], "slots", 1, MAX_SLOTS)
        for part in ("attendees", "exhibitors", "requests", "fixed"):
            if part in data:
                _list(data[part], part)
    top = _obj(
        data, "instance", {"slots", "attendees", "exhibitors", "requests"}, frozenset({"fixed"})
    )
    slots = _int(top["slots"], "slots", 1, MAX_SLOTS)
    attendees: list[Attendee] = []
    for i, raw in enumerate(_list(top["attendees"], "attendees")):
        row = _obj(raw, f"attendees[{i}]", {"id", "available"})
        attendees.append(
            Attendee(
                _id(row["id"], f"attendees[{i}].id"),
                _slots(row["available"], f"attendees[{i}].available", slots),
            )
        )
    exhibitors: list[Exhibitor] = []
    for i, raw in enumerate(_list(top["exhibitors"], "exhibitors")):
        row = _obj(raw, f"exhibitors[{i}]", {"id", "capacity", "available"})
        exhibitors.append(
            Exhibitor(
                _id(row["id"], f"exhibitors[{i}].id"),
                # capacity 0 in a hand-written file is a mistake (no meeting could ever be
                # placed there); the app's own instances may carry 0 seats (make_instance).
                _int(row["capacity"], f"exhibitors[{i}].capacity", 1, MAX_CAPACITY),
                _slots(row["available"], f"exhibitors[{i}].available", slots),
            )
        )
    requests: list[tuple[str, str]] = []
    first: dict[tuple[str, str], int] = {}
    for i, raw in enumerate(_list(top["requests"], "requests")):
        row = _obj(raw, f"requests[{i}]", {"attendee", "exhibitor"})
        pair = (_id(row["attendee"], f"requests[{i}].attendee"),
                _id(row["exhibitor"], f"requests[{i}].exhibitor"))  # fmt: skip
        # A file listing a request twice was most likely built wrong: say so, don't merge.
        if pair in first:
            raise InstanceError(
                f"requests[{i}]: {pair[0]!r} asks {pair[1]!r} again"
                f" (first in requests[{first[pair]}])"
            )
        first[pair] = i
        requests.append(pair)
    fixed: list[Meeting] = []
    for i, raw in enumerate(_list(top.get("fixed", []), "fixed")):
        row = _obj(raw, f"fixed[{i}]", {"attendee", "exhibitor", "slot"})
        fixed.append(
            Meeting(
                _id(row["attendee"], f"fixed[{i}].attendee"),
                _id(row["exhibitor"], f"fixed[{i}].exhibitor"),
                _int(row["slot"], f"fixed[{i}].slot", 0, slots - 1),
            )
        )
    return make_instance(slots, attendees, exhibitors, requests, fixed)


def make_instance(
    slots: int,
    attendees: list[Attendee],
    exhibitors: list[Exhibitor],
    requests: list[tuple[str, str]],
    fixed: list[Meeting],
) -> Instance:
    """An instance from parts, checked: ids unique and known, fixed meetings consistent.
    A request listed twice counts once (a pair meets once anyway)."""
    for kind, ids in (
        ("attendee", [a.id for a in attendees]),
        ("exhibitor", [e.id for e in exhibitors]),
    ):
        twice = [i for i, n in Counter(ids).items() if n > 1]
        if twice:
            raise InstanceError(f"{kind} {twice[0]!r} is listed twice")
    known_a = {a.id for a in attendees}
    exh = {e.id: e for e in exhibitors}
    pairs: dict[tuple[str, str], None] = {}
    for i, (a, e) in enumerate(requests):
        if a not in known_a:
            raise InstanceError(f"requests[{i}]: unknown attendee {a!r}")
        if e not in exh:
            raise InstanceError(f"requests[{i}]: unknown exhibitor {e!r}")
        pairs[(a, e)] = None
    seen_pairs: set[tuple[str, str]] = set()
    busy: set[tuple[str, int]] = set()
    seats: Counter[tuple[str, int]] = Counter()
    for i, m in enumerate(fixed):
        if m.attendee not in known_a:
            raise InstanceError(f"fixed[{i}]: unknown attendee {m.attendee!r}")
        if m.exhibitor not in exh:
            raise InstanceError(f"fixed[{i}]: unknown exhibitor {m.exhibitor!r}")
        if m.pair in seen_pairs:
            raise InstanceError(f"fixed[{i}]: {m.attendee!r} and {m.exhibitor!r} meet twice")
        if (m.attendee, m.slot) in busy:
            raise InstanceError(f"fixed[{i}]: {m.attendee!r} has two meetings in slot {m.slot}")
        seats[(m.exhibitor, m.slot)] += 1
        if seats[(m.exhibitor, m.slot)] > exh[m.exhibitor].capacity:
            raise InstanceError(
                f"fixed[{i}]: {m.exhibitor!r} has more meetings in slot {m.slot} than its capacity"
            )
        seen_pairs.add(m.pair)
        busy.add((m.attendee, m.slot))
    return Instance(slots, tuple(attendees), tuple(exhibitors), tuple(pairs), tuple(fixed))


def instance_to_json(instance: Instance) -> dict[str, Any]:
    return {
        "slots": instance.slots,
        "attendees": [{"id": a.id, "available": sorted(a.available)} for a in instance.attendees],
        "exhibitors": [
            {"id": e.id, "capacity": e.capacity, "available": sorted(e.available)}
            for e in instance.exhibitors
        ],
        "requests": [{"attendee": a, "exhibitor": e} for a, e in instance.requests],
        "fixed": [
            {"attendee": m.attendee, "exhibitor": m.exhibitor, "slot": m.slot}
            for m in instance.fixed
        ],
    }


# --- checking a schedule (independent of how it was found) ---------------------------------


def violations(instance: Instance, meetings: list[Meeting]) -> list[str]:
    """Every rule a schedule breaks, as sentences (empty: the schedule is valid). Written apart
    from the solver so tests check it with a second reading of the rules."""
    out: list[str] = []
    att = instance.attendee_map()
    exh = instance.exhibitor_map()
    requested = set(instance.requests)
    fixed = set(instance.fixed)
    fixed_pairs = {m.pair for m in instance.fixed}
    for m in instance.fixed:
        if m not in meetings:
            out.append(f"fixed meeting {m} was dropped or moved")
    pairs: Counter[tuple[str, str]] = Counter(m.pair for m in meetings)
    for pair, n in pairs.items():
        if n > 1:
            out.append(f"{pair} meet {n} times")
    busy: Counter[tuple[str, int]] = Counter((m.attendee, m.slot) for m in meetings)
    for (a, s), n in busy.items():
        if n > 1:
            out.append(f"{a} has {n} meetings in slot {s}")
    seats: Counter[tuple[str, int]] = Counter((m.exhibitor, m.slot) for m in meetings)
    for (e, s), n in seats.items():
        if e in exh and n > exh[e].capacity:
            out.append(f"{e} has {n} meetings in slot {s}, capacity {exh[e].capacity}")
    for m in meetings:
        if m in fixed:
            continue
        if m.attendee not in att or m.exhibitor not in exh:
            out.append(f"{m} names someone unknown")
            continue
        if m.pair in fixed_pairs:
            out.append(f"{m} repeats a fixed pair")
        if m.pair not in requested:
            out.append(f"{m} has no request")
        if m.slot not in att[m.attendee].available or m.slot not in exh[m.exhibitor].available:
            out.append(f"{m} is outside an availability")
    return out
