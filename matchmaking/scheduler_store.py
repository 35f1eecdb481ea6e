"""The scheduler's instance read from the database, and its new meetings written back.

Who is on which side of the solver's model (matchmaking/solver_model.py):

- the **attendee** side is the party who is not staff of the request's exhibitor (node
  `a<account>`); their availability is their MatchAvailability minus slots they already meet in;
- the **exhibitor** side is where the meeting takes a seat. The database also refuses one staff
  member in two meetings at once (MeetingPlace is per account), so when an exhibitor's staff
  in play are no more than its seats, each staff member is a capacity-1 node `h<account>` (the
  seat limit then holds by itself: exact); when more staff are asked for than it has seats, the
  exhibitor is one node `x<exhibitor>` with capacity seats_of() and the union of its staff's
  availability, and a meeting that would put one staff member in two places is skipped when
  written (counted in the run's `skipped`);
- a request **between two attendees** (no exhibitor) treats the recipient as a capacity-1
  exhibitor `p<account>`.

A person on **both** sides (asks an exhibitor and is asked by another attendee, or is staff and
asks elsewhere) would be two nodes the solver could book in one slot; the database keeps one
place per person per slot. So their free slots are split between the two nodes before solving
(by how much each side is asked for): the model then admits exactly what can be stored, and
its bound is the bound of that model.

Requests between people who blocked each other are left out (a block means they never meet).
Only slots that have not started are offered. Confirmed meetings go in as `fixed`.

Writing re-reads the planned requests under a lock: one withdrawn, declined, cancelled, placed
or blocked since the read (the solve takes up to its time limit) is skipped. Each meeting goes
in with placement_store.insert_rows (a savepoint); one that collides with a meeting placed
meanwhile (an accept racing the run) is skipped, never forced.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from expo.db import stored_id
from expo.models import Account
from matchmaking.models import (
    ExhibitorSeats,
    MatchAvailability,
    MatchBlock,
    Meeting,
    MeetingPlace,
    MeetingRequest,
    MeetingSeat,
    MeetingStatus,
    RequestStatus,
)
from matchmaking.organiser_settings import all_slots, match_settings
from matchmaking.placement_store import insert_rows
from matchmaking.solver_model import Attendee, Exhibitor, Instance, make_instance
from matchmaking.solver_model import Meeting as Planned


@dataclass(slots=True)
class Built:
    """The instance, and how to turn its meetings back into rows."""

    instance: Instance
    slot_ids: list[int]  # index in the instance -> MatchSlot id
    requests: dict[tuple[str, str], list[MeetingRequest]]  # pair -> waiting requests
    seats: dict[int, int]  # exhibitor -> seats per slot
    waiting: int  # accepted requests with no meeting
    people: dict[str, int] = field(default_factory=dict)  # attendee node -> account


def _sides(request: MeetingRequest | Meeting, staff_of: dict[int, int | None]) -> tuple[int, int]:
    """(attendee-side account, host account): the host is the party who is staff of the
    request's exhibitor (the recipient between two attendees)."""
    req, rec = request.requester_id, request.recipient_id
    if request.exhibitor_id is not None and staff_of.get(req) == request.exhibitor_id:
        if staff_of.get(rec) != request.exhibitor_id:
            return rec, req
    return req, rec


async def build(db: AsyncSession, now: datetime) -> Built:
    slots = await all_slots(db)
    slot_ids = [stored_id(s) for s in slots]
    index = {sid: i for i, sid in enumerate(slot_ids)}
    future = {index[stored_id(s)] for s in slots if s.starts_at > now}
    placed_ids = select(Meeting.request_id)
    waiting_rows = await db.execute(
        select(MeetingRequest)
        .where(
            col(MeetingRequest.status) == RequestStatus.ACCEPTED,
            col(MeetingRequest.id).not_in(placed_ids),
        )
        .order_by(col(MeetingRequest.id))
    )
    waiting = list(waiting_rows.scalars())
    blocked = await _blocked(db, {a for r in waiting for a in (r.requester_id, r.recipient_id)})
    waiting = [r for r in waiting if frozenset((r.requester_id, r.recipient_id)) not in blocked]
    met_rows = await db.execute(
        select(Meeting).where(col(Meeting.status) == MeetingStatus.CONFIRMED)
    )
    confirmed = [m for m in met_rows.scalars() if m.slot_id in index]
    both: list[MeetingRequest | Meeting] = [*waiting, *confirmed]
    people = {a for r in both for a in (r.requester_id, r.recipient_id)}
    acc_rows = await db.execute(
        select(Account.id, Account.exhibitor_id).where(col(Account.id).in_(people or {0}))
    )
    staff_of: dict[int, int | None] = {a: e for a, e in acc_rows.all()}
    avail: dict[int, set[int]] = defaultdict(set)
    av_rows = await db.execute(
        select(MatchAvailability.account_id, MatchAvailability.slot_id).where(
            col(MatchAvailability.account_id).in_(people or {0})
        )
    )
    for account_id, slot_id in av_rows.all():
        if slot_id in index:
            avail[account_id].add(index[slot_id])
    busy: dict[int, set[int]] = defaultdict(set)
    place_rows = await db.execute(
        select(MeetingPlace.account_id, MeetingPlace.slot_id).where(
            col(MeetingPlace.account_id).in_(people or {0})
        )
    )
    for account_id, slot_id in place_rows.all():
        if slot_id in index:
            busy[account_id].add(index[slot_id])
    default_seats = (await match_settings(db)).default_seats
    seat_rows = await db.execute(select(ExhibitorSeats))
    own_seats = {s.exhibitor_id: s.seats for s in seat_rows.scalars()}

    def free(account: int) -> frozenset[int]:
        return frozenset((avail[account] & future) - busy[account])

    # Which exhibitors are modelled per staff member (exact) and which as one node.
    hosts: dict[int, set[int]] = defaultdict(set)
    for r in both:
        if r.exhibitor_id is not None and r.requester_id in staff_of and r.recipient_id in staff_of:
            hosts[r.exhibitor_id].add(_sides(r, staff_of)[1])
    seats = {e: own_seats.get(e, default_seats) for e in hosts}
    per_host = {e for e, h in hosts.items() if len(h) <= seats[e]}

    exhibitors: dict[str, Exhibitor] = {}
    attendees: dict[str, Attendee] = {}
    node_people: dict[str, int] = {}
    host_people: dict[str, int] = {}  # capacity-1 host node (p…, h…) -> account

    def nodes(r: MeetingRequest | Meeting) -> tuple[str, str] | None:
        if r.requester_id not in staff_of or r.recipient_id not in staff_of:
            return None  # an account that is gone
        person, host = _sides(r, staff_of)
        a = f"a{person}"
        if a not in attendees:
            attendees[a] = Attendee(a, free(person))
            node_people[a] = person
        if r.exhibitor_id is None:
            x = f"p{host}"
            if x not in exhibitors:
                exhibitors[x] = Exhibitor(x, 1, free(host))
                host_people[x] = host
        elif r.exhibitor_id in per_host:
            x = f"h{host}"
            if x not in exhibitors:
                exhibitors[x] = Exhibitor(x, 1, free(host))
                host_people[x] = host
        else:
            x = f"x{r.exhibitor_id}"
            if x not in exhibitors:
                union = set().union(*(avail[h] for h in hosts[r.exhibitor_id])) & future
                exhibitors[x] = Exhibitor(x, seats[r.exhibitor_id], frozenset(union))
        return a, x

    fixed: list[Planned] = []
    fixed_pairs: set[tuple[str, str]] = set()
    used: dict[tuple[str, int], int] = defaultdict(int)
    over: dict[str, set[int]] = defaultdict(set)  # slots where a node has no seat to offer
    for m in confirmed:
        pair = nodes(m)
        if pair is None or pair in fixed_pairs:
            continue
        slot = index[m.slot_id]
        if used[(pair[1], slot)] >= exhibitors[pair[1]].capacity:
            over[pair[1]].add(slot)  # seats lowered after it was placed: keep nothing more
            continue
        used[(pair[1], slot)] += 1
        fixed.append(Planned(pair[0], pair[1], slot))
        fixed_pairs.add(pair)
    requests: dict[tuple[str, str], list[MeetingRequest]] = defaultdict(list)
    for r in waiting:
        pair = nodes(r)
        if pair is not None and pair not in fixed_pairs:
            requests[pair].append(r)
    for x, slots_over in over.items():
        e = exhibitors[x]
        exhibitors[x] = Exhibitor(x, e.capacity, e.available - slots_over)
    _split_both_sides(attendees, exhibitors, node_people, host_people, list(requests))
    instance = make_instance(
        len(slot_ids), list(attendees.values()), list(exhibitors.values()), list(requests), fixed
    )
    return Built(instance, slot_ids, dict(requests), seats, len(waiting), node_people)


async def _blocked(db: AsyncSession, people: set[int]) -> set[frozenset[int]]:
    """The pairs among `people` where one blocked the other (either way)."""
    rows = await db.execute(
        select(MatchBlock.account_id, MatchBlock.blocked_id).where(
            col(MatchBlock.account_id).in_(people or {0}),
            col(MatchBlock.blocked_id).in_(people or {0}),
        )
    )
    return {frozenset(pair) for pair in rows.all()}


def _split_both_sides(
    attendees: dict[str, Attendee],
    exhibitors: dict[str, Exhibitor],
    node_people: dict[str, int],
    host_people: dict[str, int],
    pairs: list[tuple[str, str]],
) -> None:
    """Give each person who is both an attendee node and a capacity-1 host node disjoint free
    slots on the two, so no schedule of the model books them twice in one slot. Each side gets
    a share of the slots in proportion to its open requests (at least one if it has any and
    there are two), the slots where its counterparts are free rather than the other side's."""
    node_of = {person: a for a, person in node_people.items()}
    for x, person in sorted(host_people.items()):
        a = node_of.get(person)
        if a is None:
            continue
        free = sorted(attendees[a].available & exhibitors[x].available)
        as_attendee = [e for p, e in pairs if p == a]
        as_host = [p for p, e in pairs if e == x]
        if not as_host or not as_attendee:
            continue  # one side has nothing to place: the other keeps its slots
        demand = {
            s: sum(s in exhibitors[e].available for e in as_attendee)
            - sum(s in attendees[p].available for p in as_host)
            for s in free
        }
        share = round(len(free) * len(as_host) / (len(as_host) + len(as_attendee)))
        if len(free) >= 2:
            share = min(max(share, 1), len(free) - 1)
        hosting = set(sorted(free, key=lambda s: (demand[s], s))[:share])
        attendees[a] = Attendee(a, attendees[a].available - hosting)
        e = exhibitors[x]
        exhibitors[x] = Exhibitor(x, e.capacity, e.available - (set(free) - hosting))


async def write(
    db: AsyncSession, built: Built, planned: list[Planned]
) -> tuple[list[tuple[MeetingRequest, Meeting]], int]:
    """Insert the planned meetings that are new (not fixed); returns those stored, each with
    its request, and how many were skipped: the request is no longer accepted-and-waiting or
    the two blocked each other since `build` read it, or the database refused the meeting
    (placed meanwhile). Not committed."""
    fixed = set(built.instance.fixed)
    new = sorted(m for m in planned if m not in fixed)
    wanted = {stored_id(r) for m in new for r in built.requests.get(m.pair, [])}
    # Re-read under a lock (PostgreSQL; SQLite writes one at a time): a withdrawal, decline or
    # cancel racing this write waits for it and then finds the meeting, or went first and the
    # request is skipped here.
    fresh = await db.execute(
        select(MeetingRequest)
        .where(
            col(MeetingRequest.id).in_(wanted or {0}),
            col(MeetingRequest.status) == RequestStatus.ACCEPTED,
            col(MeetingRequest.id).not_in(select(Meeting.request_id)),
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    still = {stored_id(r): r for r in fresh.scalars()}
    blocked = await _blocked(
        db, {a for r in still.values() for a in (r.requester_id, r.recipient_id)}
    )
    queues = {
        pair: [
            still[stored_id(r)]
            for r in rs
            if stored_id(r) in still and frozenset((r.requester_id, r.recipient_id)) not in blocked
        ]
        for pair, rs in built.requests.items()
    }
    exhibitor_ids = {r.exhibitor_id for rs in queues.values() for r in rs}
    taken: dict[tuple[int, int], set[int]] = defaultdict(set)
    seat_rows = await db.execute(
        select(MeetingSeat.exhibitor_id, MeetingSeat.slot_id, MeetingSeat.seat).where(
            col(MeetingSeat.exhibitor_id).in_({e for e in exhibitor_ids if e is not None} or {0})
        )
    )
    for e, s, n in seat_rows.all():
        taken[(e, s)].add(n)
    stored: list[tuple[MeetingRequest, Meeting]] = []
    skipped = 0
    for plan in new:
        queue = queues.get(plan.pair, [])
        if not queue:
            skipped += 1
            continue
        request = queue[0]
        slot_id = built.slot_ids[plan.slot]
        seat: int | None = None
        if request.exhibitor_id is not None:
            free = [
                n
                for n in range(built.seats.get(request.exhibitor_id, 0))
                if n not in taken[(request.exhibitor_id, slot_id)]
            ]
            if not free:
                skipped += 1
                continue
            seat = free[0]
        meeting = Meeting(
            request_id=stored_id(request),
            requester_id=request.requester_id,
            recipient_id=request.recipient_id,
            exhibitor_id=request.exhibitor_id,
            slot_id=slot_id,
            seat=seat,
            placed_by="scheduler",
        )
        if await insert_rows(db, meeting):
            stored.append((request, meeting))
            queue.pop(0)
            if seat is not None and request.exhibitor_id is not None:
                taken[(request.exhibitor_id, slot_id)].add(seat)
        else:
            skipped += 1
    return stored, skipped
