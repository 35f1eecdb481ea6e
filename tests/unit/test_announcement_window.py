"""When an expo announcement shows on a page (frontend/js/announcement_window.js, under Node):
only inside its window, never once withdrawn or dismissed, the newest first; and when the
page must look again (the next start or end)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

JS = Path(__file__).resolve().parents[2] / "frontend" / "js"
T0 = 1_800_000_000_000  # ms

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")


def iso(offset_s: float) -> str:
    return datetime.fromtimestamp(T0 / 1000 + offset_s, UTC).isoformat()


def a(id: int, start: float, end: float | None = None, withdrawn: bool = False) -> dict[str, Any]:
    return {
        "id": id,
        "starts_at": iso(start),
        "ends_at": iso(end) if end is not None else None,
        "withdrawn_at": iso(0) if withdrawn else None,
        "version": 2 if withdrawn else 1,
    }


def run(announcements: list[dict[str, Any]], at: float, dismissed: tuple[int, ...] = ()) -> Any:
    rule = (JS / "announcement_window.js").as_uri()
    program = (
        f"const {{ showing, nextChange }} = await import({json.dumps(rule)});"
        f"const list = {json.dumps(announcements)}; const now = {T0 + at * 1000};"
        f"const shown = showing(list, now, new Set({json.dumps(list(dismissed))}));"
        f"const next = nextChange(list, now);"
        f"const after = next === null ? null : (next - {T0}) / 1000;"
        f"console.log(JSON.stringify([shown?.id ?? null, after]));"
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


def test_an_announcement_shows_from_its_start_until_its_end() -> None:
    scheduled = [a(1, 10, 20)]
    assert run(scheduled, 9.9) == [None, 10]
    assert run(scheduled, 10) == [1, 20]
    assert run(scheduled, 19.9) == [1, 20]
    assert run(scheduled, 20) == [None, None]


def test_withdrawn_and_dismissed_ones_never_show() -> None:
    assert run([a(1, 0, 20, withdrawn=True)], 5) == [None, None]
    assert run([a(1, 0, 20)], 5, dismissed=(1,)) == [None, 20]


def test_the_newest_to_start_shows_and_the_older_comes_back_after_it() -> None:
    both = [a(1, 0), a(2, 10, 20)]
    assert run(both, 5) == [1, 10]
    assert run(both, 15) == [2, 20]
    assert run(both, 25) == [1, None]
