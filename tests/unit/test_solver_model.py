"""The scheduler's JSON: the issue's IN/OUT shapes, and bad input refused with a clear message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from matchmaking.solver_model import InstanceError, Meeting, instance_from_json, violations

ROOT = Path(__file__).resolve().parents[2]

ISSUE_IN: dict[str, Any] = {
    "slots": 12,
    "attendees": [
        {"id": "p1", "available": [0, 1, 5]},
        {"id": "p2", "available": [0, 1]},
        {"id": "p3", "available": [1]},
    ],
    "exhibitors": [
        {"id": "x1", "capacity": 2, "available": [0, 1, 2, 5]},
        {"id": "x2", "capacity": 1, "available": [1]},
    ],
    "requests": [
        {"attendee": "p1", "exhibitor": "x1"},
        {"attendee": "p2", "exhibitor": "x2"},
        {"attendee": "p3", "exhibitor": "x2"},
        {"attendee": "p2", "exhibitor": "x1"},
    ],
    "fixed": [{"attendee": "p1", "exhibitor": "x1", "slot": 5}],
}


def _bad(change: Any) -> str:
    data = json.loads(json.dumps(ISSUE_IN))
    change(data)
    with pytest.raises(InstanceError) as err:
        instance_from_json(data)
    return str(err.value)


def test_reads_the_issue_shape() -> None:
    inst = instance_from_json(ISSUE_IN)
    assert inst.slots == 12 and len(inst.requests) == 4
    assert inst.fixed == (Meeting("p1", "x1", 5),)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d.pop("slots"), "missing slots"),
        (lambda d: d.__setitem__("slots", 0), "slots: 0 is outside"),
        (lambda d: d["attendees"][0]["available"].append(12), "attendees[0].available[3]: 12"),
        (lambda d: d["attendees"][0]["available"].append(True), "expected an integer"),
        (lambda d: d["exhibitors"][0].__setitem__("capacity", -1), "capacity: -1"),
        (
            lambda d: d["requests"].append({"attendee": "zz", "exhibitor": "x1"}),
            "unknown attendee 'zz'",
        ),
        (lambda d: d["requests"].append({"attendee": "p1"}), "requests[4]: missing exhibitor"),
        (
            lambda d: d["attendees"].append({"id": "p1", "available": []}),
            "attendee 'p1' is listed twice",
        ),
        (
            lambda d: d["fixed"].append({"attendee": "p1", "exhibitor": "x2", "slot": 5}),
            "two meetings in slot 5",
        ),
        (
            lambda d: d["fixed"].extend(
                {"attendee": p, "exhibitor": "x2", "slot": 3} for p in ("p2", "p3")
            ),
            "more meetings in slot 3",
        ),
        (lambda d: d.__setitem__("extra", 1), "unknown field extra"),
        (lambda d: d.__setitem__("attendees", {}), "attendees: expected a list"),
        (lambda d: d["exhibitors"][1].__setitem__("capacity", 0), "exhibitors[1].capacity: 0"),
        (
            lambda d: d["requests"].append({"attendee": "p2", "exhibitor": "x1"}),
            "requests[4]: 'p2' asks 'x1' again (first in requests[3])",
        ),
    ],
)
def test_bad_input_is_named(change: Any, says: str) -> None:
    assert says in _bad(change)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "expo.cli", "match", "solve", *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


def test_cli_solves_the_issue_shape(tmp_path: Path) -> None:
    (tmp_path / "in.json").write_text(json.dumps(ISSUE_IN))
    done = _cli(str(tmp_path / "in.json"), str(tmp_path / "out.json"), "--time-limit", "10")
    assert done.returncode == 0, done.stderr
    assert "expo: people" in done.stderr and "scheduled 3 of at most 3" in done.stderr
    out = json.loads((tmp_path / "out.json").read_text())
    assert set(out) >= {"meetings", "upper_bound", "attendees_without_meeting", "seconds", "status"}
    meetings = [Meeting(m["attendee"], m["exhibitor"], m["slot"]) for m in out["meetings"]]
    assert violations(instance_from_json(ISSUE_IN), meetings) == []
    # p2 and p3 both want x2's one seat in slot 1: p3 can meet nowhere else, p2 meets x1.
    assert Meeting("p3", "x2", 1) in meetings and Meeting("p1", "x1", 5) in meetings
    assert out["upper_bound"] == 3 and out["status"] == "optimal"
    assert out["attendees_without_meeting"] == 0


def test_cli_refuses_bad_input_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"slots": 2, "attendees": [')
    done = _cli(str(tmp_path / "bad.json"), str(tmp_path / "out.json"))
    assert done.returncode == 2 and "is not JSON" in done.stderr
    assert "Traceback" not in done.stderr
    (tmp_path / "bad.json").write_text(json.dumps({**ISSUE_IN, "slots": "12"}))
    done = _cli(str(tmp_path / "bad.json"), str(tmp_path / "out.json"))
    assert done.returncode == 2 and "slots: expected an integer" in done.stderr
    assert not (tmp_path / "out.json").exists()
    done = _cli(str(tmp_path / "missing.json"), str(tmp_path / "out.json"))
    assert done.returncode == 2 and "cannot read" in done.stderr


def test_a_wrong_type_is_named_before_missing_parts() -> None:
    # A first try with only `"slots": "2"` must hear about slots, not only what is missing.
    with pytest.raises(InstanceError, match="slots: expected an integer"):
        instance_from_json({"slots": "2"})
    with pytest.raises(InstanceError, match="attendees: expected a list"):
        instance_from_json({"slots": 2, "attendees": "p1"})


def test_cli_checks_out_can_be_written_before_solving(tmp_path: Path) -> None:
    (tmp_path / "in.json").write_text(json.dumps(ISSUE_IN))
    (tmp_path / "a_dir").mkdir()
    for out in (tmp_path / "nowhere" / "out.json", tmp_path / "a_dir"):
        done = _cli(str(tmp_path / "in.json"), str(out), "--time-limit", "10")
        assert done.returncode == 2 and "cannot write" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr
        assert "expo: greedy" not in done.stderr and "scheduled" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert list((tmp_path / "a_dir").iterdir()) == []
