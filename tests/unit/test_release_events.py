"""frontend/js/release_events.js under Node: a list of published releases follows
`release.published` (new at the top, a newer version in place, an older one ignored) and
`release.withdrawn` (gone, unless the list already shows a newer version)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "frontend" / "js" / "release_events.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")


def release(rid: int, version: int, at: str, industry: str = "ai") -> dict[str, Any]:
    return {"id": rid, "version": version, "published_at": at, "industry": {"key": industry}}


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


LIST = [release(3, 2, "2026-12-04T10:00:00+00:00"), release(1, 2, "2026-12-04T08:00:00+00:00")]


def apply(kind: str, data: dict[str, Any], extra: str = "") -> Any:
    return run(
        f"m.applyReleaseEvent({json.dumps(LIST)}, {json.dumps(kind)}, {json.dumps(data)}{extra})"
    )


def test_a_new_release_goes_to_the_top_and_a_newer_version_replaces_in_place():
    new = release(7, 2, "2026-12-04T11:00:00+00:00")
    assert [r["id"] for r in apply("release.published", new)] == [7, 3, 1]
    edited = release(1, 3, "2026-12-04T08:00:00+00:00") | {"title": "new"}
    after = apply("release.published", edited)
    assert [(r["id"], r["version"]) for r in after] == [(3, 2), (1, 3)]
    assert after[1]["title"] == "new"


def test_older_versions_unknown_withdrawals_and_filtered_ones_change_nothing():
    assert apply("release.published", release(3, 2, "x")) is None
    assert apply("release.withdrawn", {"id": 9, "version": 5}) is None
    assert apply("release.withdrawn", {"id": 3, "version": 1}) is None
    other = release(8, 2, "2026-12-04T12:00:00+00:00", industry="blockchain")
    accept = ", {accept: (r) => r.industry.key === 'ai'}"
    assert apply("release.published", other, accept) is None
    assert run(f"m.applyReleaseEvent(null, 'release.published', {json.dumps(other)})") is None
    assert apply("chat.message_posted", other) is None


def test_a_withdrawal_takes_it_away():
    assert [r["id"] for r in apply("release.withdrawn", {"id": 3, "version": 3})] == [1]
