"""frontend/js/room_changes.js under Node: a page applies `forum.room_changed` only when it is
newer than what it shows of that room, and a list read while a change was on its way does not
undo it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "frontend" / "js" / "room_changes.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")


def room(forum_id: int, position: int, zh: str, version: int) -> dict[str, Any]:
    return {
        "id": forum_id,
        "slug": f"r{forum_id}",
        "kind": "forum",
        "position": position,
        "title": {"zh": zh, "en": zh},
        "stream_url": None,
        "pre_moderation": False,
        "slow_mode_seconds": 0,
        "version": version,
        "audience": 3,  # what the event does not carry stays
    }


def state(forum_id: int, position: int, zh: str, version: int) -> dict[str, Any]:
    found = room(forum_id, position, zh, version)
    del found["id"], found["audience"]
    return {"forum_id": forum_id, **found}


def run(expression: str) -> Any:
    program = (
        f"const m = await import({json.dumps(SCRIPT.as_uri())});"
        f"console.log(JSON.stringify({expression}));"
    )
    ran = subprocess.run(
        ["node", "--input-type=module", "-e", program],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    return json.loads(ran.stdout)


LIST = [room(2, 0, "甲", 5), room(3, 1, "乙", 5)]


def test_a_newer_change_is_applied_and_the_rooms_sorted_again():
    renamed = state(3, 0, "乙二", 6) | {"position": 0}
    moved = state(2, 1, "甲", 6)
    after = run(
        f"m.applyRoomChange(m.applyRoomChange({json.dumps(LIST)}, {json.dumps(renamed)}),"
        f" {json.dumps(moved)})"
    )
    assert [(r["id"], r["position"], r["title"]["zh"], r["version"]) for r in after] == [
        (3, 0, "乙二", 6),
        (2, 1, "甲", 6),
    ]
    assert all(r["audience"] == 3 for r in after)


def test_an_older_change_or_one_of_an_unknown_room_changes_nothing():
    older = state(3, 1, "旧名", 4)
    unknown = state(9, 0, "别处", 9)
    assert run(f"m.applyRoomChange({json.dumps(LIST)}, {json.dumps(older)})") is None
    assert run(f"m.applyRoomChange({json.dumps(LIST)}, {json.dumps(unknown)})") is None
    assert run(f"m.applyRoomChange(null, {json.dumps(older)})") is None


def test_a_list_read_before_a_change_arrived_keeps_the_newer_room():
    known = [room(2, 0, "甲", 5), room(3, 1, "乙二", 7)]
    fresh = [room(2, 0, "甲新", 6), room(3, 1, "乙", 6)]  # read before 3's change committed
    merged = run(f"m.mergeRooms({json.dumps(known)}, {json.dumps(fresh)})")
    assert [(r["id"], r["title"]["zh"], r["version"]) for r in merged] == [
        (2, "甲新", 6),
        (3, "乙二", 7),
    ]
