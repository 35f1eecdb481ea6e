"""The version rule for state events: forums.domain.Versions, and frontend/js/versions.js run
under Node with the same cases, so the server's rule and the pages' cannot drift apart."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from forums.domain import Versions

SCRIPT = Path(__file__).resolve().parents[2] / "frontend" / "js" / "versions.js"

# (key, version, applied?) in the order the events arrive.
CASES = [
    ("question:1", 2, True),  # the first seen
    ("question:1", 4, True),  # newer
    ("question:1", 3, False),  # announced after 4, committed before it: stale
    ("question:1", 4, True),  # a repeat (a retried announcement): harmless
    ("question:2", 1, True),  # another object keeps its own count
    ("question:1", None, True),  # no version (an older server): applied as it comes
    ("question:1", 3, False),  # ...and it does not reset what was seen
    ("poll:1", 1, True),
]


def test_a_page_keeps_the_highest_version_per_object_and_drops_older_events():
    versions = Versions()
    assert [versions.take(key, version) for key, version, _ in CASES] == [c[2] for c in CASES]
    assert versions.newest("question:1") == 4


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node to run the page's module")
def test_the_pages_rule_is_the_same_as_the_servers():
    cases = json.dumps([[key, version] for key, version, _ in CASES])
    program = (
        f"const {{ versionBook }} = await import({json.dumps(SCRIPT.as_uri())});"
        f"const book = versionBook();"
        f"console.log(JSON.stringify({cases}.map(([k, v]) => book.take(k, v))));"
        f"book.reset();"
        f"console.log(JSON.stringify(book.take('question:1', 1)));"
    )
    ran = subprocess.run(
        ["node", "--input-type=module", "-e", program],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    applied, after_reset = ran.stdout.splitlines()
    assert json.loads(applied) == [c[2] for c in CASES]
    assert json.loads(after_reset) is True  # a snapshot starts the count again


async def test_the_tally_coalescer_never_publishes_a_stale_read_over_a_newer_one():
    """A read that finds an older version than the one published (a move landed in between
    on another replica's snapshot, say) is not published: the next read is newer."""
    from dataclasses import dataclass

    from forums.qa_coalescer import Coalescer

    @dataclass(frozen=True)
    class Reading:
        counts: int
        version: int

    reads = iter([Reading(3, 2), Reading(4, 1)])
    published: list[Reading] = []

    async def read() -> Reading:
        return next(reads)

    async def publish(value: Reading, _before: object) -> None:
        published.append(value)

    coalescer = Coalescer(0.001)
    coalescer.touch("poll", read, publish)
    coalescer.touch("poll", read, publish)  # touched again: one more read after the first
    task = coalescer._keys["poll"].task
    assert task is not None
    await task
    assert published == [Reading(3, 2)]
