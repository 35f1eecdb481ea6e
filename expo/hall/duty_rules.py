"""Who of a booth's staff is on duty, with no I/O.

Duty is explicit: a staff member puts themselves on duty and takes themselves off (their
sockets opening and closing change nothing, so a phone losing signal does not take them off).
The roster plans shifts: someone with shifts on the roster is on duty only while a shift runs
(and only while on duty); someone without shifts is on duty whenever they say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from expo.errors import BadRequest

MAX_SHIFTS = 200
MAX_SHIFT = timedelta(hours=24)
# How far back and ahead a roster may plan (a shift ended yesterday may still be corrected).
PAST = timedelta(days=1)
AHEAD = timedelta(days=60)


@dataclass(frozen=True, slots=True)
class Shift:
    account_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class OnDuty:
    """One staff member on duty now; `until` is the end of their shift (None: no shifts
    planned, on duty until they say otherwise)."""

    account_id: int
    until: datetime | None


def on_duty_now(toggled_on: Iterable[int], shifts: Sequence[Shift], now: datetime) -> list[OnDuty]:
    """Of those who put themselves on duty, those on duty at `now`, by account id."""
    planned: dict[int, list[Shift]] = {}
    for shift in shifts:
        planned.setdefault(shift.account_id, []).append(shift)
    found = []
    for account_id in sorted(set(toggled_on)):
        theirs = planned.get(account_id)
        if not theirs:
            found.append(OnDuty(account_id, None))
            continue
        running = [s for s in theirs if s.starts_at <= now < s.ends_at]
        if running:
            found.append(OnDuty(account_id, max(s.ends_at for s in running)))
    return found


def clean_roster(shifts: Sequence[Shift], staff: Iterable[int], now: datetime) -> list[Shift]:
    """The roster as stored: each shift of a staff member of this booth, ending after it
    starts, at most a day long, within a day back and 60 days ahead, and not overlapping
    another of the same person; sorted by start."""
    members = set(staff)
    if len(shifts) > MAX_SHIFTS:
        raise BadRequest("duty.too_many_shifts", f"At most {MAX_SHIFTS} shifts per booth.")
    for shift in shifts:
        if shift.account_id not in members:
            raise BadRequest(
                "duty.unknown_staff", f"Account {shift.account_id} is not staff of this booth."
            )
        if shift.starts_at.tzinfo is None or shift.ends_at.tzinfo is None:
            raise BadRequest("duty.bad_shift", "Give shift times with their time zone.")
        if not shift.starts_at < shift.ends_at <= shift.starts_at + MAX_SHIFT:
            raise BadRequest("duty.bad_shift", "A shift ends after it starts, within 24 hours.")
        if shift.ends_at < now - PAST or shift.starts_at > now + AHEAD:
            raise BadRequest("duty.bad_shift", "Plan shifts from yesterday to 60 days ahead.")
    ordered = sorted(shifts, key=lambda s: (s.account_id, s.starts_at))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.account_id == after.account_id and after.starts_at < before.ends_at:
            raise BadRequest("duty.overlap", "One person's shifts overlap.")
    return sorted(shifts, key=lambda s: (s.starts_at, s.account_id))
