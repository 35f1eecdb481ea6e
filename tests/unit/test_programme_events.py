"""A room's programme as a page follows it (frontend/js/programme_events.js, run under Node): a late
save older than what the page knows of a session, deleted or moved away since included, never
brings it back; a later move back does."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

JS = Path(__file__).resolve().parents[2] / "frontend" / "js"
FORUM = 2

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")


def saved(version: int, forum: int = FORUM, sid: int = 7) -> list[Any]:
    session = {
        "id": sid,
        "guid": f"guid-{sid}",
        "forum_id": forum,
        "version": version,
        "starts_at": f"2031-05-26T0{sid % 10}:00:00Z",
    }
    return ["programme.session_saved", {"session": session}]


def deleted(version: int | None = None, sid: int = 7) -> list[Any]:
    data: dict[str, Any] = {"id": sid, "forum_id": FORUM, "guid": f"guid-{sid}"}
    if version is not None:
        data["version"] = version  # a move out of the room
    return ["programme.session_deleted", data]


def follow(events: list[list[Any]]) -> list[list[tuple[int, int]]]:
    """The page's list after each event, as (id, version) pairs, one version book throughout
    (as followProgramme keeps it)."""
    rule, book = ((JS / name).as_uri() for name in ("programme_events.js", "versions.js"))
    program = (
        f"const {{ applyProgrammeEvent }} = await import({json.dumps(rule)});"
        f"const {{ versionBook }} = await import({json.dumps(book)});"
        f"const book = versionBook(); let list = []; const seen = [];"
        f"for (const [type, data] of {json.dumps(events)}) {{"
        f"  list = applyProgrammeEvent(list, type, data, {FORUM}, book) ?? list;"
        f"  seen.push(list.map((s) => [s.id, s.version]));"
        f"}}"
        f"console.log(JSON.stringify(seen));"
    )
    ran = subprocess.run(
        ["node", "--input-type=module", "-e", program],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=JS,
    )
    assert ran.returncode == 0, ran.stderr
    return [[(sid, version) for sid, version in step] for step in json.loads(ran.stdout)]


def test_a_late_older_save_does_not_revive_a_deleted_session() -> None:
    steps = follow([saved(1), saved(2), deleted(), saved(1), saved(2)])
    assert steps == [[(7, 1)], [(7, 2)], [], [], []]


def test_a_late_older_save_does_not_bring_back_a_session_moved_away() -> None:
    # Moved to another room at version 3; its save at 2 (in this room) comes late.
    steps = follow([saved(2), deleted(version=3), saved(2)])
    assert steps == [[(7, 2)], [], []]


def test_a_session_moved_back_into_the_room_shows_again() -> None:
    steps = follow([saved(2), deleted(version=3), saved(4), deleted(version=3)])
    # ...and the move out, announced late after the move back, does not take it away.
    assert steps == [[(7, 2)], [], [(7, 4)], [(7, 4)]]


def test_a_new_session_that_reuses_a_deleted_ones_id_shows() -> None:
    # SQLite may hand a deleted row's id to the next row: another guid, another session.
    reused = saved(1)
    reused[1]["session"]["guid"] = "guid-new"
    steps = follow([saved(1), deleted(), reused])
    assert steps == [[(7, 1)], [], [(7, 1)]]


def test_other_sessions_keep_their_own_versions() -> None:
    steps = follow([saved(1), saved(5, sid=8), deleted(), saved(1, sid=8), saved(6, sid=8)])
    assert steps == [[(7, 1)], [(7, 1), (8, 5)], [(8, 5)], [(8, 5)], [(8, 6)]]
